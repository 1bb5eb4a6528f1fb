//! The unisex bathroom: two groups never inside together, at most three at a time, nobody starves.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature           | implementation                      | who uses it         |
//! |-------------------|-------------------------------------|---------------------|
//! | (none)            | `exercises/unisex_bathroom.rs`      | the learner         |
//! | `solution`        | `solutions/unisex_bathroom.rs`      | `grade --solutions` |
//! | `wrong_<variant>` | `crates/unisex_bathroom/wrong/*.rs` | `verify`            |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong unisex_bathroom <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/unisex_bathroom.rs")]
#[cfg_attr(
    feature = "wrong_seed_starvation",
    path = "../wrong/seed_starvation.rs"
)]
#[cfg_attr(
    feature = "wrong_check_then_enter",
    path = "../wrong/check_then_enter.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_seed_starvation",
        feature = "wrong_check_then_enter",
    )),
    path = "../../../exercises/unisex_bathroom.rs"
)]
mod implementation;

pub use implementation::*;
