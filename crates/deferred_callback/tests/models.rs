//! Graded loom models: every interleaving of `add_action` with the executor thread going to
//! sleep. Built only with `RUSTFLAGS="--cfg course_loom"`; a lost wakeup shows as an executor
//! asleep with no deadline while an action is pending.

use course_clock::{Instant, VirtualClock};
use course_sync::atomic::{AtomicBool, Ordering};
use course_sync::{Arc, model};
use deferred_callback::DeferredCallbackExecutor;
use std::time::Duration;

/// An action whose callback sets its flag.
fn flag_action(flag: &Arc<AtomicBool>) -> impl FnOnce() + Send + 'static {
    let flag = Arc::clone(flag);
    // SeqCst both sides: the store happens before the executor's next wait, which the test
    // observes through the clock before it loads.
    move || flag.store(true, Ordering::SeqCst)
}

#[test]
fn add_action_racing_the_executors_first_wait_loses_no_wakeup() {
    model(|| {
        let clock = VirtualClock::new();
        let executor = DeferredCallbackExecutor::with_clock(clock.clock());
        let ran = Arc::new(AtomicBool::new(false));
        // The executor thread may be before, in, or past its first look at the empty queue.
        executor.add_action(Duration::from_secs(1), flag_action(&ran));
        clock.wait_until_blocked(1);
        assert_eq!(
            clock.advance_to_next_deadline(),
            Some(Instant::from_secs(1)),
            "after an action due at t=1s was added, the executor slept without that deadline: \
             add_action must notify the executor (a lost wakeup)"
        );
        clock.wait_until_blocked(1);
        assert!(
            ran.load(Ordering::SeqCst),
            "the clock reached the action's due time and the executor went back to sleep \
             without running it"
        );
        drop(executor);
    });
}

#[test]
fn an_earlier_action_added_during_a_timed_wait_wakes_the_executor() {
    model(|| {
        let clock = VirtualClock::new();
        let executor = DeferredCallbackExecutor::with_clock(clock.clock());
        let (later, earlier) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        executor.add_action(Duration::from_secs(2), flag_action(&later));
        clock.wait_until_blocked(1);
        executor.add_action(Duration::from_secs(1), flag_action(&earlier));
        clock.wait_until_blocked(1);
        assert_eq!(
            clock.advance_to_next_deadline(),
            Some(Instant::from_secs(1)),
            "an action due at t=1s was added while the executor slept until t=2s, and it kept \
             sleeping until t=2s: add_action must notify the executor"
        );
        clock.wait_until_blocked(1);
        assert!(
            earlier.load(Ordering::SeqCst) && !later.load(Ordering::SeqCst),
            "at t=1s the executor must run the action due at t=1s, and only that one"
        );
        drop(executor);
    });
}

#[test]
fn dropping_the_executor_racing_its_wait_never_hangs() {
    model(|| {
        let clock = VirtualClock::new();
        let executor = DeferredCallbackExecutor::with_clock(clock.clock());
        let ran = Arc::new(AtomicBool::new(false));
        executor.add_action(Duration::from_secs(1), flag_action(&ran));
        // The executor thread may not have looked at the queue yet, or be about to sleep until
        // t=1s, or be asleep: in every case Drop must wake it and join it (loom reports a
        // deadlock otherwise), and the pending action must not run.
        drop(executor);
        assert!(
            !ran.load(Ordering::SeqCst),
            "dropping the executor ran an action that was not due yet"
        );
    });
}
