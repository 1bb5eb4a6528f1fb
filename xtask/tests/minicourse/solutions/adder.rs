//! The mini course's adder: add two numbers.

/// `a + b`.
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}
