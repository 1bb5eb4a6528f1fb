//! Graded traces (insta): the run whose correct trace is unique, compared with the committed
//! snapshot in `tests/snapshots/`. A wrong implementation shows up as a difference in those
//! lines.

use crate::harness::{BAR_FIRST, OrFail, spawn_threads};

#[test]
fn bar_started_first_four_rounds_alternate_foo_bar() {
    let mut run = spawn_threads(4, &BAR_FIRST);
    run.start_in_order(&BAR_FIRST).or_fail();
    run.finish().or_fail();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "bar() is called first and sleeps; once foo() is called, the two threads take turns, \
         foo first, four times each.",
    );
    settings.bind(|| insta::assert_snapshot!("bar_first_four_rounds", run.trace().render()));
}
