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
        let monitor = Arc::new(Monitor {
            state: Mutex::new(Handoff {
                slot: None,
                finder_done: false,
                printer_gone: false,
            }),
            changed: Condvar::new(&clock),
        });
        // Each thread owns a handle on the monitor; they need nothing else from each other.
        let finder = {
            let monitor = Arc::clone(&monitor);
            thread::Builder::new()
                .name("prime finder".to_owned())
                .spawn(move || find(&monitor, limit, on_found))
                .expect("failed to spawn the finder thread")
        };
        let printer = thread::Builder::new()
            .name("prime printer".to_owned())
            .spawn(move || print_all(&monitor, print))
            .expect("failed to spawn the printer thread");
        PrimePrinter { finder, printer }
    }

    /// Waits until both threads have ended. An `Err` carries the panic of a thread that
    /// panicked (in `on_found` or `print`; the finder's first).
    pub fn join(self) -> std::thread::Result<()> {
        // Join both before looking at either result: a panic in one still lets the other end
        // (see `Leaving`), and nobody is left running behind our back.
        let finder = self.finder.join();
        let printer = self.printer.join();
        finder.and(printer)
    }
}

/// The monitor: the state both threads share, and the condition variable on which each waits
/// for the other to change it.
struct Monitor {
    /// Protects the hand-off. Held only to look at or change it; never while `on_found` or
    /// `print` runs, so a slow printer does not keep the finder out of the state, nor the
    /// reverse.
    state: Mutex<Handoff>,
    /// Notified after every change of `state`. Both threads wait on it, each for its own
    /// condition, but never both at once (see `find`), so `notify_one` always reaches the one
    /// waiting, if any.
    changed: Condvar,
}

/// Everything behind the lock.
struct Handoff {
    /// The prime handed over and not yet printed. The finder fills it; the printer empties it
    /// only *after* printing, so "empty" tells the finder the prime is out.
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
        // Releases the lock once this thread is registered as waiting, and takes it again
        // before returning: a notify sent under the lock after our check cannot be missed.
        self.changed
            .wait(&self.state, guard)
            .unwrap_or_else(PoisonError::into_inner)
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
        let mut state = self.monitor.lock();
        match self.side {
            Side::Finder => state.finder_done = true,
            Side::Printer => state.printer_gone = true,
        }
        // The notify that the seed forgets: the printer may be asleep right now, waiting for a
        // prime that will never come. The flag alone wakes nobody.
        self.monitor.changed.notify_one();
        // Unlocking (dropping `state`) releases the flag; the other thread's next lock, or
        // its return from `wait`, acquires it.
    }
}

/// The finder thread: each prime up to `limit`, reported, handed over, and waited for.
fn find(monitor: &Monitor, limit: u64, mut on_found: impl FnMut(u64)) {
    let _leaving = Leaving {
        monitor,
        side: Side::Finder,
    };
    for candidate in 2..=limit {
        if !is_prime(candidate) {
            continue;
        }
        // Report outside the lock: the report may take long, and the printer has nothing to
        // wait for meanwhile.
        on_found(candidate);
        let mut state = monitor.lock();
        // The slot is empty: we waited for that before leaving the previous round.
        state.slot = Some(candidate);
        // The printer is waiting for a prime, or will look at the slot before it waits.
        monitor.changed.notify_one();
        // Wait until the printer has emptied the slot: the prime is printed. Only this thread
        // waits now (the printer has work to do), so the two never wait at once.
        while state.slot.is_some() && !state.printer_gone {
            state = monitor.wait(state);
        }
        if state.printer_gone {
            // Nobody prints any more: stop looking.
            return;
        }
    }
    // Dropping `_leaving` sets `finder_done` and wakes the printer.
}

/// The printer thread: waits for a prime or for the end, prints, and says it is done.
fn print_all(monitor: &Monitor, mut print: impl FnMut(u64)) {
    let _leaving = Leaving {
        monitor,
        side: Side::Printer,
    };
    let mut state = monitor.lock();
    loop {
        // The seed's `while not found_prime and not exit_prog: wait()`. The loop matters: a
        // wake-up only means "look again".
        while state.slot.is_none() && !state.finder_done {
            state = monitor.wait(state);
        }
        let Some(prime) = state.slot else {
            // The finder is done and nothing is left to print. (`state` is dropped before
            // `_leaving`, which locks again.)
            return;
        };
        // Print outside the lock; the prime stays in the slot, so the finder keeps waiting.
        drop(state);
        print(prime);
        state = monitor.lock();
        state.slot = None;
        // The finder waits for the empty slot. We keep the lock from here until our own
        // next wait, so the finder sees the empty slot only once we are waiting again.
        monitor.changed.notify_one();
    }
}

/// True if `n` is prime (trial division: plenty for the limits of this exercise).
fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|&divisor| divisor <= n / divisor)
            .all(|divisor| !n.is_multiple_of(divisor))
}
