//! The graded suite of `thread_basics`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check thread_basics` runs all of it; by hand: `cargo test -p thread_basics
//! --test suite` (add `--features solution` for the reference). There are no loom models: loom
//! has no scoped threads, and what could go wrong here (a chunk lost, chunks run one after
//! another, a thread left running) is forced and observed with latches on real threads.

mod cases;
mod harness;
mod properties;
mod traces;
