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

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// One FizzBuzz sequence, said by four threads that take turns.
pub struct FizzBuzz {
    /// The last number of the sequence.
    n: u32,
    /// The turn: the next number of the sequence to be said (1 at the start, `n + 1` once it is
    /// done). The thread whose answer that number needs owns the turn: only it may say anything,
    /// and only it moves the turn on. Held just to look at the turn or move it; never while a
    /// callback runs.
    next: Mutex<u32>,
    /// Notified (all) every time the turn moves. Four threads wait on it, each for a different
    /// condition ("the turn is mine"), so `notify_one` could wake one that goes straight back to
    /// sleep while the owner of the turn sleeps on: everyone is woken and looks.
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
    /// Who answers `k`: divisibility by 15 first, or 15 would be a plain "fizz".
    fn of(k: u32) -> Answer {
        match (k % 3, k % 5) {
            (0, 0) => Answer::FizzBuzz,
            (0, _) => Answer::Fizz,
            (_, 0) => Answer::Buzz,
            _ => Answer::Number,
        }
    }
}

impl FizzBuzz {
    /// The sequence 1..=n, its threads waiting on the system clock.
    pub fn new(n: u32) -> Self {
        Self::with_clock(Clock::system(), n)
    }

    /// The sequence 1..=n, its threads waiting on `clock`.
    pub fn with_clock(clock: Clock, n: u32) -> Self {
        FizzBuzz {
            n,
            next: Mutex::new(1),
            turned: Condvar::new(&clock),
        }
    }

    /// Says "fizz" (by calling `print_fizz`) for every multiple of 3 that is not one of 5.
    pub fn fizz(&self, mut print_fizz: impl FnMut()) {
        self.take_turns(Answer::Fizz, |_| print_fizz());
    }

    /// Says "buzz" for every multiple of 5 that is not one of 3.
    pub fn buzz(&self, mut print_buzz: impl FnMut()) {
        self.take_turns(Answer::Buzz, |_| print_buzz());
    }

    /// Says "fizzbuzz" for every multiple of 15.
    pub fn fizzbuzz(&self, mut print_fizzbuzz: impl FnMut()) {
        self.take_turns(Answer::FizzBuzz, |_| print_fizzbuzz());
    }

    /// Says every other number itself, by calling `print_number` with it.
    pub fn number(&self, print_number: impl FnMut(u32)) {
        self.take_turns(Answer::Number, print_number);
    }

    fn lock(&self) -> MutexGuard<'_, u32> {
        // The turn is a plain number, moved in one step: a panic elsewhere cannot leave it
        // half-changed, so a poisoned lock still holds a consistent turn.
        self.next.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The loop of one thread: wait until the turn is on a number this thread answers, say it,
    /// move the turn on; stop once the sequence is done.
    fn take_turns(&self, mine: Answer, mut say: impl FnMut(u32)) {
        let mut next = self.lock();
        loop {
            // Look at the turn and go to sleep in one step, under the lock: the wait releases
            // the lock only once this thread is registered as waiting, so the notify that moves
            // the turn to us cannot slip in between. A wake-up only means "look again".
            while *next <= self.n && Answer::of(*next) != mine {
                next = self
                    .turned
                    .wait(&self.next, next)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if *next > self.n {
                return;
            }
            let k = *next;
            // The turn is ours: no other thread says anything until we move it, so the lock can
            // go while the callback runs (a slow printer then holds up only the sequence, which
            // must wait for it anyway, not every thread that wants to look at the turn).
            drop(next);
            say(k);
            next = self.lock();
            *next = k + 1;
            self.turned.notify_all();
        }
    }
}
