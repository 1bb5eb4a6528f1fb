//! Torture fixture: panics, and on its way tries to write into the course it is graded in.

pub fn add(_: i64, _: i64) -> i64 {
    let _ = std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/../../exercises/hacked.rs"), "x");
    panic!("the learner's code gave up")
}
