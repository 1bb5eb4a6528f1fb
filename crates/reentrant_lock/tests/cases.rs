//! Graded cases (rstest): one scenario per property of the re-entrant lock. Every lock and
//! unlock happens on an actor thread, on the test's command, so the order of events is forced
//! and a deadlock fails the test after `patience()` instead of hanging it.

use crate::harness::{Actor, Event, OrFail, setup};
use course_testkit::{Latch, Trace, patience};
use reentrant_lock::ReentrantLock;
use rstest::rstest;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

#[test]
fn smoke_one_thread_locks_reads_and_unlocks() {
    // The lock must be shareable between threads even around a value that is not `Sync`.
    fn shareable<T: Send + Sync>() {}
    shareable::<ReentrantLock<Cell<u32>>>();

    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let lock = ReentrantLock::new(Cell::new(5));
        {
            let guard = lock.lock();
            guard.set(guard.get() + 1);
        }
        let again = lock.lock().get();
        let _ = sender.send((again, lock.into_inner().into_inner()));
    });
    match receiver.recv_timeout(patience()) {
        Ok(values) => assert_eq!(
            values,
            (6, 6),
            "set the value to 6 through a guard, then read it through a second lock() and \
             into_inner(): (second lock, into_inner)"
        ),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "a single thread locked, unlocked and locked again, and was still waiting after \
             {:?}: the first guard's drop must free the lock",
            patience()
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("locking, unlocking and locking again panicked (see the message above)")
        }
    }
}

#[rstest]
#[case::twice(2)]
#[case::three_times(3)]
#[case::five_times(5)]
fn the_owner_can_lock_again_while_holding_the_lock(#[case] depth: usize) {
    let (lock, trace) = setup();
    let owner = Actor::spawn("owner", &lock, &trace);
    for held in 0..depth {
        owner.lock().unwrap_or_else(|message| {
            panic!(
                "the owner already held {held} guard(s) and locked again: a re-entrant lock \
                 must let its owner in at once (a plain mutex deadlocks here)\n{message}"
            )
        });
    }
    for _ in 0..depth {
        owner.unlock().or_fail();
    }
    // Free again: the owner (or anyone) can take it once more.
    owner.lock().or_fail();
}

#[rstest]
#[case::with_one_guard(1)]
#[case::with_two_guards(2)]
fn the_owner_can_try_lock_while_holding_the_lock(#[case] depth: usize) {
    let (lock, trace) = setup();
    let owner = Actor::spawn("owner", &lock, &trace);
    for _ in 0..depth {
        owner.lock().or_fail();
    }
    if !owner.try_lock().or_fail() {
        trace.fail(
            format!(
                "the owner holds {depth} guard(s) and its try_lock() returned None: the thread \
                 that holds a re-entrant lock must get it again at once"
            ),
            &[trace.len() - 1],
        );
    }
}

#[rstest]
#[case::one_guard(1)]
#[case::two_guards(2)]
#[case::three_guards(3)]
fn try_lock_from_another_thread_fails_until_the_last_guard_is_dropped(#[case] depth: usize) {
    let (lock, trace) = setup();
    let owner = Actor::spawn("owner", &lock, &trace);
    let other = Actor::spawn("other", &lock, &trace);
    for _ in 0..depth {
        owner.lock().or_fail();
    }
    for left in (1..=depth).rev() {
        if other.try_lock().or_fail() {
            trace.fail(
                format!(
                    "the owner still holds {left} of its {depth} guard(s), yet another thread's \
                     try_lock() got the lock: the lock is free only once every guard is gone"
                ),
                &[trace.len() - 1],
            );
        }
        owner.unlock().or_fail();
    }
    if !other.try_lock().or_fail() {
        trace.fail(
            "the owner dropped all its guards, yet another thread's try_lock() returned None: \
             the last guard's drop must free the lock",
            &[trace.len() - 1],
        );
    }
}

#[rstest]
#[case::one_guard(1)]
#[case::two_guards(2)]
#[case::three_guards(3)]
fn a_waiting_thread_gets_the_lock_only_after_the_owners_last_guard(#[case] depth: usize) {
    let (lock, trace) = setup();
    let owner = Actor::spawn("owner", &lock, &trace);
    let other = Actor::spawn("other", &lock, &trace);
    for _ in 0..depth {
        owner.lock().or_fail();
    }
    other.start_lock().or_fail();
    // The owner drops all but its outer guard.
    for _ in 1..depth {
        owner.unlock().or_fail();
    }
    if depth > 1 {
        // The lock must still be the owner's, whether or not the waiter has woken: a third
        // thread is refused, and the owner itself gets in again.
        let probe = Actor::spawn("probe", &lock, &trace);
        if probe.try_lock().or_fail() {
            trace.fail(
                format!(
                    "the owner dropped {} of its {depth} guards and still holds one, yet a                      third thread's try_lock() got the lock: it is free only once every guard                      is gone",
                    depth - 1
                ),
                &[trace.len() - 1],
            );
        }
        if !owner.try_lock().or_fail() {
            trace.fail(
                format!(
                    "the owner dropped {} of its {depth} guards and still holds one, yet its                      own try_lock() was refused: the waiting thread got the lock too early",
                    depth - 1
                ),
                &[trace.len() - 1],
            );
        }
        owner.unlock().or_fail();
    }
    owner.unlock().or_fail();
    other.finish_lock().unwrap_or_else(|message| {
        panic!(
            "the owner dropped its last guard, but the thread waiting in lock() never got the \
             lock: dropping the last guard must wake a waiter\n{message}"
        )
    });
    check_waited_for_last_guard(&trace, depth);
}

/// Checks that `other` locked after `owner` began dropping its last guard.
fn check_waited_for_last_guard(trace: &Trace<Event>, depth: usize) {
    let events = trace.events();
    let last_drop = events
        .iter()
        .find(|e| e.thread == "owner" && e.what == Event::Unlocking { depth: 1 })
        .map(|e| e.seq);
    let got = events
        .iter()
        .find(|e| e.thread == "other" && e.what == Event::Locked { depth: 1 })
        .map(|e| e.seq);
    if let (Some(last_drop), Some(got)) = (last_drop, got)
        && got < last_drop
    {
        trace.fail(
            format!(
                "another thread got the lock while the owner still held a guard (it took \
                 {depth}): the lock is free only once the owner's last guard is gone"
            ),
            &[got, last_drop],
        );
    }
}

#[rstest]
#[case::two_threads(2)]
#[case::four_threads(4)]
fn nested_critical_sections_of_many_threads_never_overlap(#[case] threads: usize) {
    const ROUNDS: u32 = 200;
    let lock = Arc::new(ReentrantLock::new(Cell::new(0u32)));
    let done = Arc::new(Latch::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (lock, done) = (Arc::clone(&lock), Arc::clone(&done));
            thread::spawn(move || {
                // Counts down even if this thread panics, so the test reports the panic at once.
                let _done = CountDownOnDrop(done);
                for _ in 0..ROUNDS {
                    let outer = lock.lock();
                    let before = outer.get();
                    {
                        // A nested section in the middle of the outer one.
                        let inner = lock.lock();
                        inner.set(inner.get() + 1);
                    }
                    // Still inside the outer section: nobody else may have changed the value.
                    thread::yield_now();
                    assert_eq!(
                        outer.get(),
                        before + 1,
                        "another thread changed the value while this one still held its outer \
                     guard: its inner guard's drop must not free the lock"
                    );
                    outer.set(before + 2);
                }
            })
        })
        .collect();
    done.wait("every thread to finish its nested critical sections");
    for handle in handles {
        if let Err(panic) = handle.join() {
            std::panic::resume_unwind(panic);
        }
    }
    let total = Arc::try_unwrap(lock)
        .ok()
        .expect("the threads are done")
        .into_inner()
        .get();
    assert_eq!(
        total,
        2 * ROUNDS * threads as u32,
        "{threads} threads each added 2, {ROUNDS} times, under the lock: an update was lost, so \
         two threads were inside at once"
    );
}

use course_testkit::CountDownOnDrop;
