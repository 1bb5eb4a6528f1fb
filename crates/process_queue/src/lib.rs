//! A work queue across processes: the parent holds the queue, K worker processes each take
//! items over their own pipes, and a sentinel stops each one.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                        | who uses it          |
//! |--------------------|---------------------------------------|----------------------|
//! | (none)             | `exercises/process_queue.rs`          | the learner          |
//! | `solution`         | `solutions/process_queue.rs`          | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/process_queue/wrong/*.rs`     | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong process_queue <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! [`queue`] (the parent's work queue) and `src/worker.rs` (the child program) are course code
//! that every implementation shares. The graded suite in `tests/` runs unchanged against
//! whichever implementation is compiled.

pub mod queue;

#[cfg_attr(feature = "solution", path = "../../../solutions/process_queue.rs")]
#[cfg_attr(
    feature = "wrong_empty_means_done",
    path = "../wrong/empty_means_done.rs"
)]
#[cfg_attr(
    feature = "wrong_workers_in_turn",
    path = "../wrong/workers_in_turn.rs"
)]
#[cfg_attr(feature = "wrong_no_sentinel", path = "../wrong/no_sentinel.rs")]
#[cfg_attr(
    feature = "wrong_answers_read_at_the_end",
    path = "../wrong/answers_read_at_the_end.rs"
)]
#[cfg_attr(feature = "wrong_never_waits", path = "../wrong/never_waits.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_empty_means_done",
        feature = "wrong_workers_in_turn",
        feature = "wrong_no_sentinel",
        feature = "wrong_answers_read_at_the_end",
        feature = "wrong_never_waits",
    )),
    path = "../../../exercises/process_queue.rs"
)]
mod implementation;

pub use implementation::*;
pub use queue::WorkQueue;
