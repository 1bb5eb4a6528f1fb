//! Graded cases (rstest): one scenario per property of the event loop, on the virtual clock, and
//! one smoke test on the real clock.

use crate::harness::{ABSURD_POLLS, Ctx, OrFail, Scenario, Seconds, Signal, at, millis, secs};
use course_clock::Instant;
use course_testkit::{Gate, join_patiently, patience};
use event_loop::{EventLoop, JoinError, gather};
use rstest::rstest;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn smoke_block_on_returns_the_output_of_a_future_that_is_ready_at_once() {
    let s = Scenario::new();
    let output = s.run(|_| async { 6 * 7 }).or_fail();
    assert_eq!(
        output, 42,
        "block_on(async {{ 6 * 7 }}) must return the future's output, 42"
    );
}

#[rstest]
#[case::one_and_a_half_seconds(millis(1500))]
#[case::a_quarter_second(millis(250))]
#[case::ten_and_a_half_seconds(millis(10_500))]
#[case::no_time_at_all(Duration::ZERO)]
fn a_sleep_ends_exactly_at_its_deadline(#[case] delay: Duration) {
    let s = Scenario::new();
    let ended = s
        .run(move |ctx: Ctx| async move {
            ctx.sleep("A", delay).await;
            ctx.now()
        })
        .or_fail();
    assert_eq!(
        ended,
        at(delay),
        "a sleep of {} started at t=0 ended at {ended}: it must end exactly when the loop's \
         clock reaches its deadline",
        Seconds(delay)
    );
}

/// Fetches `url1`, `url2`, ... with these delays (whole seconds) through `gather`, and returns
/// gather's output.
fn gather_fetches(s: &Scenario, delays: &'static [u64]) -> Result<Vec<String>, String> {
    s.run(move |ctx: Ctx| async move {
        let fetches = delays
            .iter()
            .enumerate()
            .map(|(i, &delay)| ctx.fetch(&format!("url{}", i + 1), secs(delay)));
        let results = gather(fetches).await;
        ctx.note("main", format!("gather returned {results:?}"));
        results
    })
}

#[rstest]
#[case::the_seeds_delays(&[2, 3, 1])]
#[case::reversed(&[3, 2, 1])]
#[case::all_equal(&[1, 1, 1])]
#[case::mixed_with_a_zero(&[5, 0, 2, 4])]
#[case::nothing_to_gather(&[])]
fn gather_returns_results_in_input_order_whatever_the_finishing_order(
    #[case] delays: &'static [u64],
) {
    let s = Scenario::new();
    let results = gather_fetches(&s, delays).or_fail();
    let expected: Vec<String> = (1..=delays.len())
        .map(|i| format!("Data from url{i}"))
        .collect();
    if results != expected {
        panic!(
            "{}",
            s.failure(
                format!(
                    "gather returned {results:?}, but it must return the outputs in the order \
                     the futures were given (as asyncio.gather does), whatever order they \
                     finished in: expected {expected:?}"
                ),
                &[],
            )
        );
    }
}

#[rstest]
#[case::the_seeds_delays(&[2, 3, 1])]
#[case::four_equal(&[1, 1, 1, 1])]
#[case::with_a_zero(&[4, 0, 1])]
fn gather_runs_its_futures_concurrently_so_it_takes_the_longest_delay(
    #[case] delays: &'static [u64],
) {
    let s = Scenario::new();
    gather_fetches(&s, delays).or_fail();
    for (i, &delay) in delays.iter().enumerate() {
        s.check_finished_at(&format!("url{}", i + 1), Instant::from_secs(delay))
            .or_fail();
    }
    let longest = delays.iter().copied().max().unwrap_or(0);
    let total: u64 = delays.iter().sum();
    if s.now() != Instant::from_secs(longest) {
        panic!(
            "{}",
            s.failure(
                format!(
                    "gather of sleeps of {delays:?} seconds returned at {}, but it runs them \
                     concurrently, so it must take the longest, {longest} s (not their sum, \
                     {total} s: does a sleep block the thread?)",
                    s.now()
                ),
                &[],
            )
        );
    }
}

#[test]
fn a_join_handle_yields_the_tasks_output_once_the_task_finishes() {
    let s = Scenario::new();
    let (output, at_end) = s
        .run(|ctx: Ctx| async move {
            let task = ctx.spawn(|ctx| async move {
                ctx.sleep("task", secs(2)).await;
                ctx.note("task", "returns 7");
                7
            });
            let output = task.await;
            ctx.note("main", format!("the join handle gave {output:?}"));
            (output, ctx.now())
        })
        .or_fail();
    if output != Ok(7) || at_end != Instant::from_secs(2) {
        panic!(
            "{}",
            s.failure(
                format!(
                    "awaiting the join handle of a task that sleeps 2 s and returns 7 gave \
                     {output:?} at {at_end}: expected Ok(7) at t=2.000s"
                ),
                &[],
            )
        );
    }
}

#[test]
fn spawned_tasks_start_at_once_and_run_while_the_main_future_waits() {
    let s = Scenario::new();
    let outputs = s
        .run(|ctx: Ctx| async move {
            let spawn = |name: &'static str, delay: Duration| {
                ctx.spawn(|ctx| async move {
                    ctx.note(name, "started");
                    ctx.sleep(name, delay).await;
                    ctx.note(name, "finished");
                    name
                })
            };
            let a = spawn("A", secs(2));
            let b = spawn("B", secs(1));
            ctx.sleep("main", millis(1500)).await;
            ctx.note("main", "awaits A, then B");
            (a.await, b.await, ctx.now())
        })
        .or_fail();
    let (a, b, end) = outputs;
    let started: Vec<_> = s
        .trace
        .events()
        .into_iter()
        .filter(|event| event.what.to_string().ends_with(": started"))
        .collect();
    let starts: Vec<String> = started.iter().map(|e| e.what.to_string()).collect();
    if starts != ["t=0.000s A: started", "t=0.000s B: started"] {
        panic!(
            "{}",
            s.failure(
                format!(
                    "the tasks started as {starts:?}: spawn schedules a task at once (like \
                     asyncio.create_task), so A and B start at t=0, in the order spawned, \
                     without anyone awaiting their handles"
                ),
                &[],
            )
        );
    }
    if a != Ok("A") || b != Ok("B") || end != Instant::from_secs(2) {
        panic!(
            "{}",
            s.failure(
                format!(
                    "the handles gave {a:?} and {b:?} at {end}: expected Ok(\"A\") and Ok(\"B\") \
                     at t=2.000s (the tasks ran alongside the main future's sleep of 1.5 s)"
                ),
                &[],
            )
        );
    }
}

#[test]
fn a_spawned_task_runs_even_if_its_handle_is_never_awaited() {
    let s = Scenario::new();
    s.run(|ctx: Ctx| async move {
        drop(ctx.spawn(|ctx| async move {
            ctx.sleep("detached", secs(1)).await;
            ctx.note("detached", "finished");
        }));
        ctx.sleep("main", secs(2)).await;
    })
    .or_fail();
    let ran = s
        .trace
        .whats()
        .iter()
        .any(|what| what.to_string() == "t=1.000s detached: finished");
    if !ran {
        panic!(
            "{}",
            s.failure(
                "a task whose handle was dropped at once, and that sleeps 1 s, did not finish \
                 at t=1.000s while the main future slept 2 s: a task runs whether or not its \
                 handle is awaited (dropping the handle detaches it)",
                &[],
            )
        );
    }
}

#[test]
fn a_task_can_spawn_tasks_and_await_them() {
    let s = Scenario::new();
    let output = s
        .run(|ctx: Ctx| async move {
            let outer = ctx.spawn(|ctx| async move {
                let inner = ctx.spawn(|ctx| async move {
                    ctx.sleep("inner", secs(1)).await;
                    ctx.note("inner", "returns 1");
                    1
                });
                ctx.sleep("outer", secs(2)).await;
                let inner = inner.await.expect("the inner task does not panic");
                ctx.note("outer", "returns inner + 2");
                inner + 2
            });
            (outer.await, ctx.now())
        })
        .or_fail();
    if output != (Ok(3), Instant::from_secs(2)) {
        panic!(
            "{}",
            s.failure(
                format!(
                    "a task that spawns a task (sleeping 1 s, returning 1), sleeps 2 s, then \
                     awaits it and returns its output + 2 gave {:?} at {}: expected Ok(3) at \
                     t=2.000s. A task must be able to spawn while it is being polled",
                    output.0, output.1
                ),
                &[],
            )
        );
    }
}

#[test]
fn a_panicking_task_reports_its_panic_through_its_join_handle() {
    let s = Scenario::new();
    let (failed, fine, end) = s
        .run(|ctx: Ctx| async move {
            let failing = ctx.spawn(|ctx| async move {
                ctx.sleep("failing", secs(1)).await;
                ctx.note("failing", "panics");
                panic!("url2 could not be fetched (this panic is expected)");
            });
            let fine = ctx.spawn(|ctx| async move {
                ctx.sleep("fine", secs(2)).await;
                "fine"
            });
            let failed: Result<(), JoinError> = failing.await;
            ctx.note("main", format!("the failing task's handle gave {failed:?}"));
            (failed, fine.await, ctx.now())
        })
        .or_fail();
    match &failed {
        Err(error) if error.panic_message().contains("url2 could not be fetched") => {}
        other => panic!(
            "{}",
            s.failure(
                format!(
                    "the handle of a task that panicked with \"url2 could not be fetched ...\" \
                     gave {other:?}: it must give Err(JoinError) with that panic message (the \
                     loop catches a task's panic; it does not die of it)"
                ),
                &[],
            )
        ),
    }
    if fine != Ok("fine") || end != Instant::from_secs(2) {
        panic!(
            "{}",
            s.failure(
                format!(
                    "after one task panicked at t=1s, another (sleeping 2 s) gave {fine:?} at \
                     {end}: expected Ok(\"fine\") at t=2.000s. One task's panic must not stop \
                     the others"
                ),
                &[],
            )
        );
    }
}

#[test]
fn block_on_returns_as_soon_as_its_future_is_ready_leaving_tasks_pending() {
    let s = Scenario::new();
    s.run(|ctx: Ctx| async move {
        drop(ctx.spawn(|ctx| async move {
            ctx.sleep("long task", secs(10)).await;
            ctx.note("long task", "finished");
        }));
        ctx.sleep("main", secs(1)).await;
    })
    .or_fail();
    if s.now() != Instant::from_secs(1) {
        panic!(
            "{}",
            s.failure(
                format!(
                    "block_on of a future that sleeps 1 s returned at {}, but it must return as \
                     soon as its own future is ready (t=1.000s), even while a spawned task still \
                     sleeps until t=10s",
                    s.now()
                ),
                &[],
            )
        );
    }
}

#[test]
fn the_loop_parks_until_exactly_the_earliest_timer() {
    let s = Scenario::new();
    s.run(|ctx: Ctx| async move {
        let handles: Vec<_> = [("A", 7), ("B", 3), ("C", 5), ("D", 3)]
            .into_iter()
            .map(|(name, delay)| {
                ctx.spawn(|ctx| async move {
                    ctx.sleep(name, secs(delay)).await;
                    ctx.note(name, "finished");
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("the tasks do not panic");
        }
    })
    .or_fail();
    let stops = s.stops();
    let expected = [3, 5, 7].map(Instant::from_secs);
    if stops != expected {
        panic!(
            "{}",
            s.failure(
                format!(
                    "with sleeps ending at 7, 3, 5 and 3 s, the loop parked until {stops:?}: \
                     when nothing is ready it must park until exactly the earliest pending \
                     deadline (expected {expected:?}), no earlier and no later"
                ),
                &[],
            )
        );
    }
}

#[test]
fn each_sleep_is_polled_a_bounded_number_of_times() {
    let s = Scenario::new();
    s.run(|ctx: Ctx| async move {
        let handles: Vec<_> = (1..=5)
            .map(|i| ctx.spawn(|ctx| async move { ctx.sleep(&format!("task {i}"), secs(i)).await }))
            .collect();
        let sleeps = (1..=3).map(|i| ctx.sleep(&format!("gathered {i}"), secs(i)));
        gather(sleeps).await;
        for handle in handles {
            handle.await.expect("the tasks do not panic");
        }
    })
    .or_fail();
    for (name, polls) in s.polls() {
        // A task's sleep: polled when the task starts, and when its timer wakes it (one spare).
        // A gathered sleep is also polled when its siblings wake the shared task: three more.
        let bound = if name.starts_with("task") { 3 } else { 5 };
        if polls > bound {
            panic!(
                "{}",
                s.failure(
                    format!(
                        "{name}'s sleep was polled {polls} times (at most {bound} are needed; \
                         more than {ABSURD_POLLS} fails at once): the loop polls futures that \
                         were not woken. Poll a task only when its waker was called"
                    ),
                    &[],
                )
            );
        }
    }
}

#[rstest]
#[case::two(2)]
#[case::five(5)]
#[case::thirty_three(33)]
fn sleeps_due_at_the_same_instant_end_in_the_order_they_were_spawned(#[case] count: usize) {
    let s = Scenario::new();
    s.run(move |ctx: Ctx| async move {
        let handles: Vec<_> = (0..count)
            .map(|i| ctx.handle.spawn(ctx.fetch(&format!("t{i}"), secs(1))))
            .collect();
        for handle in handles {
            handle.await.expect("the tasks do not panic");
        }
    })
    .or_fail();
    let names: Vec<String> = (0..count).map(|i| format!("t{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    s.check_finish_order(
        &names,
        "sleeps due at the same instant must end in the order they were registered, which \
         here is the order the tasks were spawned (a BinaryHeap does not keep that order by \
         itself: break ties with a sequence number)",
    )
    .or_fail();
}

/// Who waits for the other thread's wake-up, in the cross-thread case.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Waiter {
    /// block_on's own future.
    Main,
    /// A spawned task, whose handle the main future awaits.
    Task,
    /// block_on's future, while another task sleeps until t=100s.
    MainWithTimer,
}

#[rstest]
#[case::the_main_future(Waiter::Main)]
#[case::a_spawned_task(Waiter::Task)]
#[case::while_a_timer_is_pending(Waiter::MainWithTimer)]
fn a_waker_called_from_another_thread_resumes_the_parked_loop(#[case] waiter: Waiter) {
    let s = Scenario::new();
    let signal = Signal::new();
    let open = Arc::new(Gate::new());
    // The other thread waits at the gate until the loop is parked.
    let other = {
        let (signal, open, trace) = (signal.clone(), Arc::clone(&open), s.trace.clone());
        std::thread::spawn(move || {
            trace.name_thread("other thread");
            open.pass("the test to let the other thread call the waker");
            signal.fire();
        })
    };
    let running = s.start({
        let signal = signal.clone();
        move |ctx: Ctx| async move {
            if let Waiter::MainWithTimer = waiter {
                drop(ctx.spawn(|ctx| async move {
                    ctx.sleep("timer task", secs(100)).await;
                }));
            }
            ctx.note("main", "waits for the other thread");
            if let Waiter::Task = waiter {
                let task = ctx.spawn(|ctx| async move {
                    signal.wait().await;
                    ctx.note("task", "woken");
                });
                task.await.expect("the task does not panic");
            } else {
                signal.wait().await;
            }
            ctx.note("main", "resumed");
            ctx.now()
        }
    });
    // The loop thread blocks on the clock once the loop has parked, or once block_on returned.
    s.settle().or_fail();
    if running.is_done() {
        running.finish(&s).or_fail();
        panic!(
            "{}",
            s.failure(
                "block_on returned before the other thread called the waker",
                &[]
            )
        );
    }
    signal.wait_until_polled();
    // The loop is parked (with no deadline, or until t=100s): now the other thread wakes it.
    open.open();
    if join_patiently(other).is_none_or(|joined| joined.is_err()) {
        panic!(
            "{}",
            s.failure(
                format!(
                    "the other thread's call of the waker did not return within {:?} (or \
                     panicked): a waker must return at once",
                    patience()
                ),
                &[],
            )
        );
    }
    let resumed_at = running.finish(&s).or_fail();
    if resumed_at != Instant::ZERO {
        panic!(
            "{}",
            s.failure(
                format!(
                    "the waker was called from another thread at t=0 while the loop was parked, \
                     and the loop resumed only at {resumed_at}, when its timer came due: the \
                     waker queued its future but did not unpark the loop (notify the condition \
                     variable the loop parks on)"
                ),
                &[],
            )
        );
    }
}

#[test]
fn real_clock_smoke_sleeps_never_end_before_their_deadline() {
    let event_loop = EventLoop::new();
    let handle = event_loop.handle();
    let fetch = |url: &'static str, delay: Duration| {
        let handle = handle.clone();
        async move {
            let started = handle.now();
            let sleep = handle.sleep(delay);
            let deadline = sleep.deadline();
            sleep.await;
            (url, delay, started, deadline, handle.now())
        }
    };
    let results = event_loop.block_on(gather([
        fetch("url1", millis(40)),
        fetch("url2", millis(60)),
        fetch("url3", millis(20)),
    ]));
    let urls: Vec<&str> = results.iter().map(|result| result.0).collect();
    assert_eq!(
        urls,
        ["url1", "url2", "url3"],
        "on the real clock, gather must keep input order"
    );
    for (url, delay, started, deadline, ended) in results {
        assert!(
            deadline >= started + delay,
            "on the real clock, {url}'s sleep of {} started at {started} has its deadline at \
             {deadline}: too early",
            Seconds(delay)
        );
        assert!(
            ended >= deadline,
            "on the real clock, {url}'s sleep ended at {ended}, before its deadline {deadline}: \
             a sleep must never end early"
        );
    }
    drop(event_loop);
    // `default` is the system clock too.
    assert_eq!(EventLoop::default().block_on(async { "done" }), "done");
}
