//! Graded properties (proptest): random teams of threads hammering one semaphore, checked
//! against the rules every run must obey, and single-threaded use checked against a counter.

use crate::harness::eventually;
use course_clock::VirtualClock;
use course_testkit::{Gate, Latch, Trace, patience, proptest_config};
use proptest::collection::vec;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use semaphore::Semaphore;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Runs `check` on `cases` inputs from `strategy`; fails the test with the smallest failing
/// input and its message.
fn check_property<S>(
    cases: u32,
    shrink: bool,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), String>,
) where
    S: Strategy,
{
    // Use a semaphore outside proptest first: if that panics (a `todo!()`, say), the test fails
    // once, plainly, rather than once per case and shrinking step.
    let clock = VirtualClock::new();
    drop(Semaphore::with_clock(1, clock.clock()).try_acquire());
    let mut config = proptest_config(cases);
    if !shrink {
        // A case that fails by waiting out `patience` (a lost wakeup) would cost that much
        // again for every shrinking step: report the first failing case as it is.
        config.max_shrink_iters = 0;
    }
    let mut runner = TestRunner::new(config);
    if let Err(failure) = runner.run(&strategy, |input| check(input).map_err(TestCaseError::fail)) {
        panic!("{failure}");
    }
}

#[derive(Clone, Debug)]
enum Event {
    Entered { thread: usize, holders: usize },
    Left { thread: usize },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Entered { thread, holders } => {
                write!(f, "thread {thread} got a permit ({holders} holder(s) now)")
            }
            Event::Left { thread } => write!(f, "thread {thread} gives its permit back"),
        }
    }
}

#[test]
fn never_more_holders_than_permits_and_every_thread_gets_in() {
    // Permits; then per thread: how many times it takes a permit, and whether it uses
    // acquire_timeout (with a timeout the virtual clock never reaches) instead of acquire.
    let strategy = (1..=3usize, vec((1..=3usize, proptest::bool::ANY), 1..=5));
    check_property(24, false, strategy, |(permits, threads)| {
        crowd(permits, &threads)
    });
}

fn crowd(permits: usize, threads: &[(usize, bool)]) -> Result<(), String> {
    let clock = VirtualClock::new();
    let semaphore = Arc::new(Semaphore::with_clock(permits, clock.clock()));
    let trace: Trace<Event> = Trace::new();
    let holders = Arc::new(AtomicUsize::new(0));
    let go = Arc::new(Gate::new());
    let done = Arc::new(Latch::new(threads.len()));
    let handles: Vec<_> = threads
        .iter()
        .enumerate()
        .map(|(t, &(rounds, timed))| {
            let (semaphore, trace, holders) = (semaphore.clone(), trace.clone(), holders.clone());
            let (go, done) = (go.clone(), done.clone());
            std::thread::spawn(move || {
                trace.name_thread(format!("thread {t}"));
                go.pass("the test to start the threads");
                for _ in 0..rounds {
                    let permit = if timed {
                        semaphore
                            .acquire_timeout(Duration::from_secs(3600))
                            .expect("the virtual clock never reaches the timeout")
                    } else {
                        semaphore.acquire()
                    };
                    let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
                    trace.record(Event::Entered {
                        thread: t,
                        holders: now,
                    });
                    std::thread::yield_now();
                    holders.fetch_sub(1, Ordering::SeqCst);
                    trace.record(Event::Left { thread: t });
                    drop(permit);
                }
                done.count_down();
            })
        })
        .collect();
    go.open();
    let finished = done.wait_patiently();
    for event in trace.events() {
        if let Event::Entered { thread, holders } = event.what
            && holders > permits
        {
            return Err(format!(
                "thread {thread} got a permit while {} other thread(s) held one, but the \
                 semaphore has only {permits}: never more holders than permits\ntrace:\n{}",
                holders - 1,
                trace.excerpt(&[event.seq])
            ));
        }
    }
    if !finished {
        return Err(format!(
            "{} thread(s) sharing {permits} permit(s) did not all get in and out within {:?} \
             ({} still running): a thread waits forever for a permit that was given back (does \
             dropping a Permit wake a waiter?)\ntrace:\n{}",
            threads.len(),
            patience(),
            done.left(),
            trace.excerpt(&[])
        ));
    }
    for handle in handles {
        handle
            .join()
            .map_err(|_| "a thread panicked while taking or giving back a permit".to_owned())?;
    }
    let entries = trace
        .whats()
        .iter()
        .filter(|e| matches!(e, Event::Entered { .. }))
        .count();
    let expected: usize = threads.iter().map(|&(rounds, _)| rounds).sum();
    if entries != expected {
        return Err(format!(
            "{entries} permits were taken, but the threads asked for {expected}"
        ));
    }
    if !eventually(|| semaphore.available_permits() == permits) {
        return Err(format!(
            "every permit was given back, but the semaphore has {} free instead of {permits}",
            semaphore.available_permits()
        ));
    }
    Ok(())
}

/// One step of a single-threaded workload.
#[derive(Clone, Copy, Debug)]
enum Step {
    TryAcquire,
    /// Drop the permit held at this index (modulo how many are held), if any.
    Drop(usize),
    AddPermits(usize),
}

#[test]
fn try_acquire_drops_and_added_permits_match_a_counter() {
    let step = proptest::prop_oneof![
        3 => proptest::strategy::Just(Step::TryAcquire),
        2 => (0..8usize).prop_map(Step::Drop),
        1 => (0..3usize).prop_map(Step::AddPermits),
    ];
    check_property(
        48,
        true,
        (0..=3usize, vec(step, 1..=20)),
        |(permits, steps)| {
            let clock = VirtualClock::new();
            let semaphore = Semaphore::with_clock(permits, clock.clock());
            let mut free = permits;
            let mut held = Vec::new();
            for (i, step) in steps.iter().enumerate() {
                match *step {
                    Step::TryAcquire => match semaphore.try_acquire() {
                        Ok(permit) if free > 0 => {
                            free -= 1;
                            held.push(permit);
                        }
                        Ok(_) => {
                            return Err(format!(
                                "step {i}: try_acquire took a permit, but all were held"
                            ));
                        }
                        Err(_) if free > 0 => {
                            return Err(format!(
                                "step {i}: try_acquire failed, but {free} permit(s) were free"
                            ));
                        }
                        Err(_) => {}
                    },
                    Step::Drop(index) if !held.is_empty() => {
                        let index = index % held.len();
                        drop(held.swap_remove(index));
                        free += 1;
                    }
                    Step::Drop(_) => {}
                    Step::AddPermits(more) => {
                        semaphore.add_permits(more);
                        free += more;
                    }
                }
                let available = semaphore.available_permits();
                if available != free {
                    return Err(format!(
                        "after step {i} ({step:?}) of {steps:?}, available_permits() is \
                     {available}, but {free} permit(s) are free"
                    ));
                }
            }
            Ok(())
        },
    );
}
