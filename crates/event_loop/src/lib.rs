//! Event loop: a single-threaded executor for std's futures, with tasks, timers and gather.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                         | who uses it          |
//! |--------------------|----------------------------------------|----------------------|
//! | (none)             | `exercises/event_loop.rs`              | the learner          |
//! | `solution`         | `solutions/event_loop.rs`              | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/event_loop/wrong/*.rs`         | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong event_loop <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/event_loop.rs")]
#[cfg_attr(feature = "wrong_busy_poll", path = "../wrong/busy_poll.rs")]
#[cfg_attr(
    feature = "wrong_gather_completion_order",
    path = "../wrong/gather_completion_order.rs"
)]
#[cfg_attr(feature = "wrong_blocking_sleep", path = "../wrong/blocking_sleep.rs")]
#[cfg_attr(
    feature = "wrong_wake_without_unpark",
    path = "../wrong/wake_without_unpark.rs"
)]
#[cfg_attr(
    feature = "wrong_join_never_registers",
    path = "../wrong/join_never_registers.rs"
)]
#[cfg_attr(feature = "wrong_ties_unordered", path = "../wrong/ties_unordered.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_busy_poll",
        feature = "wrong_gather_completion_order",
        feature = "wrong_blocking_sleep",
        feature = "wrong_wake_without_unpark",
        feature = "wrong_join_never_registers",
        feature = "wrong_ties_unordered",
    )),
    path = "../../../exercises/event_loop.rs"
)]
mod implementation;

pub use implementation::*;
