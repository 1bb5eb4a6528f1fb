//! Graded properties (proptest): random arrival patterns of men and women on several threads,
//! with no forced order. Whatever the interleaving, the trace must never show both genders or
//! more than the capacity inside, and everyone must finish.

use crate::harness::{Event, Scenario, Step};
use course_testkit::{join_patiently, proptest_config};
use proptest::collection::vec;
use proptest::prop_oneof;
use proptest::strategy::{Just, Strategy};
use proptest::test_runner::{TestCaseError, TestRunner};
use std::sync::Arc;
use unisex_bathroom::Gender;

fn gender() -> impl Strategy<Value = Gender> {
    prop_oneof![Just(Gender::Female), Just(Gender::Male)]
}

/// Each thread goes in once per entry of its list, as that gender, and yields while inside so
/// that the others get a chance to collide with it.
fn run(capacity: usize, threads: &[Vec<Gender>]) -> Result<(), String> {
    let s = Scenario::new(capacity);
    let handles: Vec<_> = threads
        .iter()
        .enumerate()
        .map(|(t, visits)| {
            let (bathroom, trace, visits) = (Arc::clone(&s.lock), s.trace.clone(), visits.clone());
            std::thread::spawn(move || {
                for (i, role) in visits.into_iter().enumerate() {
                    let who = format!("T{t}.{i}");
                    let event = |step| Event {
                        who: who.clone(),
                        role,
                        step,
                    };
                    trace.record(event(Step::Arrives));
                    let visit = bathroom.enter(role);
                    trace.record(event(Step::In));
                    std::thread::yield_now();
                    trace.record(event(Step::Out));
                    drop(visit);
                }
            })
        })
        .collect();
    for handle in handles {
        match join_patiently(handle) {
            Some(Ok(())) => {}
            Some(Err(_)) => return Err(s.failure("a thread panicked", &[])),
            None => {
                return Err(s.failure(
                    "a thread did not finish: everyone who arrives must eventually get in \
                     (deadlock or lost wakeup suspected)",
                    &[],
                ));
            }
        }
    }
    s.check_no_mixing()
}

#[test]
fn never_both_genders_nor_more_than_capacity_inside_and_everyone_finishes() {
    // Fail once, plainly, if the bathroom cannot even be built (a `todo!()`).
    drop(Scenario::new(3));
    let strategy = (1..=3usize, vec(vec(gender(), 1..=3), 2..=5));
    let mut runner = TestRunner::new(proptest_config(24));
    if let Err(failure) = runner.run(&strategy, |(capacity, threads)| {
        run(capacity, &threads).map_err(TestCaseError::fail)
    }) {
        panic!("{failure}");
    }
}
