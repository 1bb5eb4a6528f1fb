//! What the cases, properties and traces share: a [`Scenario`] (a queue on a virtual clock,
//! with a trace of every call and return), and the sequential queue that recorded histories
//! are checked against.

use blocking_queue::{BlockingQueue, PutError, TakeError};
use course_clock::VirtualClock;
use course_testkit::{Model, Trace, join_patiently, patience};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What the trace records: a thread called an operation, or it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Called(String),
    Returned(String),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Called(call) => write!(f, "{call} ..."),
            Event::Returned(call) => write!(f, "... {call}"),
        }
    }
}

/// A queue of `u32`s on a fresh virtual clock, with a trace.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) queue: Arc<BlockingQueue<u32>>,
    pub(crate) trace: Trace<Event>,
}

impl Scenario {
    pub(crate) fn new(capacity: usize) -> Self {
        let clock = VirtualClock::new();
        let queue = Arc::new(BlockingQueue::with_clock(capacity, clock.clock()));
        let trace = Trace::new();
        trace.name_thread("test");
        Scenario {
            clock,
            queue,
            trace,
        }
    }

    /// Runs `call` (described as `what`) on this thread, recording the call and the result.
    pub(crate) fn call<R: fmt::Debug>(
        &self,
        what: &str,
        call: impl FnOnce(&BlockingQueue<u32>) -> R,
    ) -> R {
        record_call(&self.trace, &self.queue, what, call)
    }

    /// Starts a thread named `name` that runs `call` (described as `what`), recording the call
    /// and its result.
    pub(crate) fn spawn<R>(
        &self,
        name: &str,
        what: &str,
        call: impl FnOnce(&BlockingQueue<u32>) -> R + Send + 'static,
    ) -> Waiter<R>
    where
        R: fmt::Debug + Send + 'static,
    {
        let (trace, queue, name, what) = (
            self.trace.clone(),
            Arc::clone(&self.queue),
            name.to_owned(),
            what.to_owned(),
        );
        let thread_name = name.clone();
        let handle = std::thread::spawn(move || {
            trace.name_thread(thread_name);
            record_call(&trace, &queue, &what, call)
        });
        Waiter { name, handle }
    }

    /// Waits until `threads` threads are asleep on the clock (in `put` or `take`).
    pub(crate) fn settle(&self, threads: usize, what: &str) {
        if !self.clock.wait_until_blocked_for(threads, patience()) {
            self.trace.fail(
                format!(
                    "{what}: expected {threads} thread(s) asleep in the queue, but after {:?} \
                     only {} were. A thread that should wait must sleep on the queue's \
                     course_clock::Condvar (not spin, not std::thread::sleep)",
                    patience(),
                    self.clock.blocked()
                ),
                &[],
            );
        }
    }

    /// Joins `waiter` patiently, failing with `why` if it does not return.
    pub(crate) fn join<R>(&self, waiter: Waiter<R>, why: &str) -> R {
        let name = waiter.name;
        match join_patiently(waiter.handle) {
            Some(Ok(result)) => result,
            Some(Err(_)) => self.trace.fail(format!("{name} panicked"), &[]),
            None => self.trace.fail(
                format!("{name} did not return within {:?}: {why}", patience()),
                &[],
            ),
        }
    }
}

/// A thread started by [`Scenario::spawn`].
pub(crate) struct Waiter<R> {
    name: String,
    handle: std::thread::JoinHandle<R>,
}

fn record_call<R: fmt::Debug>(
    trace: &Trace<Event>,
    queue: &BlockingQueue<u32>,
    what: &str,
    call: impl FnOnce(&BlockingQueue<u32>) -> R,
) -> R {
    trace.record(Event::Called(what.to_owned()));
    let result = call(queue);
    trace.record(Event::Returned(format!("{what} -> {result:?}")));
    result
}

pub(crate) const fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// An operation of a recorded history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Put(u32),
    TryPut(u32),
    Take,
    TryTake,
}

/// What an operation returned, as the sequential queue says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ret {
    Put,
    Full,
    Took(u32),
    Empty,
    /// Only the model returns this: the operation would block here, so it cannot take effect
    /// at this point of a sequential order.
    Blocked,
    /// A result the sequential queue never gives (a closed error on an open queue).
    Other(String),
}

impl Ret {
    pub(crate) fn of_put(result: Result<(), PutError<u32>>) -> Ret {
        match result {
            Ok(()) => Ret::Put,
            Err(PutError::Full(_)) => Ret::Full,
            Err(error @ PutError::Closed(_)) => Ret::Other(format!("{error:?}")),
        }
    }

    pub(crate) fn of_take(result: Result<u32, TakeError>) -> Ret {
        match result {
            Ok(item) => Ret::Took(item),
            Err(TakeError::Empty) => Ret::Empty,
            Err(error @ TakeError::Closed) => Ret::Other(format!("{error:?}")),
        }
    }
}

/// The sequential specification: a bounded FIFO queue, one operation at a time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SequentialQueue {
    pub(crate) items: VecDeque<u32>,
    pub(crate) capacity: usize,
}

impl Model for SequentialQueue {
    type Op = Op;
    type Ret = Ret;

    fn apply(&mut self, op: &Op) -> Ret {
        let full = self.items.len() >= self.capacity;
        match (op, self.items.front()) {
            (Op::Put(_), _) if full => Ret::Blocked,
            (Op::TryPut(_), _) if full => Ret::Full,
            (Op::Put(item) | Op::TryPut(item), _) => {
                self.items.push_back(*item);
                Ret::Put
            }
            (Op::Take, None) => Ret::Blocked,
            (Op::TryTake, None) => Ret::Empty,
            (Op::Take | Op::TryTake, Some(_)) => {
                Ret::Took(self.items.pop_front().expect("the queue has a front"))
            }
        }
    }
}
