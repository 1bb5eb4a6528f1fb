//! Torture fixture: asks for far more memory than the machine has, a gigabyte at a time (zeroed
//! memory: the pages are only reserved, so the fixture is quick, and the address-space limit
//! is what stops it).

pub fn add(a: i64, b: i64) -> i64 {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    for _ in 0..1024 {
        hoard.push(std::hint::black_box(vec![0u8; 1 << 30]));
    }
    a + b + hoard.len() as i64
}
