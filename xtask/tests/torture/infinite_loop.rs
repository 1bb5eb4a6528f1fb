//! Torture fixture: never returns.

pub fn add(a: i64, b: i64) -> i64 {
    let mut n = a;
    loop {
        n = std::hint::black_box(n.wrapping_add(b));
    }
}
