//! The mini course's counter: a counter safe to increment from many threads.

use std::sync::atomic::AtomicU64;

/// A counter.
pub struct Counter(AtomicU64);

impl Counter {
    pub fn new() -> Counter {
        Counter(AtomicU64::new(0))
    }

    pub fn increment(&self) {
        // TODO: add one, atomically.
        todo!()
    }

    pub fn get(&self) -> u64 {
        todo!()
    }
}
