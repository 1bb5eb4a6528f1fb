//! Deferred callbacks: run each action once, after its delay, on one executor thread that never
//! busy-waits.
//!
//! Goal: any thread may call `add_action(delay, action)` at any time, and the call returns at
//! once. The action runs later on the executor's own thread, as soon as `delay` has passed since
//! the call and never before. Actions run one at a time, earliest due time first; actions due at
//! the same instant run in the order they were added. In between, the executor thread sleeps on
//! a condition variable: until the earliest due time, or until an action is added that may be
//! due sooner.
//!
//! What to build in this file:
//!
//! - `Entry`'s ordering, so that a `BinaryHeap` of entries hands out the earliest one first;
//! - `DeferredCallbackExecutor::with_clock`: the shared state, and the executor thread;
//! - `add_action`: queue an action and wake the executor;
//! - `run`: the executor thread's loop;
//! - `Drop`: stop the executor thread and join it.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite runs your executor on a virtual clock
//! ("C runs at exactly t = 1 s", checked instantly) and lets loom try every interleaving.
//!
//! Chapter: `docs/src/part5/deferred_callback.md`.
//! Check your work with `cargo xtask check deferred_callback`; stuck? `cargo xtask hint
//! deferred_callback`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Arc, Mutex, MutexGuard, thread};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;
use std::time::Duration;

/// A queued callback.
type Action = Box<dyn FnOnce() + Send + 'static>;

/// Runs actions after a delay, one at a time, on a thread of its own.
///
/// Dropping the executor stops that thread and waits for it; actions that are not due yet are
/// dropped without running.
pub struct DeferredCallbackExecutor {
    shared: Arc<Shared>,
    /// The executor thread. `Drop` takes it to join it.
    executor: Option<thread::JoinHandle<()>>,
}

impl DeferredCallbackExecutor {
    /// An executor on the system clock.
    pub fn new() -> Self {
        // TODO: an executor on `Clock::system()`.
        todo!("DeferredCallbackExecutor::new")
    }

    /// An executor whose due times and waits use `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        // TODO: build the `Shared` state (an empty queue, the condition variable made from
        // `clock` with `Condvar::new(&clock)`), then spawn the executor thread with its own
        // `Arc` of it, running `run`.
        todo!("DeferredCallbackExecutor::with_clock")
    }

    /// Runs `action` on the executor thread once `delay` has passed, counted from this call.
    ///
    /// Returns at once, even while a callback is running (callbacks may call it too).
    pub fn add_action<F>(&self, delay: Duration, action: F)
    where
        F: FnOnce() + Send + 'static,
    {
        // TODO: under the lock, compute the due time from the clock, take the next sequence
        // number and push the entry. Which clock, and why under the lock?
        //
        // TODO: wake the executor: it may be asleep until a later due time, or with no
        // deadline at all.
        todo!("DeferredCallbackExecutor::add_action")
    }
}

impl Default for DeferredCallbackExecutor {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DeferredCallbackExecutor {
    fn drop(&mut self) {
        // TODO: set `shutdown` under the lock and wake the executor thread, then join it.
        // Careful: a callback may drop the last handle, and then this runs *on* the executor
        // thread, which cannot join itself.
        //
        // (No `todo!()` here: a panic in `drop` while a test is already failing aborts the
        // whole test run.)
    }
}

/// What the executor thread and the handle share.
struct Shared {
    /// TODO: what does this lock protect, and when must it *not* be held?
    state: Mutex<State>,
    /// Wakes the executor thread. Make it from the executor's clock.
    wakeup: Condvar,
    clock: Clock,
}

/// Everything behind the lock.
struct State {
    /// Actions not run yet; the greatest entry (see `Entry`'s `Ord`) is the next to run.
    queue: BinaryHeap<Entry>,
    /// The sequence number of the next registration.
    next_seq: u64,
    /// Set once by `Drop`; the executor thread ends when it sees it.
    shutdown: bool,
}

/// One queued action.
struct Entry {
    due: Instant,
    /// Registration order: breaks ties between actions due at the same instant.
    seq: u64,
    action: Action,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // TODO: `BinaryHeap` pops the *greatest* entry first, and we want the earliest due
        // time first, ties broken by registration order.
        todo!("Entry::cmp")
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// The executor thread: runs due actions, and sleeps in between.
fn run(shared: &Shared) {
    // TODO: loop, holding the lock while you look at the state:
    // - shutdown: return;
    // - queue empty: wait on `shared.wakeup` (no deadline);
    // - earliest entry not due yet: `wait_until` its due time;
    // - otherwise: pop it, release the lock, run the action (a panic in it must not end this
    //   thread: see `std::panic::catch_unwind`), lock again.
    // Why must every wait be followed by a fresh look at the state?
    todo!("the executor loop")
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing can panic while the lock is held (callbacks run outside it), so the state is
        // consistent even if the lock was poisoned; recovering keeps `Drop` from panicking.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
