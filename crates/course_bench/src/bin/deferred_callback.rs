//! Benchmark: the reference deferred-callback executor on the real clock, against a thread per
//! action and against tokio's timers. Prints adds per second and firing lateness (how long
//! after its due time each action ran), p50 and p99.
//!
//! `cargo run --release -p course_bench --bin deferred_callback`

#[path = "../../../../solutions/deferred_callback.rs"]
#[allow(unreachable_pub, dead_code)]
mod reference;

use course_bench::{Rng, ms, percentile};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

const ADDERS: usize = 4;
const MAX_DELAY: Duration = Duration::from_millis(1000);

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

    fn wait_all(&self) {
        while self
            .0
            .iter()
            .any(|slot| slot.load(Ordering::Relaxed) == u64::MAX)
        {
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut all: Vec<_> = self
            .0
            .iter()
            .map(|slot| Duration::from_nanos(slot.load(Ordering::Relaxed)))
            .collect();
        all.sort();
        all
    }
}

struct Run {
    name: &'static str,
    adds_per_sec: f64,
    lateness: Vec<Duration>,
}

/// Adds `n` actions from `ADDERS` threads through `add(index, delay, due)`, waits for all to
/// run, and reports.
fn run(
    name: &'static str,
    n: usize,
    add: impl Fn(usize, Duration, Instant, Arc<Lateness>) + Sync,
) -> Run {
    let lateness = Lateness::new(n);
    let start = Barrier::new(ADDERS);
    let per_thread = n / ADDERS;
    let add_time = thread::scope(|s| {
        let handles: Vec<_> = (0..ADDERS)
            .map(|t| {
                let (add, start, lateness) = (&add, &start, &lateness);
                s.spawn(move || {
                    let mut rng = Rng::new(0x5EED + t as u64);
                    start.wait();
                    let began = Instant::now();
                    for i in t * per_thread..(t + 1) * per_thread {
                        let delay = rng.duration_below(MAX_DELAY);
                        add(i, delay, Instant::now() + delay, Arc::clone(lateness));
                    }
                    began.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .max()
            .unwrap()
    });
    lateness.wait_all();
    Run {
        name,
        adds_per_sec: n as f64 / add_time.as_secs_f64(),
        lateness: lateness.sorted(),
    }
}

fn reference_run(n: usize) -> Run {
    let executor = reference::DeferredCallbackExecutor::new();
    run("reference executor", n, |i, delay, due, lateness| {
        executor.add_action(delay, move || lateness.record(i, due));
    })
}

fn thread_per_action_run(n: usize) -> Run {
    run("thread per action", n, |i, delay, due, lateness| {
        thread::spawn(move || {
            thread::sleep(delay);
            lateness.record(i, due);
        });
    })
}

fn tokio_run(n: usize) -> Run {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let result = run("tokio timers", n, |i, _delay, due, lateness| {
        // The deadline is fixed here, not at the task's first poll, which may come later.
        let deadline = tokio::time::Instant::from_std(due);
        handle.spawn(async move {
            tokio::time::sleep_until(deadline).await;
            lateness.record(i, due);
        });
    });
    drop(runtime);
    result
}

fn main() {
    println!(
        "{ADDERS} threads add actions with delays uniform in [0, {}); lateness = time run - time due",
        ms(MAX_DELAY)
    );
    println!(
        "{:<20} {:>8} {:>14} {:>14} {:>14}",
        "implementation", "actions", "adds/s", "lateness p50", "lateness p99"
    );
    for n in [10_000, 100_000] {
        let mut runs = vec![reference_run(n), tokio_run(n)];
        if n <= 10_000 {
            runs.push(thread_per_action_run(n));
        }
        for r in runs {
            println!(
                "{:<20} {:>8} {:>14.0} {:>14} {:>14}",
                r.name,
                n,
                r.adds_per_sec,
                ms(percentile(&r.lateness, 0.5)),
                ms(percentile(&r.lateness, 0.99)),
            );
        }
    }
    println!("(a thread per action is skipped at 100,000: that many threads exhausts the machine)");
}
