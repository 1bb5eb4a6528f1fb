//! A read-write lock: many readers at once, or one writer alone, and a waiting writer is never
//! starved by readers that keep arriving.
//!
//! Goal: `RwLock<T>` guards a value. `read()` returns a guard that derefs to `&T`; any number of
//! readers may hold one at the same time. `write()` returns a guard that derefs to `&mut T`; a
//! writer holds the lock alone, with no reader and no other writer. Dropping a guard releases
//! it. The lock prefers writers: once a writer is waiting, readers that arrive after it wait
//! behind it, so a steady stream of overlapping readers cannot keep it out forever.
//!
//! The lock has two halves. An atomic word, `entry`, says who is inside and whether anyone
//! sleeps: when nobody has to wait, entering and leaving are one atomic operation each and never
//! touch the mutex. A monitor (a mutex and two condition variables) is where threads that must
//! wait go to sleep, and where they are woken.
//!
//! What to build in this file:
//!
//! - `RwLock::with_clock`: the entry word, the sleepers' counts and the two condition variables;
//! - the fast paths: `try_enter_as_reader`, `write`'s compare-and-swap, and the guards' `Drop`
//!   when nobody sleeps;
//! - the slow path both share, `sleep_until_entered` (announce yourself, then wait in a loop until
//!   the entry word lets you in), and the wake-ups in the guards' `Drop`;
//! - the `Deref`/`DerefMut` impls and the `Send`/`Sync` impls, with the `unsafe` they need.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock and
//! count only with `course_sync` types: that is how the graded suite sees which threads are
//! asleep in your lock ("the writer is waiting") and lets loom try every interleaving.
//!
//! Chapter: `docs/src/part5/rw_lock.md`.
//! Check your work with `cargo xtask check rw_lock`; stuck? `cargo xtask hint rw_lock`.

use course_clock::{Clock, Condvar};
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Mutex, MutexGuard, hint};
use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::PoisonError;

/// `entry`'s top bit: a writer is inside.
const WRITER: usize = 1 << (usize::BITS - 1);
/// `entry`'s next bit: at least one writer sleeps (or is about to) in `sleep_until_entered`.
const WRITERS_WAITING: usize = WRITER >> 1;
/// `entry`'s third bit: at least one reader sleeps (or is about to) in `sleep_until_entered`.
const READERS_WAITING: usize = WRITER >> 2;
/// `entry`'s low bits: the number of readers inside.
const READERS: usize = READERS_WAITING - 1;

/// How many times a thread that cannot enter looks at `entry` again before it goes to sleep.
/// Whoever is inside usually leaves within a few nanoseconds, sooner than a sleep and a wake-up
/// (two system calls and a context switch) would take. None under loom: a spin only repeats
/// attempts the models already explore, and each extra look would multiply the interleavings.
const SPINS: u32 = if course_sync::LOOM { 0 } else { 100 };

/// A reader-writer lock that prefers writers.
///
/// Unlike `std::sync::RwLock` it does not poison: a panic while a guard is held releases the
/// lock (the guard's `Drop` runs while unwinding) and leaves the value as the panic left it.
pub struct RwLock<T> {
    /// Who is inside, and whether anyone sleeps: the readers inside in the low bits, and the
    /// `WRITER`, `WRITERS_WAITING` and `READERS_WAITING` bits. Never `WRITER` with readers. A
    /// thread enters with an `Acquire` compare-and-swap on it and leaves with a `Release`
    /// operation on it, so everything a guard did happens before the next guard is made.
    entry: AtomicUsize,
    /// How many threads sleep in the slow paths. The two waiting bits of `entry` are set and
    /// cleared only while this mutex is held, so they always say whether these counts are zero.
    /// Whoever wakes a sleeper locks it first: that is what keeps a wake-up from falling between
    /// a sleeper's last look at `entry` and its sleep.
    sleepers: Mutex<Sleepers>,
    /// Signalled when readers may be able to enter: a writer left and no other writer waits.
    readers_may_enter: Condvar,
    /// Signalled when a writer may be able to enter: the last reader left, or a writer left.
    writer_may_enter: Condvar,
    /// The protected value. `entry` says who may touch it: any number of read guards share `&T`
    /// while `WRITER` is clear, the one write guard has `&mut T` while it is set.
    value: UnsafeCell<T>,
}

/// The threads asleep in the lock, behind `RwLock::sleepers`.
#[derive(Debug, Default)]
struct Sleepers {
    /// Readers asleep in the lock. While it is not zero, `READERS_WAITING` is set.
    readers: usize,
    /// Writers asleep in the lock. While it is not zero, `WRITERS_WAITING` is set, and new readers
    /// wait: that is the writer preference, which keeps a stream of readers from starving the
    /// writers.
    writers: usize,
}

// SAFETY: an `RwLock<T>` owns its `T`; sending the lock to another thread sends the value with
// it, which is sound when `T: Send` (the same bound as `std::sync::RwLock`).
unsafe impl<T: Send> Send for RwLock<T> {}

// SAFETY: sharing `&RwLock<T>` between threads lets them reach the value in two ways: several
// readers get `&T` at the same time on different threads, which needs `T: Sync`; a writer gets
// `&mut T` on whichever thread calls `write`, which moves the value's use between threads and
// needs `T: Send`. `entry` guarantees that a `&mut T` never coexists with any other reference.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A lock around `value` that waits on the system clock.
    pub fn new(value: T) -> Self {
        Self::with_clock(value, &Clock::system())
    }

    /// A lock around `value` whose threads wait through condition variables made from `clock`.
    pub fn with_clock(value: T, clock: &Clock) -> Self {
        RwLock {
            entry: AtomicUsize::new(0),
            sleepers: Mutex::new(Sleepers::default()),
            readers_may_enter: Condvar::new(clock),
            writer_may_enter: Condvar::new(clock),
            value: UnsafeCell::new(value),
        }
    }

    /// Blocks until no writer is inside or waiting, then enters as a reader.
    pub fn read(&self) -> ReadGuard<'_, T> {
        if !self.try_enter_as_reader()
            && !self.spin(WRITERS_WAITING, |entry| {
                entry & WRITER == 0 && self.try_enter_as_reader()
            })
        {
            self.sleep_until_entered(
                READERS_WAITING,
                |sleepers| &mut sleepers.readers,
                &self.readers_may_enter,
                || self.try_enter_as_reader(),
            );
        }
        ReadGuard { lock: self }
    }

    /// Blocks until nobody is inside, then enters as the only writer.
    pub fn write(&self) -> WriteGuard<'_, T> {
        // Fast path: nobody inside and nobody asleep. Acquire pairs with the Release of the
        // last guard that left, so this writer sees everything it did.
        if self
            .entry
            .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
            && !self.spin(WRITERS_WAITING | READERS_WAITING, |entry| {
                entry & (WRITER | READERS) == 0 && self.try_enter_as_writer()
            })
        {
            self.sleep_until_entered(
                WRITERS_WAITING,
                |sleepers| &mut sleepers.writers,
                &self.writer_may_enter,
                || self.try_enter_as_writer(),
            );
        }
        WriteGuard { lock: self }
    }

    /// The value, once nobody can share the lock any more.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// Counts one more reader in, unless a writer is inside or waiting (a waiting writer goes
    /// first: a reader that arrives after it queues behind it, even though the readers inside
    /// could let it in). The retry loop runs again only when another thread changed `entry`
    /// in between, never to wait for one.
    fn try_enter_as_reader(&self) -> bool {
        let mut entry = self.entry.load(Ordering::Relaxed);
        loop {
            if entry & (WRITER | WRITERS_WAITING) != 0 {
                return false;
            }
            assert!(
                entry & READERS != READERS,
                "too many readers inside the RwLock"
            );
            // Acquire pairs with the Release of the last writer that left.
            match self.entry.compare_exchange(
                entry,
                entry + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => entry = now,
            }
        }
    }

    /// Spins for a short while instead of sleeping at once: up to `SPINS` times, looks at
    /// `entry`, gives up if it has a bit of `give_up` (someone sleeps: join them, in order), and
    /// otherwise calls `try_enter` with what it saw. True if `try_enter` got in. This is a
    /// bounded spin before a sleep, not a wait: spinning until the lock is free would burn a core
    /// for as long as the holder keeps it, and never sleep where the tests can see it.
    fn spin(&self, give_up: usize, try_enter: impl Fn(usize) -> bool) -> bool {
        for _ in 0..SPINS {
            hint::spin_loop();
            let entry = self.entry.load(Ordering::Relaxed);
            if entry & give_up != 0 {
                return false;
            }
            if try_enter(entry) {
                return true;
            }
        }
        false
    }

    /// Sets `WRITER`, keeping the waiting bits, unless anyone is inside.
    fn try_enter_as_writer(&self) -> bool {
        let mut entry = self.entry.load(Ordering::Relaxed);
        loop {
            if entry & (WRITER | READERS) != 0 {
                return false;
            }
            // Acquire pairs with the Release of the last guard that left.
            match self.entry.compare_exchange(
                entry,
                entry | WRITER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => entry = now,
            }
        }
    }

    /// The slow path of both kinds of thread: counts itself among the sleepers (`count` picks
    /// its field of `Sleepers`) and sets its waiting bit, then sleeps on `may_enter` until
    /// `try_enter` gets it in; the last sleeper of its kind out clears the bit. A writer's bit
    /// holds new readers back from this moment; a reader's makes the writer inside take its slow
    /// path when it leaves, and that path wakes us under `sleepers`.
    fn sleep_until_entered(
        &self,
        bit: usize,
        count: fn(&mut Sleepers) -> &mut usize,
        may_enter: &Condvar,
        try_enter: impl Fn() -> bool,
    ) {
        let mut sleepers = self.lock_sleepers();
        *count(&mut sleepers) += 1;
        self.entry.fetch_or(bit, Ordering::Relaxed);
        // We look at `entry` again after setting the bit, still holding `sleepers`: whoever left
        // before the bit was set is seen gone here; whoever leaves after it finds the bit, and
        // must lock `sleepers` to wake us, which it cannot do before we sleep.
        while !try_enter() {
            sleepers = may_enter
                .wait(&self.sleepers, sleepers)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let sleeping = count(&mut sleepers);
        *sleeping -= 1;
        if *sleeping == 0 {
            self.entry.fetch_and(!bit, Ordering::Relaxed);
        }
    }

    /// Locks the sleepers' counts. No code panics while holding it (every update is a few
    /// integer operations), so a poisoned mutex still holds consistent counts: take it anyway.
    fn lock_sleepers(&self) -> MutexGuard<'_, Sleepers> {
        self.sleepers.lock().unwrap_or_else(PoisonError::into_inner)
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
        let entry = self.entry.load(Ordering::Relaxed);
        f.debug_struct("RwLock")
            .field("readers_inside", &(entry & READERS))
            .field("writer_inside", &(entry & WRITER != 0))
            .field("sleepers", &*self.lock_sleepers())
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
        // SAFETY: this guard counts in `entry`'s readers, so `WRITER` stays clear until it is
        // dropped: nobody holds `&mut T` while the `&T` returned here (borrowed from the guard)
        // lives. Other readers only ever make `&T` too.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // Release pairs with the Acquire of the next writer to enter: our reads happen before
        // its writes.
        let before = self.lock.entry.fetch_sub(1, Ordering::Release);
        // Only the last reader out can let a writer in, and only a sleeping one needs waking.
        // One writer is enough to wake: only one can enter, and when it leaves it wakes the next.
        if before & READERS == 1 && before & WRITERS_WAITING != 0 {
            // Locked only to wait for a writer that saw us inside to be asleep, so that the
            // notify reaches it; released at the end of this block.
            let _sleepers = self.lock.lock_sleepers();
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
        // SAFETY: this guard set `WRITER`, so no reader and no other writer is inside until it
        // is dropped; the `&T` is borrowed from the guard, so it cannot outlive it.
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
        // Fast path: nobody asleep. Release pairs with the Acquire of whoever enters next.
        if self
            .lock
            .entry
            .compare_exchange(WRITER, 0, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        // Someone sleeps, or is about to (its bit is set before it sleeps, under `sleepers`).
        // Held while we leave and wake, so that no sleeper is between a look and a sleep;
        // released at the end of this function.
        let sleepers = self.lock.lock_sleepers();
        self.lock.entry.fetch_and(!WRITER, Ordering::Release);
        if sleepers.writers > 0 {
            // The next writer goes before any reader (the readers would only wait again).
            self.lock.writer_may_enter.notify_one();
        } else {
            // No writer waits: every waiting reader may enter together.
            self.lock.readers_may_enter.notify_all();
        }
    }
}
