//! Blocking queue: a bounded FIFO queue whose put waits for room and take waits for an item.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                         | who uses it          |
//! |--------------------|----------------------------------------|----------------------|
//! | (none)             | `exercises/blocking_queue.rs`          | the learner          |
//! | `solution`         | `solutions/blocking_queue.rs`          | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/blocking_queue/wrong/*.rs`     | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong blocking_queue <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/blocking_queue.rs")]
#[cfg_attr(feature = "wrong_one_condvar", path = "../wrong/one_condvar.rs")]
#[cfg_attr(feature = "wrong_if_not_while", path = "../wrong/if_not_while.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_one_condvar",
        feature = "wrong_if_not_while",
    )),
    path = "../../../exercises/blocking_queue.rs"
)]
mod implementation;

pub use implementation::*;
