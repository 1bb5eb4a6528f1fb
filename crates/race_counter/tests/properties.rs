//! Graded properties (proptest): random numbers of threads and of increments per thread; the
//! count must always be the total, and the increments must return 1 ..= total, each once.

use crate::harness::{Length, check_race, race};
use crate::kinds::Kind;
use course_testkit::proptest_config;
use proptest::collection::vec;
use proptest::test_runner::{TestCaseError, TestRunner};

fn every_increment_counts_once(kind: Kind) {
    // One plain call first: if the counter panics (a `todo!()`, say), the test fails once,
    // plainly, rather than once per case and shrinking step.
    kind.make().increment();
    // Per thread, how many times it increments: 1 to 5 threads, 0 to 20000 increments each.
    let strategy = vec(0..=20_000usize, 1..=5);
    let mut runner = TestRunner::new(proptest_config(16));
    if let Err(failure) = runner.run(&strategy, |times| {
        let lengths: Vec<Length> = times.into_iter().map(Length::Exactly).collect();
        check_race(&race(kind, &lengths)).map_err(TestCaseError::fail)
    }) {
        panic!("{failure}");
    }
}

#[test]
fn mutex_counter_counts_every_increment_for_any_threads_and_increments() {
    every_increment_counts_once(Kind::Mutex);
}

#[test]
fn atomic_counter_counts_every_increment_for_any_threads_and_increments() {
    every_increment_counts_once(Kind::Atomic);
}
