//! The dining philosophers: philosophers around a table share one fork with each neighbour and
//! need both of theirs to eat; nobody deadlocks, neighbours never eat together, everyone eats.
//!
//! Goal: `n` philosophers sit around a round table with `n` forks, one between each pair of
//! neighbours. Fork `k` lies between philosopher `k - 1` and philosopher `k`: philosopher `i`'s
//! left fork is fork `i`, its right fork is fork `(i + 1) % n`. Each philosopher is a thread
//! that calls `Table::dine(i, meals, ...)` to eat `meals` meals. For every meal it picks up both
//! its forks (each fork is a lock: picking it up waits while the neighbour has it), eats, and
//! puts them both down. Whatever the threads do and in whatever order they start:
//!
//! - no deadlock: every call of `dine` returns;
//! - a fork is in one hand at a time, so two neighbours never eat at once;
//! - everyone eats: each philosopher eats exactly the meals it was asked for.
//!
//! If every philosopher picks up its left fork first, all of them can hold one fork each and
//! wait for ever for the other: a circle of waiting threads. The cure is *resource ordering*,
//! the lock order of `docs/src/part1/bank_transfer.md`: number the forks, and let every
//! philosopher pick up the lower-numbered of its two forks first.
//!
//! Every step is reported to the `Philosopher` the caller hands in, in this order for each
//! fork: `reach_for` just before locking it, `pick_up` as soon as it is locked, and, after
//! `eat`, `put_down` while it is still locked, just before letting go.
//!
//! What to build in this file:
//!
//! - `Table::new`, `seats`, `fork`: the forks, one lock each;
//! - `fork_number` and `pick_up_order`: which forks are a philosopher's, and which comes first;
//! - `take` and `put_back`: one fork into the hand and out of it again, with the callbacks;
//! - `dine`: the meals.
//!
//! A philosopher may wait only by locking a fork: no sleeps, no spinning, no other locks. Lock
//! only `course_sync` mutexes: that is how the graded suite sees who holds what, and how loom
//! tries every interleaving.
//!
//! Chapter: `docs/src/part6/dining_philosophers.md`.
//! Check your work with `cargo xtask check dining_philosophers`; stuck? `cargo xtask hint
//! dining_philosophers`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// One of a philosopher's two forks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Fork `i`, for philosopher `i`.
    Left,
    /// Fork `(i + 1) % n`, for philosopher `i` at a table of `n`.
    Right,
}

/// What a philosopher does at the table. `Table::dine` calls these as it goes; the caller
/// decides what they do (the graded suite records each step, and holds the philosopher there
/// until it is its turn to move).
pub trait Philosopher {
    /// About to pick up the fork on `side`: called just before locking it (the lock may wait).
    fn reach_for(&mut self, side: Side);
    /// Holds the fork on `side`: called as soon as its lock is taken.
    fn pick_up(&mut self, side: Side);
    /// Eats one meal: called with both forks in hand.
    fn eat(&mut self);
    /// About to let go of the fork on `side`: called while it is still locked.
    fn put_down(&mut self, side: Side);
}

/// A round table: its forks, and the rules for picking them up. Share it between the
/// philosophers' threads with an `Arc` (or a scope): every method takes `&self`.
pub struct Table {
    /// Fork `k` is `forks[k]`. Each mutex *is* a fork: it guards no data, only the right to eat
    /// with it. TODO: who has the fork in hand, and until when? A philosopher holds two at
    /// once: in which order must it take them so that no circle of waiting philosophers can
    /// form?
    forks: Vec<Mutex<()>>,
}

impl Table {
    /// A table laid for `seats` philosophers: `seats` forks, all on the table.
    ///
    /// Panics if `seats < 2`: a lone philosopher's left and right fork would be the same one.
    pub fn new(seats: usize) -> Self {
        // TODO: refuse fewer than two seats; then one `Mutex::new(())` per fork.
        todo!("Table::new")
    }

    /// How many philosophers (and forks) the table has.
    pub fn seats(&self) -> usize {
        // TODO: one fork per seat.
        todo!("Table::seats")
    }

    /// Fork `number`'s lock, for whoever wants to see if it is in use (the graded suite
    /// checks that a philosopher who says it holds a fork really has it locked).
    pub fn fork(&self, number: usize) -> &Mutex<()> {
        // TODO: the fork itself.
        todo!("Table::fork")
    }

    /// The number of the fork on `side` of philosopher `seat`.
    pub fn fork_number(&self, seat: usize, side: Side) -> usize {
        // TODO: left is fork `seat`, right is the next one round the table.
        todo!("Table::fork_number")
    }

    /// The order in which philosopher `seat` picks up its forks: the lower-numbered first.
    /// That is the left one for everybody except the last philosopher, whose right fork is
    /// fork 0.
    pub fn pick_up_order(&self, seat: usize) -> [Side; 2] {
        // TODO: why does this order rule out deadlock? Think of a circle of philosophers, each
        // holding one fork and waiting for the next one's: what would the fork numbers do
        // going round it?
        todo!("Table::pick_up_order")
    }

    /// Philosopher `seat` eats `meals` meals, picking up and putting down its forks for each,
    /// and telling `philosopher` every step. Returns once every meal is eaten and both forks
    /// are back on the table.
    ///
    /// Panics if there is no seat `seat`.
    pub fn dine<P: Philosopher + ?Sized>(&self, seat: usize, meals: usize, philosopher: &mut P) {
        // TODO: refuse a seat the table does not have.
        //
        // TODO: for each meal: take both forks, in `pick_up_order`; eat with both in hand;
        // put both back. What must still be alive while `eat` runs?
        todo!("Table::dine")
    }

    /// Picks up the fork on `side` of philosopher `seat`, waiting while a neighbour has it,
    /// and returns it in hand: the fork is back on the table when the guard is dropped.
    fn take<P: Philosopher + ?Sized>(
        &self,
        seat: usize,
        side: Side,
        philosopher: &mut P,
    ) -> MutexGuard<'_, ()> {
        // TODO: `reach_for`, lock the fork, `pick_up`, return the guard. What does a poisoned
        // fork guard, and may you still use it? And what would `let _ = fork.lock()` do?
        todo!("Table::take")
    }

    /// Puts down the fork on `side`, which `fork` holds: tells `philosopher` while it is still
    /// in hand, then lets go of it.
    fn put_back<P: Philosopher + ?Sized>(
        side: Side,
        fork: MutexGuard<'_, ()>,
        philosopher: &mut P,
    ) {
        // TODO: `put_down` first, then let go of the fork: in that order, why?
        todo!("Table::put_back")
    }
}
