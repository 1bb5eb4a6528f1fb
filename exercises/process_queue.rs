//! A work queue across processes: K worker processes drain the parent's queue, each item is
//! processed exactly once, and a sentinel stops each worker once the queue is finished.
//!
//! Goal: `distribute(program, workers, queue, on_progress)` starts `workers` copies of
//! `program` (the course's `process_queue-worker`), feeds them the items of `queue` over their
//! stdin, reads each answer from their stdout, and returns when the queue is closed and
//! drained and every worker has been stopped with the sentinel and waited for. Each worker
//! reports how many items it processed; `distribute` returns those counts.
//!
//! The rules:
//!
//! - every item put in the queue is processed exactly once, by one worker;
//! - an empty queue is not a finished one: a worker is stopped only once `get` says the queue
//!   is closed and drained (`None`), never because `is_empty()` said `true`;
//! - fair start: no worker takes its second item before every worker has taken its first (or
//!   found the queue finished), so with at least K items every worker gets work;
//! - every child is waited for before `distribute` returns, on error paths too.
//!
//! The protocol (see `crates/process_queue/src/worker.rs`): send `item N`, read `done N R`;
//! send `stop`, read `count C`, then the worker exits.
//!
//! What to build in this file:
//!
//! - `Worker`: one child with its pipes: `spawn`, `process`, `stop`, and a `Drop` that kills
//!   and reaps a child that was not stopped;
//! - `FairStart`: the rendezvous of the first items;
//! - `distribute`: start the workers, one feeding thread per worker, collect the reports.
//!
//! Chapter: `docs/src/part2/process_queue.md`.
//! Check your work with `cargo xtask check process_queue`; stuck? `cargo xtask hint
//! process_queue`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_mut, unused_variables)]

use crate::queue::WorkQueue;
use course_sync::{Condvar, Mutex, thread};
use std::ffi::OsStr;
use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::PoisonError;

/// What happened, as `distribute` reports it to its `on_progress` callback while it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Worker `worker` (process `pid`) processed `item`; its answer was `result`.
    Processed {
        worker: usize,
        pid: u32,
        item: u64,
        result: u64,
    },
    /// Worker `worker` was sent the sentinel and reported `count` items processed.
    Stopped { worker: usize, pid: u32, count: u64 },
}

/// What one worker did, as it reported it when stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerReport {
    /// Its index, from 0 to `workers - 1`.
    pub worker: usize,
    /// Its process id.
    pub pid: u32,
    /// How many items it processed, by its own count.
    pub count: u64,
}

/// Why `distribute` failed.
#[derive(Debug)]
pub enum QueueError {
    /// The worker program could not be started.
    Spawn(io::Error),
    /// Talking to worker `worker` failed (it died, or closed a pipe).
    Io { worker: usize, source: io::Error },
    /// Worker `worker` sent a line that is not the expected answer.
    Protocol { worker: usize, line: String },
    /// Worker `worker` exited unsuccessfully after its sentinel.
    Failed { worker: usize, status: ExitStatus },
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Spawn(source) => write!(f, "cannot start a worker: {source}"),
            QueueError::Io { worker, source } => write!(f, "worker {worker}: {source}"),
            QueueError::Protocol { worker, line } => {
                write!(f, "worker {worker} answered {line:?}")
            }
            QueueError::Failed { worker, status } => {
                write!(f, "worker {worker} ended with {status}")
            }
        }
    }
}

impl std::error::Error for QueueError {}

/// One worker process and the two pipes the parent talks to it through.
struct Worker {
    index: usize,
    child: Child,
    /// Our end of its stdin. `None` once `stop` closed it.
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts `program` with its stdin and stdout piped to us. Its stderr stays ours, so a
    /// worker's complaint shows up in the test output.
    fn spawn(program: &OsStr, index: usize) -> Result<Worker, QueueError> {
        // TODO: start `program` with piped stdin and stdout (no process group of its own), and
        // take both pipes out of the `Child`.
        todo!("Worker::spawn")
    }

    fn pid(&self) -> u32 {
        // TODO: the child's process id.
        todo!("Worker::pid")
    }

    fn io_error(&self, source: io::Error) -> QueueError {
        // TODO: wrap `source` with this worker's index.
        todo!("Worker::io_error")
    }

    /// Sends one line and flushes it: the worker answers only what it has received.
    fn send(&mut self, line: &str) -> Result<(), QueueError> {
        // TODO: write `line` and a newline to the child's stdin, then flush.
        todo!("Worker::send")
    }

    /// Reads one answer line; end of file means the worker is gone.
    fn receive(&mut self) -> Result<String, QueueError> {
        // TODO: read one line from the child's stdout; end of file means the worker is gone.
        todo!("Worker::receive")
    }

    /// Has the worker process `item`; returns its result. One item in flight per worker: the
    /// answer is read before the next item is sent.
    fn process(&mut self, item: u64) -> Result<u64, QueueError> {
        // TODO: send `item N`, read `done N R`, return R (anything else is a protocol error).
        todo!("Worker::process")
    }

    /// Sends the sentinel, reads the worker's count, closes its stdin and waits for it.
    fn stop(mut self) -> Result<WorkerReport, QueueError> {
        // TODO: send the sentinel, read `count C`, close stdin, wait for the child, and check
        // its exit status.
        todo!("Worker::stop")
    }
}

impl Drop for Worker {
    /// A worker dropped without a successful `stop` (an error path) is killed and reaped, so
    /// no child outlives `distribute`, not even as a zombie. After `stop`, both calls are
    /// harmless: killing an exited child fails quietly and `wait` returns its saved status.
    fn drop(&mut self) {
        // TODO: kill and reap the child (harmless after a successful stop). Never todo!() in drop.
    }
}

/// The fair start: a worker takes its second item only once every worker has taken its first.
struct FairStart {
    /// How many workers have had their first `get` answered (an item, or "finished").
    started: Mutex<usize>,
    /// Notified when `started` grows; waiters wait for `started == workers`.
    all_started: Condvar,
    workers: usize,
}

impl FairStart {
    fn new(workers: usize) -> Self {
        // TODO: nobody started yet.
        todo!("FairStart::new")
    }

    /// Called once by each worker's thread, right after its first `get` returned.
    fn first_taken(&self) {
        // TODO: count this worker as started; wake the waiters when everyone is.
        todo!("FairStart::first_taken")
    }

    /// Waits until every worker has had its first `get` answered. Every thread calls
    /// `first_taken` before it can wait here, and nothing else blocks between, so the count
    /// always reaches `workers`.
    fn wait_for_everyone(&self) {
        // TODO: wait, in a loop, until every worker has started.
        todo!("FairStart::wait_for_everyone")
    }
}

/// Runs `workers` worker processes of `program` until `queue` is closed and drained, and
/// returns what each reported, in worker order. `on_progress` hears of every item processed
/// and every worker stopped, from the thread that talks to that worker.
///
/// On error, the first error is returned, once every thread has ended and every child was
/// reaped; a failed worker's thread stops taking items, the others go on until the queue is
/// finished.
pub fn distribute<F>(
    program: impl AsRef<OsStr>,
    workers: usize,
    queue: &WorkQueue,
    on_progress: F,
) -> Result<Vec<WorkerReport>, QueueError>
where
    F: Fn(Progress) + Sync,
{
    // TODO: start every child first (an error drops, so kills and reaps, those already
    // started); then, inside `thread::scope`, one thread per worker running `feed`, all at
    // once; join them all and collect the reports in worker order (the first error wins).
    todo!("distribute")
}

/// One worker's thread: takes items until the queue is finished, then sends the sentinel.
fn feed<F>(
    mut worker: Worker,
    queue: &WorkQueue,
    fair_start: &FairStart,
    on_progress: &F,
) -> Result<WorkerReport, QueueError>
where
    F: Fn(Progress) + Sync,
{
    // TODO: take items with `get` until it returns None (closed and drained: never stop
    // because `is_empty()` said true); after the first `get`, tell the fair start; before every
    // later `get`, wait for everyone. Report each item processed, then stop the worker and
    // report that too.
    todo!("feed")
}
