//! The deferred_callback benchmark, on the real clock: 4 threads add actions with delays
//! uniform in [0, 1 s); measured are the adds per second and each action's lateness (how long
//! after its due time it ran), p50 and p99, with 10,000 and 100,000 actions pending, against
//! tokio's timers and against a thread per action (10,000 only: more threads than that
//! exhausts the machine).

use crate::subject::DeferredCallbackExecutor;
use course_bench::{Bench, Measurement, Rng, Role, Settings, Stat, Unit};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

const ADDERS: usize = 4;

/// Lateness of each action in nanoseconds, written by the action when it runs.
struct Lateness(Vec<AtomicU64>);

impl Lateness {
    fn new(n: usize) -> Arc<Self> {
        Arc::new(Lateness((0..n).map(|_| AtomicU64::new(u64::MAX)).collect()))
    }

    fn record(&self, index: usize, due: Instant) {
        let late = Instant::now().saturating_duration_since(due);
        self.0[index].store(late.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Waits until every action has run (polling: the benchmark must not add wake-ups of its
    /// own to the executor's).
    fn wait_all(&self, poll: Duration) {
        while self
            .0
            .iter()
            .any(|slot| slot.load(Ordering::Relaxed) == u64::MAX)
        {
            thread::sleep(poll);
        }
    }

    fn all(&self) -> Vec<Duration> {
        let mut all: Vec<_> = self
            .0
            .iter()
            .map(|slot| Duration::from_nanos(slot.load(Ordering::Relaxed)))
            .collect();
        all.sort();
        all
    }
}

/// What one round of `n` actions gave.
struct Round {
    /// The slowest adder's time divided by the number of actions: time per add, all
    /// adders together.
    per_add: Duration,
    lateness: Vec<Duration>,
}

/// Adds `n` actions from `ADDERS` threads through `add(index, delay, due, lateness)`, waits
/// for all of them to run, and reports.
fn round(
    s: &Settings,
    n: usize,
    add: impl Fn(usize, Duration, Instant, Arc<Lateness>) + Sync,
) -> Round {
    let max_delay = s.pick(Duration::from_secs(1), Duration::from_millis(20));
    let lateness = Lateness::new(n);
    let start = Barrier::new(ADDERS);
    let slowest = thread::scope(|scope| {
        let handles: Vec<_> = (0..ADDERS)
            .map(|t| {
                let (add, start, lateness) = (&add, &start, &lateness);
                let range = t * n / ADDERS..(t + 1) * n / ADDERS;
                scope.spawn(move || {
                    let mut rng = Rng::new(0x5EED + t as u64);
                    start.wait();
                    let began = Instant::now();
                    for i in range {
                        let delay = rng.duration_below(max_delay);
                        add(i, delay, Instant::now() + delay, Arc::clone(lateness));
                    }
                    began.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
            .max()
            .unwrap_or_default()
    });
    lateness.wait_all(s.pick(Duration::from_millis(10), Duration::from_millis(1)));
    Round {
        per_add: slowest / n as u32,
        lateness: lateness.all(),
    }
}

/// The groups of a run with `n` actions: adds, lateness p50, lateness p99.
fn groups(n: usize) -> Vec<String> {
    let n = thousands(n);
    vec![
        format!("add_action from 4 threads, {n} actions"),
        format!("firing lateness p50, {n} actions pending"),
        format!("firing lateness p99, {n} actions pending"),
    ]
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Runs one round of `n` actions (`cargo xtask bench` runs the case in several passes) and
/// turns it into the three measurements.
fn measure(s: &Settings, n: usize, one_round: impl FnOnce(usize) -> Round) -> Vec<Measurement> {
    // The groups name the full size, also in quick mode: they are fixed when the cases are
    // listed.
    let [adds_group, p50_group, p99_group] =
        <[String; 3]>::try_from(groups(n)).unwrap_or_else(|_| unreachable!("three groups"));
    let n = s.pick(n, 200);
    let round = one_round(n);
    let adds = vec![round.per_add.as_secs_f64() * 1e9];
    let lateness = [round.lateness];
    vec![
        Measurement {
            group: adds_group,
            stat: Stat::from_samples(Unit::PerOp("add".to_owned()), adds),
        },
        Measurement {
            group: p50_group,
            stat: Stat::latency(&lateness, 0.5),
        },
        Measurement {
            group: p99_group,
            stat: Stat::latency(&lateness, 0.99),
        },
    ]
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    for n in [10_000, 100_000] {
        bench.case_multi(&groups(n), "DeferredCallbackExecutor", me, move |s| {
            measure(s, n, |n| {
                let executor = DeferredCallbackExecutor::new();
                round(s, n, |i, delay, due, lateness| {
                    executor.add_action(delay, move || lateness.record(i, due));
                })
            })
        });
        if !bench.baselines() {
            continue;
        }
        bench.case_multi(
            &groups(n),
            "tokio timers (2 workers)",
            Role::Baseline,
            move |s| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_time()
                    .build()
                    .expect("a tokio runtime");
                let handle = runtime.handle().clone();
                measure(s, n, |n| {
                    round(s, n, |i, _delay, due, lateness| {
                        // The deadline is fixed here, not at the task's first poll, which may come
                        // later.
                        let deadline = tokio::time::Instant::from_std(due);
                        handle.spawn(async move {
                            tokio::time::sleep_until(deadline).await;
                            lateness.record(i, due);
                        });
                    })
                })
            },
        );
        if n <= 10_000 {
            bench.case_multi(
                &groups(n),
                "a thread per action",
                Role::Baseline,
                move |s| {
                    measure(s, n, |n| {
                        round(s, n, |i, delay, due, lateness| {
                            thread::Builder::new()
                                .stack_size(64 * 1024)
                                .spawn(move || {
                                    thread::sleep(delay);
                                    lateness.record(i, due);
                                })
                                .expect("a thread");
                        })
                    })
                },
            );
        }
    }
}
