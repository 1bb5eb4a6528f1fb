//! Graded loom models: every interleaving of `cancel` with the timer thread. Built only with
//! `RUSTFLAGS="--cfg course_loom"`. A timer thread that does not wake on cancel shows as loom's
//! "deadlock" (it sleeps on a clock nobody moves while the test joins it).

use course_clock::VirtualClock;
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};
use std::time::Duration;
use timer::Timer;

/// A callback that counts its runs.
fn counting(runs: &Arc<AtomicUsize>) -> impl FnOnce() + Send + 'static {
    let runs = Arc::clone(runs);
    // SeqCst both sides; the join that follows orders the store before the load anyway.
    move || {
        runs.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_cancel_racing_the_timers_first_wait_stops_it_at_once() {
    model(|| {
        let clock = VirtualClock::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let timer = Timer::with_clock(clock.clock(), Duration::from_secs(1), counting(&runs));
        // The timer thread may be before, in, or past its first look at the state. Time never
        // moves: if it sleeps until its deadline anyway, the join below deadlocks.
        assert!(
            timer.cancel(),
            "cancel() before the due time must return true"
        );
        let ran = timer.join().expect("the timer thread panicked");
        assert!(
            !ran && runs.load(Ordering::SeqCst) == 0,
            "a cancelled timer ran its callback"
        );
    });
}

#[test]
fn a_cancel_racing_the_due_time_returns_true_exactly_when_the_callback_never_runs() {
    model(|| {
        let clock = VirtualClock::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let timer = Arc::new(Timer::with_clock(
            clock.clock(),
            Duration::from_secs(1),
            counting(&runs),
        ));
        let canceller = {
            let timer = Arc::clone(&timer);
            thread::spawn(move || timer.cancel())
        };
        // Meanwhile the clock reaches the due time.
        clock.advance_to(course_clock::Instant::from_secs(1));
        let prevented = canceller.join().expect("cancel() panicked");
        let timer = Arc::try_unwrap(timer)
            .ok()
            .expect("the canceller thread has ended");
        let ran = timer.join().expect("the timer thread panicked");
        let count = runs.load(Ordering::SeqCst);
        assert!(count <= 1, "the callback ran {count} times");
        assert_eq!(
            prevented,
            count == 0,
            "cancel() returned {prevented}, but the callback ran {count} times: cancel must \
             return true exactly when it stopped the run"
        );
        assert_eq!(ran, count == 1, "join() must say whether the callback ran");
    });
}
