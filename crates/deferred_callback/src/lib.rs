//! Deferred callbacks: run each action once, after its delay, on one executor thread.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                         | who uses it          |
//! |--------------------|----------------------------------------|----------------------|
//! | (none)             | `exercises/deferred_callback.rs`       | the learner          |
//! | `solution`         | `solutions/deferred_callback.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/deferred_callback/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong deferred_callback <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/deferred_callback.rs")]
#[cfg_attr(feature = "wrong_floor_now", path = "../wrong/floor_now.rs")]
#[cfg_attr(
    feature = "wrong_callback_under_lock",
    path = "../wrong/callback_under_lock.rs"
)]
#[cfg_attr(
    feature = "wrong_add_without_notify",
    path = "../wrong/add_without_notify.rs"
)]
#[cfg_attr(feature = "wrong_ties_unordered", path = "../wrong/ties_unordered.rs")]
#[cfg_attr(
    feature = "wrong_delay_overwritten",
    path = "../wrong/delay_overwritten.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_floor_now",
        feature = "wrong_callback_under_lock",
        feature = "wrong_add_without_notify",
        feature = "wrong_ties_unordered",
        feature = "wrong_delay_overwritten",
    )),
    path = "../../../exercises/deferred_callback.rs"
)]
mod implementation;

pub use implementation::*;
