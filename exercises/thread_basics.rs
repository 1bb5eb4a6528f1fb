//! Thread basics: split a CPU-bound job across scoped threads and combine the results; keep a
//! background worker that stops when its owner drops it.
//!
//! Goal: counting the primes in a range is pure computation, so `n` threads on `n` free cores
//! finish it about `n` times sooner. `count_primes_parallel` cuts the range into contiguous
//! chunks, counts each chunk on a thread of its own, all at the same time, and adds the counts
//! up: the answer is exactly the sequential one, for every range and every number of threads.
//! Every thread it starts has ended, joined, when it returns. `PrimeSearch` is the other shape of
//! thread: a worker that goes on in the background (finding primes, one after another) for as
//! long as its owner keeps it, and that stops and is joined when the owner drops it: Rust's
//! answer to Python's daemon thread.
//!
//! What to build in this file:
//!
//! - `is_prime` and `count_primes`: the sequential job;
//! - `split`: cut a range into at most `parts` contiguous chunks of (nearly) equal size;
//! - `count_primes_parallel`: one scoped thread per chunk, then join them all and add up;
//! - `PrimeSearch::start`, and its `Drop`: the background worker and its orderly end.
//!
//! Start threads with `course_sync::thread` (for `PrimeSearch`) and `std::thread::scope` (for
//! the parallel count: loom has no scoped threads, and this exercise has no loom models), and
//! take the stop flag's atomics from `course_sync`.
//!
//! Chapter: `docs/src/part1/thread_basics.md`.
//! Check your work with `cargo xtask check thread_basics`; stuck? `cargo xtask hint
//! thread_basics`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_mut, unused_variables)]

use course_sync::atomic::{AtomicBool, Ordering};
use course_sync::{Arc, thread};
use std::num::NonZeroUsize;
use std::ops::Range;

/// True if `n` is prime.
pub fn is_prime(n: u64) -> bool {
    // TODO: 0 and 1 are not prime; try the divisors `d` with `d * d <= n` (written so that it
    // cannot overflow).
    todo!("is_prime")
}

/// How many numbers in `range` are prime, counted on the calling thread.
pub fn count_primes(range: Range<u64>) -> u64 {
    // TODO: the sequential answer, the one the parallel count must always equal.
    todo!("count_primes")
}

/// Cuts `range` into at most `parts` contiguous, non-empty chunks, in order, that together cover
/// it exactly; their lengths differ by at most one. An empty range gives no chunks, and a range
/// shorter than `parts` gives one chunk per number.
pub fn split(range: Range<u64>, parts: NonZeroUsize) -> Vec<Range<u64>> {
    // TODO: never more chunks than numbers. Dividing the length by the number of chunks leaves
    // a remainder: say where those numbers go (dropping them is the classic bug).
    todo!("split")
}

/// One chunk of a parallel count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkCount {
    /// The numbers this chunk covered.
    pub range: Range<u64>,
    /// How many of them are prime.
    pub primes: u64,
}

/// The result of a parallel count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimeCount {
    /// How many numbers in the whole range are prime: the sum over the chunks.
    pub total: u64,
    /// Each chunk, in the order of the range.
    pub chunks: Vec<ChunkCount>,
}

/// Counts the primes in `range` on up to `threads` threads at once: [`split`]s the range, counts
/// each chunk on a scoped thread of its own, joins every thread and adds the counts up.
///
/// `on_chunk` is called on the chunk's own thread, with the chunk, just before that thread
/// counts it: a hook to watch the work being shared out (the graded suite records which thread
/// ran which chunk). It may borrow from the caller: it needs to be `Sync`, because every thread
/// calls it through a shared reference, but not `'static`.
///
/// Every thread started here has ended when this returns. If a thread panics (in `on_chunk`, say),
/// the panic is raised again here once every thread has ended.
pub fn count_primes_parallel<F>(range: Range<u64>, threads: NonZeroUsize, on_chunk: F) -> PrimeCount
where
    F: Fn(&Range<u64>) + Sync,
{
    // TODO: in `std::thread::scope`, spawn one thread per chunk of `split(range, threads)`;
    // each calls `on_chunk(&chunk)` and then counts its chunk. Start them ALL before joining
    // any (joining inside the spawning loop runs the chunks one after another). Then join every
    // handle yourself (the graded suite checks that each thread has fully ended, thread-locals
    // and all, when this returns: the scope's own wait does not promise that, `join` does),
    // re-raise a thread's panic with `std::panic::resume_unwind`, and add the counts up.
    todo!("count_primes_parallel")
}

/// A background worker that finds primes, in increasing order from 2, and reports each one to a
/// callback on its own thread, for as long as it is kept.
///
/// Dropping it stops the worker and waits for its thread to end: when `drop` returns, the
/// callback is not running and will never be called again. Where Python marks a thread as a
/// daemon and lets it be killed mid-step when the program exits, this worker ends at a point it
/// chooses (between two primes), and its owner decides when, by dropping it.
pub struct PrimeSearch {
    /// Set once, by `Drop`; the worker checks it between numbers.
    stop: Arc<AtomicBool>,
    /// The worker thread. `Drop` takes it to join it.
    worker: Option<thread::JoinHandle<()>>,
}

impl PrimeSearch {
    /// Starts the worker: it calls `on_prime(2)`, `on_prime(3)`, `on_prime(5)`, ... on its own
    /// thread until the search is dropped.
    ///
    /// `on_prime` goes to another thread that may run for as long as the search lives, so it
    /// must be `Send` and own everything it uses (`'static`).
    pub fn start<F>(mut on_prime: F) -> Self
    where
        F: FnMut(u64) + Send + 'static,
    {
        // TODO: spawn (with `thread::Builder`, to name the thread) a worker that walks
        // n = 2, 3, 4, ... calling `on_prime(n)` for each prime, and checks the stop flag
        // before each number. Choose the flag's memory orderings and say how they pair with
        // `Drop`'s.
        todo!("PrimeSearch::start")
    }
}

impl Drop for PrimeSearch {
    fn drop(&mut self) {
        // TODO: set the stop flag, then take the handle and join the worker, so that when drop
        // returns the worker's thread has ended and `on_prime` will never run again. Do not
        // panic here (no `unwrap` of the join's result): a panic in drop while unwinding
        // aborts the program.
    }
}
