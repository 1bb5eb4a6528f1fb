//! Shared memory: a counter and an array of counters in a file that several processes map,
//! updated with atomic operations.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                      | who uses it          |
//! |--------------------|-------------------------------------|----------------------|
//! | (none)             | `exercises/shared_memory.rs`        | the learner          |
//! | `solution`         | `solutions/shared_memory.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/shared_memory/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong shared_memory <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The binary `shared_memory-worker` (`src/worker.rs`) is the child process; the graded suite
//! in `tests/` runs unchanged against whichever implementation is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/shared_memory.rs")]
#[cfg_attr(
    feature = "wrong_load_then_store",
    path = "../wrong/load_then_store.rs"
)]
#[cfg_attr(feature = "wrong_no_magic_check", path = "../wrong/no_magic_check.rs")]
#[cfg_attr(feature = "wrong_one_at_a_time", path = "../wrong/one_at_a_time.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_load_then_store",
        feature = "wrong_no_magic_check",
        feature = "wrong_one_at_a_time",
    )),
    path = "../../../exercises/shared_memory.rs"
)]
mod implementation;

pub use implementation::*;
