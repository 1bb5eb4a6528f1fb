//! The course tool.
fn main() {}
