//! The graded suite of `token_bucket`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check token_bucket` runs all of it. By hand: `cargo test -p token_bucket --test
//! suite` (add `--features solution` for the reference).

#[cfg(not(course_loom))]
mod cases;
#[cfg(not(course_loom))]
mod harness;
#[cfg(course_loom)]
mod models;
#[cfg(not(course_loom))]
mod properties;
#[cfg(not(course_loom))]
mod traces;
