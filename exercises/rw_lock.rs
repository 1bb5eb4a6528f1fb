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

// Delete this line when you start: it keeps the unfinished stub free of warnings.
#![allow(dead_code, unused_imports, unused_variables)]

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

// TODO: the `// SAFETY:` reason this is sound (which bound, and why that one).
// SAFETY: (write the reason here).
unsafe impl<T: Send> Send for RwLock<T> {}

// TODO: the `// SAFETY:` reason: what can threads sharing `&RwLock<T>` do with the value, and
// which bounds does that need? (Check them against `std::sync::RwLock`'s.)
// SAFETY: (write the reason here).
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A lock around `value` that waits on the system clock.
    pub fn new(value: T) -> Self {
        Self::with_clock(value, &Clock::system())
    }

    /// A lock around `value` whose threads wait through condition variables made from `clock`.
    pub fn with_clock(value: T, clock: &Clock) -> Self {
        // TODO: nobody inside, nobody waiting; both condition variables made from `clock`.
        todo!("RwLock::with_clock")
    }

    /// Blocks until no writer is inside or waiting, then enters as a reader.
    pub fn read(&self) -> ReadGuard<'_, T> {
        // TODO: lock `state`; wait on `readers_may_enter`, in a loop, while a writer is inside
        // or waiting; count yourself in; return the guard.
        todo!("RwLock::read")
    }

    /// Blocks until nobody is inside, then enters as the only writer.
    pub fn write(&self) -> WriteGuard<'_, T> {
        // TODO: lock `state`; count yourself as waiting (from now on new readers hold back);
        // wait on `writer_may_enter`, in a loop, while anyone is inside; then stop waiting and
        // enter; return the guard.
        todo!("RwLock::write")
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
        // TODO: `&*self.lock.value.get()` in an `unsafe` block, with a `// SAFETY:` comment
        // saying why no `&mut T` can exist while this guard lives.
        todo!("ReadGuard::deref")
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // TODO: count this reader out; if it was the last one and a writer waits, wake one
        // writer. (No `todo!()` here: a panic in `drop` while unwinding aborts.)
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
        // TODO: as for `ReadGuard`, with the reason that holds for a writer.
        todo!("WriteGuard::deref")
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // TODO: `&mut *self.lock.value.get()`, with its `// SAFETY:` comment.
        todo!("WriteGuard::deref_mut")
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // TODO: the writer is out; wake the next writer if one waits, otherwise every waiting
        // reader. (No `todo!()` here: a panic in `drop` while unwinding aborts.)
    }
}
