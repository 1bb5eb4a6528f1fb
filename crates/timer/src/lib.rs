//! Timer: run a callback once, after a delay, on a thread of its own, unless cancelled first.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation               | who uses it          |
//! |--------------------|------------------------------|----------------------|
//! | (none)             | `exercises/timer.rs`         | the learner          |
//! | `solution`         | `solutions/timer.rs`         | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/timer/wrong/*.rs`    | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong timer <variant>` (and `verify`) generate the
//! `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/timer.rs")]
#[cfg_attr(
    feature = "wrong_sleep_then_check",
    path = "../wrong/sleep_then_check.rs"
)]
#[cfg_attr(
    feature = "wrong_cancel_always_true",
    path = "../wrong/cancel_always_true.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_sleep_then_check",
        feature = "wrong_cancel_always_true",
    )),
    path = "../../../exercises/timer.rs"
)]
mod implementation;

pub use implementation::*;
