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
        // The deadline is fixed here, in the caller's time, not when the thread first runs: a
        // thread that starts late must not run late on top of it.
        let deadline = clock.now() + delay;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::Waiting),
            changed: Condvar::new(&clock),
            clock,
        });
        let thread = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("timer".to_owned())
                .spawn(move || run(&shared, deadline, callback))
                .expect("failed to spawn the timer thread")
        };
        Timer { shared, thread }
    }

    /// Stops the callback from running, if it can still be stopped. Returns `true` if this call
    /// stopped it; `false` if the callback has already started, or if the timer was already
    /// cancelled.
    ///
    /// Never blocks for long: it does not wait for a running callback to finish.
    pub fn cancel(&self) -> bool {
        let mut state = self.shared.lock();
        if *state != State::Waiting {
            // Fired or already cancelled: the decision was taken, under this lock, before us.
            return false;
        }
        *state = State::Cancelled;
        // The timer thread may be asleep until the deadline: wake it so it sees the cancel and
        // ends now. We hold the lock, so it is either registered as waiting (and this wakes it)
        // or has not looked at the state yet (and will see `Cancelled` when it does).
        self.shared.changed.notify_one();
        true
    }

    /// Waits for the timer thread to end; `Ok(true)` if the callback ran (to its end), `Ok(false)`
    /// if the timer was cancelled first, and `Err` with the panic if the callback panicked.
    ///
    /// Without a `cancel`, this waits until the deadline has passed and the callback has run.
    pub fn join(self) -> std::thread::Result<bool> {
        self.thread.join()
    }
}

/// What the handle and the timer thread share.
struct Shared {
    /// Protects the decision between running and cancelling: exactly one of the timer thread
    /// (at the deadline) and `cancel` (before it) moves it away from `Waiting`, and that move is
    /// final. Never held while the callback runs.
    state: Mutex<State>,
    /// Wakes the timer thread when the timer is cancelled. Made from `clock`, so the timed wait
    /// follows that clock's time.
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
    let mut state = shared.lock();
    // Each pass looks at the state afresh, under the lock: a wake-up may come from `cancel`,
    // from the deadline, or from nothing at all.
    loop {
        if *state == State::Cancelled {
            // Ends now, without sleeping out the delay; the callback is dropped unrun.
            return false;
        }
        if shared.clock.now() >= deadline {
            break;
        }
        // Wait *until* the instant, not *for* a duration computed from a `now` that may be
        // stale by the time we sleep. The wait releases the lock once we are registered as
        // waiting, so a `cancel` after our check cannot slip past us unseen.
        state = shared
            .changed
            .wait_until(&shared.state, state, deadline)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    // Claim the run while still holding the lock: from here on `cancel` returns false.
    *state = State::Fired;
    // Run the callback without the lock, so that `cancel` from another thread (or from the
    // callback itself) returns `false` at once instead of waiting for it.
    drop(state);
    callback();
    true
}
