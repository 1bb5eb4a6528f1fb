//! Uber seating: riders of two parties form rides of four, never three against one.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                     | who uses it          |
//! |--------------------|------------------------------------|----------------------|
//! | (none)             | `exercises/uber_seating.rs`        | the learner          |
//! | `solution`         | `solutions/uber_seating.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/uber_seating/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong uber_seating <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/uber_seating.rs")]
#[cfg_attr(feature = "wrong_three_and_one", path = "../wrong/three_and_one.rs")]
#[cfg_attr(
    feature = "wrong_drive_before_seated",
    path = "../wrong/drive_before_seated.rs"
)]
#[cfg_attr(feature = "wrong_two_drivers", path = "../wrong/two_drivers.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_three_and_one",
        feature = "wrong_drive_before_seated",
        feature = "wrong_two_drivers",
    )),
    path = "../../../exercises/uber_seating.rs"
)]
mod implementation;

pub use implementation::*;
