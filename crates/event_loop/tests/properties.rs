//! Graded properties (proptest): random sets of sleeps, each run checked against what a loop
//! that runs everything concurrently must produce: every sleep ends exactly at its deadline,
//! in deadline order (ties in the order registered), and the whole run takes the longest path,
//! not the sum. The loop parks only until deadlines that exist.

use crate::harness::{Ctx, OrFail, Scenario};
use course_clock::Instant;
use course_testkit::proptest_config;
use event_loop::gather;
use proptest::collection::vec;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::collections::BTreeSet;
use std::time::Duration;

/// Random delays are whole multiples of a quarter second: fractional, and often equal.
fn quarters(n: u64) -> Duration {
    Duration::from_millis(250 * n)
}

/// Runs `check` on `cases` inputs from `strategy`; fails the test with the smallest failing
/// input and its message.
fn check_property<S>(cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), String>)
where
    S: Strategy,
{
    // Run one loop outside proptest first: if that panics (a `todo!()`, say), the test fails
    // once, plainly, rather than once per case and shrinking step.
    Scenario::new().run(|_| async {}).or_fail();
    let mut runner = TestRunner::new(proptest_config(cases));
    if let Err(failure) = runner.run(&strategy, |input| check(input).map_err(TestCaseError::fail)) {
        panic!("{failure}");
    }
}

#[test]
fn random_sleeps_end_in_deadline_order_ties_in_spawn_order_and_take_the_longest() {
    // Through `gather` (one task) or as spawned tasks; the delays, in quarter seconds.
    let strategy = (proptest::bool::ANY, vec(0..=8u64, 1..=8));
    check_property(48, strategy, |(through_gather, delays)| {
        sleeps(through_gather, &delays)
    });
}

fn sleeps(through_gather: bool, delays: &[u64]) -> Result<(), String> {
    let s = Scenario::new();
    let names: Vec<String> = (0..delays.len()).map(|i| format!("s{i}")).collect();
    let run_names = names.clone();
    let run_delays = delays.to_vec();
    let results = s.run(move |ctx: Ctx| async move {
        let fetches = run_names
            .iter()
            .zip(&run_delays)
            .map(|(name, &delay)| ctx.fetch(name, quarters(delay)));
        if through_gather {
            gather(fetches).await
        } else {
            let handles: Vec<_> = fetches.map(|f| ctx.handle.spawn(f)).collect();
            let mut results = Vec::new();
            for handle in handles {
                results.push(handle.await.expect("the tasks do not panic"));
            }
            results
        }
    })?;
    let how = if through_gather {
        "gathered"
    } else {
        "spawned"
    };

    // The model: every sleep ends at its own delay; by deadline, ties in the order given.
    let mut expected: Vec<(u64, usize)> = delays.iter().copied().zip(0..).collect();
    expected.sort();
    let order: Vec<&str> = expected.iter().map(|&(_, i)| names[i].as_str()).collect();
    s.check_finish_order(
        &order,
        &format!(
            "sleeps of {delays:?} quarter seconds, {how}, must end in deadline order, those \
             due at the same instant in the order they were registered"
        ),
    )?;
    for (name, &delay) in names.iter().zip(delays) {
        s.check_finished_at(name, Instant::from_duration(quarters(delay)))?;
    }
    let longest = Instant::from_duration(quarters(delays.iter().copied().max().unwrap_or(0)));
    if s.now() != longest {
        return Err(s.failure(
            format!(
                "sleeps of {delays:?} quarter seconds, {how}, took until {}: run concurrently \
                 they take the longest ({longest}), not their sum",
                s.now()
            ),
            &[],
        ));
    }
    let want: Vec<String> = names
        .iter()
        .map(|name| format!("Data from {name}"))
        .collect();
    if results != want {
        return Err(s.failure(
            format!("{how}, the outputs came back as {results:?}: expected {want:?}, input order"),
            &[],
        ));
    }
    Ok(())
}

#[test]
fn tasks_of_sequential_sleeps_end_at_their_sums_and_the_loop_wakes_only_at_deadlines() {
    // Per task, the delays of its sleeps, one after the other, in quarter seconds.
    let strategy = vec(vec(0..=4u64, 1..=3), 1..=4);
    check_property(48, strategy, |tasks| sequential(&tasks));
}

fn sequential(tasks: &[Vec<u64>]) -> Result<(), String> {
    let s = Scenario::new();
    let plan = tasks.to_vec();
    s.run(move |ctx: Ctx| async move {
        let handles: Vec<_> = plan
            .into_iter()
            .enumerate()
            .map(|(t, delays)| {
                ctx.spawn(|ctx| async move {
                    for (j, delay) in delays.into_iter().enumerate() {
                        ctx.sleep(&format!("t{t}.{j}"), quarters(delay)).await;
                    }
                    ctx.note(&format!("t{t}"), "done");
                    ctx.now()
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("the tasks do not panic");
        }
    })?;
    let mut deadlines = BTreeSet::new();
    let notes = s.trace.whats();
    for (t, delays) in tasks.iter().enumerate() {
        let mut sum = Duration::ZERO;
        for &delay in delays {
            sum += quarters(delay);
            if sum > Duration::ZERO {
                deadlines.insert(Instant::from_duration(sum));
            }
        }
        let done = format!("{} t{t}: done", Instant::from_duration(sum));
        if !notes.iter().any(|what| what.to_string() == done) {
            return Err(s.failure(
                format!(
                    "task t{t} sleeps {delays:?} quarter seconds, one after the other, so it \
                     must be done at {}, in a run where every task runs concurrently",
                    Instant::from_duration(sum)
                ),
                &[],
            ));
        }
    }
    let stops = s.stops();
    let expected: Vec<Instant> = deadlines.into_iter().collect();
    if stops != expected {
        return Err(s.failure(
            format!(
                "for tasks sleeping {tasks:?} quarter seconds in turn, the loop parked until \
                 {stops:?}: it must park until each deadline that exists, once, and no other \
                 (expected {expected:?})"
            ),
            &[],
        ));
    }
    Ok(())
}
