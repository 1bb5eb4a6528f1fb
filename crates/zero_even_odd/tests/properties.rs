//! Graded properties (proptest): any n up to 40, any start order, and the test either letting
//! each started thread settle (and checking what is out by then) or starting the next one
//! straight away, racing it: the output is always exactly `0 1 0 2 ... 0 n`, each print by its
//! own thread, and every thread returns.

use crate::harness::{OrFail, Run, START_ORDERS, start_order};
use course_testkit::proptest_config;
use proptest::prelude::any;
use proptest::test_runner::{TestCaseError, TestRunner};

#[test]
fn any_n_any_start_order_any_timing_gives_exactly_0_1_0_2_up_to_n() {
    // One run outside proptest first: if that panics (a `todo!()`, say), the test fails once,
    // plainly, rather than once per case and shrinking step.
    Run::new(7, start_order(START_ORDERS - 1)).run().or_fail();

    let mut runner = TestRunner::new(proptest_config(24));
    let result = runner.run(
        &(0u32..=40, 0..START_ORDERS, any::<[bool; 3]>()),
        |(n, order, settle)| {
            let order = start_order(order);
            let mut run = Run::new(n, order);
            // `settle[i]`: wait until the i-th thread has printed what it can and gone to
            // sleep (or returned), and check the output so far, before starting the next;
            // otherwise start the next one at once.
            let started = order.iter().zip(settle).try_for_each(|(&party, settle)| {
                if settle {
                    run.start(party)
                } else {
                    run.start_without_settling(party);
                    Ok(())
                }
            });
            started
                .and_then(|()| run.finish())
                .map_err(TestCaseError::fail)
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
