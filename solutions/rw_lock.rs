//! A read-write lock: many readers at once, or one writer alone, and a waiting writer is never
//! starved by readers that keep arriving.
//!
//! Goal: `RwLock<T>` guards a value. `read()` returns a guard that derefs to `&T`; any number of
//! readers may hold one at the same time. `write()` returns a guard that derefs to `&mut T`; a
//! writer holds the lock alone, with no reader and no other writer. Dropping a guard releases
//! it. The lock prefers writers: once a writer is waiting, readers that arrive after it wait
//! behind it, so a steady stream of overlapping readers cannot keep it out forever.
//!
//! What to build in this file:
//!
//! - `RwLock::with_clock`: the bookkeeping and the two condition variables;
//! - `read` and `write`: wait until you may enter, then count yourself in;
//! - `Drop` for both guards: count yourself out and wake whoever may enter now;
//! - the `Deref`/`DerefMut` impls and the `Send`/`Sync` impls, with the `unsafe` they need.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite sees which threads are asleep in your
//! lock ("the writer is waiting") and lets loom try every interleaving.
//!
//! Chapter: `docs/src/part5/rw_lock.md`.
//! Check your work with `cargo xtask check rw_lock`; stuck? `cargo xtask hint rw_lock`.

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::PoisonError;

/// A reader-writer lock that prefers writers.
///
/// Unlike `std::sync::RwLock` it does not poison: a panic while a guard is held releases the
/// lock (the guard's `Drop` runs while unwinding) and leaves the value as the panic left it.
pub struct RwLock<T> {
    /// Who is inside and who waits. Held only for the short updates in `read`, `write` and the
    /// guards' `Drop`, never while a guard is alive: readers and writers work on `value`
    /// without it.
    state: Mutex<State>,
    /// Signalled when readers may be able to enter: a writer left.
    readers_may_enter: Condvar,
    /// Signalled when a writer may be able to enter: the last reader left, or a writer left.
    writer_may_enter: Condvar,
    /// The protected value. `state` says who may touch it: any number of read guards share `&T`
    /// while `writer` is false, the one write guard has `&mut T` while it is true.
    value: UnsafeCell<T>,
}

/// Everything behind the lock.
#[derive(Debug, Default)]
struct State {
    /// Readers inside (holding a read guard).
    readers: usize,
    /// True while a writer is inside (holding the write guard). Never true while `readers > 0`.
    writer: bool,
    /// Writers asleep in `write`. While it is not zero, new readers wait: that is the writer
    /// preference, which keeps a stream of readers from starving the writers.
    writers_waiting: usize,
}

// SAFETY: an `RwLock<T>` owns its `T`; sending the lock to another thread sends the value with
// it, which is sound when `T: Send` (the same bound as `std::sync::RwLock`).
unsafe impl<T: Send> Send for RwLock<T> {}

// SAFETY: sharing `&RwLock<T>` between threads lets them reach the value in two ways: several
// readers get `&T` at the same time on different threads, which needs `T: Sync`; a writer gets
// `&mut T` on whichever thread calls `write`, which moves the value's use between threads and
// needs `T: Send`. `state` guarantees that a `&mut T` never coexists with any other reference.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A lock around `value` that waits on the system clock.
    pub fn new(value: T) -> Self {
        Self::with_clock(value, &Clock::system())
    }

    /// A lock around `value` whose threads wait through condition variables made from `clock`.
    pub fn with_clock(value: T, clock: &Clock) -> Self {
        RwLock {
            state: Mutex::new(State::default()),
            readers_may_enter: Condvar::new(clock),
            writer_may_enter: Condvar::new(clock),
            value: UnsafeCell::new(value),
        }
    }

    /// Blocks until no writer is inside or waiting, then enters as a reader.
    pub fn read(&self) -> ReadGuard<'_, T> {
        let mut state = self.lock_state();
        // A waiting writer goes first: a reader that arrives after it queues behind it, even
        // though the readers inside could let it in.
        while state.writer || state.writers_waiting > 0 {
            state = self
                .readers_may_enter
                .wait(&self.state, state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.readers += 1;
        ReadGuard { lock: self }
    }

    /// Blocks until nobody is inside, then enters as the only writer.
    pub fn write(&self) -> WriteGuard<'_, T> {
        let mut state = self.lock_state();
        // Announce ourselves before waiting, so that from now on new readers hold back.
        state.writers_waiting += 1;
        while state.writer || state.readers > 0 {
            state = self
                .writer_may_enter
                .wait(&self.state, state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.writers_waiting -= 1;
        state.writer = true;
        WriteGuard { lock: self }
    }

    /// The value, once nobody can share the lock any more.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// Locks the bookkeeping. No code panics while holding it (every update is a few integer
    /// operations), so a poisoned mutex still holds consistent counts: take it anyway.
    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Showing the value would need a read guard, which may block: show the counts only.
        f.debug_struct("RwLock")
            .field("state", &*self.lock_state())
            .finish_non_exhaustive()
    }
}

/// Shared access to the value; the reader leaves when it is dropped.
#[must_use = "the reader leaves as soon as the guard is dropped"]
pub struct ReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard counts in `state.readers`, so `state.writer` stays false until it
        // is dropped: nobody holds `&mut T` while the `&T` returned here (borrowed from the
        // guard) lives. Other readers only ever make `&T` too.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        let mut state = self.lock.lock_state();
        state.readers -= 1;
        // Only the last reader out can let a writer in. One writer is enough to wake: only one
        // can enter, and when it leaves it wakes the next.
        if state.readers == 0 && state.writers_waiting > 0 {
            self.lock.writer_may_enter.notify_one();
        }
    }
}

/// Exclusive access to the value; the writer leaves when it is dropped.
#[must_use = "the writer leaves as soon as the guard is dropped"]
pub struct WriteGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard set `state.writer`, so no reader and no other writer is inside
        // until it is dropped; the `&T` is borrowed from the guard, so it cannot outlive it.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, this guard is alone inside, and the `&mut T` borrows the guard
        // mutably, so even this guard cannot hand out a second reference while it lives.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        let mut state = self.lock.lock_state();
        state.writer = false;
        if state.writers_waiting > 0 {
            // The next writer goes before any reader (the readers would only wait again).
            self.lock.writer_may_enter.notify_one();
        } else {
            // No writer waits: every waiting reader may enter together.
            self.lock.readers_may_enter.notify_all();
        }
    }
}
