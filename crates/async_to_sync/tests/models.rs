//! Graded loom models: every interleaving of callers with the executor's callback threads.
//! Built only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! The models note what each caller saw when its `execute` returned, drop the executor (which
//! joins every callback thread) and only then assert: loom cannot unwind a failed model past
//! threads that are still running.
//!
//! The model with two callers explores with a preemption bound of 2 instead of the course's 3:
//! with two callers and their callback threads, 3 takes many seconds, and a caller returning
//! before its callback needs no preemption at all to show.

use async_to_sync::{AsyncExecutor, SyncExecutor};
use course_clock::VirtualClock;
use course_sync::atomic::{AtomicBool, Ordering};
use course_sync::{Arc, model, model_with_bound, thread};

/// Calls `execute` with a callback that sets a flag; returns whether the flag was set when
/// `execute` returned.
fn callback_ran_before_return(executor: &SyncExecutor) -> bool {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    executor
        .execute(move || flag.store(true, Ordering::SeqCst))
        .expect("the callback returns");
    ran.load(Ordering::SeqCst)
}

#[test]
fn execute_returns_after_its_callback_on_every_call() {
    model(|| {
        let clock = VirtualClock::new();
        let executor = SyncExecutor::with_clock(AsyncExecutor::new(), clock.clock());
        let first = callback_ran_before_return(&executor);
        let second = callback_ran_before_return(&executor);
        drop(executor);
        assert!(
            first,
            "the first call returned before its callback ran: execute must wait for it"
        );
        assert!(
            second,
            "the second call returned before its callback ran: each call must wait for its own \
             callback (a done flag left set by the first call?)"
        );
    });
}

#[test]
fn two_concurrent_callers_each_wait_for_their_own_callback() {
    model_with_bound(2, || {
        let clock = VirtualClock::new();
        let executor = Arc::new(SyncExecutor::with_clock(
            AsyncExecutor::new(),
            clock.clock(),
        ));
        // One call alone first: an unfinished `execute` (a `todo!()`) then fails here, before
        // the other caller exists, which loom could not unwind past.
        let alone = callback_ran_before_return(&executor);
        let other = {
            let executor = Arc::clone(&executor);
            thread::spawn(move || callback_ran_before_return(&executor))
        };
        let mine = callback_ran_before_return(&executor);
        let theirs = other.join().expect("the other caller panicked");
        drop(executor);
        assert!(
            alone && mine && theirs,
            "a caller returned before its own callback ran (woken by the other call's \
             callback?)"
        );
    });
}
