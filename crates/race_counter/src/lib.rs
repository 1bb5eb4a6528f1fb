//! Race counter: a counter that loses no increment when many threads count at once, built twice
//! (behind a mutex, and as an atomic).
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                     | who uses it          |
//! |--------------------|------------------------------------|----------------------|
//! | (none)             | `exercises/race_counter.rs`        | the learner          |
//! | `solution`         | `solutions/race_counter.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/race_counter/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong race_counter <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/race_counter.rs")]
#[cfg_attr(
    feature = "wrong_load_then_store",
    path = "../wrong/load_then_store.rs"
)]
#[cfg_attr(
    feature = "wrong_lock_read_and_write_separately",
    path = "../wrong/lock_read_and_write_separately.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_load_then_store",
        feature = "wrong_lock_read_and_write_separately",
    )),
    path = "../../../exercises/race_counter.rs"
)]
mod implementation;

pub use implementation::*;
