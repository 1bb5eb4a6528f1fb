//! A reusable barrier for n threads, with an action run once per generation before release.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation               | who uses it          |
//! |--------------------|------------------------------|----------------------|
//! | (none)             | `exercises/barrier.rs`       | the learner          |
//! | `solution`         | `solutions/barrier.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/barrier/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong barrier <variant>` (and `verify`) generate
//! the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/barrier.rs")]
#[cfg_attr(feature = "wrong_no_generation", path = "../wrong/no_generation.rs")]
#[cfg_attr(
    feature = "wrong_action_after_release",
    path = "../wrong/action_after_release.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_no_generation",
        feature = "wrong_action_after_release",
    )),
    path = "../../../exercises/barrier.rs"
)]
mod implementation;

pub use implementation::*;
