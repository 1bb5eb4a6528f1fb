//! Graded cases (rstest): on the virtual clock, the callback runs once, never early; cancel
//! before the deadline prevents it and ends the thread at once; cancel after the run returns
//! false. One smoke test on the real clock.

use crate::harness::{CountDownOnDrop, OrFail, Scenario};
use course_clock::{Clock, Instant};
use course_testkit::{Gate, Latch, patience};
use rstest::rstest;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use timer::Timer;

const fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

const fn millis(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// One millisecond before `due`.
fn just_before(due: Instant) -> Instant {
    Instant::from_duration(due.since_start() - millis(1))
}

/// A timer must be cancellable from another thread, as `cancel(&self)` promises.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<Timer>();
};

/// Runs the scenario's timer to its due time and checks that the callback ran exactly then.
fn run_to_the_due_time(s: &Scenario) {
    s.run_until(just_before(s.due)).or_fail();
    s.check_never_early_at_most_once().or_fail();
    if let Some(&(seq, at)) = s.runs().first() {
        panic!(
            "{}",
            s.failure(
                format!("the callback ran at {at}, before its due time {}", s.due),
                &[seq]
            )
        );
    }
    s.run_until(s.due).or_fail();
    s.wait_for_the_run().or_fail();
    s.check_never_early_at_most_once().or_fail();
    let (seq, at) = s.runs()[0];
    if at != s.due {
        panic!(
            "{}",
            s.failure(
                format!(
                    "the callback ran at {at}, but the timer was due at {}: it must run as soon \
                     as the delay has passed",
                    s.due
                ),
                &[seq]
            )
        );
    }
}

#[test]
fn smoke_a_timer_runs_its_callback_once_at_its_due_time() {
    let mut s = Scenario::start_at(Instant::ZERO, secs(1));
    run_to_the_due_time(&s);
    let ran = s.join("its callback ran").or_fail();
    assert!(
        ran,
        "join() returned false, but the callback ran: join must say whether it ran"
    );
}

#[rstest]
#[case::a_quarter_second(Instant::ZERO, millis(250))]
#[case::one_and_a_half_seconds(Instant::ZERO, millis(1500))]
#[case::ten_seconds(Instant::ZERO, secs(10))]
#[case::one_second_started_at_two_and_a_half(Instant::from_millis(2500), secs(1))]
#[case::a_millisecond_started_at_seven(Instant::from_secs(7), millis(1))]
fn the_callback_never_runs_before_the_delay_and_runs_exactly_once(
    #[case] start: Instant,
    #[case] delay: Duration,
) {
    let mut s = Scenario::start_at(start, delay);
    run_to_the_due_time(&s);
    // Long after the due time, still exactly one run, and the thread has ended.
    let ran = s.join("its callback ran").or_fail();
    s.clock.advance(secs(100));
    s.check_never_early_at_most_once().or_fail();
    assert!(ran, "join() returned false, but the callback ran");
    assert_eq!(s.runs().len(), 1, "the callback must run exactly once");
}

#[test]
fn a_timer_with_no_delay_runs_without_time_passing() {
    let mut s = Scenario::start_at(Instant::from_secs(3), Duration::ZERO);
    s.wait_for_the_run().or_fail();
    s.check_never_early_at_most_once().or_fail();
    assert!(s.join("its callback ran").or_fail());
}

/// When a cancel is called, relative to the timer's due time at t=10s.
#[derive(Clone, Copy, Debug)]
enum CancelAt {
    /// Straight after starting, before the timer thread may even have looked at the clock.
    Immediately,
    /// At t=0, once the timer thread is asleep.
    OnceAsleep,
    /// At t=9.999s.
    JustBeforeTheDeadline,
}

#[rstest]
fn a_cancel_before_the_due_time_prevents_the_run_and_returns_true(
    #[values(
        CancelAt::Immediately,
        CancelAt::OnceAsleep,
        CancelAt::JustBeforeTheDeadline
    )]
    when: CancelAt,
) {
    let mut s = Scenario::start_at(Instant::ZERO, secs(10));
    match when {
        CancelAt::Immediately => {}
        CancelAt::OnceAsleep => s.settle().or_fail(),
        CancelAt::JustBeforeTheDeadline => s.run_until(just_before(s.due)).or_fail(),
    }
    let at = s.now();
    if !s.cancel() {
        panic!(
            "{}",
            s.failure(
                format!(
                    "cancel() at {at}, before the due time {}, returned false: it prevented the \
                     run, so it must return true",
                    s.due
                ),
                &[]
            )
        );
    }
    let ran = s
        .join("cancel() returned true, with the clock still before the due time")
        .or_fail();
    // Let time run well past the due time: nothing may run.
    s.clock.advance_to(s.due + secs(10));
    if let Some(&(seq, at)) = s.runs().first() {
        panic!(
            "{}",
            s.failure(
                format!("the callback ran at {at}, after cancel() had returned true"),
                &[seq]
            )
        );
    }
    assert!(
        !ran,
        "join() returned true, but the callback never ran (the timer was cancelled)"
    );
}

#[rstest]
#[case::at_the_due_time(Duration::ZERO)]
#[case::long_after(secs(50))]
fn a_cancel_after_the_run_returns_false(#[case] after: Duration) {
    let mut s = Scenario::start_at(Instant::ZERO, secs(2));
    run_to_the_due_time(&s);
    s.clock.advance(after);
    if s.cancel() {
        panic!(
            "{}",
            s.failure(
                "cancel() returned true after the callback had run: it prevented nothing, so \
                 it must return false",
                &[]
            )
        );
    }
    assert!(s.join("its callback ran").or_fail());
    s.check_never_early_at_most_once().or_fail();
}

#[test]
fn a_second_cancel_returns_false() {
    let mut s = Scenario::start_at(Instant::ZERO, secs(5));
    s.settle().or_fail();
    assert!(s.cancel(), "cancel() before the due time must return true");
    if s.cancel() {
        panic!(
            "{}",
            s.failure(
                "a second cancel() returned true: the first one already prevented the run, this \
                 one prevented nothing",
                &[]
            )
        );
    }
    assert!(!s.join("the timer was cancelled").or_fail());
}

#[test]
fn a_cancel_while_the_callback_runs_returns_false_at_once() {
    let release = Arc::new(Gate::new());
    let started = Arc::new(Latch::new(1));
    let mut s = {
        let (release, started) = (Arc::clone(&release), Arc::clone(&started));
        Scenario::start_then(Instant::ZERO, secs(1), move || {
            started.count_down();
            release.pass("the test to let the callback finish");
        })
    };
    s.run_until(s.due).or_fail();
    started.wait("the callback to start (the timer was due)");
    // The callback is blocked: cancel must answer now, and the answer is "too late".
    let answered = Arc::new(Latch::new(1));
    let answer = Arc::new(Mutex::new(None));
    let s_ref = &s;
    std::thread::scope(|scope| {
        let (answered_by_cancel, answer) = (Arc::clone(&answered), Arc::clone(&answer));
        scope.spawn(move || {
            let _count = CountDownOnDrop(answered_by_cancel);
            *answer.lock().unwrap() = Some(s_ref.cancel());
        });
        let in_time = answered.wait_patiently();
        release.open();
        if !in_time {
            panic!(
                "{}",
                s_ref.failure(
                    format!(
                        "cancel(), called while the callback was running, did not return within \
                         {:?}: it must not wait for the callback (is the lock held while the \
                         callback runs?)",
                        patience()
                    ),
                    &[]
                )
            );
        }
    });
    if *answer.lock().unwrap() != Some(false) {
        panic!(
            "{}",
            s.failure(
                "cancel() returned true while the callback was already running: it can no \
                 longer prevent the run, so it must return false",
                &[]
            )
        );
    }
    assert!(s.join("its callback ran").or_fail());
}

#[rstest]
#[case::a_second(secs(1))]
#[case::an_hour(secs(3600))]
fn a_cancelled_timers_thread_ends_at_once_without_time_passing(#[case] delay: Duration) {
    let mut s = Scenario::start_at(Instant::ZERO, delay);
    s.settle().or_fail();
    assert!(s.cancel(), "cancel() before the due time must return true");
    // The clock does not move: a thread that sleeps out the delay never ends.
    let ran = s
        .join(
            "cancel() returned true, with the clock standing still: a cancelled timer must wake \
             and end at once, not sleep out the delay and check a flag afterwards",
        )
        .or_fail();
    assert!(!ran, "join() returned true for a cancelled timer");
    assert_eq!(
        s.clock.blocked(),
        0,
        "after the cancelled timer's thread ended, something is still asleep on the clock"
    );
    assert_eq!(s.now(), Instant::ZERO, "the test moved no time");
}

#[test]
fn real_clock_smoke_the_callback_never_runs_before_its_due_time() {
    let clock = Clock::system();
    let delay = millis(40);
    let ran_at = Arc::new(Mutex::new(None));
    let ran = Arc::new(Latch::new(1));
    let earliest = clock.now() + delay;
    let timer = {
        let (clock, ran_at, ran) = (clock.clone(), Arc::clone(&ran_at), Arc::clone(&ran));
        Timer::with_clock(clock.clone(), delay, move || {
            *ran_at.lock().unwrap() = Some(clock.now());
            ran.count_down();
        })
    };
    ran.wait("a timer with a 40 ms delay to run on the real clock");
    let at = ran_at
        .lock()
        .unwrap()
        .expect("the callback recorded its time");
    assert!(
        at >= earliest,
        "on the real clock, the callback ran at {at}, before its due time (no earlier than \
         {earliest}): a timer must never run early"
    );
    assert!(
        timer.join().expect("the timer thread panicked"),
        "join() must return true: the callback ran"
    );

    // `new` uses the system clock.
    let ran = Arc::new(Latch::new(1));
    let counted = Arc::clone(&ran);
    let timer = Timer::new(millis(1), move || counted.count_down());
    ran.wait("a timer made with Timer::new and a 1 ms delay to run");
    assert!(timer.join().expect("the timer thread panicked"));
}
