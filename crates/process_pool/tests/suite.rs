//! The graded suite of `process_pool`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check process_pool` runs all of it. By hand: `cargo test -p process_pool
//! --test suite -- --test-threads=1` (add `--features solution` for the reference); one test at
//! a time, because the tests count this process's children.

mod cases;
mod harness;
mod properties;
mod traces;
