//! What the cases and properties share: [`race`] lets several threads increment one counter at
//! once (released together by a gate, and in the cases going on until they demonstrably
//! interleaved) and records, per thread, what its increments returned;
//! [`check_race`] checks that no increment was lost and that no two increments saw the same
//! value.

use crate::kinds::Kind;
use course_testkit::{Gate, Trace};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the trace records. Threads record a summary, not every increment: recording takes a
/// lock, and a lock around each increment would hide the very race under test.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    /// A thread is about to increment, for `length`.
    Starts { thread: usize, length: Length },
    /// It is done: its increments returned `first` ..= `last` (in call order), `returned` values
    /// in all.
    Done {
        thread: usize,
        returned: usize,
        first: Option<u64>,
        last: Option<u64>,
    },
    /// After joining every thread, `get` read `count`.
    Read { count: u64 },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Starts {
                thread,
                length: Length::Exactly(times),
            } => write!(f, "thread {thread} starts {times} increments"),
            Event::Starts {
                thread,
                length: Length::Interleaved { interleavings, .. },
            } => write!(
                f,
                "thread {thread} starts incrementing until the threads interleaved {interleavings} times"
            ),
            Event::Done {
                thread,
                returned,
                first: Some(first),
                last: Some(last),
            } => write!(
                f,
                "thread {thread} done: {returned} increments returned {first} (first) ... {last} (last)"
            ),
            Event::Done { thread, .. } => write!(f, "thread {thread} done: no increments"),
            Event::Read { count } => write!(f, "after joining every thread, get() = {count}"),
        }
    }
}

/// What a race produced.
pub(crate) struct Race {
    pub(crate) kind: Kind,
    pub(crate) trace: Trace<Event>,
    /// Per thread, what its increments returned, in call order.
    pub(crate) returned: Vec<Vec<u64>>,
    /// `get()` after every thread was joined.
    pub(crate) count: u64,
}

/// How long each thread of a race goes on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Length {
    /// Exactly this many increments.
    Exactly(usize),
    /// Until the threads, together, have seen `interleavings` increments of another thread
    /// land between two of their own, or `cap` increments each: a race that surely overlapped
    /// (on a machine with more than one core free), however the scheduler started the threads.
    Interleaved { interleavings: usize, cap: usize },
}

/// Makes a counter of `kind`, then one thread per entry of `lengths`, each incrementing as long
/// as its entry says; all are released together by a gate, so they really do increment at the
/// same time.
pub(crate) fn race(kind: Kind, lengths: &[Length]) -> Race {
    let counter: Arc<dyn crate::kinds::Counter> = Arc::from(kind.make());
    let trace = Trace::new();
    trace.name_thread("test");
    let go = Arc::new(Gate::new());
    // Counted by the test's threads, not by the counter under test.
    let interleaved = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = lengths
        .iter()
        .enumerate()
        .map(|(thread, &length)| {
            let (counter, trace, go) = (Arc::clone(&counter), trace.clone(), Arc::clone(&go));
            let interleaved = Arc::clone(&interleaved);
            std::thread::spawn(move || {
                trace.name_thread(format!("thread {thread}"));
                trace.record(Event::Starts { thread, length });
                go.pass("the test to release the incrementing threads");
                let returned = match length {
                    Length::Exactly(times) => (0..times).map(|_| counter.increment()).collect(),
                    Length::Interleaved { interleavings, cap } => {
                        let mut returned: Vec<u64> = Vec::new();
                        while returned.len() < cap
                            && interleaved.load(Ordering::Relaxed) < interleavings
                        {
                            let value = counter.increment();
                            if returned.last().is_some_and(|&last| value != last + 1) {
                                interleaved.fetch_add(1, Ordering::Relaxed);
                            }
                            returned.push(value);
                        }
                        returned
                    }
                };
                trace.record(Event::Done {
                    thread,
                    returned: returned.len(),
                    first: returned.first().copied(),
                    last: returned.last().copied(),
                });
                returned
            })
        })
        .collect();
    go.open();
    let returned: Vec<Vec<u64>> = threads
        .into_iter()
        .map(|thread| match thread.join() {
            Ok(returned) => returned,
            // Re-raise the thread's own panic (a `todo!()`, say), message and all.
            Err(panic) => std::panic::resume_unwind(panic),
        })
        .collect();
    let count = counter.get();
    trace.record(Event::Read { count });
    Race {
        kind,
        trace,
        returned,
        count,
    }
}

/// Checks the race: the count is the number of increments, and the increments returned exactly
/// the values 1 ..= that number, each once, each thread's in increasing order.
pub(crate) fn check_race(race: &Race) -> Result<(), String> {
    let kind = race.kind;
    let total: usize = race.returned.iter().map(Vec::len).sum();
    let last = race.trace.len().saturating_sub(1);
    let fail = |message: String| {
        Err(format!(
            "{message}\ntrace:\n{}",
            race.trace.excerpt(&[last])
        ))
    };
    if race.count != total as u64 {
        let lost = (total as u64).saturating_sub(race.count);
        return fail(format!(
            "{kind}: {total} increments from {} threads, but the count is {}: {lost} increment(s) \
             lost. Two increments read the same count and both wrote it plus one: the read, the \
             add and the write must be one indivisible step (one critical section, or one atomic \
             read-modify-write)",
            race.returned.len(),
            race.count
        ));
    }
    let mut owner: Vec<Option<usize>> = vec![None; total + 1];
    for (thread, values) in race.returned.iter().enumerate() {
        for pair in values.windows(2) {
            if pair[1] <= pair[0] {
                return fail(format!(
                    "{kind}: thread {thread}'s increments returned {} and then {}: each increment \
                     must return the count just after it, which only grows",
                    pair[0], pair[1]
                ));
            }
        }
        for &value in values {
            if value == 0 || value > total as u64 {
                return fail(format!(
                    "{kind}: thread {thread}'s increment returned {value}, but after {total} \
                     increments from zero every increment must return a value in 1..={total}"
                ));
            }
            if let Some(other) = owner[value as usize].replace(thread) {
                return fail(format!(
                    "{kind}: two increments (by thread {other} and thread {thread}) both \
                     returned {value}: both read {} and both wrote {value}, so one increment \
                     was lost",
                    value - 1
                ));
            }
        }
    }
    Ok(())
}

pub(crate) use course_testkit::OrFail;
