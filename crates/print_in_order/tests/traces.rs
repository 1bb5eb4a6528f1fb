//! Graded traces (insta): the run whose correct trace is unique, compared with the committed
//! snapshot in `tests/snapshots/`. A wrong implementation shows up as a difference in those
//! lines.

use crate::harness::{OrFail, spawn_threads};

#[test]
fn threads_started_in_reverse_order_print_first_second_third() {
    let order = ["third", "second", "first"];
    let mut run = spawn_threads(&order);
    run.start_in_order(&order).or_fail();
    run.finish().or_fail();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "third() is called first and sleeps, then second() sleeps too; first() prints at once, \
         and then second and third print, in that order.",
    );
    settings.bind(|| insta::assert_snapshot!("reverse_start_order", run.trace().render()));
}
