//! A pool of worker processes: `apply` one task, `map` many in chunks with results in input
//! order, an initializer run once per worker, workers replaced after a number of tasks or when
//! they die.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                       | who uses it          |
//! |--------------------|--------------------------------------|----------------------|
//! | (none)             | `exercises/process_pool.rs`          | the learner          |
//! | `solution`         | `solutions/process_pool.rs`          | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/process_pool/wrong/*.rs`     | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong process_pool <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! [`protocol`] (the line protocol between pool and worker) and `src/worker.rs` (the worker
//! program) are course code that every implementation shares. The graded suite in `tests/`
//! runs unchanged against whichever implementation is compiled.

pub mod protocol;

#[cfg_attr(feature = "solution", path = "../../../solutions/process_pool.rs")]
#[cfg_attr(
    feature = "wrong_completion_order",
    path = "../wrong/completion_order.rs"
)]
#[cfg_attr(
    feature = "wrong_crash_hangs_map",
    path = "../wrong/crash_hangs_map.rs"
)]
#[cfg_attr(
    feature = "wrong_crash_breaks_pool",
    path = "../wrong/crash_breaks_pool.rs"
)]
#[cfg_attr(feature = "wrong_chunk_split", path = "../wrong/chunk_split.rs")]
#[cfg_attr(feature = "wrong_drops_tail", path = "../wrong/drops_tail.rs")]
#[cfg_attr(feature = "wrong_never_retired", path = "../wrong/never_retired.rs")]
#[cfg_attr(feature = "wrong_init_per_task", path = "../wrong/init_per_task.rs")]
#[cfg_attr(feature = "wrong_sequential_map", path = "../wrong/sequential_map.rs")]
#[cfg_attr(
    feature = "wrong_kill_without_wait",
    path = "../wrong/kill_without_wait.rs"
)]
#[cfg_attr(feature = "wrong_never_reads", path = "../wrong/never_reads.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_completion_order",
        feature = "wrong_crash_hangs_map",
        feature = "wrong_crash_breaks_pool",
        feature = "wrong_chunk_split",
        feature = "wrong_drops_tail",
        feature = "wrong_never_retired",
        feature = "wrong_init_per_task",
        feature = "wrong_sequential_map",
        feature = "wrong_kill_without_wait",
        feature = "wrong_never_reads",
    )),
    path = "../../../exercises/process_pool.rs"
)]
mod implementation;

pub use implementation::*;
pub use protocol::{Answer, Task};
