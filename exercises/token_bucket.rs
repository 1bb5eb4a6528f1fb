//! Token bucket: limit how often callers may proceed, first by computing the refill lazily at
//! each request, then with a filler thread that adds one token per interval.
//!
//! Goal: a bucket holds at most `capacity` tokens and starts full. One token is added every
//! `interval` (the rate is one token per interval), never beyond `capacity`. `get_token` takes
//! one token, blocking until there is one; `try_get_token` takes one if there is one, and
//! otherwise returns `Err(Empty)` at once. Whatever the callers do, by any time `t` at most
//! `capacity + t / interval` tokens have been granted, and a caller that waits is served as soon
//! as a token is there for it.
//!
//! What to build in this file, twice:
//!
//! - `LazyTokenBucket`: no thread of its own. Each call first credits the time elapsed since the
//!   last refill, keeping the fraction of a token that has not accrued yet (never truncate the
//!   elapsed time), then takes a token or waits until the time the next one accrues;
//! - `FilledTokenBucket`: a filler thread adds one token per interval, on the clock's schedule,
//!   and wakes waiting callers; dropping the bucket stops the filler and joins it.
//!
//! Wait only through `course_clock::Condvar` (made from the clock you are given) and never while
//! holding the lock across a sleep: a caller waiting for a token must not stop other callers from
//! looking at the bucket.
//!
//! Chapter: `docs/src/part5/token_bucket.md`.
//! Check your work with `cargo xtask check token_bucket`; stuck? `cargo xtask hint token_bucket`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Arc, Mutex, MutexGuard, thread};
use std::fmt;
use std::sync::PoisonError;
use std::time::Duration;

/// `try_get_token` found the bucket empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the token bucket is empty")
    }
}

impl std::error::Error for Empty {}

/// Locks `mutex`. Nothing panics while holding a bucket's lock, so a poisoned one is still
/// consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// The lazy bucket
// ---------------------------------------------------------------------------------------------

/// A token bucket without a thread: the refill is computed from the clock at each request.
pub struct LazyTokenBucket {
    /// The bucket's content.
    // TODO: say what this lock protects, and when callers may (and may not) hold it.
    state: Mutex<LazyState>,
    /// Callers waiting for a token sleep here.
    // TODO: until when does each waiter sleep?
    token_due: Condvar,
    clock: Clock,
    capacity: u32,
    interval: Duration,
}

/// What the lazy bucket's lock protects.
struct LazyState {
    /// The refill, counted in time rather than in tokens: `interval` of credit is one token.
    // TODO: why count time rather than whole tokens? What is its largest value?
    credit: Duration,
    /// When `credit` was last brought up to date.
    updated: Instant,
}

impl LazyTokenBucket {
    /// A full bucket of `capacity` tokens, refilled by one token every `interval`, on the system
    /// clock.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero or `interval` is zero.
    pub fn new(capacity: u32, interval: Duration) -> Self {
        Self::with_clock(capacity, interval, Clock::system())
    }

    /// A full bucket of `capacity` tokens, refilled by one token every `interval` of `clock`.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero or `interval` is zero.
    pub fn with_clock(capacity: u32, interval: Duration, clock: Clock) -> Self {
        // TODO: check the arguments; a full bucket's credit, updated now; the Condvar from
        // `clock`.
        todo!("LazyTokenBucket::with_clock")
    }

    /// Credits the time elapsed since the last update, up to a full bucket. Called with the lock
    /// held.
    fn refill(&self, state: &mut LazyState) {
        // TODO: add the elapsed time in full (never rounded down), cap it, move `updated` to now.
        todo!("LazyTokenBucket::refill")
    }

    /// Takes a token, waiting until one has accrued.
    pub fn get_token(&self) {
        // TODO: in a loop: refill; take a token if there is a whole one; otherwise wait on
        // `token_due` until the time the next one accrues (the wait releases the lock).
        todo!("LazyTokenBucket::get_token")
    }

    /// Takes a token if there is one now.
    ///
    /// # Errors
    ///
    /// [`Empty`] if no whole token has accrued.
    pub fn try_get_token(&self) -> Result<(), Empty> {
        // TODO: refill, then take a token or return Err(Empty) at once.
        todo!("LazyTokenBucket::try_get_token")
    }
}

// ---------------------------------------------------------------------------------------------
// The bucket with a filler thread
// ---------------------------------------------------------------------------------------------

/// A token bucket whose tokens are added by a filler thread, one per interval.
///
/// Dropping the bucket stops the filler thread and waits for it.
pub struct FilledTokenBucket {
    shared: Arc<Filled>,
    /// The filler thread. `Drop` takes it to join it.
    filler: Option<thread::JoinHandle<()>>,
}

/// What callers and the filler thread share.
struct Filled {
    /// The bucket's content.
    // TODO: say what this lock protects, and when it is held.
    state: Mutex<FilledState>,
    /// Where callers and the filler wait.
    // TODO: which waiters sleep here, who wakes each, and why notify_all?
    changed: Condvar,
    clock: Clock,
    capacity: u32,
    interval: Duration,
}

/// What the filled bucket's lock protects.
struct FilledState {
    tokens: u32,
    /// Set by `Drop`: the filler thread returns when it sees it.
    shutdown: bool,
}

impl FilledTokenBucket {
    /// A full bucket of `capacity` tokens, with a filler thread adding one every `interval`, on
    /// the system clock.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero or `interval` is zero.
    pub fn new(capacity: u32, interval: Duration) -> Self {
        Self::with_clock(capacity, interval, Clock::system())
    }

    /// A full bucket of `capacity` tokens, with a filler thread adding one every `interval` of
    /// `clock`: the first at one interval from now.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero or `interval` is zero.
    pub fn with_clock(capacity: u32, interval: Duration, clock: Clock) -> Self {
        // TODO: check the arguments; the shared state (full); spawn the filler thread running
        // `Filled::fill`.
        todo!("FilledTokenBucket::with_clock")
    }

    /// Takes a token, waiting until the filler adds one.
    pub fn get_token(&self) {
        // TODO: wait on `changed` while the bucket is empty (in a loop), then take a token.
        todo!("FilledTokenBucket::get_token")
    }

    /// Takes a token if there is one now.
    ///
    /// # Errors
    ///
    /// [`Empty`] if the bucket holds no token.
    pub fn try_get_token(&self) -> Result<(), Empty> {
        // TODO: take a token or return Err(Empty) at once.
        todo!("FilledTokenBucket::try_get_token")
    }
}

impl Filled {
    /// The filler thread: one token per interval, on a fixed schedule, until the bucket is
    /// dropped.
    fn fill(&self) {
        // TODO: loop: wait (through `changed`, with a deadline) until the next tick or shutdown;
        // on shutdown return; add a token if below capacity and notify; schedule the next tick
        // one interval after this one.
        todo!("Filled::fill")
    }
}

impl Drop for FilledTokenBucket {
    fn drop(&mut self) {
        // TODO: set `shutdown` under the lock, notify, and join the filler thread. (No todo!()
        // here: a panic in drop while unwinding aborts the whole test run.)
    }
}
