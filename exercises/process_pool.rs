//! A pool of worker processes: `apply` runs one task and waits for its answer, `map` runs a
//! list of tasks in chunks on all the workers at once and returns the results in input order;
//! every worker runs the initializer once, and a worker is replaced when it has run its quota
//! of tasks or when it dies.
//!
//! Goal: `Pool::new(program, config)` starts `config.workers` copies of `program` (the course's
//! `process_pool-worker`) and talks to each over its stdin and stdout with the line protocol of
//! `crate::protocol`. `apply(&task)` runs one task on a worker and returns its answer;
//! `map(&tasks, chunk_size)` cuts the tasks into chunks, hands each chunk to whichever worker
//! is free, and returns one result per task, in the order of `tasks`.
//!
//! The rules:
//!
//! - `map` returns one result per task, in input order, whatever order they finish in;
//! - the tasks are cut into chunks of `chunk_size` (the last one may be shorter, and is never
//!   dropped). A chunk goes whole to one worker, which runs its tasks one after another; a
//!   worker takes its next chunk only once it has answered every task of the previous one;
//! - the workers run at the same time: while one is busy, the free ones take the next chunks;
//! - with an initializer, every worker (replacements too) runs it exactly once, right after it
//!   starts and before its first task: send `init ARGS`, read `ready PID`;
//! - with `max_tasks_per_child: Some(m)`, a worker that has run `m` tasks is retired (sent
//!   `stop` and waited for) and a fresh one takes its place. An `apply` is one task, and so is
//!   each chunk of a `map`, as in Python's `Pool`;
//! - a task that kills its worker fails alone, with `TaskError::WorkerDied`: the dead worker
//!   is waited for, a replacement takes its place and runs the rest of that chunk, and every
//!   other task still gets its result. A task that answers `err` fails with
//!   `TaskError::Failed`, and its worker goes on;
//! - between calls the pool has exactly `workers` live children and no others: every retired
//!   or dead worker has been waited for. `shutdown` stops and waits for them all; dropping the
//!   pool kills and waits for them all.
//!
//! The protocol is course code: `Task::line`, `Reply::parse`, `protocol::init_line` and
//! `protocol::STOP` write and read its lines (see `crates/process_pool/src/protocol.rs`).
//!
//! What to build in this file:
//!
//! - `Worker`: one child and its pipes: `start` (spawn, then the initializer's handshake),
//!   `run` (one task: send its line, read the answer; end of file means the worker died),
//!   `stop`, and a `Drop` that kills and reaps a child that was not stopped;
//! - `Slot`: one place in the pool: runs a chunk on its worker, replaces a worker that died,
//!   retires one that has run its quota;
//! - `Pool`: `new`, `worker_pids`, `apply`, `map` (one thread per slot, all at once, taking
//!   chunks from a shared counter), `shutdown`.
//!
//! Chapter: `docs/src/part2/process_pool.md`.
//! Check your work with `cargo xtask check process_pool`; stuck? `cargo xtask hint
//! process_pool`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_mut, unused_variables)]

use crate::protocol::{self, Answer, Reply, Task};
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::thread;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};

/// How a pool is set up: Python's `Pool(processes, initializer, initargs, maxtasksperchild)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// How many worker processes the pool keeps (`processes`). At least 1.
    pub workers: usize,
    /// The arguments of the initializer each worker runs once, before its first task
    /// (`initializer` and `initargs`); `None`: no initializer.
    pub initializer: Option<Vec<u64>>,
    /// Retire a worker once it has run this many tasks (`maxtasksperchild`); `None`: never.
    /// At least 1.
    pub max_tasks_per_child: Option<usize>,
}

impl PoolConfig {
    /// `workers` workers, no initializer, never retired.
    pub fn new(workers: usize) -> Self {
        PoolConfig {
            workers,
            initializer: None,
            max_tasks_per_child: None,
        }
    }

    /// Each worker runs the initializer with `args` once, before its first task.
    pub fn initializer(mut self, args: impl Into<Vec<u64>>) -> Self {
        self.initializer = Some(args.into());
        self
    }

    /// A worker is retired, and replaced, once it has run `tasks` tasks.
    pub fn max_tasks_per_child(mut self, tasks: usize) -> Self {
        self.max_tasks_per_child = Some(tasks);
        self
    }
}

/// Why the pool could not be started, or stopped cleanly.
#[derive(Debug)]
pub enum PoolError {
    /// The configuration cannot work: no workers, or a quota of 0 tasks.
    Config(&'static str),
    /// The worker program could not be started.
    Spawn(io::Error),
    /// Talking to worker `pid` failed (it died, or closed a pipe).
    Io { pid: u32, source: io::Error },
    /// Worker `pid` sent a line that is not the expected answer.
    Protocol { pid: u32, line: String },
    /// Worker `pid` did not exit successfully when it was stopped.
    Failed { pid: u32, status: ExitStatus },
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Config(why) => write!(f, "bad pool configuration: {why}"),
            PoolError::Spawn(source) => write!(f, "cannot start a worker: {source}"),
            PoolError::Io { pid, source } => write!(f, "worker {pid}: {source}"),
            PoolError::Protocol { pid, line } => write!(f, "worker {pid} answered {line:?}"),
            PoolError::Failed { pid, status } => write!(f, "worker {pid} ended with {status}"),
        }
    }
}

impl std::error::Error for PoolError {}

/// Why one task has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// The task ran and failed (its worker answered `err`); the worker lives on.
    Failed(String),
    /// Worker `pid` died before it answered; `status` is how it ended.
    WorkerDied { pid: u32, status: ExitStatus },
    /// The pool could not run the task: no worker could be started, or the worker answered
    /// nonsense (and was killed and replaced).
    Unavailable(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed(message) => write!(f, "the task failed: {message}"),
            TaskError::WorkerDied { pid, status } => {
                write!(f, "worker {pid} died before it answered ({status})")
            }
            TaskError::Unavailable(why) => write!(f, "the task could not run: {why}"),
        }
    }
}

impl std::error::Error for TaskError {}

/// What every place in the pool needs to start a worker, and when to retire one.
struct Setup {
    program: OsString,
    initializer: Option<Vec<u64>>,
    max_tasks: Option<usize>,
}

impl Setup {
    fn start(&self) -> Result<Worker, PoolError> {
        // TODO: start a worker of `program`, with this initializer.
        todo!("Setup::start")
    }
}

/// One worker process and the two pipes the pool talks to it through.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Tasks this worker has run: an `apply` counts one, and so does each chunk of a `map`.
    tasks: usize,
}

/// What became of a task sent to a worker.
enum Ran {
    /// The worker answered, and is ready for its next task.
    Answered(Result<Answer, TaskError>),
    /// The worker is gone, and was waited for: this is the task's error.
    Lost(TaskError),
}

impl Worker {
    /// Starts `program` with its stdin and stdout piped to us (its stderr stays ours, so a
    /// worker's complaint shows up in the test output), then runs the initializer in it.
    fn start(program: &OsStr, initializer: Option<&[u64]>) -> Result<Worker, PoolError> {
        // TODO: spawn `program` with piped stdin and stdout (no process group of its own) and take
        // both pipes; with an initializer, send `protocol::init_line(args)` and read `ready PID`
        // before returning (anything else is a PoolError).
        todo!("Worker::start")
    }

    fn pid(&self) -> u32 {
        // TODO: the child's process id.
        todo!("Worker::pid")
    }

    /// Sends one line and flushes it: the worker answers only what it has received.
    fn send(&mut self, line: &str) -> io::Result<()> {
        // TODO: write `line` and a newline to the child's stdin, then flush.
        todo!("Worker::send")
    }

    /// Reads one line; `None` at end of file (the worker closed its stdout: it is exiting).
    fn receive(&mut self) -> io::Result<Option<String>> {
        // TODO: read one line from the child's stdout; 0 bytes read means end of file (None).
        todo!("Worker::receive")
    }

    /// Runs `task`: sends its line and reads the answer. One task in flight per worker: the
    /// answer is read before anything else is sent.
    fn run(&mut self, task: &Task) -> Ran {
        // TODO: send `task.line()`, read one line, `Reply::parse` it: `ok` is an answer, `err` a
        // TaskError::Failed (the worker lives on). End of file or a failed write means the worker
        // died: wait for it and return TaskError::WorkerDied with its status. Anything else: kill
        // it, wait for it, TaskError::Unavailable.
        todo!("Worker::run")
    }

    /// Retires the worker: sends `stop`, reads its `bye`, and waits for it to exit.
    fn stop(mut self) -> Result<(), PoolError> {
        // TODO: send `protocol::STOP`, read `bye PID`, wait for the child, check its status.
        todo!("Worker::stop")
    }
}

impl Drop for Worker {
    /// A worker dropped without a successful `stop` (an error path, a dropped pool) is killed
    /// and reaped, so no child outlives the pool, not even as a zombie. After `stop` or a
    /// death, both calls are harmless: killing an exited child fails quietly and `wait`
    /// returns its saved status.
    fn drop(&mut self) {
        // TODO: kill and reap the child (harmless after a stop or a death). Never todo!() in drop.
    }
}

fn eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the worker closed its stdout (did it die?)",
    )
}

/// One place in the pool, and the worker that holds it now. `None` only while no replacement
/// could be started; the next task tries again.
struct Slot {
    worker: Option<Worker>,
}

impl Slot {
    /// This slot's worker, starting one if the place is empty.
    fn worker(&mut self, setup: &Setup) -> Result<&mut Worker, TaskError> {
        // TODO: start a worker if the place is empty (an error is TaskError::Unavailable), then
        // return it.
        todo!("Slot::worker")
    }

    /// Runs `chunk` (one task for the quota: a chunk of a `map`, or an `apply`) on this slot's
    /// worker, its tasks one after another, and returns one result per task, in order.
    fn run_chunk(&mut self, setup: &Setup, chunk: &[Task]) -> Vec<Result<Answer, TaskError>> {
        // TODO: run the tasks one after another on this slot's worker, one result each. Count the
        // chunk as ONE task of the worker that starts it. When a task kills its worker, that task
        // alone fails; start a replacement at once, which runs the rest of the chunk (and counts it
        // as one of its tasks). At the end, retire the worker if it has run its quota.
        todo!("Slot::run_chunk")
    }

    /// Retires a worker that has run its quota and starts its successor now, so the pool has
    /// its `workers` initialized workers between calls, and never a retired one left unreaped.
    fn retire_if_spent(&mut self, setup: &Setup) {
        // TODO: if max_tasks is set and the worker has run that many tasks, stop it (which waits
        // for it) and start its successor now.
        todo!("Slot::retire_if_spent")
    }
}

/// A pool of worker processes.
pub struct Pool {
    setup: Setup,
    slots: Vec<Slot>,
}

impl Pool {
    /// Starts `config.workers` workers of `program`, each initialized if `config` has an
    /// initializer. If one cannot start, those already started are killed and reaped.
    pub fn new(program: impl AsRef<OsStr>, config: PoolConfig) -> Result<Pool, PoolError> {
        // TODO: refuse 0 workers and a quota of 0 (PoolError::Config); start every worker (an error
        // drops, so kills and reaps, those already started).
        todo!("Pool::new")
    }

    /// The process ids of the pool's live workers, one per place.
    pub fn worker_pids(&self) -> Vec<u32> {
        // TODO: the pid of each place's worker.
        todo!("Pool::worker_pids")
    }

    /// Runs `task` on a worker and waits for its result (Python's `Pool.apply`).
    pub fn apply(&mut self, task: &Task) -> Result<Answer, TaskError> {
        // TODO: run `task` as a chunk of one on some place, return its one result.
        todo!("Pool::apply")
    }

    /// Runs `tasks` on all the workers at once, in chunks of `chunk_size` tasks, and returns
    /// one result per task, in the order of `tasks` (Python's `Pool.map` with `chunksize`).
    ///
    /// # Panics
    ///
    /// If `chunk_size` is 0.
    pub fn map(&mut self, tasks: &[Task], chunk_size: usize) -> Vec<Result<Answer, TaskError>> {
        // TODO: cut `tasks` into chunks of `chunk_size` (keep the short last one). Inside
        // `thread::scope`, start one thread per place, ALL before joining any; each takes the next
        // chunk index from a shared counter until none is left, runs it with `run_chunk`, and keeps
        // (index, results). Join them all, then put the results back in input order.
        todo!("Pool::map")
    }

    /// Stops every worker (`stop`, its `bye`, a wait) and returns the first error; every
    /// worker is gone and reaped when it returns, also after an error.
    pub fn shutdown(mut self) -> Result<(), PoolError> {
        // TODO: stop every worker, even after one failed to stop; return the first error.
        todo!("Pool::shutdown")
    }
}
