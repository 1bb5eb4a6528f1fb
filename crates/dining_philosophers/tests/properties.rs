//! Graded properties (proptest): tables of two to five, one to three meals each, philosophers
//! started in any order and moved in any order the generated choices make (one gated step at a
//! time, see `harness`): every step keeps the rules, nobody deadlocks, everyone eats every meal.

use crate::harness::{Lab, OrFail, Turns};
use course_testkit::proptest_config;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

/// (seats, meals, start order, choices of who moves next).
fn dinners() -> impl Strategy<Value = (usize, usize, Vec<usize>, Vec<usize>)> {
    (2usize..=5, 1usize..=3).prop_flat_map(|(seats, meals)| {
        (
            Just(seats),
            Just(meals),
            Just((0..seats).collect::<Vec<usize>>()).prop_shuffle(),
            vec(0usize..16, 1..48),
        )
    })
}

#[test]
fn any_schedule_of_steps_keeps_forks_in_one_hand_and_feeds_everyone() {
    // One dinner outside proptest first: if that panics (a `todo!()`, say), the test fails
    // once, plainly, rather than once per case and shrinking step.
    Lab::new(4, 2)
        .run(&[3, 1, 0, 2], &Turns::Chosen(vec![1, 0, 2]))
        .or_fail();

    let mut runner = TestRunner::new(proptest_config(32));
    let result = runner.run(&dinners(), |(seats, meals, order, choices)| {
        Lab::new(seats, meals)
            .run(&order, &Turns::Chosen(choices))
            .map_err(TestCaseError::fail)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
