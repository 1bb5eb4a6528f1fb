//! Print in order: three threads call `first`, `second` and `third`, in whatever order the
//! scheduler starts them, and the three lines still come out first, second, third.
//!
//! Goal: one `PrintInOrder` is shared by three threads. One thread calls `first(print_first)`,
//! another `second(print_second)`, the third `third(print_third)`, each exactly once and in any
//! order. Each method calls its `print_*` closure exactly once, and the closures run in the
//! order first, second, third: `second` does not print before `first` has printed, `third` not
//! before `second` has. A thread that arrives before its turn sleeps until the line before its
//! own is out.
//!
//! What to build in this file:
//!
//! - `PrintInOrder::with_clock`: the shared state (how many lines are out) and the condition
//!   variable the waiting threads sleep on;
//! - `take_turn`: wait until it is this line's turn, print, and let the next line go;
//! - `first`, `second` and `third`: one turn each.
//!
//! A waiting thread must sleep, not spin. Wait only through `course_clock::Condvar`, made from
//! the clock you are given, and lock only `course_sync` mutexes: that is how the graded suite
//! sees your waiting threads asleep, and how loom tries every interleaving.
//!
//! Chapter: `docs/src/part6/print_in_order.md`.
//! Check your work with `cargo xtask check print_in_order`; stuck? `cargo xtask hint
//! print_in_order`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// Lets three threads print one line each, in the order first, second, third, whatever order
/// they call in. Share it with an `Arc` (or a scope): every method takes `&self`.
pub struct PrintInOrder {
    /// How many lines are out: 0 at the start, 1 once `first` has printed, 2 after `second`, 3
    /// after `third`. TODO: who may change it, and why must a waiter read it under the lock
    /// before it sleeps?
    lines_out: Mutex<u8>,
    /// Notified each time `lines_out` grows. TODO: `second` and `third` may both sleep on it,
    /// waiting for different counts: is `notify_one` enough, or do you need `notify_all`?
    turn_passed: Condvar,
}

impl PrintInOrder {
    /// Nothing printed yet; waits on the system clock.
    pub fn new() -> Self {
        Self::with_clock(Clock::system())
    }

    /// Nothing printed yet; waiting threads sleep on `clock`'s condition variable.
    pub fn with_clock(clock: Clock) -> Self {
        // TODO: no line is out yet; make the condition variable from `clock` with
        // `Condvar::new(&clock)`.
        todo!("PrintInOrder::with_clock")
    }

    /// Prints the first line: at once, since nothing comes before it.
    pub fn first(&self, print_first: impl FnOnce()) {
        self.take_turn(0, print_first);
    }

    /// Prints the second line, once the first is out.
    pub fn second(&self, print_second: impl FnOnce()) {
        self.take_turn(1, print_second);
    }

    /// Prints the third line, once the second is out.
    pub fn third(&self, print_third: impl FnOnce()) {
        self.take_turn(2, print_third);
    }

    /// Waits until exactly `before` lines are out, prints, and passes the turn on.
    fn take_turn(&self, before: u8, print: impl FnOnce()) {
        // TODO: lock the count and wait on `turn_passed` (it takes the mutex as well as the
        // guard) until `before` lines are out. `if` or `while`: could this thread be woken
        // before its turn?
        //
        // TODO: print. With the lock held, or without it? Can anyone else take this turn
        // meanwhile?
        //
        // TODO: then count this line as out, and wake the threads waiting for it.
        todo!("PrintInOrder::take_turn")
    }

    fn lock(&self) -> MutexGuard<'_, u8> {
        // Nothing panics while the lock is held (`print` runs outside it), so the count is
        // consistent even if the lock was poisoned.
        self.lines_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for PrintInOrder {
    fn default() -> Self {
        Self::new()
    }
}
