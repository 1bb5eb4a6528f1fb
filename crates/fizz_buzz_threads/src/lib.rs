//! FizzBuzz with four threads: one sequence, each thread printing only its own kind, in turn.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                           | who uses it          |
//! |--------------------|------------------------------------------|----------------------|
//! | (none)             | `exercises/fizz_buzz_threads.rs`         | the learner          |
//! | `solution`         | `solutions/fizz_buzz_threads.rs`         | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/fizz_buzz_threads/wrong/*.rs`    | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong fizz_buzz_threads <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/fizz_buzz_threads.rs")]
#[cfg_attr(feature = "wrong_sleep_ordered", path = "../wrong/sleep_ordered.rs")]
#[cfg_attr(
    feature = "wrong_turn_checked_outside_lock",
    path = "../wrong/turn_checked_outside_lock.rs"
)]
#[cfg_attr(feature = "wrong_spin_on_atomic", path = "../wrong/spin_on_atomic.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_sleep_ordered",
        feature = "wrong_turn_checked_outside_lock",
        feature = "wrong_spin_on_atomic",
    )),
    path = "../../../exercises/fizz_buzz_threads.rs"
)]
mod implementation;

pub use implementation::*;
