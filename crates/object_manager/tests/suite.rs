//! The graded suite of `object_manager`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check object_manager` runs all of it. By hand: `cargo test -p object_manager
//! --test suite` (add `--features solution` for the reference). There are no loom models: the
//! code under test talks over sockets between processes, which loom cannot model.

mod cases;
mod harness;
mod properties;
mod traces;
