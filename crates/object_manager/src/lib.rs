//! The object manager: a loopback TCP server of named functions and a shared namespace, for
//! clients in other processes that prove they know its key.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                       | who uses it          |
//! |--------------------|--------------------------------------|----------------------|
//! | (none)             | `exercises/object_manager.rs`        | the learner          |
//! | `solution`         | `solutions/object_manager.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/object_manager/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong object_manager <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The binary `object_manager-worker` (`src/worker.rs`) is the server or client process; the
//! graded suite in `tests/` runs unchanged against whichever implementation is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/object_manager.rs")]
#[cfg_attr(feature = "wrong_no_auth", path = "../wrong/no_auth.rs")]
#[cfg_attr(
    feature = "wrong_stops_on_bad_frame",
    path = "../wrong/stops_on_bad_frame.rs"
)]
#[cfg_attr(feature = "wrong_serial", path = "../wrong/serial.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_no_auth",
        feature = "wrong_stops_on_bad_frame",
        feature = "wrong_serial",
    )),
    path = "../../../exercises/object_manager.rs"
)]
mod implementation;

pub use implementation::*;
