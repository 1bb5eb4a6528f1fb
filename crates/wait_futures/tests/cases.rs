//! Graded cases (rstest): gated tasks completed in a chosen order by their worker threads, on a
//! virtual clock; after each completion the test checks that `wait` (or `as_completed`) is
//! asleep until exactly its deadline, or has returned what it must. One smoke test on the real
//! clock.

use crate::harness::{
    Item, OrFail, Outcome, Scenario, TestTask, Then, decided, err, millis, name, names, ok, secs,
    show_split, split_of,
};
use course_clock::{Clock, Instant};
use rstest::rstest;
use std::time::Duration;
use wait_futures::{AsCompleted, ReturnWhen, Split, Task, TimedOut, as_completed, wait};

use ReturnWhen::{AllCompleted, FirstCompleted, FirstException};

/// Tasks are shared between threads, and an `AsCompleted` may be handed to another thread.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    fn sendable<T: Send>() {}
    shareable::<Task<u32, String>>();
    sendable::<AsCompleted<u32, String>>();
};

/// The outcome of the task at `index` in a plan like `"ok err ok"`.
fn outcome(plan: &str, index: usize) -> Outcome {
    match plan.split_whitespace().nth(index) {
        Some("err") => err(index),
        _ => ok(index),
    }
}

/// Why a wait with `mode` must go on after the completions so far.
fn rule(mode: ReturnWhen) -> &'static str {
    match mode {
        AllCompleted => "with AllCompleted it returns only once every task has completed",
        FirstCompleted => "with FirstCompleted it returns at the first completion, not before",
        FirstException => {
            "with FirstException it returns at the first failure, or once every task has \
             completed if none fails; successes alone do not end it"
        }
    }
}

#[test]
fn smoke_wait_returns_at_once_when_every_task_is_already_complete() {
    let s = Scenario::new(3);
    for index in 0..3 {
        s.complete_now(index, ok(index));
    }
    let mut call = s.start_wait(None, AllCompleted);
    let split = s.expect_returned(&mut call, "the call").or_fail();
    assert_eq!(
        split,
        Split {
            done: vec![0, 1, 2],
            not_done: vec![]
        },
        "every task was complete before the call: all of them are done"
    );
}

#[rstest]
#[case::all_completed(AllCompleted, "ok ok ok", &[1, 0, 2], 3)]
#[case::all_completed_is_not_ended_by_a_failure(AllCompleted, "err ok ok", &[0, 2, 1], 3)]
#[case::first_completed(FirstCompleted, "ok ok ok", &[2, 0, 1], 1)]
#[case::first_completed_by_a_failure(FirstCompleted, "ok err ok", &[1, 0, 2], 1)]
#[case::first_exception_at_the_failure(FirstException, "ok err ok", &[0, 1, 2], 2)]
#[case::first_exception_at_a_first_failure(FirstException, "ok ok err", &[2, 0, 1], 1)]
#[case::first_exception_without_failures_is_all_completed(
    FirstException,
    "ok ok ok",
    &[2, 1, 0],
    3
)]
#[case::first_exception_with_the_failure_last(FirstException, "err ok ok", &[1, 2, 0], 3)]
fn each_mode_returns_exactly_at_its_deciding_completion(
    #[case] mode: ReturnWhen,
    #[case] plan: &str,
    #[case] order: &[usize],
    #[case] returns_after: usize,
) {
    let s = Scenario::new(3);
    let mut call = s.start_wait(None, mode);
    s.expect_waiting(&mut call, "the call", rule(mode))
        .or_fail();
    let mut completed = Vec::new();
    for (step, &index) in order.iter().enumerate() {
        let outcome = outcome(plan, index);
        completed.push((index, outcome.is_err()));
        s.complete(index, outcome).or_fail();
        let after = format!("{} completed", names(&order[..=step]));
        if step + 1 < returns_after {
            s.expect_waiting(&mut call, &after, rule(mode)).or_fail();
            continue;
        }
        let split = s.expect_returned(&mut call, &after).or_fail();
        let expected = split_of(3, &completed);
        assert_eq!(
            split,
            expected,
            "{}",
            s.failure(format!(
                "{} returned {}, but it returned right after {after}: {}",
                call.what,
                show_split(&split),
                show_split(&expected)
            ))
        );
        s.expect_no_watchers("wait returned").or_fail();
        return;
    }
}

#[rstest]
#[case::all_completed(AllCompleted, millis(1500))]
#[case::first_exception_after_a_success(FirstException, secs(3))]
#[case::first_completed_with_nothing_done(FirstCompleted, secs(2))]
#[case::all_completed_with_a_long_timeout(AllCompleted, secs(3600))]
fn a_timed_wait_returns_the_partial_split_exactly_at_its_deadline(
    #[case] mode: ReturnWhen,
    #[case] timeout: Duration,
) {
    let s = Scenario::new(3);
    let mut call = s.start_wait(Some(timeout), mode);
    s.expect_waiting(&mut call, "the call", rule(mode))
        .or_fail();
    s.clock.advance(timeout / 2);
    let mut completed = Vec::new();
    if mode != FirstCompleted {
        s.complete(1, ok(1)).or_fail();
        completed.push((1, false));
        s.expect_waiting(&mut call, "b completed", rule(mode))
            .or_fail();
    }
    let deadline = Instant::from_duration(timeout);
    assert_eq!(
        s.clock.advance_to_next_deadline(),
        Some(deadline),
        "{}",
        s.failure(format!(
            "{} must sleep until exactly t={timeout:?}",
            call.what
        ))
    );
    let split = s
        .expect_returned(&mut call, &format!("the deadline {deadline}"))
        .or_fail();
    let expected = split_of(3, &completed);
    assert_eq!(
        split,
        expected,
        "{}",
        s.failure(format!(
            "at its deadline {} must return what had completed by then: {}",
            call.what,
            show_split(&expected)
        ))
    );
    s.expect_no_watchers("wait timed out").or_fail();
}

#[rstest]
#[case::all_completed(AllCompleted)]
#[case::first_completed(FirstCompleted)]
#[case::first_exception(FirstException)]
fn a_zero_timeout_returns_the_current_split_without_sleeping(#[case] mode: ReturnWhen) {
    let s = Scenario::new(3);
    s.complete_now(2, ok(2));
    let mut call = s.start_wait(Some(Duration::ZERO), mode);
    let split = s.expect_returned(&mut call, "the call").or_fail();
    assert_eq!(
        split,
        Split {
            done: vec![2],
            not_done: vec![0, 1]
        },
        "{}",
        s.failure("with a zero timeout, wait returns what is done at the call")
    );
    s.expect_sleeps_at_most(0, "a zero timeout never sleeps")
        .or_fail();
}

#[rstest]
#[case::first_completed_one_done(FirstCompleted, &[(1, false)])]
#[case::first_completed_one_failed(FirstCompleted, &[(0, true)])]
#[case::first_exception_one_failed(FirstException, &[(0, false), (2, true)])]
#[case::first_exception_all_succeeded(FirstException, &[(0, false), (1, false), (2, false)])]
#[case::all_completed_all_done(AllCompleted, &[(2, true), (0, false), (1, false)])]
fn a_wait_decided_by_tasks_already_complete_returns_at_once(
    #[case] mode: ReturnWhen,
    #[case] before: &[(usize, bool)],
) {
    let s = Scenario::new(3);
    for &(index, failed) in before {
        s.complete_now(index, if failed { err(index) } else { ok(index) });
    }
    assert!(
        decided(mode, 3, before),
        "a case of this test must be decided"
    );
    let mut call = s.start_wait(None, mode);
    let split = s.expect_returned(&mut call, "the call").or_fail();
    let expected = split_of(3, before);
    assert_eq!(
        split,
        expected,
        "{}",
        s.failure(format!(
            "{} must return what was done at the call",
            call.what
        ))
    );
    s.expect_sleeps_at_most(0, "the answer was known at the call")
        .or_fail();
    s.expect_no_watchers("wait returned").or_fail();
}

#[rstest]
#[case::all_completed_two_of_three_done(AllCompleted, &[2, 0], 1, false)]
#[case::first_exception_a_success_done(FirstException, &[0], 2, true)]
#[case::first_exception_two_successes_done(FirstException, &[1, 0], 2, false)]
fn tasks_already_complete_count_toward_the_decision(
    #[case] mode: ReturnWhen,
    #[case] before: &[usize],
    #[case] last: usize,
    #[case] last_fails: bool,
) {
    let s = Scenario::new(3);
    for &index in before {
        s.complete_now(index, ok(index));
    }
    let mut call = s.start_wait(None, mode);
    s.expect_waiting(&mut call, "the call", rule(mode))
        .or_fail();
    s.complete(last, if last_fails { err(last) } else { ok(last) })
        .or_fail();
    let split = s
        .expect_returned(
            &mut call,
            &format!(
                "{} completed before the call and {} after it",
                names(before),
                name(last)
            ),
        )
        .or_fail();
    let mut done: Vec<usize> = before.iter().copied().chain([last]).collect();
    done.sort_unstable();
    let not_done = (0..3).filter(|index| !done.contains(index)).collect();
    assert_eq!(
        split,
        Split { done, not_done },
        "{}",
        s.failure("the tasks complete before the call are done too")
    );
}

#[rstest]
#[case::all_completed(AllCompleted)]
#[case::first_completed(FirstCompleted)]
#[case::first_exception(FirstException)]
fn waiting_on_no_tasks_returns_at_once(#[case] mode: ReturnWhen) {
    let s = Scenario::new(0);
    let mut call = s.start_wait(None, mode);
    let split = s.expect_returned(&mut call, "the call").or_fail();
    assert_eq!(
        split,
        Split::default(),
        "no tasks: nothing done, nothing not done"
    );
}

#[rstest]
#[case::reversed(&[3, 2, 1, 0])]
#[case::middle_first(&[2, 0, 3, 1])]
#[case::last_two_swapped(&[0, 1, 3, 2])]
#[case::last_first(&[3, 0, 1, 2])]
fn as_completed_yields_in_completion_order_not_submission_order(#[case] order: &[usize]) {
    let s = Scenario::new(4);
    let mut call = s.start_as_completed(None);
    s.expect_yields(&mut call, &[], Then::Waits, "the call")
        .or_fail();
    for (step, &index) in order.iter().enumerate() {
        // Odd tasks fail: a failure is a completion like any other.
        let outcome = if index % 2 == 1 {
            err(index)
        } else {
            ok(index)
        };
        s.complete(index, outcome).or_fail();
        let then = if step + 1 == order.len() {
            Then::Ends
        } else {
            Then::Waits
        };
        let after = format!("{} completed", names(&order[..=step]));
        s.expect_yields(&mut call, &[Ok(index)], then, &after)
            .or_fail();
    }
    s.expect_no_watchers("as_completed ended").or_fail();
}

#[test]
fn as_completed_yields_tasks_already_complete_first_in_slice_order() {
    let s = Scenario::new(4);
    s.complete_now(2, ok(2));
    s.complete_now(0, err(0));
    let mut call = s.start_as_completed(None);
    s.expect_yields(&mut call, &[Ok(0), Ok(2)], Then::Waits, "the call")
        .or_fail();
    s.complete(3, ok(3)).or_fail();
    s.expect_yields(&mut call, &[Ok(3)], Then::Waits, "d completed")
        .or_fail();
    s.complete(1, ok(1)).or_fail();
    s.expect_yields(&mut call, &[Ok(1)], Then::Ends, "d, b completed")
        .or_fail();
}

#[rstest]
#[case::three_seconds(secs(3))]
#[case::one_and_a_half_seconds(millis(1500))]
fn as_completed_times_out_at_its_deadline_counted_from_the_call(#[case] timeout: Duration) {
    let s = Scenario::new(3);
    let mut call = s.start_as_completed(Some(timeout));
    s.expect_yields(&mut call, &[], Then::Waits, "the call")
        .or_fail();
    s.clock.advance(timeout / 3);
    s.complete(1, ok(1)).or_fail();
    // Still asleep until the deadline counted from the call, not from this item.
    s.expect_yields(&mut call, &[Ok(1)], Then::Waits, "b completed")
        .or_fail();
    let deadline = Instant::from_duration(timeout);
    assert_eq!(
        s.clock.advance_to_next_deadline(),
        Some(deadline),
        "{}",
        s.failure(format!(
            "{} must sleep until exactly t={timeout:?}",
            call.what
        ))
    );
    let timed_out: Item = Err(TimedOut {
        pending: vec![0, 2],
    });
    s.expect_yields(
        &mut call,
        &[timed_out],
        Then::Ends,
        &format!("the deadline {deadline}"),
    )
    .or_fail();
    s.expect_no_watchers("as_completed timed out").or_fail();
}

#[test]
fn as_completed_with_a_zero_timeout_yields_what_is_done_then_times_out_without_sleeping() {
    let s = Scenario::new(3);
    s.complete_now(1, ok(1));
    let mut call = s.start_as_completed(Some(Duration::ZERO));
    let timed_out: Item = Err(TimedOut {
        pending: vec![0, 2],
    });
    s.expect_yields(&mut call, &[Ok(1), timed_out], Then::Ends, "the call")
        .or_fail();
    s.expect_sleeps_at_most(0, "a zero timeout never sleeps")
        .or_fail();
}

#[test]
fn as_completed_on_no_tasks_ends_at_once() {
    let s = Scenario::new(0);
    let mut call = s.start_as_completed(None);
    s.expect_yields(&mut call, &[], Then::Ends, "the call")
        .or_fail();
}

#[test]
fn dropping_as_completed_early_removes_its_listeners() {
    let clock = course_clock::VirtualClock::new();
    let tasks: Vec<TestTask> = (0..3).map(|_| Task::new()).collect();
    let mut iter = as_completed(&clock.clock(), &tasks, None);
    tasks[0].complete(ok(0));
    assert_eq!(
        iter.next(),
        Some(Ok(0)),
        "a completed before the first next: it comes first"
    );
    drop(iter);
    for (index, task) in tasks.iter().enumerate() {
        assert_eq!(
            task.watchers(),
            0,
            "as_completed was dropped, yet {} still has a listener: the listeners must go \
             with the iterator (drop the Watch guards)",
            name(index)
        );
    }
}

#[test]
fn a_waiter_sleeps_once_per_completion_instead_of_polling() {
    let s = Scenario::new(3);
    let mut call = s.start_wait(None, AllCompleted);
    s.expect_waiting(&mut call, "the call", rule(AllCompleted))
        .or_fail();
    for index in [1, 2] {
        s.complete(index, ok(index)).or_fail();
        s.expect_waiting(&mut call, "a completion", rule(AllCompleted))
            .or_fail();
    }
    s.complete(0, ok(0)).or_fail();
    s.expect_returned(&mut call, "every task completed")
        .or_fail();
    s.expect_sleeps_at_most(
        3,
        "three tasks completing wake an AllCompleted wait three times: it sleeps once before \
         each",
    )
    .or_fail();

    let s = Scenario::new(3);
    let mut call = s.start_as_completed(None);
    for (step, index) in [2, 0, 1].into_iter().enumerate() {
        s.complete(index, ok(index)).or_fail();
        let then = if step == 2 { Then::Ends } else { Then::Waits };
        s.expect_yields(&mut call, &[Ok(index)], then, "a completion")
            .or_fail();
    }
    s.expect_sleeps_at_most(
        3,
        "as_completed sleeps once before each of the three completions",
    )
    .or_fail();
}

#[test]
fn real_clock_smoke_timeouts_never_end_before_their_deadline() {
    let clock = Clock::system();
    let tasks: Vec<TestTask> = (0..2).map(|_| Task::new()).collect();
    tasks[0].complete(ok(0));

    let timeout = millis(30);
    let start = clock.now();
    let split = wait(&clock, &tasks, Some(timeout), AllCompleted);
    let ended = clock.now();
    assert!(
        ended >= start + timeout,
        "on the real clock, wait with a timeout of {timeout:?} called at {start} returned at \
         {ended}, before its deadline"
    );
    assert_eq!(
        split,
        Split {
            done: vec![0],
            not_done: vec![1]
        },
        "b never completes: at the deadline only a is done"
    );

    let start = clock.now();
    let got: Vec<Item> = as_completed(&clock, &tasks, Some(timeout)).collect();
    let ended = clock.now();
    assert_eq!(
        got,
        [Ok(0), Err(TimedOut { pending: vec![1] })],
        "as_completed on the real clock: a, then the timeout naming b"
    );
    assert!(
        ended >= start + timeout,
        "on the real clock, as_completed with a timeout of {timeout:?} from {start} timed out \
         at {ended}, before its deadline"
    );

    // Completions from another thread reach a waiter on the real clock too, in their order.
    let completer = {
        let tasks = tasks.clone();
        std::thread::spawn(move || tasks[1].complete(err(1)))
    };
    let got: Vec<Item> = as_completed(&clock, &tasks, None).collect();
    assert_eq!(
        got,
        [Ok(0), Ok(1)],
        "as_completed yields a (done before), then b"
    );
    completer.join().expect("the completer panicked");
    assert_eq!(
        wait(&clock, &tasks, None, FirstException),
        Split {
            done: vec![0, 1],
            not_done: vec![]
        }
    );
}
