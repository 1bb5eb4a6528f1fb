//! Graded loom models: every interleaving (up to the preemption bound) of the number thread and
//! one or two others on a short sequence (the fizzbuzz thread is left out: it has nothing to
//! say below 15). Built only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! A thread that looks at the turn and then waits in a separate step can miss the notify that
//! gives it the turn: in some interleaving every thread ends up asleep, which loom reports as a
//! deadlock. A thread that spins on the turn instead of waiting keeps running while nobody else
//! is scheduled, and exceeds loom's branch bound.
//!
//! The three-thread model explores with a preemption bound of 1 instead of the course's 3: both
//! bugs already show in the two-thread model, and with three threads a higher bound takes
//! minutes.

use course_clock::VirtualClock;
use course_sync::{Arc, model, model_with_bound, thread};
use fizz_buzz_threads::FizzBuzz;
use std::sync::Mutex;

/// Runs FizzBuzz(`n`) with the number thread (the model's main thread) and one spawned thread
/// per kind in `others`, and returns what they said, one word per answer.
fn run(n: u32, others: &[&'static str]) -> Vec<String> {
    let clock = VirtualClock::new();
    let fizz_buzz = Arc::new(FizzBuzz::with_clock(clock.clock(), n));
    // A std mutex: recording is bookkeeping of the test, not part of what loom explores.
    let said = std::sync::Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = others
        .iter()
        .map(|&kind| {
            let fizz_buzz = Arc::clone(&fizz_buzz);
            let said = std::sync::Arc::clone(&said);
            let say = move || said.lock().unwrap().push(kind.to_owned());
            thread::spawn(move || match kind {
                "fizz" => fizz_buzz.fizz(say),
                "buzz" => fizz_buzz.buzz(say),
                _ => fizz_buzz.fizzbuzz(say),
            })
        })
        .collect();
    let numbers = std::sync::Arc::clone(&said);
    fizz_buzz.number(move |k| numbers.lock().unwrap().push(k.to_string()));
    for handle in handles {
        handle.join().expect("a thread panicked");
    }
    let said = said.lock().unwrap().clone();
    said
}

#[test]
fn the_number_and_fizz_threads_hand_the_turn_over_in_every_interleaving() {
    model(|| {
        assert_eq!(
            run(3, &["fizz"]),
            ["1", "2", "fizz"],
            "the number and fizz threads must say FizzBuzz(3) in order, each waiting for its turn"
        );
    });
}

#[test]
fn three_threads_say_one_to_five_in_order_in_every_interleaving() {
    model_with_bound(1, || {
        assert_eq!(
            run(5, &["fizz", "buzz"]),
            ["1", "2", "fizz", "4", "buzz"],
            "the number, fizz and buzz threads must say FizzBuzz(5) in order, each waiting for \
             its turn"
        );
    });
}
