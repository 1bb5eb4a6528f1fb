//! `Instant`: a point on a [`Clock`](crate::Clock)'s timeline, counted from the clock's start.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A point in time on one clock: the time elapsed since that clock started.
///
/// Unlike `std::time::Instant` it can be written down (`Instant::from_secs(3)`), which is what
/// lets a test say "C ran at t = 3 s" exactly. Instants from different clocks do not compare
/// meaningfully.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The moment the clock started.
    pub const ZERO: Instant = Instant(Duration::ZERO);

    /// The instant `since_start` after the clock started.
    pub const fn from_duration(since_start: Duration) -> Self {
        Instant(since_start)
    }

    /// The instant `secs` whole seconds after the clock started.
    pub const fn from_secs(secs: u64) -> Self {
        Instant(Duration::from_secs(secs))
    }

    /// The instant `millis` milliseconds after the clock started.
    pub const fn from_millis(millis: u64) -> Self {
        Instant(Duration::from_millis(millis))
    }

    /// Time elapsed between the clock's start and this instant.
    pub const fn since_start(self) -> Duration {
        self.0
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        self.0.checked_sub(earlier.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0 + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        self.0 += rhs;
    }
}

impl Sub for Instant {
    type Output = Duration;
    /// # Panics
    ///
    /// If `rhs` is later than `self`; use [`Instant::saturating_duration_since`] when it may be.
    fn sub(self, rhs: Instant) -> Duration {
        self.checked_duration_since(rhs)
            .expect("subtracted a later Instant from an earlier one")
    }
}

/// Shows seconds since the clock's start with millisecond precision: `t=1.500s`.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        write!(f, "t={}.{:03}s", millis / 1000, millis % 1000)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_display() {
        let t = Instant::from_millis(1500);
        assert_eq!(t + Duration::from_millis(500), Instant::from_secs(2));
        assert_eq!(Instant::from_secs(2) - t, Duration::from_millis(500));
        assert_eq!(
            t.saturating_duration_since(Instant::from_secs(9)),
            Duration::ZERO
        );
        assert_eq!(t.to_string(), "t=1.500s");
    }
}
