//! Graded traces (insta): runs whose correct trace is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A wrong executor shows up as a difference in those lines.

use crate::harness::{OrFail, Scenario};
use course_clock::Instant;
use std::time::Duration;

/// Compares `trace` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, trace: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Every action runs exactly at its due time (its delay counted from when it was added), \
         earliest due time first, actions due at the same instant in the order they were added.",
    );
    settings.bind(|| insta::assert_snapshot!(name, trace));
}

#[test]
fn the_seeds_run_executes_c_b_a_d_at_one_two_three_and_seven_seconds() {
    let s = Scenario::new();
    for (name, delay) in [("A", 3), ("B", 2), ("C", 1), ("D", 7)] {
        s.add(name, Duration::from_secs(delay));
    }
    s.let_time_run().or_fail();
    snapshot("seed_run", &s.rendered());
}

#[test]
fn actions_added_later_with_fractional_delays_run_on_time() {
    let s = Scenario::new();
    s.add("A", Duration::from_secs(3));
    s.run_until(Instant::from_millis(1500)).or_fail();
    s.add("B", Duration::from_millis(250));
    s.add("C", Duration::from_millis(1500));
    s.add("D", Duration::ZERO);
    s.let_time_run().or_fail();
    snapshot("added_later", &s.rendered());
}
