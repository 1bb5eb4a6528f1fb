//! The graded suite of `uber_seating`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check uber_seating` runs all of it. By hand: `cargo test -p uber_seating --test
//! suite` (add `--features solution` for the reference).

#[cfg(not(course_loom))]
mod cases;
#[cfg(not(course_loom))]
mod harness;
#[cfg(course_loom)]
mod models;
