//! The graded suite of `spawn_process`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! The tests start real child processes (the `spawn_process-worker` binary), so there are no
//! loom models. `cargo xtask check spawn_process` runs each test in a process of its own, which
//! the reaping checks need; by hand: `cargo test -p spawn_process --test suite --
//! --test-threads=1` (add `--features solution` for the reference).

mod cases;
mod harness;
mod properties;
mod traces;
