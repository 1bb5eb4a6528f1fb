//! Timer: run a callback once, after a delay, on a thread of its own, unless it is cancelled
//! first; `cancel` says whether it prevented the run.
//!
//! Goal: `Timer::with_clock(clock, delay, callback)` returns at once and starts a thread that
//! runs `callback` when `delay` has passed on `clock`, and never before. `cancel()` may be called
//! from any thread at any time: it returns `true` if it stopped the callback from ever running,
//! and `false` if the callback has already started (or run, or an earlier `cancel` already
//! stopped it). A cancelled timer's thread ends at once: it does not sleep out the rest of the
//! delay. `join` waits for the thread and says whether the callback ran.
//!
//! What to build in this file:
//!
//! - `Timer::with_clock`: the shared state, and the timer thread;
//! - `Timer::cancel`: decide, under the lock, whether the callback can still be stopped;
//! - `Timer::join`: wait for the thread;
//! - `run`: the timer thread: wait until the deadline or a cancel, whichever comes first.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite runs your timer on a virtual clock ("the
//! callback runs at exactly t = 1.5 s", checked instantly) and lets loom try every interleaving.
//!
//! Chapter: `docs/src/part1/timer.md`.
//! Check your work with `cargo xtask check timer`; stuck? `cargo xtask hint timer`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Arc, Mutex, MutexGuard, thread};
use std::sync::PoisonError;
use std::time::Duration;

/// A callback that runs once, after a delay, on its own thread, unless cancelled first.
///
/// Dropping the handle does not cancel the timer (as with Python's `threading.Timer`, the
/// callback still runs when due); call [`cancel`](Timer::cancel) for that.
pub struct Timer {
    shared: Arc<Shared>,
    thread: thread::JoinHandle<bool>,
}

impl Timer {
    /// A timer on the system clock.
    pub fn new<F>(delay: Duration, callback: F) -> Self
    where
        F: FnOnce() + Send + 'static,
    {
        Self::with_clock(Clock::system(), delay, callback)
    }

    /// Runs `callback` on a new thread once `delay` has passed on `clock`, counted from this
    /// call, unless the timer is cancelled first.
    pub fn with_clock<F>(clock: Clock, delay: Duration, callback: F) -> Self
    where
        F: FnOnce() + Send + 'static,
    {
        // TODO: compute the deadline from `clock` (here, or when the thread starts? which is
        // right?), build the `Shared` state (`State::Waiting`, the condition variable made
        // from `clock` with `Condvar::new(&clock)`), and spawn the timer thread running `run`
        // with its own `Arc` of it.
        todo!("Timer::with_clock")
    }

    /// Stops the callback from running, if it can still be stopped. Returns `true` if this call
    /// stopped it; `false` if the callback has already started, or if the timer was already
    /// cancelled.
    ///
    /// Never blocks for long: it does not wait for a running callback to finish.
    pub fn cancel(&self) -> bool {
        // TODO: under the lock: if the timer is still `Waiting`, move it to `Cancelled` and wake
        // the timer thread (it may be asleep until the deadline); otherwise it is too late.
        todo!("Timer::cancel")
    }

    /// Waits for the timer thread to end; `Ok(true)` if the callback ran (to its end), `Ok(false)`
    /// if the timer was cancelled first, and `Err` with the panic if the callback panicked.
    ///
    /// Without a `cancel`, this waits until the deadline has passed and the callback has run.
    pub fn join(self) -> std::thread::Result<bool> {
        // TODO: the timer thread returns whether it ran the callback.
        todo!("Timer::join")
    }
}

/// What the handle and the timer thread share.
struct Shared {
    /// TODO: what decision does this lock protect, and must it be held while the callback
    /// runs?
    state: Mutex<State>,
    /// Wakes the timer thread when the timer is cancelled. Make it from the timer's clock.
    changed: Condvar,
    clock: Clock,
}

/// Where the timer is. Only ever moves from `Waiting` to one of the other two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The deadline has not passed and nobody cancelled.
    Waiting,
    /// The timer thread has claimed the run: the callback runs (or ran), and `cancel` is too
    /// late.
    Fired,
    /// `cancel` got there first: the callback never runs.
    Cancelled,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held (the callback runs outside it), so the state is
        // consistent even if the lock was poisoned.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The timer thread: sleeps until `deadline` or a cancel, then runs `callback` if it was not
/// cancelled. Returns whether it ran.
fn run(shared: &Shared, deadline: Instant, callback: impl FnOnce()) -> bool {
    // TODO: loop, holding the lock while you look at the state:
    // - cancelled: return false (at once: do not sleep out the delay);
    // - the clock has reached `deadline`: leave the loop;
    // - otherwise: `wait_until` the deadline on `shared.changed` (not a plain sleep: a cancel
    //   must be able to wake you).
    // Then claim the run (`State::Fired`) before releasing the lock, and run the callback
    // without it. Why claim it under the lock?
    todo!("the timer thread")
}
