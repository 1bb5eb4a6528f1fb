//! The graded suite of `shared_memory`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check shared_memory` runs all of it. By hand: `cargo test -p shared_memory
//! --test suite -- --test-threads=1` (add `--features solution` for the reference; one thread,
//! because the tests count this process's children). There are no loom models: the code under
//! test shares memory between processes, which loom cannot model.

mod cases;
mod harness;
mod properties;
mod traces;
