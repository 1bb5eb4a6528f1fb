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

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

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
        // TODO: refuse zero parties (panic), then build the barrier: nobody arrived yet,
        // generation 0.
        todo!("Barrier::build")
    }

    /// The number of threads that make up a round.
    pub fn parties(&self) -> usize {
        // TODO: the number given to `new`.
        todo!("Barrier::parties")
    }

    /// Blocks until `parties` threads have called `wait` in this round. The last to arrive runs
    /// the action, then releases the others, and is told it is the leader.
    ///
    /// If the action panics, the round still ends (the others go on) and the panic goes on in
    /// the leader.
    pub fn wait(&self) -> BarrierWaitResult {
        // TODO: under the lock, count this thread in. What if the round is already full (its
        // leader still running the action)?
        //
        // TODO: not the last? Remember the generation you arrived in and wait until it
        // changes. Why is "until the count is back to zero" not good enough?
        //
        // TODO: the last? You are the leader: run the action outside the lock while the others
        // are still held, then end the generation (see `Release`) and return.
        todo!("Barrier::wait")
    }

    /// How many threads are blocked in `wait` for the current round to complete: from 0 to
    /// `parties - 1` (while the leader runs the action, all the others).
    pub fn n_waiting(&self) -> usize {
        // TODO: read the count under the lock. Does the leader, busy with the action, count?
        todo!("Barrier::n_waiting")
    }

    fn sleep<'a>(&'a self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        // TODO: wait on `released` (one wait: the callers loop).
        todo!("Barrier::sleep")
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // TODO: lock `state`. Can a poisoned lock hold a broken state here?
        todo!("Barrier::lock")
    }
}

/// Ends the current generation when dropped: after the leader's action returns, or while the
/// leader unwinds from the action's panic, so the others are never left waiting.
struct Release<'a> {
    barrier: &'a Barrier,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        // TODO: under the lock, start a new generation (nobody arrived) and wake every waiter.
        // This also runs while the leader unwinds from a panicking action. (Do not call
        // `todo!()` here: a panic in a drop during unwinding aborts the process.)
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
