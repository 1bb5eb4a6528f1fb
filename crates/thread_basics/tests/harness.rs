//! What the cases, properties and traces share: [`Run`] counts primes in parallel with an
//! observer that records, for each chunk, which thread ran it; the checks compare the result
//! with the suite's own sequential count and the chunks with the range.

use course_testkit::Trace;
use std::cell::RefCell;
use std::fmt;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;
use thread_basics::{PrimeCount, count_primes_parallel};

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The test calls `count_primes_parallel(range, threads)`.
    Calls { range: Range<u64>, threads: usize },
    /// `on_chunk` was called with `range`, on the thread `thread`.
    Chunk { range: Range<u64>, thread: ThreadId },
    /// `count_primes_parallel` returned `total`, in `chunks` chunks.
    Returned { total: u64, chunks: usize },
    /// The prime search reported `prime`, on the thread `thread`.
    Found { prime: u64, thread: ThreadId },
    /// The test starts dropping the prime search.
    DropStarts,
    /// Dropping the prime search returned.
    DropReturned,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Calls { range, threads } => {
                write!(f, "count_primes_parallel({range:?}, {threads} threads)")
            }
            Event::Chunk { range, thread } => write!(f, "chunk {range:?} starts on {thread:?}"),
            Event::Returned { total, chunks } => {
                write!(f, "returned {total} primes in {chunks} chunks")
            }
            Event::Found { prime, thread } => write!(f, "found {prime} on {thread:?}"),
            Event::DropStarts => f.write_str("the test drops the search"),
            Event::DropReturned => f.write_str("drop returned"),
        }
    }
}

/// The suite's own answer: trial division, nothing shared with the code under test.
pub(crate) fn primes_in(range: Range<u64>) -> u64 {
    range
        .filter(|&n| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as u64
}

pub(crate) fn nonzero(threads: usize) -> NonZeroUsize {
    NonZeroUsize::new(threads).expect("the suite asks for at least one thread")
}

/// A parallel count and its trace.
pub(crate) struct Run {
    pub(crate) range: Range<u64>,
    pub(crate) threads: usize,
    pub(crate) trace: Trace<Event>,
    pub(crate) result: PrimeCount,
    /// The test's own thread: no chunk may run on it.
    pub(crate) caller: ThreadId,
}

impl Run {
    /// Counts the primes in `range` on `threads` threads, recording each chunk's thread; `also`
    /// runs on the chunk's thread too, after the recording.
    pub(crate) fn with(
        range: Range<u64>,
        threads: usize,
        also: impl Fn(&Range<u64>) + Sync,
    ) -> Run {
        let trace = Trace::new();
        trace.name_thread("test");
        trace.record(Event::Calls {
            range: range.clone(),
            threads,
        });
        let result = count_primes_parallel(range.clone(), nonzero(threads), |chunk| {
            trace.record(Event::Chunk {
                range: chunk.clone(),
                thread: std::thread::current().id(),
            });
            also(chunk);
        });
        trace.record(Event::Returned {
            total: result.total,
            chunks: result.chunks.len(),
        });
        Run {
            range,
            threads,
            trace,
            result,
            caller: std::thread::current().id(),
        }
    }

    pub(crate) fn new(range: Range<u64>, threads: usize) -> Run {
        Run::with(range, threads, |_| ())
    }

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!(
            "count_primes_parallel({:?}, {} threads): {message}\ntrace:\n{}",
            self.range,
            self.threads,
            self.trace.excerpt(focus)
        )
    }

    fn returned_seq(&self) -> usize {
        self.trace.len() - 1
    }

    /// The total is the sequential answer.
    pub(crate) fn check_total(&self) -> Result<(), String> {
        let want = primes_in(self.range.clone());
        if self.result.total != want {
            return Err(self.failure(
                format!(
                    "counted {} primes, but there are {want}: the parallel count must equal \
                     the sequential one",
                    self.result.total
                ),
                &[self.returned_seq()],
            ));
        }
        Ok(())
    }

    /// The chunks returned cover the range exactly, in order, non-empty, at most one per
    /// thread, with lengths that differ by at most one, each with its right count.
    pub(crate) fn check_chunks(&self) -> Result<(), String> {
        let chunks = &self.result.chunks;
        let len = self.range.end.saturating_sub(self.range.start);
        let want_chunks = (self.threads as u64).min(len) as usize;
        let ranges: Vec<Range<u64>> = chunks.iter().map(|c| c.range.clone()).collect();
        let focus = [self.returned_seq()];
        if chunks.len() != want_chunks {
            return Err(self.failure(
                format!(
                    "returned {} chunks {ranges:?}, but {} numbers over {} threads make {want_chunks} \
                     chunks (one per thread, never more chunks than numbers, no empty chunk)",
                    chunks.len(),
                    len,
                    self.threads
                ),
                &focus,
            ));
        }
        let mut next = self.range.start;
        for chunk in chunks {
            if chunk.range.start != next || chunk.range.is_empty() {
                let gap = if chunk.range.start > next {
                    format!(
                        ": the numbers {:?} are in no chunk",
                        next..chunk.range.start
                    )
                } else {
                    String::new()
                };
                return Err(self.failure(
                    format!(
                        "the chunks {ranges:?} do not cover {:?} in order, without gaps, \
                         overlaps or empty chunks{gap}",
                        self.range
                    ),
                    &focus,
                ));
            }
            next = chunk.range.end;
            let want = primes_in(chunk.range.clone());
            if chunk.primes != want {
                return Err(self.failure(
                    format!(
                        "chunk {:?} reports {} primes, but it holds {want}",
                        chunk.range, chunk.primes
                    ),
                    &focus,
                ));
            }
        }
        if len > 0 && next != self.range.end {
            return Err(self.failure(
                format!(
                    "the chunks {ranges:?} stop at {next}, but the range ends at {}: the numbers \
                     {:?} were never counted (the remainder of the division was dropped)",
                    self.range.end,
                    next..self.range.end
                ),
                &focus,
            ));
        }
        let sizes: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
        if let (Some(min), Some(max)) = (sizes.iter().min(), sizes.iter().max())
            && max - min > 1
        {
            return Err(self.failure(
                format!(
                    "the chunks {ranges:?} have lengths {sizes:?}: lengths must differ by at \
                     most one, so that no thread gets much more work than the others"
                ),
                &focus,
            ));
        }
        Ok(())
    }

    /// Every chunk was announced once, each on a thread of its own, none on the caller's.
    pub(crate) fn check_own_threads(&self) -> Result<(), String> {
        let events = self.trace.events();
        let announced: Vec<(usize, Range<u64>, ThreadId)> = events
            .iter()
            .filter_map(|e| match &e.what {
                Event::Chunk { range, thread } => Some((e.seq, range.clone(), *thread)),
                _ => None,
            })
            .collect();
        let mut announced_ranges: Vec<Range<u64>> =
            announced.iter().map(|(_, r, _)| r.clone()).collect();
        announced_ranges.sort_by_key(|r| r.start);
        let returned: Vec<Range<u64>> =
            self.result.chunks.iter().map(|c| c.range.clone()).collect();
        if announced_ranges != returned {
            return Err(self.failure(
                format!(
                    "on_chunk was called for {announced_ranges:?}, but the chunks returned are \
                     {returned:?}: call on_chunk exactly once per chunk, on the chunk's thread"
                ),
                &[],
            ));
        }
        for (i, (seq, range, thread)) in announced.iter().enumerate() {
            if *thread == self.caller {
                return Err(self.failure(
                    format!(
                        "chunk {range:?} ran on the calling thread: each chunk must be counted \
                         on a thread spawned for it, or nothing runs in parallel"
                    ),
                    &[*seq],
                ));
            }
            if let Some((other_seq, other, _)) = announced[..i].iter().find(|(_, _, t)| t == thread)
            {
                return Err(self.failure(
                    format!(
                        "chunks {other:?} and {range:?} ran on the same thread: each chunk \
                         must get a thread of its own"
                    ),
                    &[*other_seq, *seq],
                ));
            }
        }
        Ok(())
    }
}

/// Counts the threads it watches, and how many of those have ended: a thread-local guard set on
/// each watched thread records its end when the thread's thread-locals are destroyed, which
/// happens before a join of that thread returns.
///
/// The guard lingers in its destructor (at most [`LINGER`], or until [`release`] is called), so
/// a thread's end takes a while: code that returns without joining its threads returns while
/// they are still lingering, every time, rather than only when the scheduler happens to be slow.
/// Code that joins waits out the linger, and passes.
///
/// [`release`]: ThreadExits::release
pub(crate) struct ThreadExits {
    /// The thread that made this: never watched (it is the test's own, and does not end).
    owner: ThreadId,
    watched: AtomicUsize,
    ended: AtomicUsize,
    /// Set by `release`: ending threads stop lingering.
    released: Mutex<bool>,
    release: Condvar,
}

/// How long a watched thread lingers in its end. Longer than any scheduling delay between a
/// scope's last closure returning and the scope returning; short enough for a quick test.
pub(crate) const LINGER: Duration = Duration::from_millis(150);

impl ThreadExits {
    pub(crate) fn new() -> Arc<ThreadExits> {
        Arc::new(ThreadExits {
            owner: std::thread::current().id(),
            watched: AtomicUsize::new(0),
            ended: AtomicUsize::new(0),
            released: Mutex::new(false),
            release: Condvar::new(),
        })
    }

    /// Watches the calling thread (unless it is the owner's): its end will be counted.
    pub(crate) fn watch(self: &Arc<Self>) {
        if std::thread::current().id() == self.owner {
            return;
        }
        let fresh = ON_THREAD_EXIT.with(|slot| {
            let mut slot = slot.borrow_mut();
            let fresh = slot.is_none();
            slot.get_or_insert_with(|| CountOnExit(Arc::clone(self)));
            fresh
        });
        if fresh {
            self.watched.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// How many watched threads have not ended yet.
    pub(crate) fn still_running(&self) -> usize {
        let ended = self.ended.load(Ordering::SeqCst);
        self.watched.load(Ordering::SeqCst).saturating_sub(ended)
    }

    /// Lets threads that are still lingering end at once.
    pub(crate) fn release(&self) {
        *self.released.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.release.notify_all();
    }

    fn linger(&self) {
        let released = self.released.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .release
            .wait_timeout_while(released, LINGER, |released| !*released);
    }
}

/// Counts a thread's end when the thread-local holding it is destroyed.
struct CountOnExit(Arc<ThreadExits>);

impl Drop for CountOnExit {
    fn drop(&mut self) {
        self.0.linger();
        self.0.ended.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    /// Set by [`ThreadExits::watch`].
    static ON_THREAD_EXIT: RefCell<Option<CountOnExit>> = const { RefCell::new(None) };
}

pub(crate) use course_testkit::OrFail;
