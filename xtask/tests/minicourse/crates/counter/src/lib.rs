//! The mini course's counter: the learner's file, or the reference with feature `solution`.

#[cfg_attr(feature = "solution", path = "../../../solutions/counter.rs")]
#[cfg_attr(not(feature = "solution"), path = "../../../exercises/counter.rs")]
mod implementation;

pub use implementation::*;
