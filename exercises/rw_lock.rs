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

// Delete this line when you start: it keeps the unfinished stub free of warnings.
#![allow(dead_code, unused_imports, unused_variables)]

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
        // TODO: nobody inside, nobody asleep; both condition variables made from `clock`.
        todo!("RwLock::with_clock")
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
        // TODO: fast path: one compare-and-swap from "nobody inside, nobody asleep" (0) to
        // `WRITER`, with the ordering that makes this writer see what the last guard did; if it
        // fails, spin as `read` does (here: give up once anyone sleeps, try whenever nobody is
        // inside), and if that fails too, sleep as `read` does, with the writers' bit, count,
        // condition variable and `try_enter_as_writer`.
        todo!("RwLock::write")
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
        // TODO: load `entry`; give up if a writer is inside or waiting; otherwise try to swap in
        // one more reader, and look again if another thread changed `entry` meanwhile. Which
        // ordering makes this reader see what the last writer wrote?
        todo!("RwLock::try_enter_as_reader")
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
        // TODO: as `try_enter_as_reader`, for a writer: give up if anyone is inside; set `WRITER`
        // without clearing the waiting bits.
        todo!("RwLock::try_enter_as_writer")
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
        // TODO: lock `sleepers`; count yourself in (`*count(&mut sleepers) += 1`) and set `bit`
        // in `entry`; then, in a loop, call `try_enter` and wait on `may_enter` while it fails;
        // once in, count yourself out, and clear `bit` if you were the last sleeper of your kind.
        todo!("RwLock::sleep_until_entered")
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
        // TODO: `&*self.lock.value.get()` in an `unsafe` block, with a `// SAFETY:` comment
        // saying why no `&mut T` can exist while this guard lives.
        todo!("ReadGuard::deref")
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // TODO: count this reader out of `entry` (which ordering?); if it was the last reader
        // inside and a writer sleeps, wake one writer, holding `sleepers` while you notify.
        // (No `todo!()` here: a panic in `drop` while unwinding aborts.)
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
        // TODO: fast path: swap `WRITER` for 0 if nobody sleeps. Otherwise lock `sleepers`,
        // clear `WRITER`, and wake the next writer if one sleeps, or else every sleeping reader.
        // (No `todo!()` here: a panic in `drop` while unwinding aborts.)
    }
}
