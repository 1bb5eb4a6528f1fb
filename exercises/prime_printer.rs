//! Prime printer: a finder thread hands primes, one at a time, to a printer thread through a
//! monitor (a mutex and a condition variable); both threads stop cleanly at the end.
//!
//! Goal: `PrimePrinter::with_clock(clock, limit, on_found, print)` starts two threads. The
//! finder tries every number from 2 to `limit`; for each prime it calls `on_found(prime)`, then
//! hands the prime to the printer and waits until the printer has printed it. The printer waits
//! for a prime, calls `print(prime)`, and tells the finder it is done with it. So the two
//! threads take strict turns: found 2, printed 2, found 3, printed 3, ... When the finder runs
//! out of numbers it says so, and both threads end; `join` waits for them.
//!
//! What to build in this file:
//!
//! - `PrimePrinter::with_clock`: the monitor, and the two threads;
//! - `PrimePrinter::join`: wait for both threads;
//! - `find`: the finder thread (hand over each prime, wait until it is printed);
//! - `print_all`: the printer thread (wait for a prime or for the end, print, say so);
//! - `Leaving`'s `Drop`: whichever way a thread ends, tell the other one.
//!
//! Neither thread may spin: each waits on the condition variable until the other one changes
//! the state it waits for, and every such change is followed by a notify. Wait only through
//! `course_clock::Condvar`, made from the clock you are given, and lock only `course_sync`
//! mutexes: that is how the graded suite sees that your threads are asleep rather than spinning,
//! and how loom tries every interleaving.
//!
//! Chapter: `docs/src/part1/prime_printer.md`.
//! Check your work with `cargo xtask check prime_printer`; stuck? `cargo xtask hint
//! prime_printer`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_mut, unused_variables)]

use course_clock::{Clock, Condvar};
use course_sync::{Arc, Mutex, MutexGuard, thread};
use std::sync::PoisonError;

/// The finder and printer threads. `join` waits for both.
pub struct PrimePrinter {
    finder: thread::JoinHandle<()>,
    printer: thread::JoinHandle<()>,
}

impl PrimePrinter {
    /// Starts the two threads on the system clock.
    pub fn start<F, P>(limit: u64, on_found: F, print: P) -> Self
    where
        F: FnMut(u64) + Send + 'static,
        P: FnMut(u64) + Send + 'static,
    {
        Self::with_clock(Clock::system(), limit, on_found, print)
    }

    /// Starts the finder (which calls `on_found` with each prime up to `limit`, in order) and
    /// the printer (which calls `print` with each of them, in order), waiting on `clock`.
    pub fn with_clock<F, P>(clock: Clock, limit: u64, on_found: F, print: P) -> Self
    where
        F: FnMut(u64) + Send + 'static,
        P: FnMut(u64) + Send + 'static,
    {
        // TODO: build the `Monitor` (an empty slot, both flags false, the condition variable
        // made from `clock` with `Condvar::new(&clock)`) in an `Arc`, then spawn the finder
        // thread running `find` and the printer thread running `print_all`, each with its own
        // handle on the monitor.
        todo!("PrimePrinter::with_clock")
    }

    /// Waits until both threads have ended. An `Err` carries the panic of a thread that
    /// panicked (in `on_found` or `print`; the finder's first).
    pub fn join(self) -> std::thread::Result<()> {
        // TODO: join both threads (both, even if the first reports a panic), then combine the
        // two results.
        todo!("PrimePrinter::join")
    }
}

/// The monitor: the state both threads share, and the condition variable on which each waits
/// for the other to change it.
struct Monitor {
    /// TODO: what does this lock protect, and must it be held while `on_found` or `print`
    /// runs?
    state: Mutex<Handoff>,
    /// Notified after every change of `state`. TODO: both threads wait on it: is `notify_one`
    /// enough, or do you need `notify_all`?
    changed: Condvar,
}

/// Everything behind the lock.
struct Handoff {
    /// The prime handed over and not yet printed. TODO: when should the printer empty it, so
    /// that "empty" tells the finder its prime is out?
    slot: Option<u64>,
    /// Set when the finder has ended: no more primes will come. The seed's `exit_prog`.
    finder_done: bool,
    /// Set when the printer has ended (it can only end early if `print` panicked): nobody will
    /// empty the slot again.
    printer_gone: bool,
}

impl Monitor {
    fn lock(&self) -> MutexGuard<'_, Handoff> {
        // Nothing panics while the lock is held (the callbacks run outside it), so the state is
        // consistent even if a panic poisoned the lock; recovering keeps `Leaving` from
        // panicking in turn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&'a self, guard: MutexGuard<'a, Handoff>) -> MutexGuard<'a, Handoff> {
        // TODO: wait on `self.changed` (it takes the mutex as well as the guard), recovering
        // from poisoning as `lock` does.
        todo!("Monitor::wait")
    }
}

/// Which thread a `Leaving` guard belongs to.
#[derive(Clone, Copy)]
enum Side {
    Finder,
    Printer,
}

/// Held by each thread for its whole life: when the thread ends, normally or by a panic in its
/// callback, the guard's drop records that under the lock and wakes the other thread, which
/// would otherwise wait for it forever.
struct Leaving<'a> {
    monitor: &'a Monitor,
    side: Side,
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        // TODO: under the lock, set the flag of this guard's side (`finder_done` or
        // `printer_gone`). Is setting the flag enough to stop a thread that is already asleep?
        //
        // (No `todo!()` here: a panic in `drop` while a test is already failing aborts the
        // whole test run.)
    }
}

/// The finder thread: each prime up to `limit`, reported, handed over, and waited for.
fn find(monitor: &Monitor, limit: u64, mut on_found: impl FnMut(u64)) {
    // TODO: hold a `Leaving` guard for the finder. For each prime from 2 to `limit`: call
    // `on_found` (without the lock), put the prime in the slot and wake the printer, then wait
    // until the slot is empty again (or the printer is gone: then stop).
    todo!("the finder thread")
}

/// The printer thread: waits for a prime or for the end, prints, and says it is done.
fn print_all(monitor: &Monitor, mut print: impl FnMut(u64)) {
    // TODO: hold a `Leaving` guard for the printer. Loop: wait while the slot is empty and the
    // finder is not done; if the slot is still empty, return; otherwise print the prime
    // (without the lock), then empty the slot and wake the finder.
    todo!("the printer thread")
}

/// True if `n` is prime (trial division: plenty for the limits of this exercise).
fn is_prime(n: u64) -> bool {
    // TODO: `n` is prime if it is at least 2 and no number from 2 up to its square root
    // divides it.
    todo!("is_prime")
}
