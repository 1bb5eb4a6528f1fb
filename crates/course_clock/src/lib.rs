//! Clocks for code that waits: the system clock and a deterministic virtual clock.
//!
//! Code that waits until a deadline takes a [`Clock`] and waits through a [`Condvar`] made from
//! it. In production the clock is [`Clock::system`] and a wait is an ordinary timed wait. In the
//! graded suites the clock comes from a [`VirtualClock`]: time stands still until the test moves
//! it, so "C runs at t = 1 s" is checked exactly, instantly, and the same way on every run.
//!
//! A test can also ask the virtual clock how many threads are blocked in its waits
//! ([`VirtualClock::wait_until_blocked`]) and jump to the earliest deadline any of them waits
//! for ([`VirtualClock::advance_to_next_deadline`]). Together these replace every `sleep` a
//! test would otherwise need: "once the executor is asleep, let time run to its deadline".
//!
//! ```
//! use std::time::Duration;
//! use course_clock::{Condvar, Instant, VirtualClock};
//! use course_sync::{Arc, Mutex, thread};
//!
//! let virtual_clock = VirtualClock::new();
//! let clock = virtual_clock.clock();
//! let ready = Arc::new(Mutex::new(false));
//! let cv = Arc::new(Condvar::new(&clock));
//!
//! let waiter = {
//!     let (ready, cv, clock) = (Arc::clone(&ready), Arc::clone(&cv), clock.clone());
//!     thread::spawn(move || {
//!         let deadline = clock.now() + Duration::from_secs(5);
//!         let mut guard = ready.lock().unwrap();
//!         while !*guard {
//!             let (g, result) = cv.wait_until(&ready, guard, deadline).unwrap();
//!             guard = g;
//!             if result.timed_out() {
//!                 return clock.now();
//!             }
//!         }
//!         clock.now()
//!     })
//! };
//!
//! virtual_clock.wait_until_blocked(1); // the waiter is asleep, deadline registered
//! assert_eq!(virtual_clock.advance_to_next_deadline(), Some(Instant::from_secs(5)));
//! assert_eq!(waiter.join().unwrap(), Instant::from_secs(5));
//! ```

mod condvar;
mod instant;
mod virtual_clock;

pub use condvar::{Condvar, WaitTimeoutResult};
pub use instant::Instant;
pub use virtual_clock::{VirtualClock, WaitStats};

use course_sync::Arc;
use std::time::Duration;

/// A source of time that blocking waits go through. Cheap to clone: clones share one timeline.
#[derive(Clone)]
pub struct Clock {
    pub(crate) kind: Kind,
}

#[derive(Clone)]
pub(crate) enum Kind {
    #[cfg(not(course_loom))]
    System {
        epoch: std::time::Instant,
    },
    Virtual(Arc<virtual_clock::Shared>),
}

impl Clock {
    /// The real, monotonic clock. Its [`Instant`]s count from the moment this was called.
    ///
    /// # Panics
    ///
    /// Inside a loom model, where real time does not exist: use a [`VirtualClock`] there.
    pub fn system() -> Self {
        #[cfg(not(course_loom))]
        {
            Clock {
                kind: Kind::System {
                    epoch: std::time::Instant::now(),
                },
            }
        }
        #[cfg(course_loom)]
        panic!("the system clock does not exist inside a loom model: use a VirtualClock")
    }

    /// The current time on this clock.
    pub fn now(&self) -> Instant {
        match &self.kind {
            #[cfg(not(course_loom))]
            Kind::System { epoch } => Instant::from_duration(epoch.elapsed()),
            Kind::Virtual(shared) => shared.now(),
        }
    }

    /// True for a clock made by [`VirtualClock::clock`].
    pub fn is_virtual(&self) -> bool {
        matches!(self.kind, Kind::Virtual(_))
    }

    /// Blocks the calling thread until `deadline` on this clock.
    pub fn sleep_until(&self, deadline: Instant) {
        match &self.kind {
            #[cfg(not(course_loom))]
            Kind::System { .. } => {
                let left = deadline.saturating_duration_since(self.now());
                if !left.is_zero() {
                    std::thread::sleep(left);
                }
            }
            Kind::Virtual(shared) => shared.sleep_until(deadline),
        }
    }

    /// Blocks the calling thread for `duration` on this clock.
    pub fn sleep(&self, duration: Duration) {
        self.sleep_until(self.now() + duration);
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.is_virtual() {
            "virtual"
        } else {
            "system"
        };
        write!(f, "Clock({kind}, now = {})", self.now())
    }
}
