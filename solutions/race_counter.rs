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

use course_sync::Mutex;
use course_sync::atomic::{AtomicU64, Ordering};
use std::sync::PoisonError;

/// A counter whose count lives behind a mutex.
///
/// Shared between threads by reference (`&MutexCounter` in scoped threads, or an `Arc`): it is
/// `Sync` because `Mutex<u64>` is.
pub struct MutexCounter {
    /// The count. The lock is held for the whole of each read-modify-write, so no other
    /// increment can read the count between this one's read and its write.
    count: Mutex<u64>,
}

impl MutexCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        MutexCounter {
            count: Mutex::new(0),
        }
    }

    /// Adds one to the count and returns the new count.
    pub fn increment(&self) -> u64 {
        // One guard for the read and the write: the critical section is the whole
        // read-modify-write. A poisoned lock only means another thread panicked while holding
        // it; a `u64` cannot be left half-updated, so the count is still good to use.
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        *count += 1;
        *count
        // The guard drops here, after the write: unlocking releases the new count to the next
        // thread that locks.
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        *self.count.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MutexCounter {
    fn default() -> Self {
        Self::new()
    }
}

/// A counter whose count is an atomic integer.
pub struct AtomicCounter {
    /// The count. Only ever changed by `fetch_add`, which the hardware performs as one
    /// indivisible read-modify-write.
    count: AtomicU64,
}

impl AtomicCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        AtomicCounter {
            count: AtomicU64::new(0),
        }
    }

    /// Adds one to the count and returns the new count.
    pub fn increment(&self) -> u64 {
        // `fetch_add` reads and writes in one step: no other increment can come between, so
        // each call sees a different previous value. `Relaxed` is enough: the count guards no
        // other data, so no other memory needs to be ordered with it, and every atomic
        // read-modify-write of one variable works on the latest value in that variable's
        // modification order whatever the ordering. Whoever reads the total after joining the
        // incrementing threads gets its happens-before from the join, not from the atomic.
        self.count.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        // `Relaxed`: a snapshot of the count alone. After the incrementing threads are joined,
        // the join orders all their increments before this load, so it sees all of them.
        self.count.load(Ordering::Relaxed)
    }
}

impl Default for AtomicCounter {
    fn default() -> Self {
        Self::new()
    }
}
