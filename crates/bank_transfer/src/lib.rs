//! Transfers between accounts each behind its own lock, without deadlock.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                     | who uses it          |
//! |--------------------|------------------------------------|----------------------|
//! | (none)             | `exercises/bank_transfer.rs`       | the learner          |
//! | `solution`         | `solutions/bank_transfer.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/bank_transfer/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong bank_transfer <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/bank_transfer.rs")]
#[cfg_attr(feature = "wrong_argument_order", path = "../wrong/argument_order.rs")]
#[cfg_attr(
    feature = "wrong_self_transfer_locks_twice",
    path = "../wrong/self_transfer_locks_twice.rs"
)]
#[cfg_attr(
    feature = "wrong_credit_before_check",
    path = "../wrong/credit_before_check.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_argument_order",
        feature = "wrong_self_transfer_locks_twice",
        feature = "wrong_credit_before_check",
    )),
    path = "../../../exercises/bank_transfer.rs"
)]
mod implementation;

pub use implementation::*;
