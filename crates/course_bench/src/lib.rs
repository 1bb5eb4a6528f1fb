//! Shared pieces of the course's benchmarks: a tiny deterministic random source, percentiles
//! and the table they print. Benchmarks measure; they never pass or fail on a number.

use std::time::Duration;

/// A xorshift generator: enough randomness for workloads, the same sequence on every run.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value; zero is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next value, uniform over `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A duration uniform in `[0, max)`, with microsecond resolution.
    pub fn duration_below(&mut self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap_or(u64::MAX).max(1);
        Duration::from_micros(self.next_u64() % micros)
    }
}

/// The value below which `p` (0..=1) of `sorted` lies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Formats a duration in milliseconds with three decimals.
pub fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1e3)
}
