//! Token bucket: a rate limiter, lazy and with a filler thread, on an injected clock.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation                     | who uses it          |
//! |--------------------|------------------------------------|----------------------|
//! | (none)             | `exercises/token_bucket.rs`        | the learner          |
//! | `solution`         | `solutions/token_bucket.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/token_bucket/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong token_bucket <variant>` (and `verify`)
//! generate the `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/token_bucket.rs")]
#[cfg_attr(
    feature = "wrong_truncate_seconds",
    path = "../wrong/truncate_seconds.rs"
)]
#[cfg_attr(
    feature = "wrong_sleep_under_lock",
    path = "../wrong/sleep_under_lock.rs"
)]
#[cfg_attr(
    feature = "wrong_filler_never_stops",
    path = "../wrong/filler_never_stops.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_truncate_seconds",
        feature = "wrong_sleep_under_lock",
        feature = "wrong_filler_never_stops",
    )),
    path = "../../../exercises/token_bucket.rs"
)]
mod implementation;

pub use implementation::*;
