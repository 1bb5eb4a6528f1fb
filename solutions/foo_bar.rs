//! Foo and bar: two threads print `foo` and `bar`, taking turns, `n` times each, so the output
//! is `foo bar foo bar ...` whichever thread starts first.
//!
//! Goal: one `FooBar` is shared by two threads. One calls `foo(print_foo)`, the other
//! `bar(print_bar)`, once each and in either order. `foo` calls `print_foo` `n` times and `bar`
//! calls `print_bar` `n` times, and the calls alternate, `foo` first: foo, bar, foo, bar, ...
//! A thread whose turn it is not sleeps until the other thread hands the turn over.
//!
//! What to build in this file:
//!
//! - `FooBar::with_clock`: the shared state (whose turn it is) and the condition variable the
//!   waiting thread sleeps on;
//! - `take_turns`: `n` times, wait for this side's turn, print, and hand the turn over;
//! - `foo` and `bar`: one side each.
//!
//! A waiting thread must sleep, not spin. Wait only through `course_clock::Condvar`, made from
//! the clock you are given, and lock only `course_sync` mutexes: that is how the graded suite
//! sees your waiting thread asleep, and how loom tries every interleaving.
//!
//! Chapter: `docs/src/part6/foo_bar.md`.
//! Check your work with `cargo xtask check foo_bar`; stuck? `cargo xtask hint foo_bar`.

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// Whose turn it is to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Turn {
    Foo,
    Bar,
}

impl Turn {
    /// The side that prints after this one.
    fn other(self) -> Turn {
        match self {
            Turn::Foo => Turn::Bar,
            Turn::Bar => Turn::Foo,
        }
    }
}

/// Lets two threads print `foo` and `bar` in turns, `n` times each. Share it with an `Arc` (or
/// a scope): both methods take `&self`.
pub struct FooBar {
    /// How many times each side prints.
    n: usize,
    /// Whose turn it is: `Foo` at the start. Only the side whose turn it is hands it over, and
    /// only after its line is out. A waiter reads it under this lock before it sleeps, so the
    /// turn cannot be handed over between its check and its sleep.
    turn: Mutex<Turn>,
    /// Notified each time the turn is handed over. Only one thread ever waits here at a time
    /// (the side whose turn it is does not wait), so `notify_one` reaches the right thread. But
    /// its wake-up can be stale: the notify is sent after the lock is released, and in between
    /// the other side may take its turn, hand it back and go to sleep waiting for its next
    /// one; the late notify then wakes it when the turn is not its own.
    turn_passed: Condvar,
}

impl FooBar {
    /// Each side prints `n` times; waits on the system clock.
    pub fn new(n: usize) -> Self {
        Self::with_clock(Clock::system(), n)
    }

    /// Each side prints `n` times; the waiting thread sleeps on `clock`'s condition variable.
    pub fn with_clock(clock: Clock, n: usize) -> Self {
        FooBar {
            n,
            turn: Mutex::new(Turn::Foo),
            turn_passed: Condvar::new(&clock),
        }
    }

    /// Calls `print_foo` `n` times, each time waiting for the turn, `foo` going first.
    pub fn foo(&self, print_foo: impl FnMut()) {
        self.take_turns(Turn::Foo, print_foo);
    }

    /// Calls `print_bar` `n` times, each time after `foo` has printed.
    pub fn bar(&self, print_bar: impl FnMut()) {
        self.take_turns(Turn::Bar, print_bar);
    }

    /// `n` times: waits until it is `mine` to print, prints, and hands the turn to the other
    /// side.
    fn take_turns(&self, mine: Turn, mut print: impl FnMut()) {
        for _ in 0..self.n {
            let mut turn = self.lock();
            // A loop: a wake-up is a reason to look again, not a promise. The notify that woke
            // us may be stale (see `turn_passed`), and a condition variable may also wake a
            // thread spuriously, with no notify at all.
            while *turn != mine {
                turn = self
                    .turn_passed
                    .wait(&self.turn, turn)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            // Print without the lock: the turn is ours until we hand it over, so the other
            // side keeps waiting whether or not we hold the lock.
            drop(turn);
            print();
            // Hand the turn over only now that the line is out: handed over before printing,
            // the other side's line could come out first.
            let mut turn = self.lock();
            *turn = mine.other();
            // Unlocking releases the new turn; the waiter's return from `wait`, which locks
            // again, acquires it.
            drop(turn);
            // Notify after the unlock, so the woken side can take the lock at once. The notify
            // cannot be lost: the other side either read the turn before we changed it, and
            // then it was registered as waiting before it let the lock go, or it reads the new
            // turn and does not wait at all.
            self.turn_passed.notify_one();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Turn> {
        // Nothing panics while the lock is held (`print` runs outside it), so the turn is
        // consistent even if the lock was poisoned.
        self.turn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
