//! Starting processes: run N children of one program at the same time, collect each one's output
//! and exit status, report a failing child with its stderr, and reap every child.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                       | who uses it          |
//! |--------------------|--------------------------------------|----------------------|
//! | (none)             | `exercises/spawn_process.rs`         | the learner          |
//! | `solution`         | `solutions/spawn_process.rs`         | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/spawn_process/wrong/*.rs`    | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong spawn_process <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled. The children
//! it has the implementation start are `src/worker.rs` (the `spawn_process-worker` binary).

#[cfg_attr(feature = "solution", path = "../../../solutions/spawn_process.rs")]
#[cfg_attr(feature = "wrong_one_at_a_time", path = "../wrong/one_at_a_time.rs")]
#[cfg_attr(
    feature = "wrong_failure_ignored",
    path = "../wrong/failure_ignored.rs"
)]
#[cfg_attr(feature = "wrong_stderr_lost", path = "../wrong/stderr_lost.rs")]
#[cfg_attr(feature = "wrong_early_return", path = "../wrong/early_return.rs")]
#[cfg_attr(
    feature = "wrong_start_error_leaks",
    path = "../wrong/start_error_leaks.rs"
)]
#[cfg_attr(
    feature = "wrong_stdout_then_stderr",
    path = "../wrong/stdout_then_stderr.rs"
)]
#[cfg_attr(feature = "wrong_wait_then_read", path = "../wrong/wait_then_read.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_one_at_a_time",
        feature = "wrong_failure_ignored",
        feature = "wrong_stderr_lost",
        feature = "wrong_early_return",
        feature = "wrong_start_error_leaks",
        feature = "wrong_stdout_then_stderr",
        feature = "wrong_wait_then_read",
    )),
    path = "../../../exercises/spawn_process.rs"
)]
mod implementation;

pub use implementation::*;
