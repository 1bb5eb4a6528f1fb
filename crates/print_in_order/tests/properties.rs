//! Graded properties (proptest): any start order, with the test letting each started thread
//! settle or starting the next one straight away: the lines always come out in order.

use crate::harness::{LINES, OrFail, START_ORDERS, spawn_threads, start_order};
use course_testkit::proptest_config;
use proptest::prelude::any;
use proptest::test_runner::{TestCaseError, TestRunner};

#[test]
fn whatever_the_start_order_and_timing_the_lines_come_out_in_order() {
    // One run outside proptest first: if that panics (a `todo!()`, say), the test fails once,
    // plainly, rather than once per case and shrinking step.
    let order = start_order(START_ORDERS - 1);
    let mut first = spawn_threads(&order);
    first.start_in_order(&order).or_fail();
    first.finish().or_fail();
    first.check_printed(&LINES, &order).or_fail();

    let mut runner = TestRunner::new(proptest_config(16));
    let result = runner.run(&(0..START_ORDERS, any::<[bool; 3]>()), |(which, settle)| {
        let order = start_order(which);
        let mut run = spawn_threads(&order);
        // `settle[i]`: wait until the i-th thread has printed or gone to sleep before
        // starting the next; otherwise start the next one at once, racing it.
        let started = order.iter().zip(settle).try_for_each(|(name, settle)| {
            if settle {
                run.start(name)
            } else {
                run.start_without_settling(name);
                Ok(())
            }
        });
        started
            .and_then(|()| run.finish())
            .and_then(|()| run.check_printed(&LINES, &order))
            .map_err(TestCaseError::fail)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
