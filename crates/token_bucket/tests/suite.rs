//! The graded suite of `token_bucket`, the only test target of the crate: one module per kind
//! of test. The same suite runs against the learner's file, the reference and each known-wrong
//! variant (see `src/lib.rs`).
//!
//! `cargo xtask check token_bucket` runs all of it. By hand: `cargo test -p token_bucket --test
//! suite` (add `--features solution` for the reference).

mod cases;
mod harness;
mod properties;
mod traces;
