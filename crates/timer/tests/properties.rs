//! Graded properties (proptest): random delays and cancel times, checked against the rule
//! "cancel returns true exactly when it comes before the due time, and then nothing runs".

use crate::harness::{OrFail, Scenario};
use course_clock::Instant;
use course_testkit::proptest_config;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::time::Duration;

/// Random times are whole multiples of a quarter second: fractional, and often equal.
fn quarters(n: u64) -> Duration {
    Duration::from_millis(250 * n)
}

#[test]
fn cancel_prevents_the_run_exactly_when_it_comes_before_the_due_time() {
    // Check two plain cases outside proptest first: if they fail (a `todo!()`, or a timer that
    // hangs), the test fails once, plainly, rather than once per case and shrinking step.
    check(Duration::ZERO, quarters(4), None).or_fail();
    check(Duration::ZERO, quarters(4), Some(quarters(1))).or_fail();
    let strategy = (0..=8u64, 0..=12u64, proptest::option::of(0..=16u64));
    let mut runner = TestRunner::new(proptest_config(40));
    let result = runner.run(&strategy, |(start, delay, cancel_after)| {
        check(quarters(start), quarters(delay), cancel_after.map(quarters))
            .map_err(TestCaseError::fail)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// Starts a timer at `start` with `delay`; if `cancel_after` is set, cancels it that long after
/// the start (a cancel at the very due time is the race the loom models explore: here the
/// callback is let run first).
fn check(start: Duration, delay: Duration, cancel_after: Option<Duration>) -> Result<(), String> {
    let mut s = Scenario::start_at(Instant::from_duration(start), delay);
    let cancel_at = cancel_after.map(|after| Instant::from_duration(start + after));
    match cancel_at {
        Some(at) if at < s.due => {
            if !delay.is_zero() {
                s.run_until(at)?;
            }
            if !s.cancel() {
                return Err(s.failure(
                    format!(
                        "cancel() at {at}, before the due time {}, returned false",
                        s.due
                    ),
                    &[],
                ));
            }
            let ran = s.join("cancel() returned true")?;
            s.clock.advance_to(s.due + quarters(4));
            s.check_never_early_at_most_once()?;
            if ran || !s.runs().is_empty() {
                return Err(s.failure("the callback ran although cancel() had returned true", &[]));
            }
        }
        _ => {
            if !delay.is_zero() {
                s.run_until(s.due)?;
            }
            s.wait_for_the_run()?;
            s.check_never_early_at_most_once()?;
            if let Some(at) = cancel_at {
                s.clock.advance_to(at.max(s.now()));
                if s.cancel() {
                    return Err(s.failure(
                        format!("cancel() at {at}, after the callback ran, returned true",),
                        &[],
                    ));
                }
            }
            let ran = s.join("its callback ran")?;
            let runs = s.runs();
            if !ran || runs.len() != 1 || runs[0].1 != s.due {
                return Err(s.failure(
                    format!(
                        "the callback must run exactly once, at its due time {} (join() said \
                         {ran})",
                        s.due
                    ),
                    &[],
                ));
            }
        }
    }
    Ok(())
}
