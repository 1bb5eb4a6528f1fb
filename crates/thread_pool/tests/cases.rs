//! Graded cases (rstest): one scenario per property of the pool and its futures, on a virtual
//! clock, with the order of events forced by gates (a task finishes when the test opens its
//! gate) and by waiting until threads are asleep on the clock; and one smoke test on the real
//! clock.

use crate::harness::{Event, OrFail, Scenario, expect_stage, panicked, stage, value_of};
use course_clock::{Clock, Instant};
use course_testkit::{Gate, Latch, on_thread_exit, patience};
use rstest::rstest;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thread_pool::{ShutdownError, TaskError, TaskFuture, ThreadPool};

/// The pool and its futures must be shareable between threads.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<ThreadPool>();
    shareable::<TaskFuture<String>>();
};

const fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

#[test]
fn smoke_a_submitted_task_runs_and_gives_back_its_value() {
    let s = Scenario::new(2);
    let future = s.pool().submit(|| 6 * 7).expect("submit on a fresh pool");
    assert_eq!(
        s.result("the task", &future),
        Ok(42),
        "result() must wait for the task and give back what it returned"
    );
    assert!(
        future.done(),
        "after result() returned, done() must be true"
    );
    assert!(!future.running(), "a finished task is not running");
    assert!(!future.cancelled(), "a task that ran was not cancelled");
    assert_eq!(
        future.error(),
        None,
        "a task that returned a value has no error"
    );
    assert_eq!(s.pool().max_workers(), 2);
}

/// How many threads wait for the result of one running task.
#[rstest]
#[case::one_waiter(1)]
#[case::three_waiters(3)]
fn result_waits_until_the_task_is_done_and_wakes_every_waiter(#[case] waiters: usize) {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    let handles: Vec<_> = (0..waiters)
        .map(|w| {
            let future = a.future.clone();
            let trace = s.trace.clone();
            std::thread::spawn(move || {
                trace.name_thread(format!("waiter {w}"));
                (future.result(), future.error())
            })
        })
        .collect();
    // The only worker is held at A's gate, so the sleepers are exactly the waiters.
    s.settle(
        waiters,
        "result() on a running task must put the caller to sleep until the task is done",
    );
    expect_stage(&s, "A", &a.future, "running", "it is held at its gate");
    a.open();
    for (w, handle) in handles.into_iter().enumerate() {
        match course_testkit::join_patiently(handle) {
            Some(Ok(got)) => assert_eq!(
                got,
                (Ok(value_of("A")), None),
                "waiter {w}: result() must return the task's value once it is done"
            ),
            Some(Err(_)) => s.fail(format!("waiter {w} panicked in result()"), &[]),
            None => s.fail(
                format!(
                    "waiter {w} was still asleep in result() {:?} after A finished: finishing \
                     a task must wake every thread waiting for its future (notify_all on the \
                     future's condition variable, after storing the result)",
                    patience()
                ),
                &[],
            ),
        }
    }
}

#[rstest]
#[case::one_and_a_half_seconds(Duration::from_millis(1500))]
#[case::three_seconds(secs(3))]
fn result_timeout_gives_up_at_its_deadline_while_the_task_runs(#[case] timeout: Duration) {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    let waiter = {
        let future = a.future.clone();
        std::thread::spawn(move || future.result_timeout(timeout))
    };
    s.settle(
        1,
        "result_timeout on a running task must sleep on the pool's clock",
    );
    assert_eq!(
        s.clock.next_deadline(),
        Some(Instant::from_duration(timeout)),
        "result_timeout({timeout:?}) must sleep until exactly {timeout:?} from the call"
    );
    s.clock.advance_to_next_deadline();
    let got = course_testkit::join_patiently(waiter)
        .expect("result_timeout must return once its deadline has passed")
        .expect("result_timeout panicked");
    assert_eq!(
        got, None,
        "at its deadline the task was still running: result_timeout must return None"
    );
    expect_stage(
        &s,
        "A",
        &a.future,
        "running",
        "a timed-out wait does not stop the task",
    );
    a.open();
    assert_eq!(s.result("A", &a.future), Ok(value_of("A")));
}

#[test]
fn result_timeout_returns_the_value_of_a_task_done_before_the_deadline() {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    let waiter = {
        let future = a.future.clone();
        std::thread::spawn(move || future.result_timeout(secs(2)))
    };
    s.settle(
        1,
        "result_timeout on a running task must sleep on the pool's clock",
    );
    s.clock.advance(secs(1));
    a.open();
    match course_testkit::join_patiently(waiter) {
        Some(Ok(got)) => assert_eq!(
            got,
            Some(Ok(value_of("A"))),
            "A finished at t=1s, before the 2 s deadline: result_timeout must return its value"
        ),
        Some(Err(_)) => s.fail("result_timeout panicked", &[]),
        None => s.fail(
            "result_timeout(2s) did not return after A finished at t=1s: finishing a task must \
             wake the threads waiting for it",
            &[],
        ),
    }
    assert_eq!(
        a.future.result_timeout(Duration::ZERO),
        Some(Ok(value_of("A"))),
        "on a done future, result_timeout(0) returns the result at once"
    );
}

#[test]
fn a_task_goes_from_pending_to_running_to_done() {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    let b = s.submit_gated("B");
    s.wait_started(&a, "it was submitted first, to an idle worker");
    expect_stage(&s, "A", &a.future, "running", "its worker is running it");
    expect_stage(
        &s,
        "B",
        &b.future,
        "pending",
        "the only worker is busy with A",
    );
    a.open();
    s.wait_started(&b, "A finished, so the worker was free again");
    expect_stage(&s, "A", &a.future, "done", "it returned");
    expect_stage(&s, "B", &b.future, "running", "its worker is running it");
    b.open();
    assert_eq!(s.result("B", &b.future), Ok(value_of("B")));
    expect_stage(&s, "B", &b.future, "done", "it returned");
}

#[rstest]
#[case::one_worker(1)]
#[case::two_workers(2)]
#[case::three_workers(3)]
fn max_workers_tasks_run_at_once_and_never_more(#[case] max_workers: usize) {
    let s = Scenario::new(max_workers);
    let tasks: Vec<_> = (0..2 * max_workers + 1)
        .map(|i| s.submit_gated(&format!("T{i}")))
        .collect();
    for task in &tasks[..max_workers] {
        s.wait_started(
            task,
            &format!(
                "a pool of {max_workers} worker(s) runs the first {max_workers} tasks at once"
            ),
        );
    }
    // Every worker is held at a gate now, so nothing else can start.
    let running: Vec<&str> = tasks
        .iter()
        .filter(|t| t.future.running())
        .map(|t| t.name.as_str())
        .collect();
    let first: Vec<&str> = tasks[..max_workers]
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    if running != first {
        s.fail(
            format!(
                "with the first {max_workers} tasks held at their gates, the tasks reported \
                 running were {running:?}, but they should be exactly {first:?}"
            ),
            &[],
        );
    }
    for task in &tasks[max_workers..] {
        expect_stage(
            &s,
            &task.name,
            &task.future,
            "pending",
            "every worker is busy",
        );
    }
    // Let them finish one at a time: each finish frees a worker for the next task in line.
    for (i, task) in tasks.iter().enumerate() {
        task.open();
        assert_eq!(s.result(&task.name, &task.future), Ok(value_of(&task.name)));
        if let Some(next) = tasks.get(i + max_workers) {
            s.wait_started(next, &format!("{} finished and freed a worker", task.name));
        }
    }
    s.check_at_most_max_workers_ran_at_once().or_fail();
}

#[test]
fn cancel_succeeds_while_the_task_is_pending_and_it_never_runs() {
    let mut s = Scenario::new(1);
    let blocker = s.submit_gated("A");
    s.wait_started(&blocker, "the pool's only worker was idle");
    let b = s.submit_gated("B");
    expect_stage(
        &s,
        "B",
        &b.future,
        "pending",
        "the only worker is busy with A",
    );
    assert!(
        b.future.cancel(),
        "cancel() on a pending task (the only worker is busy with A) must succeed"
    );
    expect_stage(&s, "B", &b.future, "cancelled", "cancel() succeeded");
    assert!(
        b.future.cancel(),
        "cancel() on a task already cancelled reports true again"
    );
    assert_eq!(
        s.result("B", &b.future),
        Err(TaskError::Cancelled),
        "the result of a cancelled task is Err(Cancelled), at once"
    );
    assert_eq!(b.future.error(), Some(TaskError::Cancelled));
    blocker.open();
    assert_eq!(s.result("A", &blocker.future), Ok(value_of("A")));
    s.drop_pool().or_fail();
    if s.started().contains(&"B".to_owned()) {
        s.fail(
            "B ran although it was cancelled before it started: a worker that pops a \
             cancelled task must skip it",
            &[],
        );
    }
}

#[test]
fn cancel_fails_while_the_task_is_running_and_it_finishes_normally() {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    assert!(
        !a.future.cancel(),
        "cancel() on a running task must fail (return false): a running task cannot be stopped, \
         so reporting it cancelled would be a lie"
    );
    expect_stage(&s, "A", &a.future, "running", "cancel() failed");
    a.open();
    assert_eq!(
        s.result("A", &a.future),
        Ok(value_of("A")),
        "a task that could not be cancelled runs to its end and gives its value"
    );
    assert!(!a.future.cancelled());
}

#[test]
fn cancel_fails_once_the_task_is_done() {
    let s = Scenario::new(1);
    let a = s.submit_value("A", 5u32);
    assert_eq!(s.result("A", &a), Ok(5));
    assert!(!a.cancel(), "cancel() on a finished task must fail");
    assert!(!a.cancelled());
    assert_eq!(
        s.result("A", &a),
        Ok(5),
        "a failed cancel leaves the result alone"
    );
}

/// How the task panics, and the message its error must carry.
#[rstest]
#[case::a_literal_message("A failed on purpose (this panic is expected)", false)]
#[case::a_formatted_message("A failed on purpose with code 7 (this panic is expected)", true)]
fn a_panicking_task_yields_an_error_carrying_its_message(
    #[case] message: &'static str,
    #[case] formatted: bool,
) {
    let s = Scenario::new(1);
    let future = match formatted {
        false => s.submit_panicking("A", message),
        // `panic!("{}", ...)` panics with a String; a literal message is a &'static str.
        true => s
            .pool()
            .submit(move || -> u32 {
                let code = 7;
                panic!("A failed on purpose with code {code} (this panic is expected)")
            })
            .expect("submit on a fresh pool"),
    };
    assert_eq!(
        s.result("A", &future),
        Err(panicked(message)),
        "a task that panics must give Err(TaskError::Panicked(its message))"
    );
    assert_eq!(future.error(), Some(panicked(message)));
    assert!(future.done() && !future.cancelled() && !future.running());
}

#[test]
fn a_task_panicking_with_a_value_that_is_not_a_message_still_yields_an_error() {
    let s = Scenario::new(1);
    let future = s
        .pool()
        .submit(|| -> u32 { std::panic::panic_any(42u8) })
        .expect("submit on a fresh pool");
    match s.result("A", &future) {
        Err(TaskError::Panicked(_)) => {}
        other => panic!(
            "a task that panicked with panic_any(42u8) must give Err(TaskError::Panicked(..)) \
             (with any message), not {other:?}"
        ),
    }
}

#[rstest]
#[case::one_worker(1)]
#[case::two_workers(2)]
#[case::three_workers(3)]
fn a_worker_survives_its_tasks_panic_and_the_pool_keeps_max_workers(#[case] max_workers: usize) {
    let s = Scenario::new(max_workers);
    // One panicking task on every worker at once: each waits until all have started.
    let all_started = Arc::new(Latch::new(max_workers));
    let panickers: Vec<_> = (0..max_workers)
        .map(|i| {
            let (all_started, trace) = (Arc::clone(&all_started), s.recorder());
            s.pool()
                .submit(move || -> u32 {
                    trace.name_worker();
                    trace.record(Event::Started(format!("P{i}")));
                    all_started.count_down();
                    all_started.wait("every worker to start a panicking task");
                    trace.record(Event::Finished(format!("P{i}")));
                    panic!("P{i} fails on purpose (this panic is expected)")
                })
                .expect("submit on a fresh pool")
        })
        .collect();
    for (i, future) in panickers.iter().enumerate() {
        assert_eq!(
            s.result(&format!("P{i}"), future),
            Err(TaskError::Panicked(format!(
                "P{i} fails on purpose (this panic is expected)"
            ))),
        );
    }
    s.settle(
        max_workers,
        "after their tasks panicked, every worker must be alive and waiting for work again",
    );
    let after: Vec<_> = (0..max_workers)
        .map(|i| s.submit_gated(&format!("T{i}")))
        .collect();
    for task in &after {
        s.wait_started(
            task,
            &format!(
                "after {max_workers} tasks panicked, the pool must still run {max_workers} tasks \
                 at once: a task's panic must not end its worker (catch it with \
                 std::panic::catch_unwind)"
            ),
        );
    }
    for task in &after {
        task.open();
        assert_eq!(s.result(&task.name, &task.future), Ok(value_of(&task.name)));
    }
}

#[test]
fn done_callbacks_added_before_completion_run_once_in_order_after_the_result_is_stored() {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    for label in ["c1", "c2", "c3"] {
        s.add_recording_callback("A", &a.future, label);
    }
    if let Some((seq, ..)) = s.callbacks_of("A").first() {
        s.fail(
            "a done callback ran while its task was still running: callbacks run once it is done",
            &[*seq],
        );
    }
    a.open();
    assert_eq!(s.result("A", &a.future), Ok(value_of("A")));
    s.settle(
        1,
        "after A and its callbacks, the worker must wait for work again",
    );
    let calls = s.callbacks_of("A");
    let labels: Vec<String> = calls
        .iter()
        .map(|(_, _, e)| match e {
            Event::Callback { label, .. } => label.clone(),
            _ => unreachable!(),
        })
        .collect();
    let focus: Vec<usize> = calls.iter().map(|(seq, ..)| *seq).collect();
    if labels != ["c1", "c2", "c3"] {
        s.fail(
            format!(
                "the three callbacks added to A before it finished ran as {labels:?}: each must \
                 run exactly once, in the order they were added"
            ),
            &focus,
        );
    }
    for (seq, thread, event) in &calls {
        let Event::Callback { done, result, .. } = event else {
            unreachable!()
        };
        let expected = format!("{:?}", Ok::<String, TaskError>(value_of("A")));
        if !done || *result != expected {
            s.fail(
                format!(
                    "a callback of A saw done() = {done} and result {result}: callbacks run \
                     after the result is stored, so they see the future done, with {expected}"
                ),
                &[*seq],
            );
        }
        if thread == "test" {
            s.fail(
                "a callback added before its task finished ran on the test's thread: it must run \
                 on the worker that finished the task",
                &[*seq],
            );
        }
    }
}

#[test]
fn a_done_callback_added_after_completion_runs_at_once_on_the_callers_thread() {
    let s = Scenario::new(1);
    let a = s.submit_value("A", 7u32);
    assert_eq!(s.result("A", &a), Ok(7));
    s.settle(1, "after A, the worker must wait for work again");
    for label in ["late1", "late2"] {
        s.add_recording_callback("A", &a, label);
        let calls = s.callbacks_of("A");
        let mine: Vec<_> = calls
            .iter()
            .filter(|(_, _, e)| matches!(e, Event::Callback { label: l, .. } if l == label))
            .collect();
        match mine.as_slice() {
            [(_, thread, Event::Callback { done, result, .. })] => {
                assert_eq!(
                    thread, "test",
                    "a callback added after completion must run on the caller's thread"
                );
                assert!(*done, "a callback must see its future done");
                assert_eq!(result, "Ok(7)");
            }
            [] => s.fail(
                format!(
                    "callback {label} was added to A after A was done, and had not run when \
                     add_done_callback returned: it must run at once (nobody else will ever run \
                     it: the callbacks of a done future were already taken)"
                ),
                &[],
            ),
            more => s.fail(
                format!("callback {label} ran {} times, not once", more.len()),
                &more.iter().map(|(seq, ..)| *seq).collect::<Vec<_>>(),
            ),
        }
    }
}

#[test]
fn callbacks_of_a_cancelled_task_run_once_when_it_is_cancelled() {
    let mut s = Scenario::new(1);
    let blocker = s.submit_gated("A");
    s.wait_started(&blocker, "the pool's only worker was idle");
    let b = s.submit_gated("B");
    s.add_recording_callback("B", &b.future, "c1");
    assert!(b.future.cancel(), "cancel() on a pending task must succeed");
    let calls = s.callbacks_of("B");
    match calls.as_slice() {
        [(_, thread, Event::Callback { done, result, .. })] => {
            assert_eq!(
                thread, "test",
                "a successful cancel runs the callbacks on the cancelling thread"
            );
            assert!(*done, "a cancelled future is done");
            assert_eq!(result, "Err(Cancelled)");
        }
        _ => s.fail(
            format!(
                "after cancel() returned true, B's callback had run {} time(s): cancelling \
                 makes the future done, so its callbacks run then, once",
                calls.len()
            ),
            &[],
        ),
    }
    assert!(b.future.cancel());
    s.add_recording_callback("B", &b.future, "c2");
    blocker.open();
    s.drop_pool().or_fail();
    let labels: Vec<String> = s
        .callbacks_of("B")
        .into_iter()
        .map(|(_, _, e)| match e {
            Event::Callback { label, .. } => label,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        labels,
        ["c1", "c2"],
        "each callback of a cancelled task runs exactly once (a second cancel, or the worker \
         skipping the task, must not run them again)"
    );
}

#[test]
fn a_callback_can_use_its_future_and_submit_to_the_pool_without_deadlock() {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    let from_callback: Arc<Mutex<Option<TaskFuture<u32>>>> = Arc::default();
    let returned = Arc::new(Latch::new(1));
    {
        let (pool, slot, returned) = (
            Arc::clone(s.pool()),
            Arc::clone(&from_callback),
            Arc::clone(&returned),
        );
        a.future.add_done_callback(move |f| {
            // Both take the future's lock: a callback run under it would deadlock here.
            assert!(f.done());
            let _ = f.result();
            *slot.lock().unwrap() = pool.submit(|| 99).ok();
            returned.count_down();
        });
    }
    a.open();
    if !returned.wait_patiently() {
        s.fail(
            format!(
                "A's done callback calls result() and submit(), and did not get past them \
                 within {:?}: callbacks must run after the future's lock is released",
                patience()
            ),
            &[],
        );
    }
    let submitted = from_callback.lock().unwrap().take();
    let Some(submitted) = submitted else {
        panic!("submit() from a done callback failed on a pool that was not shut down")
    };
    assert_eq!(
        s.result("the task submitted by the callback", &submitted),
        Ok(99)
    );
    s.settle(
        1,
        "after the task submitted from the callback, the worker must wait again",
    );
}

#[test]
fn a_panicking_callback_does_not_stop_the_others_or_the_worker() {
    let s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    s.add_recording_callback("A", &a.future, "c1");
    a.future
        .add_done_callback(|_| panic!("a callback fails on purpose (this panic is expected)"));
    s.add_recording_callback("A", &a.future, "c3");
    a.open();
    assert_eq!(s.result("A", &a.future), Ok(value_of("A")));
    s.settle(
        1,
        "a callback's panic must not end the worker that runs it (catch it)",
    );
    let labels: Vec<String> = s
        .callbacks_of("A")
        .into_iter()
        .map(|(_, _, e)| match e {
            Event::Callback { label, .. } => label,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        labels,
        ["c1", "c3"],
        "the callback after a panicking one must still run"
    );
    let b = s.submit_value("B", 1u32);
    assert_eq!(
        s.result("B", &b),
        Ok(1),
        "the worker must go on running tasks"
    );
}

/// The order in which the three items' gates are opened (so the order they finish in).
#[rstest]
#[case::last_first(&[2, 1, 0])]
#[case::middle_first(&[1, 2, 0])]
#[case::first_last(&[1, 0, 2])]
fn map_gives_results_in_input_order_even_when_later_items_finish_first(#[case] order: &[usize]) {
    let s = Scenario::new(3);
    let gates: Arc<Vec<Gate>> = Arc::new((0..3).map(|_| Gate::new()).collect());
    let started = Arc::new(Latch::new(3));
    let results = {
        let (gates, started, trace) = (Arc::clone(&gates), Arc::clone(&started), s.recorder());
        s.pool()
            .map(
                move |item: usize| {
                    trace.name_worker();
                    trace.record(Event::Started(format!("item {item}")));
                    started.count_down();
                    gates[item].pass(&format!("the test to let item {item} finish"));
                    trace.record(Event::Finished(format!("item {item}")));
                    item * 10
                },
                vec![0, 1, 2],
            )
            .expect("map on a fresh pool")
    };
    started.wait("map's three items to start on the pool's three workers");
    // Finish them in `order`, each completely (its worker back asleep) before the next.
    for (done, &item) in order.iter().enumerate() {
        gates[item].open();
        s.settle(
            done + 1,
            &format!("item {item} finished, so its worker must wait for work again"),
        );
    }
    let got: Vec<_> = results.collect();
    assert_eq!(
        got,
        [Ok(0), Ok(10), Ok(20)],
        "map's results must come in input order (item 0, 1, 2), not in the order the items \
         finished ({order:?})\n{}",
        s.trace.render()
    );
}

#[test]
fn map_with_more_items_than_workers_keeps_input_order_and_reports_panics_in_place() {
    // One worker: the items run one after another, so what this checks does not depend on the
    // order in which they finish (the gated case above forces that order).
    let s = Scenario::new(1);
    let results = s
        .pool()
        .map(
            |item: u32| {
                if item == 3 {
                    panic!("item 3 fails on purpose (this panic is expected)");
                }
                item * item
            },
            0..7,
        )
        .expect("map on a fresh pool");
    assert_eq!(results.len(), 7, "map's results: one per item");
    // Collect once every item is done, so that no `next` has to wait (waking waiters is
    // checked by the cases of `result`).
    s.settle(
        1,
        "after map's seven items, the worker must wait for work again",
    );
    let got: Vec<_> = results.collect();
    let expected: Vec<_> = (0..7u32)
        .map(|item| match item {
            3 => Err(panicked("item 3 fails on purpose (this panic is expected)")),
            _ => Ok(item * item),
        })
        .collect();
    assert_eq!(
        got, expected,
        "one result per item, in input order, the panicking item's error in its place"
    );
}

#[test]
fn dropping_map_results_cancels_the_items_not_started() {
    let mut s = Scenario::new(1);
    let gate = Arc::new(Gate::new());
    let started = Arc::new(Latch::new(1));
    let results = {
        let (gate, started, trace) = (Arc::clone(&gate), Arc::clone(&started), s.recorder());
        s.pool()
            .map(
                move |item: u32| {
                    trace.name_worker();
                    trace.record(Event::Started(format!("item {item}")));
                    started.count_down();
                    gate.pass("the test to let item 0 finish");
                    item
                },
                [0, 1, 2],
            )
            .expect("map on a fresh pool")
    };
    started.wait("map's first item to start");
    drop(results);
    gate.open();
    s.drop_pool().or_fail();
    let ran = s.started();
    assert_eq!(
        ran,
        ["item 0"],
        "dropping map's results while item 0 ran must cancel items 1 and 2, which had not \
         started: nobody can read their results any more"
    );
}

#[test]
fn shutdown_with_wait_lets_every_queued_task_finish_then_joins_the_workers() {
    let s = Scenario::new(2);
    let exited = Arc::new(Latch::new(2));
    let gate = Arc::new(Gate::new());
    let both = Arc::new(Latch::new(2));
    // Two tasks hold both workers (and watch their threads end); four more wait in the queue.
    let holders: Vec<_> = (0..2usize)
        .map(|i| {
            let (exited, gate, both, trace) = (
                Arc::clone(&exited),
                Arc::clone(&gate),
                Arc::clone(&both),
                s.recorder(),
            );
            s.pool()
                .submit(move || {
                    trace.name_worker();
                    trace.record(Event::Started(format!("H{i}")));
                    on_thread_exit(exited);
                    both.count_down();
                    gate.pass("the test to let the holders finish");
                    trace.record(Event::Finished(format!("H{i}")));
                    i
                })
                .expect("submit on a fresh pool")
        })
        .collect();
    both.wait("two tasks to start on the pool's two workers");
    let queued: Vec<_> = (0..4u32)
        .map(|i| s.submit_value(&format!("Q{i}"), 10 + i))
        .collect();
    // Another thread shuts down, and looks at every future and worker the moment it returns.
    let calling = Arc::new(Latch::new(1));
    let shutter = {
        let (pool, calling, exited) = (
            Arc::clone(s.pool()),
            Arc::clone(&calling),
            Arc::clone(&exited),
        );
        let queued = queued.clone();
        std::thread::spawn(move || {
            calling.count_down();
            pool.shutdown(true);
            let stages: Vec<&str> = queued.iter().map(stage).collect();
            (stages, exited.left())
        })
    };
    calling.wait("the shutter thread to call shutdown(true)");
    gate.open();
    let (stages, alive) = match course_testkit::join_patiently(shutter) {
        Some(Ok(seen)) => seen,
        Some(Err(_)) => s.fail("shutdown(true) panicked", &[]),
        None => s.fail(
            format!(
                "shutdown(true) did not return within {:?} of the last task being let go: it \
                 must wake the idle workers and join them",
                patience()
            ),
            &[],
        ),
    };
    if let Some(i) = stages.iter().position(|&stage| stage != "done") {
        s.fail(
            format!(
                "shutdown(true) returned while Q{i}, queued before it, was {}: with wait, \
                 shutdown returns only once every queued task has finished",
                stages[i]
            ),
            &[],
        );
    }
    if alive > 0 {
        s.fail(
            "shutdown(true) returned while a worker thread was still alive: it must join the \
             workers",
            &[],
        );
    }
    for (i, future) in queued.iter().enumerate() {
        assert_eq!(
            s.result(&format!("Q{i}"), future),
            Ok(10 + i as u32),
            "a task queued before shutdown still runs"
        );
    }
    for (i, holder) in holders.iter().enumerate() {
        assert_eq!(s.result(&format!("H{i}"), holder), Ok(i));
    }
}

#[test]
fn shutdown_without_wait_returns_at_once_and_queued_tasks_still_run() {
    let mut s = Scenario::new(1);
    let a = s.submit_gated("A");
    s.wait_started(&a, "the pool's only worker was idle");
    let b = s.submit_value("B", 2u32);
    let returned = Arc::new(Latch::new(1));
    let shutter = {
        let (pool, returned) = (Arc::clone(s.pool()), Arc::clone(&returned));
        std::thread::spawn(move || {
            pool.shutdown(false);
            returned.count_down();
        })
    };
    if !returned.wait_patiently() {
        a.open();
        s.fail(
            "shutdown(false) did not return while a task was running: without wait it only \
             stops the pool taking tasks",
            &[],
        );
    }
    shutter.join().expect("shutdown(false) panicked");
    assert_eq!(
        s.pool().submit(|| 0u32).err(),
        Some(ShutdownError),
        "submit after shutdown(false) must fail"
    );
    a.open();
    assert_eq!(s.result("A", &a.future), Ok(value_of("A")));
    assert_eq!(
        s.result("B", &b),
        Ok(2),
        "a task queued before shutdown(false) still runs"
    );
    s.drop_pool().or_fail();
}

#[rstest]
#[case::after_shutdown_with_wait(true)]
#[case::after_shutdown_without_wait(false)]
fn submit_and_map_after_shutdown_are_errors(#[case] wait: bool) {
    let s = Scenario::new(2);
    s.pool().shutdown(wait);
    let ran = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&ran);
    let submitted = s
        .pool()
        .submit(move || counted.fetch_add(1, Ordering::SeqCst));
    assert_eq!(
        submitted.err(),
        Some(ShutdownError),
        "submit after shutdown({wait}) must fail with ShutdownError"
    );
    let counted = Arc::clone(&ran);
    let mapped = s.pool().map(
        move |x: u32| {
            counted.fetch_add(1, Ordering::SeqCst);
            x
        },
        [1, 2],
    );
    assert!(
        matches!(mapped, Err(ShutdownError)),
        "map after shutdown({wait}) must fail with ShutdownError"
    );
    s.pool().shutdown(true);
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "nothing submitted after shutdown may run"
    );
}

#[test]
fn dropping_the_pool_runs_the_queued_tasks_and_joins_the_workers() {
    let mut s = Scenario::new(1);
    let exited = Arc::new(Latch::new(1));
    let a = {
        let (exited, trace) = (Arc::clone(&exited), s.recorder());
        s.pool()
            .submit(move || {
                trace.name_worker();
                on_thread_exit(exited);
                1u32
            })
            .expect("submit on a fresh pool")
    };
    let b = s.submit_value("B", 2u32);
    s.drop_pool().or_fail();
    if exited.left() > 0 {
        s.fail(
            "dropping the pool returned while its worker was still alive: Drop must join the \
             workers",
            &[],
        );
    }
    assert!(
        a.done() && b.done(),
        "dropping the pool must let the queued tasks finish first"
    );
    assert_eq!(
        (a.result(), b.result()),
        (Ok(1), Ok(2)),
        "after the pool was dropped"
    );
}

#[test]
fn real_clock_smoke_result_timeout_never_gives_up_early() {
    let clock = Clock::system();
    let pool = ThreadPool::with_clock(1, clock.clone());
    let gate = Arc::new(Gate::new());
    let future = {
        let gate = Arc::clone(&gate);
        pool.submit(move || {
            gate.pass("the test to let the task finish");
            5u32
        })
        .expect("submit on a fresh pool")
    };
    let timeout = Duration::from_millis(40);
    let before = clock.now();
    let got = future.result_timeout(timeout);
    let after = clock.now();
    assert_eq!(
        got, None,
        "the task was held at its gate: result_timeout must time out"
    );
    assert!(
        after >= before + timeout,
        "on the real clock, result_timeout({timeout:?}) gave up after {:?}: it must never \
         return None before its timeout",
        after.saturating_duration_since(before)
    );
    gate.open();
    assert_eq!(future.result_timeout(patience()), Some(Ok(5)));
    drop(pool);

    // `new` uses the system clock.
    let pool = ThreadPool::new(2);
    assert_eq!(pool.max_workers(), 2);
    let hi = pool.submit(|| "hi").expect("submit on a fresh pool");
    assert_eq!(hi.result_timeout(patience()), Some(Ok("hi")));
}
