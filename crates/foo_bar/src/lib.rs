//! Foo and bar: two threads print `foo` and `bar`, taking turns, `n` times each.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation               | who uses it          |
//! |--------------------|------------------------------|----------------------|
//! | (none)             | `exercises/foo_bar.rs`       | the learner          |
//! | `solution`         | `solutions/foo_bar.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/foo_bar/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong foo_bar <variant>` (and `verify`) generate
//! the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/foo_bar.rs")]
#[cfg_attr(feature = "wrong_sleep_ordering", path = "../wrong/sleep_ordering.rs")]
#[cfg_attr(feature = "wrong_spin_on_flag", path = "../wrong/spin_on_flag.rs")]
#[cfg_attr(
    feature = "wrong_pass_turn_without_notify",
    path = "../wrong/pass_turn_without_notify.rs"
)]
#[cfg_attr(
    feature = "wrong_signal_before_wait",
    path = "../wrong/signal_before_wait.rs"
)]
#[cfg_attr(
    feature = "wrong_if_instead_of_while",
    path = "../wrong/if_instead_of_while.rs"
)]
#[cfg_attr(feature = "wrong_only_bar_waits", path = "../wrong/only_bar_waits.rs")]
#[cfg_attr(
    feature = "wrong_turn_passed_before_printing",
    path = "../wrong/turn_passed_before_printing.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_sleep_ordering",
        feature = "wrong_spin_on_flag",
        feature = "wrong_pass_turn_without_notify",
        feature = "wrong_signal_before_wait",
        feature = "wrong_if_instead_of_while",
        feature = "wrong_only_bar_waits",
        feature = "wrong_turn_passed_before_printing",
    )),
    path = "../../../exercises/foo_bar.rs"
)]
mod implementation;

pub use implementation::*;
