//! Graded traces (insta): runs whose outcome is unique, compared with the committed snapshots
//! in `tests/snapshots/`: the jobs, what `run_all` returned, and whether any child was left.

use crate::harness::{Run, job};

/// Compares `run`'s trace with the committed snapshot `name`.
fn snapshot(name: &str, run: &Run) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "run_all returns every child's stdout in the order of the jobs, or an error for the \
         first child in that order that failed, carrying its exit status and stderr; either \
         way, every child it started was waited for.",
    );
    settings.bind(|| insta::assert_snapshot!(name, run.trace.render()));
}

#[test]
fn three_squares_come_back_in_job_order() {
    let run = Run::worker(&[
        job(&["square", "3"]),
        job(&["square", "12"]),
        job(&["square", "0"]),
    ]);
    snapshot("three_squares", &run);
}

#[test]
fn the_first_of_two_failures_is_reported_with_its_stderr() {
    let run = Run::worker(&[
        job(&["square", "3"]),
        job(&["fail", "4", "no space left on device"]),
        job(&["fail", "5", "the second failure"]),
    ]);
    snapshot("first_failure", &run);
}
