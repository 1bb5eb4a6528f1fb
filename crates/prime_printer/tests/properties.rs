//! Graded properties (proptest): for random limits, the printer prints exactly what a sieve
//! says, in turn with the finder.

use crate::harness::{OrFail, Run};
use course_testkit::proptest_config;
use proptest::test_runner::{TestCaseError, TestRunner};

#[test]
fn for_any_limit_the_printed_primes_match_a_sieve_and_alternate_with_the_finder() {
    // One run outside proptest first: if that panics (a `todo!()`, say), the test fails once,
    // plainly, rather than once per case and shrinking step.
    let mut first = Run::start(3);
    first.join().or_fail();
    first.check_alternation().or_fail();
    let mut runner = TestRunner::new(proptest_config(24));
    // From 2 up: with no prime at all, whether the printer is already asleep when the finder
    // leaves is luck of scheduling; the loom models cover that case.
    let result = runner.run(&(2..=400u64), |limit| {
        let mut run = Run::start(limit);
        run.join()
            .and_then(|()| run.check_alternation())
            .map_err(TestCaseError::fail)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
