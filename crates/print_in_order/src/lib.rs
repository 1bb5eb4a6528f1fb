//! Print in order: three threads call `first`, `second` and `third` in any order, and the lines
//! come out first, second, third.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                      | who uses it          |
//! |--------------------|-------------------------------------|----------------------|
//! | (none)             | `exercises/print_in_order.rs`       | the learner          |
//! | `solution`         | `solutions/print_in_order.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/print_in_order/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong print_in_order <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/print_in_order.rs")]
#[cfg_attr(feature = "wrong_sleep_ordering", path = "../wrong/sleep_ordering.rs")]
#[cfg_attr(feature = "wrong_spin_on_flag", path = "../wrong/spin_on_flag.rs")]
#[cfg_attr(feature = "wrong_notify_one", path = "../wrong/notify_one.rs")]
#[cfg_attr(
    feature = "wrong_if_instead_of_while",
    path = "../wrong/if_instead_of_while.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_sleep_ordering",
        feature = "wrong_spin_on_flag",
        feature = "wrong_notify_one",
        feature = "wrong_if_instead_of_while",
    )),
    path = "../../../exercises/print_in_order.rs"
)]
mod implementation;

pub use implementation::*;
