//! Graded loom models: every interleaving (up to the course's preemption bound) of a future's
//! life (pending -> running -> done, or pending -> cancelled) with the calls that race it:
//! `cancel`, `add_done_callback`, `result`, `shutdown`. Built only with
//! `RUSTFLAGS="--cfg course_loom"`.
//!
//! Each model is a pool of one worker and one task, plus one or two threads of the test: a bug
//! in the state machine shows as a wrong outcome in some interleaving (a cancel that succeeded
//! although the task ran, a callback run twice or never, a result missing from a future that
//! says it is done), and a lost wake-up as a deadlock, which loom reports.

use course_clock::VirtualClock;
use course_sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};
use std::time::Duration;
use thread_pool::{TaskError, TaskFuture, ThreadPool};

/// Adds a done callback that counts its runs in `calls` and stores in `saw` what it read: the
/// value (7 means `Ok(7)`), 0 for `Err(Cancelled)`, 1 for "not done", 2 for anything else.
fn counting_callback(future: &TaskFuture<u32>, calls: &Arc<AtomicUsize>, saw: &Arc<AtomicUsize>) {
    let (calls, saw) = (Arc::clone(calls), Arc::clone(saw));
    future.add_done_callback(move |f| {
        let seen = match f.result_timeout(Duration::ZERO) {
            Some(Ok(value)) => value as usize,
            Some(Err(TaskError::Cancelled)) => 0,
            None => 1,
            Some(Err(_)) => 2,
        };
        // SeqCst both sides: the stores happen before the worker is joined (or before the
        // cancelling thread returns), which the test waits for before it loads.
        saw.store(seen, Ordering::SeqCst);
        calls.fetch_add(1, Ordering::SeqCst);
    });
}

#[test]
fn cancel_racing_the_worker_succeeds_only_if_the_task_never_runs() {
    model(|| {
        let clock = VirtualClock::new();
        let pool = ThreadPool::with_clock(1, clock.clock());
        let ran = Arc::new(AtomicBool::new(false));
        let future = {
            let ran = Arc::clone(&ran);
            pool.submit(move || {
                ran.store(true, Ordering::SeqCst);
                7u32
            })
            .expect("submit on a fresh pool")
        };
        let (calls, saw) = (Arc::default(), Arc::default());
        counting_callback(&future, &calls, &saw);
        // The worker may not have popped the task yet, be about to start it, be running it, or
        // be done with it.
        let cancelled = future.cancel();
        // Joins the worker: from here on, the task ran or was skipped for good.
        drop(pool);
        let ran = ran.load(Ordering::SeqCst);
        if cancelled {
            assert!(
                !ran,
                "cancel() returned true, but the task ran anyway: cancel may succeed only while \
                 the task is pending, and a cancelled task must never start"
            );
            assert!(future.cancelled());
            assert_eq!(future.result(), Err(TaskError::Cancelled));
        } else {
            assert!(
                ran,
                "cancel() returned false, but the task never ran: a pending task must be \
                 cancellable, and a task not cancelled must run"
            );
            assert!(!future.cancelled());
            assert_eq!(future.result(), Ok(7));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "the done callback must run exactly once, whether the task finished or was cancelled"
        );
        let expected = if cancelled { 0 } else { 7 };
        assert_eq!(
            saw.load(Ordering::SeqCst),
            expected,
            "the done callback must see the future done, with its outcome"
        );
    });
}

#[test]
fn a_callback_added_while_the_task_completes_runs_exactly_once() {
    model(|| {
        let clock = VirtualClock::new();
        let pool = ThreadPool::with_clock(1, clock.clock());
        let future = pool.submit(|| 7u32).expect("submit on a fresh pool");
        let (calls, saw) = (Arc::default(), Arc::default());
        // The task may be pending, running, or done already.
        counting_callback(&future, &calls, &saw);
        drop(pool);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a done callback added while the task was finishing ran {} times: it must run \
             exactly once (by the worker if added before completion, at once by the caller if \
             added after)",
            calls.load(Ordering::SeqCst)
        );
        assert_eq!(
            saw.load(Ordering::SeqCst),
            7,
            "the done callback must see the future done, with the task's value"
        );
    });
}

#[test]
fn result_racing_completion_returns_the_value() {
    model(|| {
        let clock = VirtualClock::new();
        let pool = ThreadPool::with_clock(1, clock.clock());
        let future = pool.submit(|| 7u32).expect("submit on a fresh pool");
        // Either the task is done when `result` looks (and the value must be there), or
        // `result` sleeps and the completion must wake it (else loom reports a deadlock).
        assert_eq!(
            future.result(),
            Ok(7),
            "result() must give the task's value, whenever it is called"
        );
        assert!(future.done());
        drop(pool);
    });
}

#[test]
fn cancel_and_add_done_callback_racing_the_worker_agree_on_one_outcome() {
    model(|| {
        let clock = VirtualClock::new();
        let pool = ThreadPool::with_clock(1, clock.clock());
        let ran = Arc::new(AtomicBool::new(false));
        let future = {
            let ran = Arc::clone(&ran);
            pool.submit(move || {
                ran.store(true, Ordering::SeqCst);
                7u32
            })
            .expect("submit on a fresh pool")
        };
        let (calls, saw) = (Arc::<AtomicUsize>::default(), Arc::<AtomicUsize>::default());
        let adder = {
            let (future, calls, saw) = (future.clone(), Arc::clone(&calls), Arc::clone(&saw));
            thread::spawn(move || counting_callback(&future, &calls, &saw))
        };
        let cancelled = future.cancel();
        adder
            .join()
            .expect("the thread adding the callback panicked");
        drop(pool);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a callback added while the task was being cancelled or finished must run exactly \
             once"
        );
        let (expected, outcome) = if cancelled {
            (0, "cancelled")
        } else {
            (7, "finished")
        };
        assert_eq!(
            saw.load(Ordering::SeqCst),
            expected,
            "the task {outcome}, and the callback must see that outcome"
        );
        assert_eq!(
            ran.load(Ordering::SeqCst),
            !cancelled,
            "the task must run if and only if cancel() failed"
        );
    });
}

#[test]
fn a_task_submitted_while_the_pool_shuts_down_runs_or_is_refused() {
    model(|| {
        let clock = VirtualClock::new();
        let pool = Arc::new(ThreadPool::with_clock(1, clock.clock()));
        let submitter = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.submit(|| 7u32).ok())
        };
        pool.shutdown(true);
        let submitted = submitter.join().expect("the submitting thread panicked");
        if let Some(future) = submitted {
            // Accepted, so queued before the flag was set: the worker drains the queue before
            // it ends, and shutdown(true) joined the worker, so the task is done by now.
            assert_eq!(
                future.result_timeout(Duration::ZERO),
                Some(Ok(7)),
                "submit() accepted a task while the pool was shutting down, and shutdown(true) \
                 returned without running it: a task is either refused or run"
            );
        }
        drop(pool);
    });
}
