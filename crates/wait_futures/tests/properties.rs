//! Graded properties (proptest): random numbers of tasks, completion orders, failures, tasks
//! already complete at the call and timeouts, run as gated scenarios on a virtual clock and
//! compared, after every step, with the sequential model of `wait` and `as_completed`.
//!
//! A step is: one second of virtual time passes (the deadline may come), then the next task in
//! the order completes. After each step the waiting thread must be asleep until exactly its
//! deadline, or have returned (or yielded) exactly what the model says.

use crate::harness::{
    Item, Outcome, Scenario, TestTask, Then, decided, err, names, ok, out_of_patience, secs,
    show_split, split_of,
};
use course_clock::{Instant, VirtualClock};
use course_testkit::proptest_config;
use proptest::collection::vec;
use proptest::prelude::{Just, Strategy};
use proptest::sample::select;
use proptest::test_runner::{TestCaseError, TestRunner};
use wait_futures::{ReturnWhen, Split, Task, TimedOut, as_completed, wait};

/// Runs `check` on `cases` inputs from `strategy`; fails the test with the smallest failing
/// input and its message.
fn check_property<S>(cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), String>)
where
    S: Strategy,
{
    // Call both functions once outside proptest first, on a task already complete: if that
    // panics (a `todo!()`, say), the test fails once, plainly, rather than once per case and
    // shrinking step.
    let clock = VirtualClock::new();
    let done: Vec<TestTask> = vec![Task::new()];
    done[0].complete(Ok(1));
    let _ = wait(&clock.clock(), &done, None, ReturnWhen::AllCompleted);
    let _ = as_completed(&clock.clock(), &done, None).next();
    let mut runner = TestRunner::new(proptest_config(cases));
    let checked = runner.run(&strategy, |input| {
        if out_of_patience() {
            return Ok(());
        }
        check(input).map_err(TestCaseError::fail)
    });
    if let Err(failure) = checked {
        panic!("{failure}");
    }
}

/// One run: how many tasks, the order they complete in, which of them fail, how many (of the
/// first in the order) are complete before the call, and the timeout in whole seconds.
#[derive(Clone, Debug)]
struct Plan {
    order: Vec<usize>,
    fails: Vec<bool>,
    before: usize,
    timeout: Option<u64>,
}

impl Plan {
    fn outcome(&self, index: usize) -> Outcome {
        if self.fails[index] {
            err(index)
        } else {
            ok(index)
        }
    }
}

fn plans() -> impl Strategy<Value = Plan> {
    (1..=4usize)
        .prop_flat_map(|count| {
            (
                Just((0..count).collect::<Vec<usize>>()).prop_shuffle(),
                vec(proptest::bool::ANY, count),
                0..=count,
                proptest::option::of(0..=count as u64 + 1),
            )
        })
        .prop_map(|(order, fails, before, timeout)| Plan {
            order,
            fails,
            before,
            timeout,
        })
}

#[test]
fn wait_matches_the_sequential_model_for_any_completion_order_mode_and_timeout() {
    let modes = select(vec![
        ReturnWhen::AllCompleted,
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
    ]);
    check_property(64, (plans(), modes), |(plan, mode)| run_wait(&plan, mode));
}

fn run_wait(plan: &Plan, mode: ReturnWhen) -> Result<(), String> {
    let total = plan.order.len();
    let s = Scenario::new(total);
    let mut completed: Vec<(usize, bool)> = Vec::new();
    for &index in &plan.order[..plan.before] {
        s.complete_now(index, plan.outcome(index));
        completed.push((index, plan.fails[index]));
    }
    let mut call = s.start_wait(plan.timeout.map(secs), mode);
    let what = call.what.clone();
    let check = |split: Split, completed: &[(usize, bool)], after: &str| {
        let expected = split_of(total, completed);
        if split == expected {
            return Ok(());
        }
        Err(s.failure(format!(
            "after {after}, {what} returned {}, but the tasks done were {}",
            show_split(&split),
            show_split(&expected)
        )))
    };
    let rule = format!("the model says a {mode:?} wait is not decided by {completed:?}");
    if decided(mode, total, &completed) || plan.timeout == Some(0) {
        let split = s.expect_returned(&mut call, "the call")?;
        return check(split, &completed, "the call");
    }
    s.expect_waiting(&mut call, "the call", &rule)?;
    for (step, &index) in plan.order[plan.before..].iter().enumerate() {
        let now = step as u64 + 1;
        s.clock.advance_to(Instant::from_secs(now));
        if plan.timeout == Some(now) {
            let after = format!("the deadline t={now}s");
            let split = s.expect_returned(&mut call, &after)?;
            return check(split, &completed, &after);
        }
        s.complete(index, plan.outcome(index))?;
        completed.push((index, plan.fails[index]));
        let done: Vec<usize> = completed.iter().map(|&(index, _)| index).collect();
        let after = format!("{} completed", names(&done));
        if decided(mode, total, &completed) {
            let split = s.expect_returned(&mut call, &after)?;
            return check(split, &completed, &after);
        }
        let rule = format!(
            "a {mode:?} wait is not decided by these completions (true: failed): {completed:?}"
        );
        s.expect_waiting(&mut call, &after, &rule)?;
    }
    Err(s.failure("the model decided nothing after every task completed (a bug of the test)"))
}

#[test]
fn as_completed_matches_the_sequential_model_for_any_completion_order_and_timeout() {
    check_property(64, plans(), |plan| run_as_completed(&plan));
}

fn run_as_completed(plan: &Plan) -> Result<(), String> {
    let total = plan.order.len();
    let s = Scenario::new(total);
    let mut before: Vec<usize> = plan.order[..plan.before].to_vec();
    for &index in &before {
        s.complete_now(index, plan.outcome(index));
    }
    let mut call = s.start_as_completed(plan.timeout.map(secs));
    before.sort_unstable();
    let mut expected: Vec<Item> = before.iter().map(|&index| Ok(index)).collect();
    let mut completed = before.clone();
    let timed_out = |completed: &[usize]| -> Item {
        Err(TimedOut {
            pending: (0..total)
                .filter(|index| !completed.contains(index))
                .collect(),
        })
    };
    if completed.len() == total {
        return s.expect_yields(&mut call, &expected, Then::Ends, "the call");
    }
    if plan.timeout == Some(0) {
        expected.push(timed_out(&completed));
        return s.expect_yields(&mut call, &expected, Then::Ends, "the call");
    }
    s.expect_yields(&mut call, &expected, Then::Waits, "the call")?;
    for (step, &index) in plan.order[plan.before..].iter().enumerate() {
        let now = step as u64 + 1;
        s.clock.advance_to(Instant::from_secs(now));
        if plan.timeout == Some(now) {
            let after = format!("the deadline t={now}s");
            return s.expect_yields(&mut call, &[timed_out(&completed)], Then::Ends, &after);
        }
        s.complete(index, plan.outcome(index))?;
        completed.push(index);
        let then = if completed.len() == total {
            Then::Ends
        } else {
            Then::Waits
        };
        let after = format!("{} completed", names(&completed));
        s.expect_yields(&mut call, &[Ok(index)], then, &after)?;
    }
    Ok(())
}
