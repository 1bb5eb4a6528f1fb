//! Zero, even, odd: three threads print `0 1 0 2 ... 0 n`, a zero thread, an even thread and an
//! odd thread handing one turn around.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                      | who uses it          |
//! |--------------------|-------------------------------------|----------------------|
//! | (none)             | `exercises/zero_even_odd.rs`        | the learner          |
//! | `solution`         | `solutions/zero_even_odd.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/zero_even_odd/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong zero_even_odd <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/zero_even_odd.rs")]
#[cfg_attr(feature = "wrong_sleep_ordering", path = "../wrong/sleep_ordering.rs")]
#[cfg_attr(
    feature = "wrong_spin_on_atomic_turn",
    path = "../wrong/spin_on_atomic_turn.rs"
)]
#[cfg_attr(feature = "wrong_notify_one", path = "../wrong/notify_one.rs")]
#[cfg_attr(
    feature = "wrong_odd_stops_before_n",
    path = "../wrong/odd_stops_before_n.rs"
)]
#[cfg_attr(
    feature = "wrong_zero_stops_before_n",
    path = "../wrong/zero_stops_before_n.rs"
)]
#[cfg_attr(
    feature = "wrong_if_instead_of_while",
    path = "../wrong/if_instead_of_while.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_sleep_ordering",
        feature = "wrong_spin_on_atomic_turn",
        feature = "wrong_notify_one",
        feature = "wrong_odd_stops_before_n",
        feature = "wrong_zero_stops_before_n",
        feature = "wrong_if_instead_of_while",
    )),
    path = "../../../exercises/zero_even_odd.rs"
)]
mod implementation;

pub use implementation::*;
