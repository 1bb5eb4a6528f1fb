//! Thread basics: a CPU-bound job split across scoped threads, and a background worker that
//! stops when its owner drops it.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                      | who uses it          |
//! |--------------------|-------------------------------------|----------------------|
//! | (none)             | `exercises/thread_basics.rs`        | the learner          |
//! | `solution`         | `solutions/thread_basics.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/thread_basics/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong thread_basics <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/thread_basics.rs")]
#[cfg_attr(feature = "wrong_sequential", path = "../wrong/sequential.rs")]
#[cfg_attr(feature = "wrong_drops_tail", path = "../wrong/drops_tail.rs")]
#[cfg_attr(
    feature = "wrong_detached_worker",
    path = "../wrong/detached_worker.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_sequential",
        feature = "wrong_drops_tail",
        feature = "wrong_detached_worker",
    )),
    path = "../../../exercises/thread_basics.rs"
)]
mod implementation;

pub use implementation::*;
