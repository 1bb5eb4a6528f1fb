//! The dining philosophers: philosophers around a table share one fork with each neighbour and
//! need both of theirs to eat; nobody deadlocks, neighbours never eat together, everyone eats.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                           | who uses it          |
//! |--------------------|------------------------------------------|----------------------|
//! | (none)             | `exercises/dining_philosophers.rs`       | the learner          |
//! | `solution`         | `solutions/dining_philosophers.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/dining_philosophers/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong dining_philosophers <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(
    feature = "solution",
    path = "../../../solutions/dining_philosophers.rs"
)]
#[cfg_attr(
    feature = "wrong_left_fork_first",
    path = "../wrong/left_fork_first.rs"
)]
#[cfg_attr(
    feature = "wrong_puts_down_before_eating",
    path = "../wrong/puts_down_before_eating.rs"
)]
#[cfg_attr(
    feature = "wrong_guard_dropped_too_soon",
    path = "../wrong/guard_dropped_too_soon.rs"
)]
#[cfg_attr(feature = "wrong_one_meal_short", path = "../wrong/one_meal_short.rs")]
#[cfg_attr(
    feature = "wrong_retry_without_back_off",
    path = "../wrong/retry_without_back_off.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_left_fork_first",
        feature = "wrong_puts_down_before_eating",
        feature = "wrong_guard_dropped_too_soon",
        feature = "wrong_one_meal_short",
        feature = "wrong_retry_without_back_off",
    )),
    path = "../../../exercises/dining_philosophers.rs"
)]
mod implementation;

pub use implementation::*;
