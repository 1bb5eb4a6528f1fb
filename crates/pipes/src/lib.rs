//! Framed messages over a child's stdin and stdout: a length-prefixed frame format, a `Worker`
//! that talks to a child process in both directions, and `exchange`, which reads and writes at
//! once so that no message size deadlocks it.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                    | who uses it          |
//! |--------------------|-----------------------------------|----------------------|
//! | (none)             | `exercises/pipes.rs`              | the learner          |
//! | `solution`         | `solutions/pipes.rs`              | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/pipes/wrong/*.rs`         | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong pipes <variant>` (and `verify`) generate the
//! `.rs` files this crate compiles.
//!
//! `src/worker.rs` (the child program the suite has the library start) is course code that
//! does not call the library. The graded suite in `tests/` runs unchanged against whichever
//! implementation is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/pipes.rs")]
#[cfg_attr(
    feature = "wrong_write_all_then_read",
    path = "../wrong/write_all_then_read.rs"
)]
#[cfg_attr(
    feature = "wrong_short_read_is_a_frame",
    path = "../wrong/short_read_is_a_frame.rs"
)]
#[cfg_attr(feature = "wrong_no_size_limit", path = "../wrong/no_size_limit.rs")]
#[cfg_attr(
    feature = "wrong_stdin_never_closed",
    path = "../wrong/stdin_never_closed.rs"
)]
#[cfg_attr(feature = "wrong_wait_then_read", path = "../wrong/wait_then_read.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_write_all_then_read",
        feature = "wrong_short_read_is_a_frame",
        feature = "wrong_no_size_limit",
        feature = "wrong_stdin_never_closed",
        feature = "wrong_wait_then_read",
    )),
    path = "../../../exercises/pipes.rs"
)]
mod implementation;

pub use implementation::*;
