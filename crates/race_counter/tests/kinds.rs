//! The two counters behind one trait, so every test runs against both. Compiled in the loom
//! build too (the models use it).

use race_counter::{AtomicCounter, MutexCounter};
use std::fmt;

/// What the suite needs of a counter.
pub(crate) trait Counter: Send + Sync + 'static {
    fn increment(&self) -> u64;
    fn get(&self) -> u64;
}

impl Counter for MutexCounter {
    fn increment(&self) -> u64 {
        MutexCounter::increment(self)
    }
    fn get(&self) -> u64 {
        MutexCounter::get(self)
    }
}

impl Counter for AtomicCounter {
    fn increment(&self) -> u64 {
        AtomicCounter::increment(self)
    }
    fn get(&self) -> u64 {
        AtomicCounter::get(self)
    }
}

/// Which of the two counters a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Mutex,
    Atomic,
}

impl Kind {
    /// A fresh counter of this kind.
    pub(crate) fn make(self) -> Box<dyn Counter> {
        match self {
            Kind::Mutex => Box::new(MutexCounter::new()),
            Kind::Atomic => Box::new(AtomicCounter::new()),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Mutex => "MutexCounter",
            Kind::Atomic => "AtomicCounter",
        })
    }
}
