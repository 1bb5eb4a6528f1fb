//! Graded loom models: every interleaving (up to the course's preemption bound) of the two
//! threads, for one round and for two. Built only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! A lost wake-up shows as loom's "deadlock" (both threads asleep, each waiting for the other);
//! a thread that spins on a flag as loom's "exceeded maximum number of branches" (it keeps
//! running while the thread it waits for is never scheduled); a line out of turn as a failed
//! assertion. Two rounds is the smallest size at which every known bug shows: a thread that
//! takes a stale wake-up for its turn, or a foo that does not wait for bar, needs a second
//! round to go wrong in.

use course_clock::VirtualClock;
use course_sync::{Arc, model, thread};
use foo_bar::FooBar;
use std::sync::Mutex;

/// Runs `FooBar::with_clock(_, n)` with `bar` on a spawned thread and `foo` on the model's main
/// thread, and returns the lines in the order they came out.
fn run(n: usize) -> Vec<&'static str> {
    let clock = VirtualClock::new();
    let foo_bar = Arc::new(FooBar::with_clock(clock.clock(), n));
    // A std mutex: recording is bookkeeping of the test, not part of what loom explores.
    let lines = std::sync::Arc::new(Mutex::new(Vec::new()));
    let bar = {
        let (foo_bar, lines) = (Arc::clone(&foo_bar), std::sync::Arc::clone(&lines));
        thread::spawn(move || foo_bar.bar(|| lines.lock().unwrap().push("bar")))
    };
    foo_bar.foo(|| lines.lock().unwrap().push("foo"));
    bar.join().expect("the bar thread panicked");
    lines.lock().unwrap().clone()
}

#[test]
fn in_every_interleaving_one_round_is_foo_then_bar() {
    model(|| {
        assert_eq!(
            run(1),
            ["foo", "bar"],
            "with n = 1, foo must print, then bar, in every interleaving"
        );
    });
}

#[test]
fn in_every_interleaving_two_rounds_alternate_foo_bar() {
    model(|| {
        assert_eq!(
            run(2),
            ["foo", "bar", "foo", "bar"],
            "with n = 2, foo and bar must alternate, foo first, in every interleaving"
        );
    });
}
