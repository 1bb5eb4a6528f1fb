//! The graded suite of `thread_pool`, the only test target of the crate: one module per kind of
//! test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check thread_pool` runs all of it, loom models included. By hand:
//! `cargo test -p thread_pool --test suite` (add `--features solution` for the reference), and
//! for the models `RUSTFLAGS="--cfg course_loom" CARGO_TARGET_DIR=target/loom cargo test
//! -p thread_pool --test suite`.

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
