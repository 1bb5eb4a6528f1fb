//! Graded loom models: every interleaving (up to the course's preemption bound) of the three
//! threads on the smallest `n` where all three print, 2 (`0 1 0 2`), and on 1 (`0 1`, the even
//! thread has nothing to print), the smallest odd end. Built only with
//! `RUSTFLAGS="--cfg course_loom"`.
//!
//! A lost wake-up shows as loom's "deadlock": every thread asleep, one still waiting for a turn
//! that is already its own (a `notify_one` that woke the wrong thread). A thread that spins on
//! the turn instead of sleeping shows as loom's "exceeded maximum number of branches": it keeps
//! running while the thread it waits for never does. A thread that takes a wake-up for its
//! turn prints out of order, and the assertion names the output.
//!
//! The n = 2 model explores with a preemption bound of 2 instead of the course's 3: every bug
//! above shows within one preemption (the zero thread preempted once, right after it is
//! spawned, lets the even and the odd thread both go to sleep before the first zero), and a
//! bound of 3 makes the model about 15 times slower (around ten seconds in a debug build on a
//! loaded machine, against under one).

use course_clock::VirtualClock;
use course_sync::{Arc, model, model_with_bound, thread};
use std::sync::Mutex;
use zero_even_odd::ZeroEvenOdd;

/// Runs `ZeroEvenOdd::new(n)` with the zero thread on the model's main thread and the even and
/// odd threads spawned, and returns every print with the thread that made it.
fn run(n: u32) -> Vec<(&'static str, u32)> {
    let clock = VirtualClock::new();
    let puzzle = Arc::new(ZeroEvenOdd::with_clock(clock.clock(), n));
    // A std mutex: recording is bookkeeping of the test, not part of what loom explores.
    let printed = std::sync::Arc::new(Mutex::new(Vec::new()));
    let record = |thread: &'static str| {
        let printed = std::sync::Arc::clone(&printed);
        move |value: u32| printed.lock().unwrap().push((thread, value))
    };
    let even = {
        let (puzzle, print) = (Arc::clone(&puzzle), record("even"));
        thread::spawn(move || puzzle.even(print))
    };
    let odd = {
        let (puzzle, print) = (Arc::clone(&puzzle), record("odd"));
        thread::spawn(move || puzzle.odd(print))
    };
    puzzle.zero(record("zero"));
    even.join().expect("the even thread panicked");
    odd.join().expect("the odd thread panicked");
    printed.lock().unwrap().clone()
}

#[test]
fn in_every_interleaving_the_three_threads_print_0_1_0_2() {
    model_with_bound(2, || {
        assert_eq!(
            run(2),
            [("zero", 0), ("odd", 1), ("zero", 0), ("even", 2)],
            "in every interleaving, ZeroEvenOdd::new(2) must print 0 1 0 2, each by its own \
             thread, and every thread must return"
        );
    });
}

#[test]
fn in_every_interleaving_n_1_prints_0_1_and_the_even_thread_has_nothing_to_do() {
    model(|| {
        assert_eq!(
            run(1),
            [("zero", 0), ("odd", 1)],
            "in every interleaving, ZeroEvenOdd::new(1) must print 0 1 (the even thread prints \
             nothing), and every thread must return"
        );
    });
}
