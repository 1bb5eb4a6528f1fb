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
        Worker::start(&self.program, self.initializer.as_deref())
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
        // No process group or session of its own: the child must die with ours.
        let mut child = Command::new(program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(PoolError::Spawn)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both pipes were requested");
        };
        let mut worker = Worker {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            tasks: 0,
        };
        if let Some(args) = initializer {
            // The initializer runs here, once in the life of this process, and its `ready` is
            // read before any task is sent: no answer can be mistaken for it. On an error,
            // `worker` is dropped, so the child is killed and reaped.
            let pid = worker.pid();
            worker
                .send(&protocol::init_line(args))
                .map_err(|source| PoolError::Io { pid, source })?;
            match worker.receive() {
                Ok(Some(line)) if matches!(Reply::parse(&line), Ok(Reply::Ready { .. })) => {}
                Ok(Some(line)) => return Err(PoolError::Protocol { pid, line }),
                Ok(None) => return Err(PoolError::Io { pid, source: eof() }),
                Err(source) => return Err(PoolError::Io { pid, source }),
            }
        }
        Ok(worker)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one line and flushes it: the worker answers only what it has received.
    fn send(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.stdin, "{line}")?;
        self.stdin.flush()
    }

    /// Reads one line; `None` at end of file (the worker closed its stdout: it is exiting).
    fn receive(&mut self) -> io::Result<Option<String>> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line)? {
            0 => Ok(None),
            _ => Ok(Some(line.trim_end().to_owned())),
        }
    }

    /// Runs `task`: sends its line and reads the answer. One task in flight per worker: the
    /// answer is read before anything else is sent.
    fn run(&mut self, task: &Task) -> Ran {
        let pid = self.pid();
        // A write to a worker that already died fails (a broken pipe): that is its death too.
        let answer = self.send(&task.line()).and_then(|()| self.receive());
        match answer {
            Ok(Some(line)) => match Reply::parse(&line) {
                Ok(Reply::Done(answer)) => Ran::Answered(Ok(answer)),
                Ok(Reply::Failed { message, .. }) => Ran::Answered(Err(TaskError::Failed(message))),
                _ => {
                    // Not an answer to a task: whatever state this worker is in, it cannot be
                    // trusted with the next one. Kill it and wait for it, so it leaves nothing.
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    Ran::Lost(TaskError::Unavailable(format!(
                        "worker {pid} answered {line:?} to `{task}`; it was killed and replaced"
                    )))
                }
            },
            // End of file, or a broken pipe: the worker died in the middle of the task. Its
            // stdout closed because it is exiting, so this wait is short; it tells how it
            // ended, and it reaps the child (no zombie).
            Ok(None) | Err(_) => match self.child.wait() {
                Ok(status) => Ran::Lost(TaskError::WorkerDied { pid, status }),
                Err(error) => Ran::Lost(TaskError::Unavailable(format!(
                    "worker {pid} vanished: {error}"
                ))),
            },
        }
    }

    /// Retires the worker: sends `stop`, reads its `bye`, and waits for it to exit.
    fn stop(mut self) -> Result<(), PoolError> {
        let pid = self.pid();
        self.send(protocol::STOP)
            .map_err(|source| PoolError::Io { pid, source })?;
        match self.receive() {
            Ok(Some(line)) if matches!(Reply::parse(&line), Ok(Reply::Bye { .. })) => {}
            Ok(Some(line)) => return Err(PoolError::Protocol { pid, line }),
            Ok(None) => return Err(PoolError::Io { pid, source: eof() }),
            Err(source) => return Err(PoolError::Io { pid, source }),
        }
        let status = self
            .child
            .wait()
            .map_err(|source| PoolError::Io { pid, source })?;
        if !status.success() {
            return Err(PoolError::Failed { pid, status });
        }
        Ok(())
    }
}

impl Drop for Worker {
    /// A worker dropped without a successful `stop` (an error path, a dropped pool) is killed
    /// and reaped, so no child outlives the pool, not even as a zombie. After `stop` or a
    /// death, both calls are harmless: killing an exited child fails quietly and `wait`
    /// returns its saved status.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
        if self.worker.is_none() {
            let worker = setup
                .start()
                .map_err(|error| TaskError::Unavailable(format!("no worker: {error}")))?;
            self.worker = Some(worker);
        }
        Ok(self.worker.as_mut().expect("a worker was just put there"))
    }

    /// Runs `chunk` (one task for the quota: a chunk of a `map`, or an `apply`) on this slot's
    /// worker, its tasks one after another, and returns one result per task, in order.
    fn run_chunk(&mut self, setup: &Setup, chunk: &[Task]) -> Vec<Result<Answer, TaskError>> {
        let mut results = Vec::with_capacity(chunk.len());
        // Whether the chunk was counted against the worker running it: once for the worker
        // that starts it, and once more for a replacement that finishes it.
        let mut counted = false;
        for task in chunk {
            let worker = match self.worker(setup) {
                Ok(worker) => worker,
                Err(error) => {
                    results.push(Err(error));
                    continue;
                }
            };
            if !counted {
                worker.tasks += 1;
                counted = true;
            }
            match worker.run(task) {
                Ran::Answered(result) => results.push(result),
                Ran::Lost(error) => {
                    // The task fails alone. The dead worker was waited for in `run`; dropping
                    // it closes its pipes. A fresh worker takes the place at once, so the pool
                    // keeps its size, and runs the rest of the chunk.
                    results.push(Err(error));
                    self.worker = setup.start().ok();
                    counted = false;
                }
            }
        }
        self.retire_if_spent(setup);
        results
    }

    /// Retires a worker that has run its quota and starts its successor now, so the pool has
    /// its `workers` initialized workers between calls, and never a retired one left unreaped.
    fn retire_if_spent(&mut self, setup: &Setup) {
        let spent = match (&self.worker, setup.max_tasks) {
            (Some(worker), Some(max)) => worker.tasks >= max,
            _ => false,
        };
        if spent {
            if let Some(worker) = self.worker.take() {
                // A worker that does not stop cleanly is killed and reaped by its Drop
                // instead: either way it is gone before its successor takes a task.
                let _ = worker.stop();
            }
            self.worker = setup.start().ok();
        }
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
        if config.workers == 0 {
            return Err(PoolError::Config("a pool needs at least one worker"));
        }
        if config.max_tasks_per_child == Some(0) {
            return Err(PoolError::Config("max_tasks_per_child must be at least 1"));
        }
        let setup = Setup {
            program: program.as_ref().to_owned(),
            initializer: config.initializer,
            max_tasks: config.max_tasks_per_child,
        };
        // On an error, the workers collected so far are dropped: killed and reaped.
        let slots = (0..config.workers)
            .map(|_| {
                setup.start().map(|worker| Slot {
                    worker: Some(worker),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pool { setup, slots })
    }

    /// The process ids of the pool's live workers, one per place.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.slots
            .iter()
            .filter_map(|slot| slot.worker.as_ref().map(Worker::pid))
            .collect()
    }

    /// Runs `task` on a worker and waits for its result (Python's `Pool.apply`).
    pub fn apply(&mut self, task: &Task) -> Result<Answer, TaskError> {
        let Pool { setup, slots } = self;
        // Any place will do: a call runs one task at a time. One task is one for the quota.
        slots[0]
            .run_chunk(setup, std::slice::from_ref(task))
            .pop()
            .expect("one result per task")
    }

    /// Runs `tasks` on all the workers at once, in chunks of `chunk_size` tasks, and returns
    /// one result per task, in the order of `tasks` (Python's `Pool.map` with `chunksize`).
    ///
    /// # Panics
    ///
    /// If `chunk_size` is 0.
    pub fn map(&mut self, tasks: &[Task], chunk_size: usize) -> Vec<Result<Answer, TaskError>> {
        assert!(chunk_size > 0, "map: chunk_size must be at least 1");
        // `chunks` keeps the short last chunk: every task is in exactly one chunk.
        let chunks: Vec<&[Task]> = tasks.chunks(chunk_size).collect();
        // The next chunk to hand out. `fetch_add` gives each index to exactly one thread;
        // Relaxed is enough: the index is all that passes, and the chunks were shared before
        // the threads started.
        let next = AtomicUsize::new(0);
        let Pool { setup, slots } = self;
        let setup = &*setup;
        let (chunks_ref, next) = (&chunks, &next);
        // One thread per place, all started before any is joined, so the workers run at once.
        // A free thread takes the next chunk: a worker busy with a long task holds up nobody.
        // Each thread keeps its chunks' results with their indices; they are put back in
        // input order once all are joined, so the order they finished in does not matter.
        let finished: Vec<Vec<_>> = thread::scope(|scope| {
            let threads: Vec<_> = slots
                .iter_mut()
                .map(|slot| {
                    scope.spawn(move || {
                        let mut mine = Vec::new();
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(chunk) = chunks_ref.get(index) else {
                                break;
                            };
                            mine.push((index, slot.run_chunk(setup, chunk)));
                        }
                        mine
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|thread| {
                    thread
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut by_chunk: Vec<Option<Vec<_>>> = chunks.iter().map(|_| None).collect();
        for (index, results) in finished.into_iter().flatten() {
            by_chunk[index] = Some(results);
        }
        by_chunk
            .into_iter()
            .flat_map(|results| results.expect("every chunk was run by one thread"))
            .collect()
    }

    /// Stops every worker (`stop`, its `bye`, a wait) and returns the first error; every
    /// worker is gone and reaped when it returns, also after an error.
    pub fn shutdown(mut self) -> Result<(), PoolError> {
        let mut first_error = None;
        for slot in self.slots.drain(..) {
            if let Some(worker) = slot.worker
                && let Err(error) = worker.stop()
            {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
