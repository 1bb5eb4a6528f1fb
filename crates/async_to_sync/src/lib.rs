//! Async to sync: an executor whose execute returns only after its callback ran.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                         | who uses it          |
//! |--------------------|----------------------------------------|----------------------|
//! | (none)             | `exercises/async_to_sync.rs`           | the learner          |
//! | `solution`         | `solutions/async_to_sync.rs`           | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/async_to_sync/wrong/*.rs`      | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong async_to_sync <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/async_to_sync.rs")]
#[cfg_attr(
    feature = "wrong_done_never_reset",
    path = "../wrong/done_never_reset.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "wrong_done_never_reset",)),
    path = "../../../exercises/async_to_sync.rs"
)]
mod implementation;

pub use implementation::*;
