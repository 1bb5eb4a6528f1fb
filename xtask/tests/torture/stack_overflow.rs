//! Torture fixture: recurses without end.

pub fn add(a: i64, b: i64) -> i64 {
    let deeper = std::hint::black_box([a; 64]);
    add(deeper[0], b) + deeper[63]
}
