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
    /// The bucket's content; callers hold it only to look and update, never while sleeping.
    state: Mutex<LazyState>,
    /// Callers waiting for a token sleep here, each until the time the next token accrues.
    token_due: Condvar,
    clock: Clock,
    capacity: u32,
    interval: Duration,
}

/// What the lazy bucket's lock protects.
struct LazyState {
    /// The refill, counted in time rather than in tokens: `interval` of credit is one token.
    /// Counting time keeps the fraction of a token that has accrued so far, exactly (to the
    /// nanosecond), where rounding elapsed time down would throw it away at every request.
    /// Never more than `capacity * interval`.
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
        assert!(capacity > 0, "a token bucket needs room for one token");
        assert!(!interval.is_zero(), "the refill interval must not be zero");
        LazyTokenBucket {
            state: Mutex::new(LazyState {
                credit: interval * capacity,
                updated: clock.now(),
            }),
            token_due: Condvar::new(&clock),
            clock,
            capacity,
            interval,
        }
    }

    /// Credits the time elapsed since the last update, up to a full bucket. Called with the lock
    /// held, so two callers never credit the same stretch of time twice.
    fn refill(&self, state: &mut LazyState) {
        let now = self.clock.now();
        let elapsed = now.saturating_duration_since(state.updated);
        state.credit = (state.credit + elapsed).min(self.interval * self.capacity);
        state.updated = now;
    }

    /// Takes a token, waiting until one has accrued.
    pub fn get_token(&self) {
        let mut state = lock(&self.state);
        loop {
            self.refill(&mut state);
            if state.credit >= self.interval {
                state.credit -= self.interval;
                return;
            }
            // The next token accrues when the missing part of `interval` has passed. The wait
            // releases the lock, so other callers can look at the bucket meanwhile; whoever
            // wakes first takes the token, and the others, back in this loop, wait again.
            let due = state.updated + (self.interval - state.credit);
            state = self
                .token_due
                .wait_until(&self.state, state, due)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Takes a token if there is one now.
    ///
    /// # Errors
    ///
    /// [`Empty`] if no whole token has accrued.
    pub fn try_get_token(&self) -> Result<(), Empty> {
        let mut state = lock(&self.state);
        self.refill(&mut state);
        if state.credit >= self.interval {
            state.credit -= self.interval;
            Ok(())
        } else {
            Err(Empty)
        }
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
    /// The bucket's content; held only to look and update, never while sleeping.
    state: Mutex<FilledState>,
    /// Two kinds of waiters sleep here: callers waiting for a token (notified by the filler),
    /// and the filler waiting for its next tick (woken by the clock, or by `Drop`). Every
    /// notify is a `notify_all`, so a wake-up meant for one kind never strands the other.
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
        assert!(capacity > 0, "a token bucket needs room for one token");
        assert!(!interval.is_zero(), "the refill interval must not be zero");
        let shared = Arc::new(Filled {
            state: Mutex::new(FilledState {
                tokens: capacity,
                shutdown: false,
            }),
            changed: Condvar::new(&clock),
            clock,
            capacity,
            interval,
        });
        let filler = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.fill())
        };
        FilledTokenBucket {
            shared,
            filler: Some(filler),
        }
    }

    /// Takes a token, waiting until the filler adds one.
    pub fn get_token(&self) {
        let shared = &*self.shared;
        let mut state = lock(&shared.state);
        // In a loop: a wake-up only means "look again" (another caller may have taken the
        // token, or the notify was the filler's tick meant for someone else).
        while state.tokens == 0 {
            state = shared
                .changed
                .wait(&shared.state, state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.tokens -= 1;
    }

    /// Takes a token if there is one now.
    ///
    /// # Errors
    ///
    /// [`Empty`] if the bucket holds no token.
    pub fn try_get_token(&self) -> Result<(), Empty> {
        let mut state = lock(&self.shared.state);
        if state.tokens == 0 {
            return Err(Empty);
        }
        state.tokens -= 1;
        Ok(())
    }
}

impl Filled {
    /// The filler thread: one token per interval, on a fixed schedule (`next` advances by
    /// exactly `interval` each time, so late wake-ups do not make the schedule drift), until
    /// the bucket is dropped.
    fn fill(&self) {
        let mut next = self.clock.now() + self.interval;
        let mut state = lock(&self.state);
        loop {
            // Sleep until the tick through the condition variable, not `clock.sleep`: the wait
            // releases the lock (callers keep using the bucket) and `Drop` can wake it.
            while !state.shutdown && self.clock.now() < next {
                state = self
                    .changed
                    .wait_until(&self.state, state, next)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            if state.shutdown {
                return;
            }
            if state.tokens < self.capacity {
                state.tokens += 1;
                // Every waiter looks again; the callers among them race for the token.
                self.changed.notify_all();
            }
            next += self.interval;
        }
    }
}

impl Drop for FilledTokenBucket {
    fn drop(&mut self) {
        // Set the flag under the lock, so the filler cannot check it and then go to sleep
        // without seeing it; then wake it and wait for it to return.
        lock(&self.shared.state).shutdown = true;
        self.shared.changed.notify_all();
        if let Some(filler) = self.filler.take() {
            // The filler never panics (it holds no user code); a join error would mean it did,
            // and there is nothing better to do in drop than to go on.
            let _ = filler.join();
        }
    }
}
