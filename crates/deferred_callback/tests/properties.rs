//! Graded properties (proptest): random workloads, each checked against the rules every run
//! must obey, or against a sequential model of the executor.

use crate::harness::Scenario;
use course_clock::Instant;
use course_testkit::{Gate, Latch, patience, proptest_config};
use proptest::collection::vec;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::sync::Arc;
use std::time::Duration;

/// Random times are whole multiples of a quarter second: fractional, and often equal.
fn quarters(n: u64) -> Duration {
    Duration::from_millis(250 * n)
}

/// Runs `check` on `cases` inputs from `strategy`; fails the test with the smallest failing
/// input and its message.
fn check_property<S>(cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), String>)
where
    S: Strategy,
{
    // Make one executor outside proptest first: if that panics (a `todo!()`, say), the test
    // fails once, plainly, rather than once per case and shrinking step.
    drop(Scenario::new());
    let mut runner = TestRunner::new(proptest_config(cases));
    if let Err(failure) = runner.run(&strategy, |input| check(input).map_err(TestCaseError::fail)) {
        panic!("{failure}");
    }
}

#[test]
fn actions_added_from_several_threads_run_once_on_time_in_due_order() {
    // A start time, then per thread the delays of the actions it adds, in order.
    let strategy = (0..=8u64, vec(vec(0..=6u64, 1..=5), 2..=3));
    check_property(32, strategy, |(start, threads)| {
        several_threads(Instant::from_duration(quarters(start)), &threads)
    });
}

fn several_threads(start: Instant, threads: &[Vec<u64>]) -> Result<(), String> {
    let s = Scenario::new();
    s.run_until(start)?;
    let go = Arc::new(Gate::new());
    let done = Arc::new(Latch::new(threads.len()));
    let adders: Vec<_> = threads
        .iter()
        .enumerate()
        .map(|(t, delays)| {
            let (rec, executor) = (s.rec.clone(), Arc::clone(s.executor()));
            let (go, done, delays) = (Arc::clone(&go), Arc::clone(&done), delays.clone());
            std::thread::spawn(move || {
                rec.trace.name_thread(format!("adder {t}"));
                go.pass("the test to start the adders");
                for (i, &delay) in delays.iter().enumerate() {
                    rec.add(&executor, &format!("t{t}.{i}"), quarters(delay));
                }
                done.count_down();
            })
        })
        .collect();
    go.open();
    if !done.wait_patiently() {
        return Err(s.failure(
            format!(
                "{} threads calling add_action did not all return within {:?}",
                threads.len(),
                patience()
            ),
            &[],
        ));
    }
    for adder in adders {
        adder
            .join()
            .map_err(|_| "an adder thread panicked".to_owned())?;
    }
    s.run_until_all_ran()?;

    // Due order; and among actions of one thread due at the same instant, registration order.
    let runs = s.runs();
    for pair in runs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.due < a.due {
            return Err(s.failure(
                format!(
                    "{} ran before {}, but {} was due first: actions must run in due order",
                    a.name, b.name, b.name
                ),
                &[a.seq, b.seq],
            ));
        }
        let (thread_a, index_a) = a.name.split_once('.').expect("names are t<thread>.<index>");
        let (thread_b, index_b) = b.name.split_once('.').expect("names are t<thread>.<index>");
        let earlier = |index: &str| index.parse::<usize>().expect("an index");
        if a.due == b.due && thread_a == thread_b && earlier(index_b) < earlier(index_a) {
            return Err(s.failure(
                format!(
                    "{} ran before {}: both are due at {} and the same thread added {} first, so \
                     it must run first",
                    a.name, b.name, a.due, b.name
                ),
                &[a.seq, b.seq],
            ));
        }
    }
    for run in &runs {
        if run.at != run.due {
            return Err(s.failure(
                format!(
                    "{} ran at {}, but it was due at {}",
                    run.name, run.at, run.due
                ),
                &[run.seq],
            ));
        }
    }
    Ok(())
}

/// One step of a single-threaded workload.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Add an action with this many quarter seconds of delay.
    Add(u64),
    /// Let this many quarter seconds of virtual time pass.
    Advance(u64),
}

#[test]
fn adding_and_advancing_from_one_thread_matches_a_sequential_model() {
    let step = (proptest::bool::ANY, 0..=8u64).prop_map(|(add, quarters)| {
        if add {
            Step::Add(quarters)
        } else {
            Step::Advance(quarters)
        }
    });
    check_property(48, vec(step, 1..=24), |steps| against_the_model(&steps));
}

fn against_the_model(steps: &[Step]) -> Result<(), String> {
    // The model: every action runs exactly at its due time, ties in the order of adding.
    let mut now = Duration::ZERO;
    let mut expected = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Step::Add(delay) => expected.push((now + quarters(delay), i, format!("a{i}"))),
            Step::Advance(by) => now += quarters(by),
        }
    }
    expected.sort();

    let s = Scenario::new();
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Step::Add(delay) => {
                s.add(&format!("a{i}"), quarters(delay));
                s.check_caught_up()?;
            }
            Step::Advance(by) => s.run_until(s.now() + quarters(by))?,
        }
    }
    s.run_until_all_ran()?;

    let runs = s.runs();
    for (k, (due, _, name)) in expected.iter().enumerate() {
        let due = Instant::from_duration(*due);
        let Some(run) = runs.get(k) else {
            return Err(s.failure(
                format!(
                    "only {} actions ran, but {} were added",
                    runs.len(),
                    expected.len()
                ),
                &[],
            ));
        };
        if run.name != *name || run.at != due {
            return Err(s.failure(
                format!(
                    "run number {k} was {} at {}, but the sequential model runs {name} at {due} \
                     (earliest due time first, ties in the order they were added)",
                    run.name, run.at
                ),
                &[run.seq],
            ));
        }
    }
    Ok(())
}
