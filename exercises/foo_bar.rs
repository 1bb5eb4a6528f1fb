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

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_mut, unused_variables)]

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
    /// Whose turn it is: `Foo` at the start. TODO: who hands the turn over, and when: before
    /// or after printing its line?
    turn: Mutex<Turn>,
    /// Notified each time the turn is handed over. TODO: how many threads can be waiting here
    /// at once, and for what? Is `notify_one` enough? And when a thread is woken, is the turn
    /// sure to be its own?
    turn_passed: Condvar,
}

impl FooBar {
    /// Each side prints `n` times; waits on the system clock.
    pub fn new(n: usize) -> Self {
        Self::with_clock(Clock::system(), n)
    }

    /// Each side prints `n` times; the waiting thread sleeps on `clock`'s condition variable.
    pub fn with_clock(clock: Clock, n: usize) -> Self {
        // TODO: `foo` goes first; make the condition variable from `clock` with
        // `Condvar::new(&clock)`.
        todo!("FooBar::with_clock")
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
        // TODO: `self.n` times:
        //
        // - lock the turn and wait on `turn_passed` (it takes the mutex as well as the guard)
        //   until it is `mine`, in a loop;
        // - print (with the lock held, or without it?);
        // - hand the turn to `mine.other()` and wake the other side (before or after you
        //   unlock? either works, if the waiting loop is right).
        todo!("FooBar::take_turns")
    }

    fn lock(&self) -> MutexGuard<'_, Turn> {
        // Nothing panics while the lock is held (`print` runs outside it), so the turn is
        // consistent even if the lock was poisoned.
        self.turn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
