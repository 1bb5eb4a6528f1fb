//! Graded properties (proptest): random sets of tasks (returning, panicking, cancelled while
//! pending, with done callbacks added before and after they finish) and random `map`s, each
//! checked against a sequential model of what the pool must give back.

use crate::harness::{Event, Gated, Scenario, value_of};
use course_testkit::proptest_config;
use proptest::collection::vec;
use proptest::prelude::any;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use thread_pool::{TaskError, TaskFuture};

/// Runs `check` on `cases` inputs from `strategy`; fails the test with the smallest failing
/// input and its message.
fn check_property<S>(cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), String>)
where
    S: Strategy,
{
    // Make one pool outside proptest first: if that panics (a `todo!()`, say), the test fails
    // once, plainly, rather than once per case and shrinking step.
    drop(Scenario::new(1));
    let mut runner = TestRunner::new(proptest_config(cases));
    let checked = runner.run(&strategy, |input| {
        if STUCK.load(Ordering::SeqCst) {
            return Ok(());
        }
        match panic::catch_unwind(AssertUnwindSafe(|| check(input))) {
            Ok(result) => result.map_err(TestCaseError::fail),
            Err(payload) => {
                STUCK.store(true, Ordering::SeqCst);
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|m| (*m).to_owned()))
                    .unwrap_or_default();
                Err(TestCaseError::fail(message))
            }
        }
    });
    if let Err(failure) = checked {
        panic!("{failure}");
    }
}

/// Set once a case failed by a panic of the harness (something did not happen within the
/// patience, typically): the cases proptest then tries while shrinking are skipped (each would
/// wait out the patience again), so the failure reports the input that got stuck.
static STUCK: AtomicBool = AtomicBool::new(false);

/// One random task.
#[derive(Clone, Debug)]
struct TaskSpec {
    /// Panics instead of returning its value.
    panics: bool,
    /// Cancelled while pending (every worker is busy then).
    cancelled: bool,
    /// Done callbacks added before it finishes.
    before: usize,
    /// Done callbacks added after it is done.
    after: usize,
}

fn task_spec() -> impl Strategy<Value = TaskSpec> {
    (any::<bool>(), any::<bool>(), 0..=2usize, 0..=2usize).prop_map(
        |(panics, cancelled, before, after)| TaskSpec {
            panics,
            cancelled,
            before,
            after,
        },
    )
}

/// What the sequential model says task `i` gives.
fn expected(i: usize, spec: &TaskSpec) -> Result<u32, TaskError> {
    if spec.cancelled {
        Err(TaskError::Cancelled)
    } else if spec.panics {
        Err(TaskError::Panicked(panic_message(i)))
    } else {
        Ok(i as u32 * 3)
    }
}

fn panic_message(i: usize) -> String {
    format!("t{i} fails on purpose (this panic is expected)")
}

#[test]
fn random_task_sets_match_a_sequential_model() {
    let strategy = (1..=3usize, vec(task_spec(), 1..=8));
    check_property(40, strategy, |(max_workers, specs)| {
        task_set(max_workers, &specs)
    });
}

fn task_set(max_workers: usize, specs: &[TaskSpec]) -> Result<(), String> {
    let s = Scenario::new(max_workers);
    // Hold every worker, so that every task below is pending until the blockers are let go.
    let blockers: Vec<Gated> = (0..max_workers)
        .map(|b| s.submit_gated(&format!("B{b}")))
        .collect();
    for blocker in &blockers {
        s.wait_started(blocker, "the blockers are one per worker, on an idle pool");
    }
    let futures: Vec<TaskFuture<u32>> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let (trace, panics) = (s.recorder(), spec.panics);
            s.pool()
                .submit(move || {
                    trace.name_worker();
                    trace.record(Event::Started(format!("t{i}")));
                    trace.record(Event::Finished(format!("t{i}")));
                    if panics {
                        panic!("{}", panic_message(i));
                    }
                    i as u32 * 3
                })
                .map_err(|error| format!("submit on an open pool failed: {error}"))
        })
        .collect::<Result<_, _>>()?;
    for (i, (spec, future)) in specs.iter().zip(&futures).enumerate() {
        for k in 0..spec.before {
            s.add_recording_callback(&format!("t{i}"), future, &format!("before{k}"));
        }
    }
    for (i, (spec, future)) in specs.iter().zip(&futures).enumerate() {
        if spec.cancelled && !future.cancel() {
            return Err(format!(
                "cancel() of t{i} returned false, but t{i} was pending (every worker was held by \
                 a blocker): cancelling a pending task must succeed"
            ));
        }
    }
    for blocker in &blockers {
        blocker.open();
    }
    for blocker in &blockers {
        if s.result(&blocker.name, &blocker.future) != Ok(value_of(&blocker.name)) {
            return Err(format!("blocker {} did not give its value", blocker.name));
        }
    }
    for (i, (spec, future)) in specs.iter().zip(&futures).enumerate() {
        let want = expected(i, spec);
        let got = s.result(&format!("t{i}"), future);
        if got != want {
            return Err(format!(
                "t{i} ({spec:?}) gave {got:?}, but the sequential model says {want:?}\ntrace:\n{}",
                s.trace.render()
            ));
        }
        if !spec.cancelled && future.cancel() {
            return Err(format!(
                "cancel() of t{i} returned true after it had finished"
            ));
        }
    }
    s.settle(
        max_workers,
        "once every task is done, every worker must wait for work again",
    );
    for (i, (spec, future)) in specs.iter().zip(&futures).enumerate() {
        for k in 0..spec.after {
            let label = format!("after{k}");
            s.add_recording_callback(&format!("t{i}"), future, &label);
            let ran = s
                .callbacks_of(&format!("t{i}"))
                .iter()
                .any(|(_, _, e)| matches!(e, Event::Callback { label: l, .. } if *l == label));
            if !ran {
                return Err(format!(
                    "callback {label} of t{i}, added after t{i} was done, had not run when \
                     add_done_callback returned: it must run at once"
                ));
            }
        }
    }
    s.check_at_most_max_workers_ran_at_once()?;

    // Which tasks ran, how often, in what order; what each callback saw.
    let started = s.started();
    let ran: Vec<String> = started
        .iter()
        .filter(|name| name.starts_with('t'))
        .cloned()
        .collect();
    let should_run: Vec<String> = specs
        .iter()
        .enumerate()
        .filter(|(_, spec)| !spec.cancelled)
        .map(|(i, _)| format!("t{i}"))
        .collect();
    let mut sorted = ran.clone();
    sorted.sort_by_key(|name| name[1..].parse::<usize>().unwrap_or(usize::MAX));
    if sorted != should_run {
        return Err(format!(
            "the tasks that ran were {ran:?}, but exactly those not cancelled must run, each once: \
             {should_run:?}\ntrace:\n{}",
            s.trace.render()
        ));
    }
    if max_workers == 1 && ran != should_run {
        return Err(format!(
            "with one worker the tasks ran in the order {ran:?}, but a pool starts them in the \
             order they were submitted: {should_run:?}"
        ));
    }
    let mut calls: HashMap<(String, String), Vec<(bool, String)>> = HashMap::new();
    for event in s.trace.whats() {
        if let Event::Callback {
            task,
            label,
            done,
            result,
        } = event
        {
            calls.entry((task, label)).or_default().push((done, result));
        }
    }
    for (i, spec) in specs.iter().enumerate() {
        let task = format!("t{i}");
        let labels = (0..spec.before)
            .map(|k| format!("before{k}"))
            .chain((0..spec.after).map(|k| format!("after{k}")));
        for label in labels {
            let seen = calls
                .remove(&(task.clone(), label.clone()))
                .unwrap_or_default();
            let want = (true, format!("{:?}", expected(i, spec)));
            if seen != [want.clone()] {
                return Err(format!(
                    "callback {label} of {task} ({spec:?}) ran {} time(s), seeing {seen:?}: it \
                     must run exactly once, and see the future done with its result {}",
                    seen.len(),
                    want.1
                ));
            }
        }
    }
    if let Some(((task, label), _)) = calls.into_iter().next() {
        return Err(format!(
            "a callback {label} of {task} ran that was never added"
        ));
    }
    drop(s);
    Ok(())
}

#[test]
fn map_over_random_items_matches_a_sequential_map() {
    let strategy = (1..=4usize, vec(0..40u32, 0..=12));
    check_property(40, strategy, |(max_workers, items)| {
        map_items(max_workers, &items)
    });
}

fn map_items(max_workers: usize, items: &[u32]) -> Result<(), String> {
    fn f(item: u32) -> u32 {
        if item % 5 == 4 {
            panic!("item {item} fails on purpose (this panic is expected)");
        }
        item * 2 + 1
    }
    let s = Scenario::new(max_workers);
    let results = s
        .pool()
        .map(f, items.to_vec())
        .map_err(|error| format!("map on an open pool failed: {error}"))?;
    // Collect once every item is done, so that no `next` has to wait (waking waiters is
    // checked by the cases of `result`); the order the items finished in is up to the workers.
    s.settle(
        max_workers,
        "after map, every worker must wait for work again",
    );
    let got: Vec<Result<u32, TaskError>> = results.collect();
    let want: Vec<Result<u32, TaskError>> = items
        .iter()
        .map(|&item| match item % 5 {
            4 => Err(TaskError::Panicked(format!(
                "item {item} fails on purpose (this panic is expected)"
            ))),
            _ => Ok(item * 2 + 1),
        })
        .collect();
    if got != want {
        return Err(format!(
            "map over {items:?} on {max_workers} worker(s) gave {got:?}, but the sequential map \
             gives {want:?}: one result per item, in input order"
        ));
    }
    Ok(())
}
