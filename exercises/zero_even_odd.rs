//! Zero, even, odd: three threads print `0 1 0 2 0 3 ... 0 n` by handing one turn around,
//! whatever order they start in.
//!
//! Goal: one `ZeroEvenOdd` of `n` is shared by three threads. One calls `zero(print_number)`,
//! one `even(print_number)`, one `odd(print_number)`, each once and in any order. Together they
//! print a zero before every number from 1 to `n`, the numbers in order: for 5 that is
//! `0 1 0 2 0 3 0 4 0 5`. The zero thread prints every 0 (by calling its `print_number(0)`), the
//! odd thread every odd number, the even thread every even one. Each method returns once its
//! thread has printed its part: at once for `n = 0`, and at once on the even thread for `n = 1`.
//!
//! What to build in this file:
//!
//! - `Turn::after`: the state machine of whose turn it is (the 0 before k, then k, then the 0
//!   before k + 1, ...);
//! - `ZeroEvenOdd::with_clock`: the shared turn and the condition variable the threads sleep on;
//! - `take_turn`: wait until the turn is exactly this one, print, pass the turn on;
//! - `zero`, `even` and `odd`: each thread's own list of turns, one `take_turn` each.
//!
//! A thread waiting for its turn must sleep, not spin, and never sleep for a while hoping the
//! others get ahead. Wait only through `course_clock::Condvar`, made from the clock you are
//! given, and lock only `course_sync` mutexes: that is how the graded suite sees that your
//! threads are asleep, and how loom tries every interleaving.
//!
//! Chapter: `docs/src/part6/zero_even_odd.md`.
//! Check your work with `cargo xtask check zero_even_odd`; stuck? `cargo xtask hint
//! zero_even_odd`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// Lets three threads print `0 1 0 2 ... 0 n` together: a zero thread, an even thread and an
/// odd thread. Share it with an `Arc` (or a scope): every method takes `&self`.
pub struct ZeroEvenOdd {
    /// The last number to print.
    n: u32,
    /// Whose turn it is, and for which print. TODO: who may print while the turn is on a step,
    /// and who moves it on? Why must a waiter compare it with its own turn under this lock, and
    /// go to sleep without letting the lock go in between?
    turn: Mutex<Turn>,
    /// Notified each time the turn moves. TODO: the two threads that are not printing may both
    /// sleep here, each waiting for a different turn. Is `notify_one` enough, or do you need
    /// `notify_all`?
    turn_passed: Condvar,
}

/// One step of the output: the state machine of whose turn it is.
///
/// `Zero(1) → Number(1) → Zero(2) → Number(2) → ... → Number(n)`. `Zero(_)` is the zero
/// thread's turn; `Number(k)` the odd thread's when `k` is odd, the even thread's when it is
/// even. Each thread knows exactly which steps are its own, so it waits for one exact value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Turn {
    /// The zero that comes before `k`.
    Zero(u32),
    /// The number `k` itself.
    Number(u32),
}

impl Turn {
    /// The step that follows this one.
    fn after(self) -> Turn {
        // TODO: the zero before k hands the turn to k; the number k hands it to the zero
        // before k + 1. What happens at k = u32::MAX, and does anyone wait for that turn?
        todo!("Turn::after")
    }
}

impl ZeroEvenOdd {
    /// Prints `0 1 0 2 ... 0 n`; waiting threads sleep on the system clock.
    pub fn new(n: u32) -> Self {
        Self::with_clock(Clock::system(), n)
    }

    /// Prints `0 1 0 2 ... 0 n`; waiting threads sleep on `clock`'s condition variable.
    pub fn with_clock(clock: Clock, n: u32) -> Self {
        // TODO: which step comes first? (And for n = 0, does anybody take it?) Make the
        // condition variable from `clock` with `Condvar::new(&clock)`.
        todo!("ZeroEvenOdd::with_clock")
    }

    /// The zero thread: prints a 0 (with `print_number(0)`) before each of 1, 2, ..., n.
    pub fn zero(&self, print_number: impl FnMut(u32)) {
        // TODO: one `take_turn` for the zero before each number. Which range of k gives
        // exactly n zeros: none after the last number, none missing before it?
        todo!("ZeroEvenOdd::zero")
    }

    /// The even thread: prints 2, 4, 6, ... up to n, each after its zero.
    pub fn even(&self, print_number: impl FnMut(u32)) {
        // TODO: one `take_turn` per even number. Is n itself included when n is even?
        todo!("ZeroEvenOdd::even")
    }

    /// The odd thread: prints 1, 3, 5, ... up to n, each after its zero.
    pub fn odd(&self, print_number: impl FnMut(u32)) {
        // TODO: one `take_turn` per odd number. Is n itself included when n is odd?
        todo!("ZeroEvenOdd::odd")
    }

    /// Waits until the turn is exactly `mine`, prints, and hands the turn to the next step.
    fn take_turn(&self, mine: Turn, print: impl FnOnce()) {
        // TODO: lock the turn and wait on `turn_passed` (it takes the mutex as well as the
        // guard) until it is `mine`. `if` or `while`: could this thread be woken when the turn
        // moved to somebody else's step?
        //
        // TODO: print. With the lock held, or without it? Can anyone else take this turn
        // meanwhile?
        //
        // TODO: then move the turn to the step after `mine`, and wake the threads waiting.
        todo!("ZeroEvenOdd::take_turn")
    }

    fn lock(&self) -> MutexGuard<'_, Turn> {
        // Nothing panics while the lock is held (`print` runs outside it), and the turn is
        // moved in one assignment, so it is consistent even if the lock was poisoned.
        self.turn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
