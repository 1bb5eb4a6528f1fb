//! Timing: a warm-up that also calibrates how many iterations make a sample, then repeated
//! samples, summarised by their median and interquartile range (criterion's design, in a
//! hundred lines and without its dependencies).

pub use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Clone, Debug)]
pub struct Settings {
    quick: bool,
    /// Run the routine at least this long before sampling: caches, branch predictors, the
    /// allocator and the CPU's clock speed settle, and threads have been created once.
    warm_up: Duration,
    /// Each sample runs about this long (enough iterations to dwarf the timer's cost).
    sample_time: Duration,
    /// At most this many samples, at least `min_samples`, as many as fit in `budget`.
    max_samples: usize,
    min_samples: usize,
    budget: Duration,
}

impl Settings {
    /// The settings of a real run, or of a quick one (a handful of iterations: it shows that
    /// the benchmark builds and runs, and its numbers mean nothing). A real run takes a few
    /// samples only: `cargo xtask bench` runs each case in several passes, interleaved with the
    /// other cases, and pools their samples, so that a change in the machine's load between
    /// two cases does not pass for a difference between them.
    pub fn new(quick: bool) -> Self {
        if quick {
            Settings {
                quick,
                warm_up: Duration::ZERO,
                sample_time: Duration::from_millis(1),
                max_samples: 3,
                min_samples: 3,
                budget: Duration::ZERO,
            }
        } else {
            Settings {
                quick,
                warm_up: Duration::from_millis(250),
                sample_time: Duration::from_millis(40),
                max_samples: 7,
                min_samples: 3,
                budget: Duration::from_secs(2),
            }
        }
    }

    /// True in quick mode.
    pub fn quick(&self) -> bool {
        self.quick
    }

    /// `full` in a real run, `quick` in quick mode: sizes of workloads.
    pub fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }

    /// Times `routine`: `routine(n)` does `n` iterations of the work and returns how long they
    /// took (so it can leave set-up and tear-down out of the time). Each iteration is
    /// `ops_per_iter` operations of kind `per` ("increment", "task"); the stat is the time per
    /// operation.
    pub fn time(
        &self,
        per: &str,
        ops_per_iter: u64,
        mut routine: impl FnMut(u64) -> Duration,
    ) -> Stat {
        let started = Instant::now();
        let mut iters: u64 = 1;
        let per_iter_ns = loop {
            let took = routine(iters);
            let long_enough = took >= self.sample_time / 10;
            if self.quick || (started.elapsed() >= self.warm_up && long_enough) {
                break nanos(took) / iters as f64;
            }
            if !long_enough {
                iters = iters.saturating_mul(2);
            }
        };
        let per_iter_ns = per_iter_ns.max(0.1);
        let iters = ((nanos(self.sample_time) / per_iter_ns).round() as u64).max(1);
        let sample_ns = per_iter_ns * iters as f64;
        let fit = (nanos(self.budget) / sample_ns) as usize;
        let samples = fit.clamp(self.min_samples, self.max_samples);
        let per_op: Vec<f64> = (0..samples)
            .map(|_| nanos(routine(iters)) / (iters * ops_per_iter.max(1)) as f64)
            .collect();
        Stat::from_samples(Unit::PerOp(per.to_owned()), per_op)
    }
}

fn nanos(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e9
}

/// What a stat measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Unit {
    /// Time per operation of this kind (lower is better); the table also shows the rate.
    PerOp(String),
    /// A delay (lateness, latency): lower is better, no rate.
    Latency,
}

/// A summary of samples, in nanoseconds.
#[derive(Clone, Debug)]
pub struct Stat {
    pub unit: Unit,
    pub median_ns: f64,
    /// The spread: the first and third quartiles of the samples (min and max if fewer than 4).
    pub low_ns: f64,
    pub high_ns: f64,
    /// Every sample, sorted, for whoever pools several runs.
    pub samples: Vec<f64>,
}

impl Stat {
    /// The median and quartiles of `samples` (nanoseconds each).
    pub fn from_samples(unit: Unit, mut samples: Vec<f64>) -> Stat {
        samples.retain(|x| x.is_finite());
        samples.sort_by(f64::total_cmp);
        let n = samples.len();
        if n == 0 {
            return Stat {
                unit,
                median_ns: f64::NAN,
                low_ns: f64::NAN,
                high_ns: f64::NAN,
                samples,
            };
        }
        let at = |q: f64| {
            let rank = q * (n - 1) as f64;
            let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
            samples[lo] + (samples[hi] - samples[lo]) * (rank - lo as f64)
        };
        let (low, high) = if n < 4 {
            (samples[0], samples[n - 1])
        } else {
            (at(0.25), at(0.75))
        };
        Stat {
            unit,
            median_ns: at(0.5),
            low_ns: low,
            high_ns: high,
            samples,
        }
    }

    /// The percentile `p` of the delays of each round: one sample per round.
    pub fn latency(rounds: &[Vec<Duration>], p: f64) -> Stat {
        let per_round = rounds
            .iter()
            .map(|delays| {
                let mut sorted = delays.clone();
                sorted.sort();
                nanos(crate::percentile(&sorted, p))
            })
            .collect();
        Stat::from_samples(Unit::Latency, per_round)
    }

    /// `"12.3 ns per increment (IQR 12.1-12.9 ns, 15 samples)"`, for the plain table.
    pub fn describe(&self) -> String {
        let what = match &self.unit {
            Unit::PerOp(per) => format!("per {per}"),
            Unit::Latency => String::new(),
        };
        format!(
            "{} {what} ({}-{}, {} samples)",
            duration(self.median_ns),
            duration(self.low_ns),
            duration(self.high_ns),
            self.samples.len()
        )
    }
}

/// A duration in nanoseconds, in the unit that suits it.
fn duration(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Thread `t`'s share of `total` operations split over `threads` (the shares differ by at
/// most one and add up to `total`).
pub fn share(total: u64, threads: usize, t: usize) -> u64 {
    let threads = threads.max(1) as u64;
    total / threads + u64::from((t as u64) < total % threads)
}

/// Runs `op(t, n)` on `threads` threads at once, thread `t` doing its [`share`] `n` of
/// `total` operations, and returns the time from their common start to the last one's end
/// (thread creation is not counted: they all wait at a barrier first).
pub fn on_threads(threads: usize, total: u64, op: impl Fn(usize, u64) + Sync) -> Duration {
    let start = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (op, start) = (&op, &start);
                let n = share(total, threads, t);
                scope.spawn(move || {
                    start.wait();
                    op(t, n);
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        began.elapsed()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up() {
        for total in [0, 1, 7, 100] {
            for threads in 1..6 {
                let sum: u64 = (0..threads).map(|t| share(total, threads, t)).sum();
                assert_eq!(sum, total);
            }
        }
    }

    #[test]
    fn medians_and_quartiles() {
        let stat = Stat::from_samples(Unit::Latency, vec![5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!(stat.median_ns, 3.0);
        assert_eq!((stat.low_ns, stat.high_ns), (2.0, 4.0));
        let few = Stat::from_samples(Unit::Latency, vec![2.0, 1.0]);
        assert_eq!((few.median_ns, few.low_ns, few.high_ns), (1.5, 1.0, 2.0));
    }

    #[test]
    fn quick_time_runs_a_handful_of_iterations() {
        let mut calls = 0;
        let stat = Settings::new(true).time("op", 1, |n| {
            calls += 1;
            Duration::from_micros(n)
        });
        assert_eq!(stat.samples.len(), 3);
        assert_eq!(calls, 4);
        assert!((stat.median_ns - 1000.0).abs() < 1.0, "{stat:?}");
    }
}
