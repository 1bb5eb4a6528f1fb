//! A reusable barrier: n threads wait for each other, one of them runs an action, and then all
//! of them go on; then the barrier is ready for the next round.
//!
//! Goal: `Barrier::with_action(n, action)` blocks each caller of `wait` until n threads have
//! called it. The last one to arrive is the round's leader: it runs `action` (once per round)
//! while the others are still held, and only then releases everyone; its `wait` reports
//! `is_leader()`. The same barrier serves round after round (each round is a *generation*), and
//! a fast thread that comes back for the next round must wait for that round, never slip through
//! the one its slower partners are still leaving. `n_waiting` tells how many threads are held
//! in the current round.
//!
//! What to build in this file:
//!
//! - `Barrier::with_action`: the shared state;
//! - `wait`: arrive, and either lead the round or wait for its generation to end;
//! - `n_waiting`;
//! - `Drop for Release`: end the generation and wake everyone (also when the action panics).
//!
//! Wait only through `course_sync`'s `Mutex` and `Condvar`: that is how the loom models try
//! every interleaving of three threads going round twice.
//!
//! Chapter: `docs/src/part1/barrier.md`.
//! Check your work with `cargo xtask check barrier`; stuck? `cargo xtask hint barrier`.

use course_sync::{Condvar, Mutex, MutexGuard};
use std::fmt;
use std::sync::PoisonError;

/// What the leader of each round runs before it releases the others.
type Action = Box<dyn Fn() + Send + Sync + 'static>;

/// A reusable barrier for a fixed number of threads.
pub struct Barrier {
    /// How many threads make up a round.
    parties: usize,
    action: Option<Action>,
    /// The round in progress. Held only for short updates, never while the action runs.
    state: Mutex<State>,
    /// Signalled when a generation ends: its waiters go, and threads that came early for the
    /// next round may arrive.
    released: Condvar,
}

/// Everything behind the lock.
struct State {
    /// Threads that have arrived in the current generation, the leader included. It equals
    /// `parties` from the moment the last one arrives until its action is done.
    arrived: usize,
    /// Counts the rounds completed. A waiter remembers the generation it arrived in and waits
    /// until that number changes: "the count went back to zero" is not enough, because by the
    /// time a waiter looks, fast threads may have arrived for the next round.
    generation: u64,
}

/// What `wait` tells its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// True for exactly one thread per round: the last to arrive, which ran the action.
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier for `parties` threads, with no action.
    ///
    /// # Panics
    ///
    /// If `parties` is zero: a round of nobody never completes.
    pub fn new(parties: usize) -> Self {
        Self::build(parties, None)
    }

    /// A barrier for `parties` threads whose last arrival of each round runs `action` before
    /// anyone is released.
    ///
    /// # Panics
    ///
    /// If `parties` is zero.
    pub fn with_action<F>(parties: usize, action: F) -> Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        Self::build(parties, Some(Box::new(action)))
    }

    fn build(parties: usize, action: Option<Action>) -> Self {
        assert!(parties > 0, "a barrier needs at least one thread");
        Barrier {
            parties,
            action,
            state: Mutex::new(State {
                arrived: 0,
                generation: 0,
            }),
            released: Condvar::new(),
        }
    }

    /// The number of threads that make up a round.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Blocks until `parties` threads have called `wait` in this round. The last to arrive runs
    /// the action, then releases the others, and is told it is the leader.
    ///
    /// If the action panics, the round still ends (the others go on) and the panic goes on in
    /// the leader.
    pub fn wait(&self) -> BarrierWaitResult {
        let mut state = self.lock();
        // A full round whose leader is still running the action: this thread came for the next
        // round (more threads than `parties` share the barrier). It waits for the generation
        // to end rather than count in a round that is already complete.
        while state.arrived == self.parties {
            state = self.sleep(state);
        }
        state.arrived += 1;
        if state.arrived < self.parties {
            let arrived_in = state.generation;
            // Not a plain `if`: a wake-up may be spurious. Not "until `arrived` is zero": a
            // fast leader may already be back for the next round, counted in `arrived`.
            while state.generation == arrived_in {
                state = self.sleep(state);
            }
            return BarrierWaitResult { leader: false };
        }
        // The last arrival: everyone else of this round is held until `release` drops, which
        // is after the action, or during the unwinding if the action panics.
        let release = Release { barrier: self };
        drop(state);
        // Outside the lock: the action may take its time, or call `n_waiting`.
        if let Some(action) = &self.action {
            action();
        }
        drop(release);
        BarrierWaitResult { leader: true }
    }

    /// How many threads are blocked in `wait` for the current round to complete: from 0 to
    /// `parties - 1` (while the leader runs the action, all the others).
    pub fn n_waiting(&self) -> usize {
        let state = self.lock();
        // The leader counts in `arrived` but does not wait.
        state.arrived.min(self.parties - 1)
    }

    fn sleep<'a>(&'a self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.released
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code that can panic runs while the lock is held (the action runs outside it), so
        // the state is consistent even if the lock was poisoned.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ends the current generation when dropped: after the leader's action returns, or while the
/// leader unwinds from the action's panic, so the others are never left waiting.
struct Release<'a> {
    barrier: &'a Barrier,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let mut state = self.barrier.lock();
        state.arrived = 0;
        state.generation = state.generation.wrapping_add(1);
        // Everyone of this round waits for this change, and so do early arrivals for the next:
        // wake them all. Under the lock, so that no waiter is between its check and its sleep.
        self.barrier.released.notify_all();
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .finish_non_exhaustive()
    }
}
