//! Graded cases (rstest): one scenario per property of the executor, on the virtual clock, and
//! one smoke test on the real clock.

use crate::harness::{CountDownOnDrop, OrFail, Scenario};
use course_clock::{Clock, Instant};
use course_testkit::{Gate, Latch, on_thread_exit, patience};
use deferred_callback::DeferredCallbackExecutor;
use rstest::rstest;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

const fn millis(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// The executor must be shareable between threads, as `add_action(&self)` promises.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<DeferredCallbackExecutor>();
};

#[test]
fn smoke_an_action_runs_once_at_its_due_time() {
    let s = Scenario::new();
    s.add("A", secs(1));
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(&["A"], "A is the only action")
        .or_fail();
}

#[rstest]
#[case::one_and_a_half_seconds(millis(1500))]
#[case::a_quarter_second(millis(250))]
#[case::just_under_three_seconds(millis(2999))]
#[case::ten_and_a_half_seconds(millis(10_500))]
fn an_action_runs_exactly_at_its_due_time_for_fractional_delays(#[case] delay: Duration) {
    let s = Scenario::new();
    s.add("A", delay);
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(&["A"], "A is the only action")
        .or_fail();
}

#[rstest]
#[case::one_second_added_at_two(millis(2000), secs(1))]
#[case::two_seconds_added_at_half_a_second(millis(500), secs(2))]
#[case::a_quarter_second_added_at_ten(millis(10_000), millis(250))]
#[case::no_delay_added_at_seven(millis(7000), Duration::ZERO)]
fn a_delay_counts_from_when_the_action_was_added(
    #[case] added_at: Duration,
    #[case] delay: Duration,
) {
    let s = Scenario::new();
    s.run_until(Instant::from_duration(added_at)).or_fail();
    s.add("A", delay);
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(&["A"], "A is the only action")
        .or_fail();
}

#[rstest]
#[case::one_second_before_ten(secs(10), secs(1))]
#[case::one_and_a_half_before_two(secs(2), millis(1500))]
#[case::right_away_before_five(secs(5), Duration::ZERO)]
fn an_earlier_action_added_while_the_executor_waits_for_a_later_one_runs_on_time(
    #[case] later: Duration,
    #[case] earlier: Duration,
) {
    let s = Scenario::new();
    s.add("Later", later);
    // The executor is now asleep until Later is due.
    s.check_caught_up().or_fail();
    s.add("Earlier", earlier);
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(&["Earlier", "Later"], "Earlier is due first")
        .or_fail();
}

#[rstest]
#[case::two(2)]
#[case::five(5)]
#[case::eight(8)]
#[case::thirty_three(33)]
fn actions_due_at_the_same_instant_run_in_the_order_they_were_added(#[case] count: usize) {
    let s = Scenario::new();
    let names: Vec<String> = (0..count).map(|i| format!("A{i}")).collect();
    for name in &names {
        s.add(name, secs(1));
    }
    s.run_until_all_ran().or_fail();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    s.check_ran_in_order(
        &names,
        "actions due at the same instant must run in the order they were added (a BinaryHeap \
         does not keep that order by itself)",
    )
    .or_fail();
}

#[test]
fn a_callback_can_add_actions_without_deadlocking() {
    let s = Scenario::new();
    let added = Arc::new(Latch::new(1));
    {
        let (rec, executor, added) = (s.rec.clone(), Arc::clone(s.executor()), Arc::clone(&added));
        s.add_then("A", secs(1), move || {
            rec.add(&executor, "B", secs(1));
            rec.add(&executor, "C", Duration::ZERO);
            added.count_down();
        });
    }
    s.check_caught_up().or_fail();
    s.clock.advance_to_next_deadline();
    if !added.wait_patiently() {
        panic!(
            "{}",
            s.failure(
                format!(
                    "A's callback called add_action and did not get past it within {:?}: a \
                     deadlock. The executor must release its lock before running a callback",
                    patience()
                ),
                &[],
            )
        );
    }
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(
        &["A", "C", "B"],
        "C is due as soon as A's callback adds it, B one second later",
    )
    .or_fail();
}

#[test]
fn add_action_returns_while_a_callback_is_running() {
    let s = Scenario::new();
    let started = Arc::new(Latch::new(1));
    let finished = Arc::new(Latch::new(1));
    let release = Arc::new(Gate::new());
    {
        let (started, finished, release) = (
            Arc::clone(&started),
            Arc::clone(&finished),
            Arc::clone(&release),
        );
        s.add_then("A", Duration::ZERO, move || {
            // Counts down however the callback ends, even if the gate gives up.
            let _finished = CountDownOnDrop(finished);
            started.count_down();
            release.pass("the test to let A's callback finish");
        });
    }
    started.wait("A's callback to start (A was due at once)");

    // Another thread adds B while A's callback is blocked.
    let returned = Arc::new(Latch::new(1));
    let while_running = Arc::new(Mutex::new(None));
    let adder = {
        let (rec, executor) = (s.rec.clone(), Arc::clone(s.executor()));
        let (returned, finished, while_running) = (
            Arc::clone(&returned),
            Arc::clone(&finished),
            Arc::clone(&while_running),
        );
        std::thread::spawn(move || {
            rec.trace.name_thread("adder");
            rec.add(&executor, "B", secs(1));
            *while_running.lock().unwrap() = Some(finished.left() > 0);
            returned.count_down();
        })
    };
    let returned_in_time = returned.wait_patiently();
    release.open();
    let message = |what: &str| {
        s.failure(
            format!(
                "while A's callback was running, add_action (from another thread) {what}: the \
                 executor must not hold its lock while a callback runs"
            ),
            &[],
        )
    };
    if !returned_in_time {
        panic!(
            "{}",
            message(&format!("did not return within {:?}", patience()))
        );
    }
    if *while_running.lock().unwrap() != Some(true) {
        panic!("{}", message("returned only after the callback finished"));
    }
    adder.join().expect("the adder thread panicked");
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(&["A", "B"], "A was due first")
        .or_fail();
}

#[test]
fn a_panicking_callback_does_not_stop_later_actions() {
    let s = Scenario::new();
    s.add_then("A", secs(1), || {
        panic!("A's callback panics on purpose (this message is expected)")
    });
    s.add("B", secs(1));
    s.add("C", secs(2));
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(
        &["A", "B", "C"],
        "a callback's panic must not stop the executor",
    )
    .or_fail();
}

#[test]
fn dropping_the_executor_stops_its_thread_and_drops_pending_actions() {
    let mut s = Scenario::new();
    let exited = Arc::new(Latch::new(1));
    let pending_dropped = Arc::new(Latch::new(1));
    {
        let exited = Arc::clone(&exited);
        s.add_then("A", Duration::ZERO, move || on_thread_exit(exited));
    }
    {
        let guard = CountDownOnDrop(Arc::clone(&pending_dropped));
        s.add_then("B", secs(100), move || drop(guard));
    }
    s.check_caught_up().or_fail();
    s.drop_executor().or_fail();
    if exited.left() > 0 {
        panic!(
            "{}",
            s.failure(
                "dropping the executor returned while its thread was still running: Drop must \
                 join the executor thread",
                &[],
            )
        );
    }
    if s.runs().iter().any(|run| run.name == "B") {
        panic!(
            "{}",
            s.failure(
                "B ran when the executor was dropped, 100 s before its due time: pending actions \
                 must be dropped unrun",
                &[],
            )
        );
    }
    if pending_dropped.left() > 0 {
        panic!(
            "{}",
            s.failure(
                "after the executor was dropped, B's action (pending, due at t=100s) still \
                 existed: pending actions must be dropped with the executor",
                &[],
            )
        );
    }
}

#[test]
fn dropping_the_last_handle_inside_a_callback_stops_the_executor_without_deadlock() {
    let mut s = Scenario::new();
    let executor = s.take_executor();
    let returned = Arc::new(Latch::new(1));
    let exited = Arc::new(Latch::new(1));
    {
        let last = Arc::clone(&executor);
        let (returned, exited) = (Arc::clone(&returned), Arc::clone(&exited));
        s.rec.add_then(&executor, "A", secs(1), move || {
            on_thread_exit(exited);
            // The test dropped its handle: this is the last one.
            drop(last);
            returned.count_down();
        });
    }
    drop(executor);
    s.check_caught_up().or_fail();
    s.clock.advance_to_next_deadline();
    if !returned.wait_patiently() {
        panic!(
            "{}",
            s.failure(
                format!(
                    "A's callback dropped the last handle on the executor, and that drop did not \
                     return within {:?}. Drop then runs on the executor thread itself, which \
                     must not join itself (nor wait for a lock it holds)",
                    patience()
                ),
                &[],
            )
        );
    }
    if !exited.wait_patiently() {
        panic!(
            "{}",
            s.failure(
                format!(
                    "after A's callback dropped the last handle on the executor, the executor \
                     thread had not ended {:?} later: it must see the shutdown once the callback \
                     returns",
                    patience()
                ),
                &[],
            )
        );
    }
}

#[test]
fn an_idle_executor_sleeps_instead_of_polling() {
    let s = Scenario::new();
    // With nothing queued, the executor must block (settle fails if it spins).
    s.settle().or_fail();
    s.add("A", secs(100));
    s.run_until_all_ran().or_fail();
    s.check_ran_in_order(&["A"], "A is the only action")
        .or_fail();
    let stats = s.clock.stats();
    // Asleep with nothing queued, woken by the add, asleep until t=100s, asleep again after A:
    // three waits, and one to spare.
    if stats.waits > 4 {
        panic!(
            "{}",
            s.failure(
                format!(
                    "the executor blocked {} times ({} of them with a deadline) to run one \
                     action due at t=100s: it polls instead of sleeping until the earliest due \
                     time",
                    stats.waits, stats.timed_waits
                ),
                &[],
            )
        );
    }
}

#[test]
fn real_clock_smoke_actions_never_run_before_their_due_time() {
    let clock = Clock::system();
    let executor = DeferredCallbackExecutor::with_clock(clock.clone());
    let runs = Arc::new(Mutex::new(Vec::new()));
    let all_ran = Arc::new(Latch::new(3));
    // Each action's due time lies between `earliest` and `latest`: the executor reads the clock
    // somewhere inside add_action.
    let mut windows = Vec::new();
    for (name, delay) in [("A", millis(60)), ("B", millis(20)), ("C", millis(40))] {
        let (clock_in_callback, runs, all_ran) =
            (clock.clone(), Arc::clone(&runs), Arc::clone(&all_ran));
        let earliest = clock.now() + delay;
        executor.add_action(delay, move || {
            runs.lock().unwrap().push((name, clock_in_callback.now()));
            all_ran.count_down();
        });
        windows.push((name, earliest, clock.now() + delay));
    }
    all_ran.wait("the three actions (delays of 20 to 60 ms) to run on the real clock");
    let runs = runs.lock().unwrap().clone();
    let window = |name| {
        windows
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|&(_, earliest, latest)| (earliest, latest))
            .expect("every run is of an action added")
    };
    for &(name, at) in &runs {
        let (earliest, _) = window(name);
        assert!(
            at >= earliest,
            "on the real clock, {name} ran at {at}, before its due time (no earlier than \
             {earliest}): an action must never run early. Runs: {runs:?}"
        );
    }
    for (i, &(first, _)) in runs.iter().enumerate() {
        for &(second, _) in &runs[i + 1..] {
            // A violation only if `second` was due before `first` whatever the moment each
            // add_action read the clock: the two windows do not overlap.
            let (first_earliest, _) = window(first);
            let (_, second_latest) = window(second);
            assert!(
                second_latest >= first_earliest,
                "on the real clock, {first} ran before {second}, but {second} was due first: \
                 actions must run in due order. Runs: {runs:?}"
            );
        }
    }
    drop(executor);

    // `new` and `default` use the system clock.
    for executor in [
        DeferredCallbackExecutor::new(),
        DeferredCallbackExecutor::default(),
    ] {
        let ran = Arc::new(Latch::new(1));
        let counted = Arc::clone(&ran);
        executor.add_action(millis(1), move || counted.count_down());
        ran.wait("an action with a 1 ms delay to run, on an executor made with new() or default()");
    }
}
