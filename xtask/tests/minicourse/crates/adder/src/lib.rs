//! The mini course's adder: the learner's file, or the reference with feature `solution`.

#[cfg_attr(feature = "solution", path = "../../../solutions/adder.rs")]
#[cfg_attr(not(feature = "solution"), path = "../../../exercises/adder.rs")]
mod implementation;

pub use implementation::*;
