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
        // No process group or session of its own: the child must die with ours.
        let mut child = Command::new(program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(QueueError::Spawn)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both pipes were requested");
        };
        Ok(Worker {
            index,
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn io_error(&self, source: io::Error) -> QueueError {
        QueueError::Io {
            worker: self.index,
            source,
        }
    }

    /// Sends one line and flushes it: the worker answers only what it has received.
    fn send(&mut self, line: &str) -> Result<(), QueueError> {
        let stdin = self.stdin.as_mut().expect("send after stop");
        let sent = writeln!(stdin, "{line}").and_then(|()| stdin.flush());
        sent.map_err(|source| self.io_error(source))
    }

    /// Reads one answer line; end of file means the worker is gone.
    fn receive(&mut self) -> Result<String, QueueError> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err(self.io_error(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the worker closed its stdout (did it die?)",
            ))),
            Ok(_) => Ok(line.trim_end().to_owned()),
            Err(source) => Err(self.io_error(source)),
        }
    }

    /// Has the worker process `item`; returns its result. One item in flight per worker: the
    /// answer is read before the next item is sent.
    fn process(&mut self, item: u64) -> Result<u64, QueueError> {
        self.send(&format!("item {item}"))?;
        let line = self.receive()?;
        let expected = format!("done {item} ");
        line.strip_prefix(&expected)
            .and_then(|result| result.parse().ok())
            .ok_or(QueueError::Protocol {
                worker: self.index,
                line,
            })
    }

    /// Sends the sentinel, reads the worker's count, closes its stdin and waits for it.
    fn stop(mut self) -> Result<WorkerReport, QueueError> {
        self.send("stop")?;
        let line = self.receive()?;
        let count = line
            .strip_prefix("count ")
            .and_then(|count| count.parse().ok())
            .ok_or_else(|| QueueError::Protocol {
                worker: self.index,
                line: line.clone(),
            })?;
        // Closing our end of its stdin is the worker's second reason to end; it already had
        // the sentinel.
        self.stdin = None;
        let status = self.child.wait().map_err(|source| self.io_error(source))?;
        if !status.success() {
            return Err(QueueError::Failed {
                worker: self.index,
                status,
            });
        }
        Ok(WorkerReport {
            worker: self.index,
            pid: self.pid(),
            count,
        })
    }
}

impl Drop for Worker {
    /// A worker dropped without a successful `stop` (an error path) is killed and reaped, so
    /// no child outlives `distribute`, not even as a zombie. After `stop`, both calls are
    /// harmless: killing an exited child fails quietly and `wait` returns its saved status.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
        FairStart {
            started: Mutex::new(0),
            all_started: Condvar::new(),
            workers,
        }
    }

    /// Called once by each worker's thread, right after its first `get` returned.
    fn first_taken(&self) {
        let mut started = self.started.lock().unwrap_or_else(PoisonError::into_inner);
        *started += 1;
        if *started == self.workers {
            self.all_started.notify_all();
        }
    }

    /// Waits until every worker has had its first `get` answered. Every thread calls
    /// `first_taken` before it can wait here, and nothing else blocks between, so the count
    /// always reaches `workers`.
    fn wait_for_everyone(&self) {
        let mut started = self.started.lock().unwrap_or_else(PoisonError::into_inner);
        while *started < self.workers {
            started = self
                .all_started
                .wait(started)
                .unwrap_or_else(PoisonError::into_inner);
        }
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
    assert!(workers > 0, "distribute needs at least one worker");
    // Start every child first: if one cannot start, the ones already started are dropped
    // (killed and reaped) and nothing was taken from the queue.
    let pool = (0..workers)
        .map(|index| Worker::spawn(program.as_ref(), index))
        .collect::<Result<Vec<_>, _>>()?;
    let fair_start = FairStart::new(workers);
    let on_progress = &on_progress;
    let fair_start = &fair_start;
    // One thread per worker, all running at once: each blocks on its own child's pipe. The
    // scope joins them all before `distribute` returns.
    let outcomes: Vec<Result<WorkerReport, QueueError>> = thread::scope(|scope| {
        let feeders: Vec<_> = pool
            .into_iter()
            .map(|worker| scope.spawn(move || feed(worker, queue, fair_start, on_progress)))
            .collect();
        feeders
            .into_iter()
            .map(|feeder| {
                feeder
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    outcomes.into_iter().collect()
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
    // `get` blocks while the queue is empty and open; only `None` (closed and drained) ends
    // the loop. `is_empty()` would be a snapshot, and an empty open queue may still grow.
    let mut next = queue.get();
    fair_start.first_taken();
    while let Some(item) = next {
        let result = worker.process(item)?;
        on_progress(Progress::Processed {
            worker: worker.index,
            pid: worker.pid(),
            item,
            result,
        });
        fair_start.wait_for_everyone();
        next = queue.get();
    }
    let (index, pid) = (worker.index, worker.pid());
    let report = worker.stop()?;
    on_progress(Progress::Stopped {
        worker: index,
        pid,
        count: report.count,
    });
    Ok(report)
}
