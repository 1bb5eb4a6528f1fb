//! Thread pool: a fixed set of worker threads that run submitted tasks and hand back futures.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                      | who uses it          |
//! |--------------------|-------------------------------------|----------------------|
//! | (none)             | `exercises/thread_pool.rs`          | the learner          |
//! | `solution`         | `solutions/thread_pool.rs`          | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/thread_pool/wrong/*.rs`     | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong thread_pool <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/thread_pool.rs")]
#[cfg_attr(
    feature = "wrong_late_callback_lost",
    path = "../wrong/late_callback_lost.rs"
)]
#[cfg_attr(
    feature = "wrong_cancel_while_running",
    path = "../wrong/cancel_while_running.rs"
)]
#[cfg_attr(
    feature = "wrong_worker_dies_with_task",
    path = "../wrong/worker_dies_with_task.rs"
)]
#[cfg_attr(
    feature = "wrong_map_in_completion_order",
    path = "../wrong/map_in_completion_order.rs"
)]
#[cfg_attr(
    feature = "wrong_done_before_result",
    path = "../wrong/done_before_result.rs"
)]
#[cfg_attr(
    feature = "wrong_completion_not_notified",
    path = "../wrong/completion_not_notified.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_late_callback_lost",
        feature = "wrong_cancel_while_running",
        feature = "wrong_worker_dies_with_task",
        feature = "wrong_map_in_completion_order",
        feature = "wrong_done_before_result",
        feature = "wrong_completion_not_notified",
    )),
    path = "../../../exercises/thread_pool.rs"
)]
mod implementation;

pub use implementation::*;
