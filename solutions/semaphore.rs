//! A counting semaphore: at most N threads hold a permit at a time, and a permit is a guard that
//! goes back to the semaphore when it is dropped.
//!
//! Goal: `Semaphore::new(3)` hands out three permits. `acquire` returns a `Permit` at once while
//! one is free and otherwise blocks until a holder drops its permit; `try_acquire` never blocks;
//! `acquire_timeout` blocks at most until its deadline. Dropping a `Permit` returns it and wakes
//! a waiter, whether its holder finished normally or panicked. `add_permits` hands out more.
//!
//! What to build in this file:
//!
//! - `Semaphore::with_clock`: the shared state;
//! - `try_acquire`, `acquire` and `acquire_timeout`: take a permit, waiting in a loop;
//! - `add_permits` and `available_permits`;
//! - `Drop for Permit`: give the permit back and wake a waiter.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite sees your waiting threads asleep, runs
//! timeouts on a virtual clock (instantly, to the exact instant) and lets loom try every
//! interleaving.
//!
//! Chapter: `docs/src/part1/semaphore.md`.
//! Check your work with `cargo xtask check semaphore`; stuck? `cargo xtask hint semaphore`.

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::fmt;
use std::sync::PoisonError;
use std::time::Duration;

/// A counting semaphore: hands out permits, at most as many at a time as it has.
///
/// Share it between threads with an `Arc` (or a scope); each permit borrows it.
pub struct Semaphore {
    /// The number of permits free right now. Every change to it happens under this lock, and
    /// every waiter checks it under this lock before it sleeps, so a release cannot slip in
    /// between a waiter's check and its sleep.
    available: Mutex<usize>,
    /// Signalled when permits come back (`Permit::drop`, `add_permits`). Made from `clock`, so
    /// `acquire_timeout`'s deadline is on that clock.
    returned: Condvar,
    clock: Clock,
}

/// One permit of a [`Semaphore`]. Dropping it gives it back, also when the holder panics: the
/// drop then runs while the thread unwinds.
#[must_use = "a permit goes back to the semaphore as soon as it is dropped"]
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
}

/// `try_acquire` found no free permit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoPermit;

/// `acquire_timeout` reached its deadline before a permit was free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedOut;

impl Semaphore {
    /// A semaphore with `permits` permits, on the system clock.
    pub fn new(permits: usize) -> Self {
        Self::with_clock(permits, Clock::system())
    }

    /// A semaphore with `permits` permits whose timed waits use `clock`.
    pub fn with_clock(permits: usize, clock: Clock) -> Self {
        Semaphore {
            available: Mutex::new(permits),
            returned: Condvar::new(&clock),
            clock,
        }
    }

    /// Takes a permit if one is free, without blocking.
    pub fn try_acquire(&self) -> Result<Permit<'_>, NoPermit> {
        let mut available = self.lock();
        if *available == 0 {
            return Err(NoPermit);
        }
        *available -= 1;
        Ok(Permit { semaphore: self })
    }

    /// Takes a permit, blocking until one is free.
    pub fn acquire(&self) -> Permit<'_> {
        let mut available = self.lock();
        // `while`, not `if`: waking up only means "look again". Another thread may have taken
        // the permit that woke us before we got the lock back (or `add_permits` woke every
        // waiter for fewer permits than waiters, or the wake-up was spurious).
        while *available == 0 {
            // Releases the lock once this thread is registered as waiting, and takes it again
            // before returning: a release between our check and our sleep still reaches us.
            available = self
                .returned
                .wait(&self.available, available)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *available -= 1;
        Permit { semaphore: self }
    }

    /// Takes a permit, blocking at most `timeout` (on the semaphore's clock) for one to be free.
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<Permit<'_>, TimedOut> {
        // One deadline for the whole call: every wake-up waits again only for what is left of
        // it, however many times it wakes.
        let deadline = self.clock.now() + timeout;
        let mut available = self.lock();
        while *available == 0 {
            let (guard, result) = self
                .returned
                .wait_until(&self.available, available, deadline)
                .unwrap_or_else(PoisonError::into_inner);
            available = guard;
            // A permit that came back exactly at the deadline still counts: give up only if,
            // having looked again, there is none.
            if result.timed_out() && *available == 0 {
                return Err(TimedOut);
            }
        }
        *available -= 1;
        Ok(Permit { semaphore: self })
    }

    /// Adds `permits` new permits (Python's `release(n)` on a semaphore nobody acquired from).
    pub fn add_permits(&self, permits: usize) {
        let mut available = self.lock();
        *available += permits;
        // Several permits may have come: wake every waiter. Each one re-checks under the lock,
        // so only as many get through as there are permits; the others sleep again.
        self.returned.notify_all();
    }

    /// The number of free permits right now (already stale when it returns if other threads
    /// use the semaphore: for reports and tests, not for decisions).
    pub fn available_permits(&self) -> usize {
        *self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        // No code that can panic runs while the lock is held, so even a poisoned count is
        // right; recovering keeps `Permit::drop` from panicking while its holder unwinds.
        self.available
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // Runs when the holder is done, returns early, or panics (the unwinding drops the
        // permit): the count never loses a permit. Recovering from poison keeps this from
        // panicking during a panic, which would abort the process.
        let mut available = self.semaphore.lock();
        *available += 1;
        // One permit came back: one waiter can use it. Notify while holding the lock, so a
        // waiter that checked the count before our increment is already registered as waiting.
        self.semaphore.returned.notify_one();
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available_permits())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for NoPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no permit is free")
    }
}

impl std::error::Error for NoPermit {}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out waiting for a permit")
    }
}

impl std::error::Error for TimedOut {}
