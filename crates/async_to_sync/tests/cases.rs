//! Graded cases (rstest): callbacks held at gates while the test checks that their callers are
//! still waiting; callers seen asleep on the virtual clock, never by timing.

use crate::harness::Scenario;
use async_to_sync::{AsyncExecutor, ExecuteError, SyncExecutor};
use course_testkit::{join_patiently, patience};
use rstest::rstest;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The executor must be shareable between threads: several may call `execute` at once.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<SyncExecutor>();
};

/// Runs `f` on a helper thread and waits patiently for it, so a hang fails with a sentence.
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    match join_patiently(std::thread::spawn(f)) {
        Some(Ok(value)) => value,
        Some(Err(_)) => panic!("{what} panicked"),
        None => panic!("{what} did not return within {:?}", patience()),
    }
}

#[test]
fn smoke_execute_returns_after_the_callback_ran() {
    let ran = Arc::new(AtomicUsize::new(0));
    let seen = bounded("execute on the system clock", {
        let ran = Arc::clone(&ran);
        move || {
            let executor = SyncExecutor::new(AsyncExecutor::new());
            let result = executor.execute({
                let ran = Arc::clone(&ran);
                move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                }
            });
            (result, ran.load(Ordering::SeqCst))
        }
    });
    assert_eq!(
        seen,
        (Ok(()), 1),
        "when execute returns, its callback must have run, once"
    );
}

#[rstest]
#[case::the_first_call(0)]
#[case::the_second_call(1)]
#[case::the_third_call(2)]
fn every_call_waits_for_its_callback_however_many_came_before(#[case] before: usize) {
    let s = Scenario::new();
    for i in 0..before {
        let result = s.execute_here(&format!("quick {i}"));
        assert_eq!(result, Ok(()));
        s.check_callback_before_return(&format!("quick {i}"));
    }
    let caller = s.spawn_held("caller", "held");
    s.wait_for_callback(&caller);
    s.settle(
        1,
        "while its callback is held, the caller must be asleep in execute",
    );
    s.check_still_waiting(&caller);
    s.release(&caller);
    assert_eq!(s.finish(vec![caller]), [Ok(())]);
}

#[rstest]
#[case::first_caller_released_first(true)]
#[case::second_caller_released_first(false)]
fn concurrent_callers_each_wait_for_their_own_callback(#[case] a_first: bool) {
    let s = Scenario::new();
    // A first call, completed: every call after it must wait all the same.
    assert_eq!(s.execute_here("first"), Ok(()));
    let a = s.spawn_held("caller A", "A");
    let b = s.spawn_held("caller B", "B");
    s.wait_for_callback(&a);
    s.wait_for_callback(&b);
    s.settle(
        2,
        "while both callbacks are held, both callers must be asleep",
    );
    s.check_still_waiting(&a);
    s.check_still_waiting(&b);
    let (first, second) = if a_first { (&a, &b) } else { (&b, &a) };
    s.release(first);
    // The released caller is parked on the clock again; the other one must still be asleep in
    // execute: another call's callback finishing is not its own.
    s.settle(
        2,
        "after one caller returned, both must be asleep (one parked, one waiting)",
    );
    s.check_still_waiting(second);
    s.release(second);
    assert_eq!(s.finish(vec![a, b]), [Ok(()), Ok(())]);
}

#[test]
fn a_panicking_callback_is_reported_and_its_caller_returns() {
    let result = bounded("execute with a panicking callback", || {
        let executor = SyncExecutor::new(AsyncExecutor::new());
        executor.execute(|| panic!("the callback failed (this panic is expected)"))
    });
    assert_eq!(
        result,
        Err(ExecuteError::CallbackPanicked),
        "a callback's panic must reach its caller as CallbackPanicked instead of leaving it \
         waiting"
    );
}

#[test]
fn a_callback_dropped_without_running_is_reported() {
    let result = bounded("execute whose executor never calls back", || {
        // The work panics, so the executor's thread unwinds and drops the callback unrun.
        let executor = SyncExecutor::new(AsyncExecutor::with_work(|| {
            panic!("the work failed (this panic is expected)")
        }));
        executor.execute(|| ())
    });
    assert_eq!(
        result,
        Err(ExecuteError::CallbackNotRun),
        "when the executor drops the callback without calling it, execute must not wait \
         forever: report CallbackNotRun (a guard that signals when dropped does it)"
    );
}
