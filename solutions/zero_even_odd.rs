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

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// Lets three threads print `0 1 0 2 ... 0 n` together: a zero thread, an even thread and an
/// odd thread. Share it with an `Arc` (or a scope): every method takes `&self`.
pub struct ZeroEvenOdd {
    /// The last number to print.
    n: u32,
    /// Whose turn it is, and for which print. Only the owner of the turn prints, and only it
    /// moves the turn on, once its print is done. Every waiter compares the turn with its own
    /// under this lock, and goes to sleep without letting the lock go in between (`wait` does
    /// both in one step), so the turn cannot reach it between its look and its sleep.
    turn: Mutex<Turn>,
    /// Notified (all) each time the turn moves. The two threads that are not printing may both
    /// sleep here, each waiting for a different turn (while the zero before 1 is printed, the
    /// odd thread waits for `Number(1)` and the even thread for `Number(2)`), so a `notify_one`
    /// could wake the one whose turn it is not, which goes back to sleep while the owner sleeps
    /// on: wake everyone, and let each look for itself.
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
    /// The step that follows this one: each number's zero hands the turn to the number, and
    /// each number to the next number's zero.
    fn after(self) -> Turn {
        match self {
            Turn::Zero(k) => Turn::Number(k),
            // After the last number nobody waits for the turn any more, so what it becomes
            // then does not matter: wrapping keeps `n = u32::MAX` from overflowing.
            Turn::Number(k) => Turn::Zero(k.wrapping_add(1)),
        }
    }
}

impl ZeroEvenOdd {
    /// Prints `0 1 0 2 ... 0 n`; waiting threads sleep on the system clock.
    pub fn new(n: u32) -> Self {
        Self::with_clock(Clock::system(), n)
    }

    /// Prints `0 1 0 2 ... 0 n`; waiting threads sleep on `clock`'s condition variable.
    pub fn with_clock(clock: Clock, n: u32) -> Self {
        ZeroEvenOdd {
            n,
            // The first step is the zero before 1. For n = 0 nobody takes it: every thread's
            // list of turns is empty, and each returns at once.
            turn: Mutex::new(Turn::Zero(1)),
            turn_passed: Condvar::new(&clock),
        }
    }

    /// The zero thread: prints a 0 (with `print_number(0)`) before each of 1, 2, ..., n.
    pub fn zero(&self, mut print_number: impl FnMut(u32)) {
        // n zeros, the k-th one before the number k: `1..=n`, the same bounds as the numbers,
        // so there is no zero after the last number, and none missing before it.
        for k in 1..=self.n {
            self.take_turn(Turn::Zero(k), || print_number(0));
        }
    }

    /// The even thread: prints 2, 4, 6, ... up to n, each after its zero.
    pub fn even(&self, mut print_number: impl FnMut(u32)) {
        // `..=n`, inclusive: when n is even, n is this thread's last number.
        for k in (2..=self.n).step_by(2) {
            self.take_turn(Turn::Number(k), || print_number(k));
        }
    }

    /// The odd thread: prints 1, 3, 5, ... up to n, each after its zero.
    pub fn odd(&self, mut print_number: impl FnMut(u32)) {
        // `..=n`, inclusive: when n is odd, n is this thread's last number.
        for k in (1..=self.n).step_by(2) {
            self.take_turn(Turn::Number(k), || print_number(k));
        }
    }

    /// Waits until the turn is exactly `mine`, prints, and hands the turn to the next step.
    fn take_turn(&self, mine: Turn, print: impl FnOnce()) {
        let mut turn = self.lock();
        // A loop, not an `if`: `notify_all` wakes every waiter each time the turn moves, also
        // the ones whose turn it is not (the even thread when the zero before 1 is out), and
        // each must look again and go back to sleep.
        while *turn != mine {
            turn = self
                .turn_passed
                .wait(&self.turn, turn)
                .unwrap_or_else(PoisonError::into_inner);
        }
        // Print without the lock: nobody else can take this turn (it moves only when its owner
        // moves it), and a slow `print` keeps nobody out of the turn meanwhile.
        drop(turn);
        print();
        // Only now is the print out: pass the turn on. (If `print` panicked, the turn never
        // passes: what was not printed must not let the next step go.)
        let mut turn = self.lock();
        *turn = mine.after();
        // Two other threads may be asleep, each waiting for a different step: wake them all.
        self.turn_passed.notify_all();
        // Unlocking (dropping the guard) releases the new turn; a waiter's return from `wait`,
        // which locks again, acquires it.
    }

    fn lock(&self) -> MutexGuard<'_, Turn> {
        // Nothing panics while the lock is held (`print` runs outside it), and the turn is
        // moved in one assignment, so it is consistent even if the lock was poisoned.
        self.turn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
