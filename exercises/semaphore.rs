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

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

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
        // TODO: a semaphore on `Clock::system()`.
        todo!("Semaphore::new")
    }

    /// A semaphore with `permits` permits whose timed waits use `clock`.
    pub fn with_clock(permits: usize, clock: Clock) -> Self {
        // TODO: the count of free permits behind its lock, and the condition variable made
        // from `clock` with `Condvar::new(&clock)`.
        todo!("Semaphore::with_clock")
    }

    /// Takes a permit if one is free, without blocking.
    pub fn try_acquire(&self) -> Result<Permit<'_>, NoPermit> {
        // TODO: under the lock, take a permit if the count is above zero; otherwise
        // `Err(NoPermit)` at once.
        todo!("Semaphore::try_acquire")
    }

    /// Takes a permit, blocking until one is free.
    pub fn acquire(&self) -> Permit<'_> {
        // TODO: under the lock, wait on the condition variable while no permit is free, then
        // take one. Is one check enough after a wake-up? Who else may have run meanwhile?
        todo!("Semaphore::acquire")
    }

    /// Takes a permit, blocking at most `timeout` (on the semaphore's clock) for one to be free.
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<Permit<'_>, TimedOut> {
        // TODO: compute the deadline once, from the semaphore's clock; then wait as `acquire`
        // does, but with `wait_until(.., deadline)`. When the wait reports a timeout, give up
        // only if there is still no permit.
        todo!("Semaphore::acquire_timeout")
    }

    /// Adds `permits` new permits (Python's `release(n)` on a semaphore nobody acquired from).
    pub fn add_permits(&self, permits: usize) {
        // TODO: add to the count under the lock, and wake every waiter (several permits may
        // have come at once).
        todo!("Semaphore::add_permits")
    }

    /// The number of free permits right now (already stale when it returns if other threads
    /// use the semaphore: for reports and tests, not for decisions).
    pub fn available_permits(&self) -> usize {
        // TODO: read the count under the lock.
        todo!("Semaphore::available_permits")
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        // TODO: lock `available`. What should happen if the lock is poisoned, given that this
        // is also called from `Permit::drop` while a holder's panic unwinds?
        todo!("Semaphore::lock")
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // TODO: give the permit back under the lock and wake one waiter. This runs when the
        // holder is done and also while it unwinds from a panic. (Do not call `todo!()` here:
        // a panic in a drop during unwinding aborts the process.)
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
