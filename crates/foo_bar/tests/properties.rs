//! Graded properties (proptest): any `n` up to 20, either start order, with the test letting
//! each started thread settle or starting the other straight away: the output always
//! alternates foo, bar, `n` times.

use crate::harness::{BAR_FIRST, OrFail, START_ORDERS, expected, spawn_threads};
use course_testkit::proptest_config;
use proptest::prelude::any;
use proptest::test_runner::{TestCaseError, TestRunner};

#[test]
fn for_any_n_start_order_and_timing_foo_and_bar_alternate() {
    // One run outside proptest first: if that panics (a `todo!()`, say), the test fails once,
    // plainly, rather than once per case and shrinking step.
    let mut first = spawn_threads(2, &BAR_FIRST);
    first.start_in_order(&BAR_FIRST).or_fail();
    first.finish().or_fail();
    first.check_printed(&expected(2), &BAR_FIRST).or_fail();

    let mut runner = TestRunner::new(proptest_config(16));
    let result = runner.run(
        &(1..=20usize, 0..START_ORDERS.len(), any::<bool>()),
        |(n, which, settle)| {
            let order = START_ORDERS[which];
            let mut run = spawn_threads(n, &order);
            // With `settle`, the first thread runs alone until it waits; without it, the two
            // threads start together and race.
            let started = if settle {
                run.start(order[0])
            } else {
                run.start_without_settling(order[0]);
                Ok(())
            };
            started
                .and_then(|()| run.start(order[1]))
                .and_then(|()| run.finish())
                .and_then(|()| run.check_printed(&expected(n), &order))
                .map_err(TestCaseError::fail)
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
