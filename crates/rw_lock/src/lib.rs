//! A read-write lock: readers share, writers exclude, and a waiting writer is not starved.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature           | implementation              | who uses it         |
//! |-------------------|-----------------------------|---------------------|
//! | (none)            | `exercises/rw_lock.rs`      | the learner         |
//! | `solution`        | `solutions/rw_lock.rs`      | `grade --solutions` |
//! | `wrong_<variant>` | `crates/rw_lock/wrong/*.rs` | `verify`            |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong rw_lock <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/rw_lock.rs")]
#[cfg_attr(
    feature = "wrong_reader_preference",
    path = "../wrong/reader_preference.rs"
)]
#[cfg_attr(
    feature = "wrong_one_exclusive_lock",
    path = "../wrong/one_exclusive_lock.rs"
)]
#[cfg_attr(
    feature = "wrong_wake_without_the_lock",
    path = "../wrong/wake_without_the_lock.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_reader_preference",
        feature = "wrong_one_exclusive_lock",
        feature = "wrong_wake_without_the_lock",
    )),
    path = "../../../exercises/rw_lock.rs"
)]
mod implementation;

pub use implementation::*;
