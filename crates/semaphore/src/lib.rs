//! A counting semaphore whose permits are guards: at most N holders at a time.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                 | who uses it          |
//! |--------------------|--------------------------------|----------------------|
//! | (none)             | `exercises/semaphore.rs`       | the learner          |
//! | `solution`         | `solutions/semaphore.rs`       | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/semaphore/wrong/*.rs`  | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong semaphore <variant>` (and `verify`) generate
//! the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/semaphore.rs")]
#[cfg_attr(feature = "wrong_if_not_while", path = "../wrong/if_not_while.rs")]
#[cfg_attr(
    feature = "wrong_release_without_notify",
    path = "../wrong/release_without_notify.rs"
)]
#[cfg_attr(
    feature = "wrong_permit_lost_on_panic",
    path = "../wrong/permit_lost_on_panic.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_if_not_while",
        feature = "wrong_release_without_notify",
        feature = "wrong_permit_lost_on_panic",
    )),
    path = "../../../exercises/semaphore.rs"
)]
mod implementation;

pub use implementation::*;
