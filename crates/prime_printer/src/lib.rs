//! Prime printer: a finder thread hands primes, one at a time, to a printer thread through a
//! monitor (a mutex and a condition variable).
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                      | who uses it          |
//! |--------------------|-------------------------------------|----------------------|
//! | (none)             | `exercises/prime_printer.rs`        | the learner          |
//! | `solution`         | `solutions/prime_printer.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/prime_printer/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong prime_printer <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/prime_printer.rs")]
#[cfg_attr(feature = "wrong_spin_on_flag", path = "../wrong/spin_on_flag.rs")]
#[cfg_attr(
    feature = "wrong_exit_without_notify",
    path = "../wrong/exit_without_notify.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_spin_on_flag",
        feature = "wrong_exit_without_notify",
    )),
    path = "../../../exercises/prime_printer.rs"
)]
mod implementation;

pub use implementation::*;
