//! Graded properties (proptest): crews of every size going round the barrier a random number
//! of times, each run checked on its trace.

use crate::harness::Crew;
use barrier::Barrier;
use course_testkit::proptest_config;
use proptest::test_runner::{TestCaseError, TestRunner};

#[test]
fn nobody_leaves_a_round_before_all_arrive_whatever_the_size_and_rounds() {
    // Make one barrier outside proptest first: if that panics (a `todo!()`, say), the test
    // fails once, plainly, rather than once per case and shrinking step.
    let _ = Barrier::new(1).wait();
    let mut config = proptest_config(24);
    // A case that fails by waiting out `patience` (a lapped thread waiting forever) would cost
    // that much again for every shrinking step: report the first failing case as it is.
    config.max_shrink_iters = 0;
    let mut runner = TestRunner::new(config);
    let strategy = (1..=4usize, 1..=4usize);
    if let Err(failure) = runner.run(&strategy, |(parties, rounds)| {
        Crew::run(parties, rounds)
            .check()
            .map_err(TestCaseError::fail)
    }) {
        panic!("{failure}");
    }
}
