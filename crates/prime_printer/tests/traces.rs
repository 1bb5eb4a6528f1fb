//! Graded traces (insta): the run whose correct trace is unique, compared with the committed
//! snapshot in `tests/snapshots/`. A wrong printer shows up as a difference in those lines.

use crate::harness::{OrFail, Run};

#[test]
fn the_primes_up_to_100_are_found_and_printed_strictly_in_turn() {
    let mut run = Run::start(100);
    run.join().or_fail();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "The finder reports each prime up to 100, in order; the printer prints it before the \
         finder reports the next one.",
    );
    settings.bind(|| insta::assert_snapshot!("primes_up_to_100", run.rendered()));
}
