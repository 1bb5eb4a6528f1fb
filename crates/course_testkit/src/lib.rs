//! What the graded suites share: an event [`trace`], [`gate`]s and latches that force an order
//! without sleeping, a bounded [`patience`] for "this should happen now", and the course's
//! deterministic [`proptest_config`]; for the ordering puzzles, a [`gated`] runner that starts
//! role threads one at a time and lets one of them move at a time; for the suites that start
//! processes, [`process`].
//!
//! The suites follow DESIGN.md's rules: threads report what they did as trace events, tests
//! force orders with gates and latches, and a failure message names the broken property in the
//! learner's terms with the part of the trace that shows it.
//!
//! This crate uses `std` directly, even in loom builds: traces record outside of what a model
//! explores. Gates and latches block real threads, so they do not belong inside loom models.

pub mod gate;
#[cfg(not(course_loom))]
pub mod gated;
pub mod linearizability;
pub mod process;
pub mod timeline;
pub mod trace;

pub use gate::{CountDownOnDrop, Gate, Latch, join_patiently, on_thread_exit};
pub use linearizability::{History, Model, Operation};
pub use trace::{Event, Trace};

use course_clock::VirtualClock;
use std::time::Duration;

/// How long a test waits for something a correct program does at once (a thread blocking, a
/// callback running) before it fails with a message instead of hanging: 3 seconds, or
/// `COURSE_PATIENCE_MS` milliseconds.
///
/// This is a hang detector, not a timing assertion: a correct program is never near it.
pub fn patience() -> Duration {
    std::env::var("COURSE_PATIENCE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(3), Duration::from_millis)
}

/// Waits until `threads` threads are blocked on `clock`, failing the test with `what` if they
/// do not block within [`patience`] (typically: a thread spins, or sleeps outside the clock).
#[cfg(not(course_loom))]
pub fn settle(clock: &VirtualClock, threads: usize, what: &str) {
    assert!(
        clock.wait_until_blocked_for(threads, patience()),
        "{what}: expected {threads} thread(s) blocked on the clock, but after {:?} only {} \
         were. A thread that never blocks is spinning, or is waiting outside the course \
         clock (std::thread::sleep, a std Condvar).",
        patience(),
        clock.blocked(),
    );
}

/// Ends a test with an `Err`'s message. Harness checks return `Result<_, String>` so they can
/// be combined and carry their own explanation; a test ends each with `.or_fail()`.
pub trait OrFail<T> {
    /// The `Ok` value, or a test failure with the `Err` message.
    fn or_fail(self) -> T;
}

impl<T> OrFail<T> for Result<T, String> {
    #[track_caller]
    fn or_fail(self) -> T {
        match self {
            Ok(value) => value,
            Err(message) => panic!("{message}"),
        }
    }
}

/// The proptest settings every graded property uses: `cases` cases from a fixed seed, so a
/// suite gives the same result on every run, and no regression files written into the course.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0xC0_55E5),
        max_shrink_iters: 256,
        ..proptest::test_runner::Config::default()
    }
}
