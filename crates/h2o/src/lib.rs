//! H2O: hydrogen and oxygen threads bond into water molecules, two H and one O at a time.
//!
//! This crate compiles exactly one implementation of the problem, chosen by feature:
//!
//! | feature            | implementation            | who uses it          |
//! |--------------------|---------------------------|----------------------|
//! | (none)             | `exercises/h2o.rs`        | the learner          |
//! | `solution`         | `solutions/h2o.rs`        | `grade --solutions`  |
//! | `wrong_<variant>`  | `crates/h2o/wrong/*.rs`   | `verify`             |
//!
//! The known-wrong variants are committed as patches against the reference
//! (`wrong/<variant>.patch`); `cargo xtask wrong h2o <variant>` (and `verify`) generate the
//! `.rs` files this crate compiles.
//!
//! The graded suite in `tests/` runs unchanged against whichever one is compiled.

#[cfg_attr(feature = "solution", path = "../../../solutions/h2o.rs")]
#[cfg_attr(
    feature = "wrong_release_before_bonded",
    path = "../wrong/release_before_bonded.rs"
)]
#[cfg_attr(
    feature = "wrong_three_hydrogens",
    path = "../wrong/three_hydrogens.rs"
)]
#[cfg_attr(
    feature = "wrong_next_molecule_too_soon",
    path = "../wrong/next_molecule_too_soon.rs"
)]
#[cfg_attr(
    feature = "wrong_sleep_for_partners",
    path = "../wrong/sleep_for_partners.rs"
)]
#[cfg_attr(
    feature = "wrong_spin_until_bonded",
    path = "../wrong/spin_until_bonded.rs"
)]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "wrong_release_before_bonded",
        feature = "wrong_three_hydrogens",
        feature = "wrong_next_molecule_too_soon",
        feature = "wrong_sleep_for_partners",
        feature = "wrong_spin_until_bonded",
    )),
    path = "../../../exercises/h2o.rs"
)]
mod implementation;

pub use implementation::*;
