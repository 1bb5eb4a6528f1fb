//! Graded loom models: every interleaving (up to the preemption bound) of completions racing a
//! waiter: its registration (a listener installed too late), its decision, and its sleep. Built
//! only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! A lost completion shows as a deadlock, which loom reports: the waiter asleep with no
//! deadline, and every completer finished. So does a waiter that polls by sleeping on the
//! clock (nobody moves the clock in a model), and one that spins exceeds loom's branch bound.
//!
//! The three-thread model explores with a preemption bound of 2: the races of this exercise
//! need one preemption (a completion between the waiter's look and its registration, or between
//! its decision and its sleep), and 2 keeps the model to seconds.

use course_clock::{Instant, VirtualClock};
use course_sync::{model, model_with_bound, thread};
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;
use wait_futures::{ReturnWhen, Split, Task, as_completed, wait};

type TestTask = Task<u32, &'static str>;

/// Runs `body`, then joins `threads`. If `body` panics (a failed check, a `todo!()`), the
/// threads are joined first and the panic goes on afterwards: a model that unwinds while its
/// threads still run makes loom abort the whole test process, hiding the message.
fn joining<R>(threads: Vec<thread::JoinHandle<()>>, body: impl FnOnce() -> R) -> R {
    let result = panic::catch_unwind(AssertUnwindSafe(body));
    for thread in threads {
        thread.join().expect("a completer thread panicked");
    }
    result.unwrap_or_else(|panic| panic::resume_unwind(panic))
}

#[test]
fn a_completion_racing_the_waiters_registration_is_never_lost() {
    model(|| {
        let clock = VirtualClock::new();
        let task = TestTask::new();
        let completer = {
            let task = task.clone();
            thread::spawn(move || task.complete(Ok(1)))
        };
        // The completion may come before the wait, while it installs its listener, while it
        // decides, or while it sleeps: in every case the wait must see it.
        let split = joining(vec![completer], || {
            wait(
                &clock.clock(),
                std::slice::from_ref(&task),
                None,
                ReturnWhen::FirstCompleted,
            )
        });
        assert_eq!(
            split,
            Split {
                done: vec![0],
                not_done: vec![]
            },
            "a FirstCompleted wait on one task returned before it completed"
        );
        assert_eq!(
            task.watchers(),
            0,
            "wait returned but left its listener on the task"
        );
    });
}

#[test]
fn a_first_exception_wait_racing_a_failure_and_a_success_returns_with_the_failure() {
    model_with_bound(2, || {
        let clock = VirtualClock::new();
        let tasks: Vec<TestTask> = vec![Task::new(), Task::new()];
        let failing = {
            let task = tasks[0].clone();
            thread::spawn(move || task.complete(Err("a failed")))
        };
        let succeeding = {
            let task = tasks[1].clone();
            thread::spawn(move || task.complete(Ok(2)))
        };
        let split = joining(vec![failing, succeeding], || {
            wait(&clock.clock(), &tasks, None, ReturnWhen::FirstException)
        });
        // It returns at the failure of a, or once both completed: a is done either way.
        assert!(
            split.done.contains(&0),
            "a FirstException wait returned {split:?}, without the failing task a: a success \
             alone must not end it"
        );
    });
}

#[test]
fn a_timed_wait_racing_a_completion_and_its_deadline_never_returns_early() {
    model_with_bound(2, || {
        let clock = VirtualClock::new();
        let task = TestTask::new();
        let completer = {
            let task = task.clone();
            thread::spawn(move || task.complete(Ok(1)))
        };
        let timekeeper = {
            let clock = clock.clone();
            thread::spawn(move || clock.advance(Duration::from_secs(1)))
        };
        let split = joining(vec![completer, timekeeper], || {
            wait(
                &clock.clock(),
                std::slice::from_ref(&task),
                Some(Duration::from_secs(1)),
                ReturnWhen::AllCompleted,
            )
        });
        // Either the completion decided it, or the deadline passed first: never neither.
        assert!(
            split.done == [0] || clock.now() >= Instant::from_secs(1),
            "a wait with a timeout of 1s returned {split:?} at {}, with the task not done and \
             before its deadline",
            clock.now()
        );
    });
}

#[test]
fn as_completed_racing_a_completion_at_its_registration_yields_in_completion_order() {
    model(|| {
        let clock = VirtualClock::new();
        let tasks: Vec<TestTask> = vec![Task::new(), Task::new()];
        // b completes at any moment of as_completed's start; a only after b was yielded.
        let completer = {
            let task = tasks[1].clone();
            thread::spawn(move || task.complete(Ok(2)))
        };
        joining(vec![completer], || {
            let mut iter = as_completed(&clock.clock(), &tasks, None);
            assert_eq!(
                iter.next(),
                Some(Ok(1)),
                "b completed first (a has not): as_completed must yield b first"
            );
            tasks[0].complete(Ok(1));
            assert_eq!(iter.next(), Some(Ok(0)), "then a");
            assert_eq!(iter.next(), None, "then the iteration ends");
        });
    });
}
