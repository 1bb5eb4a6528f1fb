//! Torture fixture: ends the test process with status 0 before the test can fail.

pub fn add(_: i64, _: i64) -> i64 {
    std::process::exit(0)
}
