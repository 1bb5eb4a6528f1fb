//! A re-entrant lock: a lock its owning thread may take again, released only when every guard
//! it handed out is gone.
//!
//! Goal: `ReentrantLock<T>` protects a value. `lock()` returns a guard that derefs to `&T`. The
//! thread that holds the lock may call `lock()` (or `try_lock()`) again, as often as it likes,
//! and gets another guard at once; any other thread waits (or, with `try_lock`, gets `None`)
//! until the owner has dropped every one of its guards. This is Python's `threading.RLock`, and
//! `std::sync::ReentrantLock` (unstable at the time of writing).
//!
//! What to build in this file:
//!
//! - `ReentrantLock::new`, `into_inner`: the lock's state;
//! - `lock`: wait until the lock is free or already ours, then count one more guard;
//! - `try_lock`: the same, without waiting;
//! - the guard's `Drop`: count one guard less, and free the lock (waking a waiter) at zero.
//!
//! A guard gives `&T`, never `&mut T`: two guards of the same thread may be alive at once, and
//! two `&mut T` to the same value would be undefined behaviour. To change the value, put a
//! `Cell` or `RefCell` inside.
//!
//! Lock only `course_sync` mutexes and wait only on `course_sync` condition variables: that is
//! how the graded suite lets loom try every interleaving.
//!
//! Chapter: `docs/src/part1/reentrant_lock.md`.
//! Check your work with `cargo xtask check reentrant_lock`; stuck? `cargo xtask hint
//! reentrant_lock`.

use course_sync::thread::{self, ThreadId};
use course_sync::{Condvar, Mutex, MutexGuard};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::PoisonError;

/// A lock that the thread holding it may take again.
///
/// Every `lock()` returns a guard; the lock is free again once the owner has dropped all of
/// them. Guards cannot be sent to another thread: the lock belongs to a thread, and a guard
/// dropped elsewhere would release it on the wrong one's behalf.
pub struct ReentrantLock<T> {
    /// Who holds the lock and how many guards they have. This small mutex is held only for a
    /// few instructions at a time, never while the caller uses the value.
    owner: Mutex<Owner>,
    /// Signalled when the lock becomes free (the owner's last guard dropped).
    freed: Condvar,
    /// The protected value. Only the owning thread reads it, through its guards.
    value: T,
}

/// The lock's bookkeeping, behind `ReentrantLock::owner`.
#[derive(Debug, Default)]
struct Owner {
    /// The thread that holds the lock, if any.
    thread: Option<ThreadId>,
    /// How many of its guards are alive: 0 exactly when `thread` is `None`.
    guards: usize,
}

// SAFETY: sharing a `ReentrantLock<T>` between threads hands out `&T` to one thread at a time
// only (the owner; others wait until it has no guard left), so `T` need not be `Sync`, as with
// `Mutex<T>`. The value may be used from, and dropped on, any thread, hence `T: Send`.
unsafe impl<T: Send> Sync for ReentrantLock<T> {}

impl<T> ReentrantLock<T> {
    /// A free lock protecting `value`.
    pub fn new(value: T) -> Self {
        // Nobody owns it and no guard is out.
        ReentrantLock {
            owner: Mutex::new(Owner::default()),
            freed: Condvar::new(),
            value,
        }
    }

    /// Takes the lock, waiting while another thread holds it; at once if this thread already
    /// does.
    pub fn lock(&self) -> ReentrantLockGuard<'_, T> {
        let me = thread::current().id();
        let mut owner = self.bookkeeping();
        // A wake-up only means "look again": another waiter may have taken the lock first, or
        // the wake-up may be spurious. Hence a loop, not an `if`. Waiting releases the small
        // mutex, so the owner can come back to drop its guards.
        while owner.thread.is_some_and(|holder| holder != me) {
            owner = self
                .freed
                .wait(owner)
                .unwrap_or_else(PoisonError::into_inner);
        }
        // Free, or already ours: count one more guard.
        owner.thread = Some(me);
        owner.guards += 1;
        ReentrantLockGuard::new(self)
    }

    /// Takes the lock if it is free or already held by this thread; `None` if another thread
    /// holds it. Never waits (beyond the few instructions the bookkeeping is locked for).
    pub fn try_lock(&self) -> Option<ReentrantLockGuard<'_, T>> {
        let me = thread::current().id();
        let mut owner = self.bookkeeping();
        // The same test as `lock`, answered once instead of waited for.
        match owner.thread {
            Some(holder) if holder != me => None,
            _ => {
                owner.thread = Some(me);
                owner.guards += 1;
                Some(ReentrantLockGuard::new(self))
            }
        }
    }

    /// The protected value, taking the lock apart. No guard can be alive: they borrow `self`.
    pub fn into_inner(self) -> T {
        // Ownership proves nobody else can lock it: no waiting needed.
        self.value
    }

    /// Locks the bookkeeping. A panic never happens while it is held (the few statements under
    /// it cannot panic, bar arithmetic overflow), so a poisoned mutex still holds consistent
    /// counts: take them anyway rather than propagate someone else's panic.
    fn bookkeeping(&self) -> MutexGuard<'_, Owner> {
        self.owner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One hold on a [`ReentrantLock`]: derefs to `&T`; dropping it gives the hold back.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ReentrantLockGuard<'a, T> {
    lock: &'a ReentrantLock<T>,
    /// A raw pointer makes the guard `!Send`: it must be dropped by the thread that owns the
    /// lock, because that thread's count is the one it gives back.
    not_send: PhantomData<*const ()>,
}

impl<'a, T> ReentrantLockGuard<'a, T> {
    fn new(lock: &'a ReentrantLock<T>) -> Self {
        ReentrantLockGuard {
            lock,
            not_send: PhantomData,
        }
    }
}

// SAFETY: sharing `&ReentrantLockGuard<T>` with another thread lets it read `&T` while the
// owner may read it too, which is safe exactly when `T: Sync`, as for `&T` itself.
unsafe impl<T: Sync> Sync for ReentrantLockGuard<'_, T> {}

impl<T> Deref for ReentrantLockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // While a guard is alive its thread owns the lock: no other thread reads the value.
        &self.lock.value
    }
}

impl<T> Drop for ReentrantLockGuard<'_, T> {
    fn drop(&mut self) {
        let mut owner = self.lock.bookkeeping();
        owner.guards -= 1;
        // Only the last guard frees the lock: the owner's outer guards still expect to hold it.
        if owner.guards == 0 {
            owner.thread = None;
            // Unlock before notifying, so the woken waiter finds the mutex free. One waiter is
            // enough: only one of them can take the lock, and its own last guard will wake the
            // next.
            drop(owner);
            self.lock.freed.notify_one();
        }
    }
}
