//! Graded properties (proptest): random mixes of readers and writers on several threads, with
//! no forced order. Whatever the interleaving, the trace must never show a writer with anyone
//! else inside, everyone must finish, and every write must be kept.

use crate::harness::{Event, Role, Scenario, Step};
use course_testkit::{join_patiently, proptest_config};
use proptest::collection::vec;
use proptest::prop_oneof;
use proptest::strategy::{Just, Strategy};
use proptest::test_runner::{TestCaseError, TestRunner};
use std::sync::Arc;

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Reader), Just(Role::Writer)]
}

/// Each thread takes the lock once per role in its list, in order, and yields while inside so
/// that the others get a chance to collide with it.
fn run(threads: &[Vec<Role>]) -> Result<(), String> {
    let s = Scenario::new();
    let handles: Vec<_> = threads
        .iter()
        .enumerate()
        .map(|(t, roles)| {
            let (lock, trace, roles) = (Arc::clone(&s.lock), s.trace.clone(), roles.clone());
            std::thread::spawn(move || {
                for (i, role) in roles.into_iter().enumerate() {
                    let who = format!("T{t}.{i}");
                    let event = |step| Event {
                        who: who.clone(),
                        role,
                        step,
                    };
                    trace.record(event(Step::Arrives));
                    match role {
                        Role::Reader => {
                            let guard = lock.read();
                            trace.record(event(Step::In));
                            std::thread::yield_now();
                            let _ = *guard;
                            trace.record(event(Step::Out));
                        }
                        Role::Writer => {
                            let mut guard = lock.write();
                            trace.record(event(Step::In));
                            let before = *guard;
                            std::thread::yield_now();
                            *guard = before + 1;
                            trace.record(event(Step::Out));
                        }
                    }
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
                    "a thread did not finish: everyone who takes the lock must eventually get \
                     in (deadlock or lost wakeup suspected)",
                    &[],
                ));
            }
        }
    }
    s.check_exclusion()?;
    let writes = threads
        .iter()
        .flatten()
        .filter(|r| **r == Role::Writer)
        .count() as u64;
    let value = *s.lock.read();
    if value != writes {
        return Err(s.failure(
            format!("{writes} writers each added one, but the value is {value}: writes were lost"),
            &[],
        ));
    }
    Ok(())
}

#[test]
fn a_writer_is_never_inside_with_anyone_else_and_everyone_finishes() {
    // Fail once, plainly, if the lock cannot even be built (a `todo!()`).
    drop(Scenario::new());
    let strategy = vec(vec(role(), 1..=4), 2..=4);
    let mut runner = TestRunner::new(proptest_config(24));
    if let Err(failure) = runner.run(&strategy, |threads| {
        run(&threads).map_err(TestCaseError::fail)
    }) {
        panic!("{failure}");
    }
}
