//! A re-entrant lock: the owning thread may lock it again; it is free once every guard is gone.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                      | who uses it          |
//! |--------------------|-------------------------------------|----------------------|
//! | (none)             | `exercises/reentrant_lock.rs`       | the learner          |
//! | `solution`         | `solutions/reentrant_lock.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/reentrant_lock/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong reentrant_lock <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/reentrant_lock.rs")]
#[cfg_attr(feature = "wrong_plain_mutex", path = "../wrong/plain_mutex.rs")]
#[cfg_attr(
    feature = "wrong_first_unlock_releases",
    path = "../wrong/first_unlock_releases.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_plain_mutex",
        feature = "wrong_first_unlock_releases",
    )),
    path = "../../../exercises/reentrant_lock.rs"
)]
mod implementation;

pub use implementation::*;
