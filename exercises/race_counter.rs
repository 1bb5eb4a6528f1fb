//! Race counter: a counter that many threads increment at once without losing a single
//! increment, built twice: once behind a mutex, once as an atomic.
//!
//! Goal: `count += 1` is three steps (read the count, add one, write it back). Two threads that
//! both read 4 both write 5, and one increment is lost. Each counter here makes the whole
//! read-modify-write one indivisible step, so after `n` increments from any number of threads,
//! in any interleaving, the count is exactly `n`, and every `increment` returns a different
//! value.
//!
//! What to build in this file:
//!
//! - `MutexCounter`: the count behind a `Mutex`; `increment` does the read, the add and the
//!   write inside one critical section;
//! - `AtomicCounter`: the count in an `AtomicU64`; `increment` is a single atomic
//!   read-modify-write.
//!
//! Take `Mutex` and the atomics from `course_sync`, never from `std`: that is how the graded
//! suite lets loom try every interleaving of two threads incrementing.
//!
//! Chapter: `docs/src/part1/race_counter.md`.
//! Check your work with `cargo xtask check race_counter`; stuck? `cargo xtask hint
//! race_counter`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_sync::Mutex;
use course_sync::atomic::{AtomicU64, Ordering};
use std::sync::PoisonError;

/// A counter whose count lives behind a mutex.
///
/// Shared between threads by reference (`&MutexCounter` in scoped threads, or an `Arc`): it is
/// `Sync` because `Mutex<u64>` is.
pub struct MutexCounter {
    /// The count.
    // TODO: say what the lock protects, and for how long it must be held in `increment`.
    count: Mutex<u64>,
}

impl MutexCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        // TODO: a counter at zero.
        todo!("MutexCounter::new")
    }

    /// Adds one to the count and returns the new count.
    pub fn increment(&self) -> u64 {
        // TODO: read, add one and write back while holding ONE guard. Locking once to read and
        // again to write lets two increments both read 4 and both write 5. Decide what to do
        // with a poisoned lock (`PoisonError::into_inner` is one answer: say why it is safe).
        todo!("MutexCounter::increment")
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        // TODO: the count, read under the lock.
        todo!("MutexCounter::get")
    }
}

impl Default for MutexCounter {
    fn default() -> Self {
        Self::new()
    }
}

/// A counter whose count is an atomic integer.
pub struct AtomicCounter {
    /// The count.
    // TODO: say which operation is allowed to change it, and why that one.
    count: AtomicU64,
}

impl AtomicCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        // TODO: a counter at zero.
        todo!("AtomicCounter::new")
    }

    /// Adds one to the count and returns the new count.
    pub fn increment(&self) -> u64 {
        // TODO: one atomic read-modify-write (a `load` followed by a `store` is two steps, and
        // another thread fits between them). Choose the memory ordering and explain why it is
        // enough for a counter whose total is read after the threads are joined.
        todo!("AtomicCounter::increment")
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        // TODO: load the count; say which ordering and why.
        todo!("AtomicCounter::get")
    }
}

impl Default for AtomicCounter {
    fn default() -> Self {
        Self::new()
    }
}
