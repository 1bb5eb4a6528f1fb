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
    /// with it. Whoever holds its guard has the fork in hand; nobody else can take it until the
    /// guard is dropped. A philosopher holding two at once takes them in index order (lower
    /// first), so no circle of waiting philosophers can form.
    forks: Vec<Mutex<()>>,
}

impl Table {
    /// A table laid for `seats` philosophers: `seats` forks, all on the table.
    ///
    /// Panics if `seats < 2`: a lone philosopher's left and right fork would be the same one.
    pub fn new(seats: usize) -> Self {
        assert!(
            seats >= 2,
            "a table needs at least two seats, not {seats}: alone, a philosopher's left and \
             right fork would be one and the same"
        );
        // One lock per fork, so philosophers who share no fork never wait for each other.
        Table {
            forks: (0..seats).map(|_| Mutex::new(())).collect(),
        }
    }

    /// How many philosophers (and forks) the table has.
    pub fn seats(&self) -> usize {
        self.forks.len()
    }

    /// Fork `number`'s lock, for whoever wants to see if it is in use (the graded suite
    /// checks that a philosopher who says it holds a fork really has it locked).
    pub fn fork(&self, number: usize) -> &Mutex<()> {
        &self.forks[number]
    }

    /// The number of the fork on `side` of philosopher `seat`.
    pub fn fork_number(&self, seat: usize, side: Side) -> usize {
        match side {
            Side::Left => seat,
            Side::Right => (seat + 1) % self.seats(),
        }
    }

    /// The order in which philosopher `seat` picks up its forks: the lower-numbered first.
    /// That is the left one for everybody except the last philosopher, whose right fork is
    /// fork 0.
    pub fn pick_up_order(&self, seat: usize) -> [Side; 2] {
        // Resource ordering. Deadlock needs a circle of philosophers, each holding a fork and
        // waiting for the next one's. Going round the circle, the fork numbers would have to
        // rise at every step (each waits for a higher fork than the one it holds) and come
        // back to where they started: impossible. So somebody can always eat.
        if self.fork_number(seat, Side::Left) < self.fork_number(seat, Side::Right) {
            [Side::Left, Side::Right]
        } else {
            [Side::Right, Side::Left]
        }
    }

    /// Philosopher `seat` eats `meals` meals, picking up and putting down its forks for each,
    /// and telling `philosopher` every step. Returns once every meal is eaten and both forks
    /// are back on the table.
    ///
    /// Panics if there is no seat `seat`.
    pub fn dine<P: Philosopher + ?Sized>(&self, seat: usize, meals: usize, philosopher: &mut P) {
        assert!(
            seat < self.seats(),
            "there is no seat {seat} at a table of {}",
            self.seats()
        );
        let [first, second] = self.pick_up_order(seat);
        for _ in 0..meals {
            // Hold and wait: while waiting for the second fork we keep the first. That is safe
            // only because everyone waits for a higher-numbered fork than the one they hold.
            let first_fork = self.take(seat, first, philosopher);
            let second_fork = self.take(seat, second, philosopher);
            // Both guards are alive: both forks are in hand for the whole meal.
            philosopher.eat();
            // Letting go never waits, so any order is safe; the reverse of picking up is the
            // habit. Each guard is dropped right after its put_down (inside `put_back`), so
            // the neighbour waiting for that fork can take it at once.
            Self::put_back(second, second_fork, philosopher);
            Self::put_back(first, first_fork, philosopher);
        }
    }

    /// Picks up the fork on `side` of philosopher `seat`, waiting while a neighbour has it,
    /// and returns it in hand: the fork is back on the table when the guard is dropped.
    fn take<P: Philosopher + ?Sized>(
        &self,
        seat: usize,
        side: Side,
        philosopher: &mut P,
    ) -> MutexGuard<'_, ()> {
        philosopher.reach_for(side);
        // The fork guards no data, so a lock poisoned by a philosopher that panicked with it in
        // hand is still a good fork: take it.
        let fork = self.forks[self.fork_number(seat, side)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The guard is bound to a name and returned, so the fork stays locked until the caller
        // drops it. (`let _ = ...lock()` would drop it here, at once.)
        philosopher.pick_up(side);
        fork
    }

    /// Puts down the fork on `side`, which `fork` holds: tells `philosopher` while it is still
    /// in hand, then lets go of it.
    fn put_back<P: Philosopher + ?Sized>(
        side: Side,
        fork: MutexGuard<'_, ()>,
        philosopher: &mut P,
    ) {
        philosopher.put_down(side);
        // Releases the lock taken in `take`.
        drop(fork);
    }
}
