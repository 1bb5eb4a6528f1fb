//! FizzBuzz with four threads: one sequence from 1 to `n`, where each thread says only its own
//! kind of answer and the four take turns through a monitor.
//!
//! Goal: one `FizzBuzz` is shared by four threads. The first calls `fizz`, the second `buzz`,
//! the third `fizzbuzz` and the fourth `number`, each with a callback that prints its answer.
//! Together they must produce the FizzBuzz sequence for 1..=n, in order, whatever order the
//! threads start in: for 15 that is `1 2 fizz 4 buzz fizz 7 8 fizz buzz 11 fizz 13 14 fizzbuzz`.
//! For each k, exactly one thread answers: `fizzbuzz` when 15 divides k, `fizz` when 3 does,
//! `buzz` when 5 does, and `number` (with k) otherwise. Each method returns once the whole
//! sequence is done, even if its thread had nothing to say.
//!
//! What to build in this file:
//!
//! - `FizzBuzz::with_clock`: the shared state (whose turn it is) and its condition variable;
//! - `Answer::of`: which thread answers k;
//! - `take_turns`: the loop every method runs: wait for a number that is yours (or for the end),
//!   say it, pass the turn on;
//! - the four public methods, each one call of `take_turns`.
//!
//! No thread may sleep to get its turn, nor spin: each waits on the condition variable until the
//! turn changes. Wait only through `course_clock::Condvar`, made from the clock you are given,
//! and lock only `course_sync` mutexes: that is how the graded suite sees that your threads are
//! asleep, and how loom tries every interleaving.
//!
//! Chapter: `docs/src/part6/fizz_buzz_threads.md`.
//! Check your work with `cargo xtask check fizz_buzz_threads`; stuck? `cargo xtask hint
//! fizz_buzz_threads`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// One FizzBuzz sequence, said by four threads that take turns.
pub struct FizzBuzz {
    /// The last number of the sequence.
    n: u32,
    /// The turn: the next number of the sequence to be said (1 at the start, `n + 1` once it is
    /// done).
    // TODO: who may say something while the turn is on k? Who moves it on? When must this
    // lock be held, and when may it not be?
    next: Mutex<u32>,
    /// Notified when the turn moves.
    // TODO: four threads wait here, each for its own condition. `notify_one` or `notify_all`?
    turned: Condvar,
}

/// Which of the four threads answers a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Fizz,
    Buzz,
    FizzBuzz,
    Number,
}

impl Answer {
    /// Who answers `k`.
    fn of(k: u32) -> Answer {
        // TODO: fizzbuzz for multiples of 15, fizz for 3, buzz for 5, number otherwise. Which
        // test comes first?
        todo!("Answer::of")
    }
}

impl FizzBuzz {
    /// The sequence 1..=n, its threads waiting on the system clock.
    pub fn new(n: u32) -> Self {
        // TODO: `with_clock` on `Clock::system()`.
        todo!("FizzBuzz::new")
    }

    /// The sequence 1..=n, its threads waiting on `clock`.
    pub fn with_clock(clock: Clock, n: u32) -> Self {
        // TODO: the turn starts on 1; the condition variable is made from `clock`.
        todo!("FizzBuzz::with_clock")
    }

    /// Says "fizz" (by calling `print_fizz`) for every multiple of 3 that is not one of 5.
    pub fn fizz(&self, print_fizz: impl FnMut()) {
        // TODO: `take_turns` as `Answer::Fizz`, saying k by calling `print_fizz`.
        todo!("FizzBuzz::fizz")
    }

    /// Says "buzz" for every multiple of 5 that is not one of 3.
    pub fn buzz(&self, print_buzz: impl FnMut()) {
        // TODO: `take_turns` as `Answer::Buzz`, saying k by calling `print_buzz`.
        todo!("FizzBuzz::buzz")
    }

    /// Says "fizzbuzz" for every multiple of 15.
    pub fn fizzbuzz(&self, print_fizzbuzz: impl FnMut()) {
        // TODO: `take_turns` as `Answer::FizzBuzz`, saying k by calling `print_fizzbuzz`.
        todo!("FizzBuzz::fizzbuzz")
    }

    /// Says every other number itself, by calling `print_number` with it.
    pub fn number(&self, print_number: impl FnMut(u32)) {
        // TODO: `take_turns` as `Answer::Number`, saying k by calling `print_number(k)`.
        todo!("FizzBuzz::number")
    }

    fn lock(&self) -> MutexGuard<'_, u32> {
        // TODO: lock the turn. What should a poisoned lock mean here?
        todo!("FizzBuzz::lock")
    }

    /// The loop of one thread: wait until the turn is on a number this thread answers, say it,
    /// move the turn on; stop once the sequence is done.
    fn take_turns(&self, mine: Answer, say: impl FnMut(u32)) {
        // TODO: under the lock, wait on `turned` until the turn is on a number `mine` answers,
        // or past `n` (then return). Check and wait in one step, in a `while` loop: a wake-up
        // only means "look again".
        // TODO: the turn is yours: may the lock go while `say(k)` runs? Then move the turn to
        // k + 1 and wake the others.
        todo!("FizzBuzz::take_turns")
    }
}
