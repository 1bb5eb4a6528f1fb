//! Waiting on many futures: `wait` returns when all, the first, or the first failing of a set
//! of tasks has completed, and `as_completed` hands the tasks out in the order they complete.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                         | who uses it          |
//! |--------------------|----------------------------------------|----------------------|
//! | (none)             | `exercises/wait_futures.rs`            | the learner          |
//! | `solution`         | `solutions/wait_futures.rs`            | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/wait_futures/wrong/*.rs`       | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong wait_futures <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/wait_futures.rs")]
#[cfg_attr(feature = "wrong_sleep_and_poll", path = "../wrong/sleep_and_poll.rs")]
#[cfg_attr(
    feature = "wrong_submission_order",
    path = "../wrong/submission_order.rs"
)]
#[cfg_attr(
    feature = "wrong_check_then_watch",
    path = "../wrong/check_then_watch.rs"
)]
#[cfg_attr(
    feature = "wrong_first_completed_waits_for_all",
    path = "../wrong/first_completed_waits_for_all.rs"
)]
#[cfg_attr(
    feature = "wrong_timeout_ignored",
    path = "../wrong/timeout_ignored.rs"
)]
#[cfg_attr(
    feature = "wrong_timeout_per_item",
    path = "../wrong/timeout_per_item.rs"
)]
#[cfg_attr(
    feature = "wrong_exception_as_first_completed",
    path = "../wrong/exception_as_first_completed.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_sleep_and_poll",
        feature = "wrong_submission_order",
        feature = "wrong_check_then_watch",
        feature = "wrong_first_completed_waits_for_all",
        feature = "wrong_timeout_ignored",
        feature = "wrong_timeout_per_item",
        feature = "wrong_exception_as_first_completed",
    )),
    path = "../../../exercises/wait_futures.rs"
)]
mod implementation;

pub use implementation::*;
