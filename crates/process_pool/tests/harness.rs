//! What the cases, properties and traces share.
//!
//! A [`Run`] owns a pool started on the course's worker program and checks every call it makes
//! through it: one result per task, in input order, each the right one; every answer from a
//! worker that ran the initializer exactly once (or never, without one); the tasks of a chunk
//! in one worker, except that a crash hands the rest of its chunk to a replacement; no worker
//! over its quota; and, between calls, exactly `workers` live workers as this process's
//! children, every retired or dead one already waited for. Everything is recorded in one
//! trace, which failure messages quote.
//!
//! A [`Rendezvous`] is the tests' gate between processes: a `meet` task connects to its Unix
//! socket and waits there until the test releases it, so a test knows which tasks are running
//! and decides when each may finish, without sleeping.

#[cfg(target_os = "linux")]
use course_testkit::process::stat;
use course_testkit::process::{children, describe};
use course_testkit::{OrFail, Trace, patience};
use process_pool::protocol::spin;
use process_pool::{Answer, Pool, PoolConfig, Task, TaskError};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;

/// The worker program the tests hand to `Pool::new`.
pub(crate) const WORKER: &str = env!("CARGO_BIN_EXE_process_pool-worker");

/// What one call returns for each task.
pub(crate) type Outcome = Result<Answer, TaskError>;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// `Pool::new` returned a pool with these workers.
    Started { config: String, pids: Vec<u32> },
    /// The test called `apply` or `map`.
    Called(String),
    /// What the call returned for task `index`.
    Result {
        index: usize,
        task: String,
        outcome: String,
    },
    /// The call returned; the pool's workers are now `pids`.
    Returned { call: String, pids: Vec<u32> },
    /// A `meet` task reached the rendezvous, running in worker `pid`.
    Arrived { tag: u64, pid: u32 },
    /// The test let a `meet` task finish.
    Released { tag: u64 },
    /// The test shut the pool down (or dropped it).
    Ended(String),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started { config, pids } => {
                write!(f, "Pool::new({config}) started workers {pids:?}")
            }
            Event::Called(call) => write!(f, "test called {call}"),
            Event::Result {
                index,
                task,
                outcome,
            } => write!(f, "result {index} (`{task}`): {outcome}"),
            Event::Returned { call, pids } => {
                write!(f, "{call} returned; the pool's workers are now {pids:?}")
            }
            Event::Arrived { tag, pid } => {
                write!(
                    f,
                    "`meet {tag}` reached the rendezvous, running in worker {pid}"
                )
            }
            Event::Released { tag } => write!(f, "test let `meet {tag}` finish"),
            Event::Ended(how) => write!(f, "{how}"),
        }
    }
}

/// A configuration as the trace shows it.
pub(crate) fn describe_config(config: &PoolConfig) -> String {
    let mut text = format!("{} worker(s)", config.workers);
    if let Some(args) = &config.initializer {
        text.push_str(&format!(", initializer with arguments {args:?}"));
    }
    if let Some(max) = config.max_tasks_per_child {
        text.push_str(&format!(", max {max} task(s) per child"));
    }
    text
}

/// An outcome as the trace shows it.
pub(crate) fn describe_outcome(outcome: &Outcome) -> String {
    match outcome {
        Ok(answer) => format!(
            "Ok({}) from worker {} (initializer run {} time(s) there)",
            answer.value, answer.pid, answer.inits
        ),
        Err(error) => format!("Err({error})"),
    }
}

/// What a correct pool returns for a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    /// `Ok` with this value.
    Value(u64),
    /// `Err(TaskError::Failed(_))`: the task answered `err`.
    Fails,
    /// `Err(TaskError::WorkerDied { .. })`: the task killed its worker.
    Dies,
}

pub(crate) fn expected(task: &Task, initializer: Option<&[u64]>) -> Expected {
    match task {
        Task::Square(n) => Expected::Value(n.wrapping_mul(*n)),
        Task::Spin(rounds) => Expected::Value(spin(*rounds)),
        Task::Recall(index) => initializer
            .and_then(|args| args.get(*index))
            .map_or(Expected::Fails, |value| Expected::Value(*value)),
        Task::Meet { tag, .. } => Expected::Value(*tag),
        Task::Crash => Expected::Dies,
    }
}

/// A pool under test, and everything the test has seen it do.
pub(crate) struct Run {
    pub(crate) trace: Trace<Event>,
    config: PoolConfig,
    pool: Option<Pool>,
    /// This process's children before the pool existed.
    before: Vec<u32>,
    /// For each worker pid: the trace events of the first result of each task it ran (an
    /// apply, or a chunk of a map), over the pool's whole life.
    tasks_by_pid: BTreeMap<u32, Vec<usize>>,
    /// Workers that died running a task: they must never answer again.
    dead: BTreeSet<u32>,
}

impl Run {
    /// Starts a pool with `config`; fails the test if `Pool::new` fails.
    pub(crate) fn new(config: PoolConfig) -> Run {
        Run::try_new(config).or_fail()
    }

    pub(crate) fn try_new(config: PoolConfig) -> Result<Run, String> {
        let trace = Trace::new();
        trace.name_thread("test");
        let before = children();
        let pool = Pool::new(WORKER, config.clone()).map_err(|error| {
            format!(
                "Pool::new(WORKER, {}) failed: {error}",
                describe_config(&config)
            )
        })?;
        trace.pid(std::process::id());
        for pid in pool.worker_pids() {
            trace.pid(pid);
        }
        trace.record(Event::Started {
            config: describe_config(&config),
            pids: pool.worker_pids(),
        });
        let run = Run {
            trace,
            config,
            pool: Some(pool),
            before,
            tasks_by_pid: BTreeMap::new(),
            dead: BTreeSet::new(),
        };
        run.check_workers("Pool::new")?;
        Ok(run)
    }

    pub(crate) fn pool(&mut self) -> &mut Pool {
        self.pool.as_mut().expect("the pool was shut down")
    }

    /// The pool's workers now.
    pub(crate) fn worker_pids(&self) -> Vec<u32> {
        self.pool
            .as_ref()
            .map(Pool::worker_pids)
            .unwrap_or_default()
    }

    /// The failure message `message`, with the trace around `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// Fails the test with `message` and the trace around `focus`.
    pub(crate) fn fail(&self, message: impl fmt::Display, focus: &[usize]) -> ! {
        panic!("{}", self.failure(message, focus))
    }

    /// `apply(task)`, checked.
    pub(crate) fn apply(&mut self, task: &Task) -> Outcome {
        self.try_apply(task).or_fail()
    }

    pub(crate) fn try_apply(&mut self, task: &Task) -> Result<Outcome, String> {
        let call = format!("apply({task})");
        self.trace.record(Event::Called(call.clone()));
        let outcome = self.pool().apply(task);
        let mut results = self.check_call(&call, std::slice::from_ref(task), 1, vec![outcome])?;
        Ok(results.pop().expect("one result"))
    }

    /// `map(tasks, chunk_size)`, checked.
    pub(crate) fn map(&mut self, tasks: &[Task], chunk_size: usize) -> Vec<Outcome> {
        self.try_map(tasks, chunk_size).or_fail()
    }

    pub(crate) fn try_map(
        &mut self,
        tasks: &[Task],
        chunk_size: usize,
    ) -> Result<Vec<Outcome>, String> {
        let call = map_call(tasks, chunk_size);
        self.trace.record(Event::Called(call.clone()));
        let results = self.pool().map(tasks, chunk_size);
        self.check_call(&call, tasks, chunk_size, results)
    }

    /// `map(tasks, chunk_size)` while `script` drives `meeting` on another thread: it waits
    /// for `meet` tasks to arrive and releases them. When the script returns, whatever is
    /// still held is released, so the call can return; an `Err` from the script fails the
    /// test (after the call returned) with the script's message.
    pub(crate) fn map_with<S>(
        &mut self,
        meeting: &Rendezvous,
        tasks: &[Task],
        chunk_size: usize,
        script: S,
    ) -> Vec<Outcome>
    where
        S: FnOnce(&Rendezvous) -> Result<(), String> + Send,
    {
        let call = map_call(tasks, chunk_size);
        self.trace.record(Event::Called(call.clone()));
        meeting.set_call_returned(false);
        let (results, verdict) = std::thread::scope(|scope| {
            let driver = scope.spawn(|| {
                meeting.shared.trace.name_thread("script");
                let verdict = script(meeting);
                // Whatever the script decided, nothing stays held: the call must return.
                meeting.open();
                verdict
            });
            let results = {
                // Tells a waiting script at once if the call returns (or panics) early.
                let _returned = CallReturned(meeting);
                self.pool().map(tasks, chunk_size)
            };
            let verdict = driver
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (results, verdict)
        });
        if let Err(message) = verdict {
            self.fail(format!("during {call}: {message}"), &[]);
        }
        self.check_call(&call, tasks, chunk_size, results).or_fail()
    }

    /// Shuts the pool down; it must succeed and leave no child behind.
    pub(crate) fn finish(self) {
        self.try_finish().or_fail();
    }

    pub(crate) fn try_finish(mut self) -> Result<(), String> {
        let pool = self.pool.take().expect("the pool was shut down");
        let outcome = pool.shutdown();
        self.trace
            .record(Event::Ended(format!("test called shutdown: {outcome:?}")));
        if let Err(error) = outcome {
            return Err(self.failure(
                format!(
                    "shutdown failed: {error}. Send each worker `stop`, read its `bye`, and wait \
                     for it: it exits with status 0."
                ),
                &[],
            ));
        }
        self.no_children_left("shutdown")
    }

    /// Drops the pool; it must leave no child behind.
    pub(crate) fn drop_pool(mut self) {
        drop(self.pool.take());
        self.trace
            .record(Event::Ended("test dropped the pool".into()));
        self.no_children_left("dropping the pool").or_fail();
    }

    fn no_children_left(&self, what: &str) -> Result<(), String> {
        let left: Vec<u32> = children()
            .into_iter()
            .filter(|pid| !self.before.contains(pid))
            .collect();
        if left.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = left.iter().map(|&pid| describe(pid)).collect();
        Err(self.failure(
            format!(
                "{what} returned, but {} child process(es) of the pool were left behind:\n  {}\n\
                 Every worker must be waited for: after `stop`, after its death, and when the \
                 pool is dropped (kill it, then wait for it). A child that was never waited for \
                 stays a zombie.",
                left.len(),
                list.join("\n  ")
            ),
            &[],
        ))
    }

    /// Records the results of a call and checks them, then checks the pool's workers.
    fn check_call(
        &mut self,
        call: &str,
        tasks: &[Task],
        chunk_size: usize,
        results: Vec<Outcome>,
    ) -> Result<Vec<Outcome>, String> {
        let seqs: Vec<usize> = results
            .iter()
            .enumerate()
            .map(|(index, outcome)| {
                if let Ok(answer) = outcome {
                    self.trace.pid(answer.pid);
                }
                self.trace.record(Event::Result {
                    index,
                    task: tasks
                        .get(index)
                        .map_or("no such task".into(), Task::to_string),
                    outcome: describe_outcome(outcome),
                })
            })
            .collect();
        self.check_results(call, tasks, chunk_size, &results, &seqs)?;
        for pid in self.worker_pids() {
            self.trace.pid(pid);
        }
        self.trace.record(Event::Returned {
            call: call.to_owned(),
            pids: self.worker_pids(),
        });
        self.check_workers(call)?;
        Ok(results)
    }

    fn check_results(
        &mut self,
        call: &str,
        tasks: &[Task],
        chunk_size: usize,
        results: &[Outcome],
        seqs: &[usize],
    ) -> Result<(), String> {
        let initializer = self.config.initializer.clone();
        let initializer = initializer.as_deref();
        if results.len() != tasks.len() {
            let tail = tasks.len() % chunk_size;
            let hint = if results.len() + tail == tasks.len() && tail > 0 {
                format!(
                    " The short last chunk ({tail} task(s)) is missing: the tasks are cut into \
                     chunks of {chunk_size} and the last one keeps whatever is left."
                )
            } else {
                String::new()
            };
            return Err(self.failure(
                format!(
                    "{call} returned {} result(s) for {} task(s): it must return one result per \
                     task, in input order.{hint}",
                    results.len(),
                    tasks.len()
                ),
                seqs,
            ));
        }
        let want_inits = u32::from(initializer.is_some());
        for (index, (task, outcome)) in tasks.iter().zip(results).enumerate() {
            let focus = [seqs[index]];
            let want = expected(task, initializer);
            let good = match (want, outcome) {
                (Expected::Value(value), Ok(answer)) => answer.value == value,
                (Expected::Fails, Err(TaskError::Failed(_))) => true,
                (Expected::Dies, Err(TaskError::WorkerDied { status, .. })) => !status.success(),
                _ => false,
            };
            if !good {
                return Err(self.failure(
                    self.wrong_result(call, tasks, index, outcome, want, initializer),
                    &focus,
                ));
            }
            match outcome {
                Ok(answer) => {
                    if self.dead.contains(&answer.pid) {
                        return Err(self.failure(
                            format!(
                                "task {index} (`{task}`) was answered by worker {}, which had \
                                 died earlier: a dead worker cannot answer",
                                answer.pid
                            ),
                            &focus,
                        ));
                    }
                    if answer.inits != want_inits {
                        return Err(self.failure(
                            inits_message(index, task, answer, initializer.is_some()),
                            &focus,
                        ));
                    }
                }
                Err(TaskError::WorkerDied { pid, .. }) => {
                    self.dead.insert(*pid);
                }
                Err(_) => {}
            }
        }
        self.check_chunks(call, tasks, chunk_size, results, seqs)
    }

    fn wrong_result(
        &self,
        call: &str,
        tasks: &[Task],
        index: usize,
        outcome: &Outcome,
        want: Expected,
        initializer: Option<&[u64]>,
    ) -> String {
        let task = &tasks[index];
        let wanted = match want {
            Expected::Value(value) => format!("Ok({value})"),
            Expected::Fails => "Err(TaskError::Failed(..)): the worker answers `err`".into(),
            Expected::Dies => {
                "Err(TaskError::WorkerDied { .. }) with the worker's unsuccessful exit status: \
                 the task kills its worker"
                    .into()
            }
        };
        let mut message = format!(
            "{call}: result {index} is {}, but task {index} is `{task}`, whose result is {wanted}.",
            describe_outcome(outcome)
        );
        match outcome {
            Ok(answer) => {
                let other = tasks.iter().enumerate().find(|(other, candidate)| {
                    *other != index
                        && expected(candidate, initializer) == Expected::Value(answer.value)
                });
                if let Some((other, candidate)) = other {
                    message.push_str(&format!(
                        " That is the result of task {other} (`{candidate}`): results must come \
                         back in the order of the tasks, not in the order they finish."
                    ));
                }
            }
            Err(TaskError::WorkerDied { .. } | TaskError::Unavailable(_))
                if want != Expected::Dies =>
            {
                if let Some(crash) = tasks.iter().position(|task| *task == Task::Crash) {
                    message.push_str(&format!(
                        " Task {crash} crashed its worker, but a crash fails that task alone: \
                         wait for the dead worker, start a replacement at once, and run the \
                         other tasks as if nothing happened."
                    ));
                }
            }
            Err(_) => {}
        }
        message
    }

    /// The tasks of a chunk ran in one worker (the rest of a chunk whose worker crashed, in
    /// its replacement), and no worker ran more tasks than its quota.
    fn check_chunks(
        &mut self,
        call: &str,
        tasks: &[Task],
        chunk_size: usize,
        results: &[Outcome],
        seqs: &[usize],
    ) -> Result<(), String> {
        for (chunk, start) in (0..tasks.len()).step_by(chunk_size).enumerate() {
            let end = (start + chunk_size).min(tasks.len());
            // The worker running the chunk now, and the task where it was first seen.
            let mut current: Option<(u32, usize)> = None;
            for index in start..end {
                match &results[index] {
                    Ok(answer) => match current {
                        Some((pid, _)) if pid == answer.pid => {}
                        Some((pid, first)) => {
                            return Err(self.failure(
                                format!(
                                    "{call}: tasks {first} and {index} are in the same chunk \
                                     (chunk {chunk}: tasks {start} to {}), but task {first} ran \
                                     in worker {pid} and task {index} in worker {}, and no \
                                     crash came between them. A chunk goes whole to one \
                                     worker, which runs its tasks one after another.",
                                    end - 1,
                                    answer.pid
                                ),
                                &[seqs[first], seqs[index]],
                            ));
                        }
                        None => {
                            current = Some((answer.pid, index));
                            self.tasks_by_pid
                                .entry(answer.pid)
                                .or_default()
                                .push(seqs[index]);
                        }
                    },
                    // The rest of the chunk runs in the dead worker's replacement.
                    Err(TaskError::WorkerDied { .. }) => current = None,
                    Err(_) => {}
                }
            }
        }
        if let Some(max) = self.config.max_tasks_per_child
            && let Some((pid, ran)) = self.tasks_by_pid.iter().find(|(_, ran)| ran.len() > max)
        {
            let what = if max == 1 {
                "with one task per child, every task (an apply, or a chunk of a map) must \
                     run in a fresh worker"
                    .to_owned()
            } else {
                format!(
                    "max_tasks_per_child is {max}: a worker that has run {max} tasks (an \
                         apply is one task, and so is each chunk of a map) must be retired and \
                         replaced by a fresh one"
                )
            };
            return Err(self.failure(
                format!(
                    "worker {pid} ran {} tasks (the events marked below are where each \
                         began), but {what}",
                    ran.len()
                ),
                ran,
            ));
        }
        Ok(())
    }

    /// Between calls: exactly `workers` distinct live workers, all children of this process,
    /// none dead, and no other child (every retired or dead worker was waited for).
    fn check_workers(&self, after: &str) -> Result<(), String> {
        let pids = self.worker_pids();
        let distinct: BTreeSet<u32> = pids.iter().copied().collect();
        if pids.len() != self.config.workers || distinct.len() != pids.len() {
            return Err(self.failure(
                format!(
                    "after {after}, the pool's workers are {pids:?}, but it must have {} \
                     distinct live workers: a worker that dies or is retired is replaced at once",
                    self.config.workers
                ),
                &[],
            ));
        }
        if let Some(pid) = pids.iter().find(|pid| self.dead.contains(pid)) {
            return Err(self.failure(
                format!("after {after}, worker {pid} is still in the pool although it died"),
                &[],
            ));
        }
        for &pid in &pids {
            if let Some(why) = not_a_live_child(pid) {
                return Err(self.failure(
                    format!(
                        "after {after}, the pool lists worker {pid}, but {why}: the pool must \
                         list the workers it has now"
                    ),
                    &[],
                ));
            }
        }
        let strays: Vec<u32> = children()
            .into_iter()
            .filter(|pid| !self.before.contains(pid) && !distinct.contains(pid))
            .collect();
        if !strays.is_empty() {
            let list: Vec<String> = strays.iter().map(|&pid| describe(pid)).collect();
            return Err(self.failure(
                format!(
                    "after {after}, this process has {} child process(es) that are not workers \
                     of the pool:\n  {}\nA worker that is retired or dies must be waited for \
                     (wait() on its Child) before the call returns: an exited child that nobody \
                     waited for stays a zombie.",
                    strays.len(),
                    list.join("\n  ")
                ),
                &[],
            ));
        }
        Ok(())
    }
}

fn map_call(tasks: &[Task], chunk_size: usize) -> String {
    let list: Vec<String> = tasks.iter().map(Task::to_string).collect();
    format!("map([{}], chunk_size {chunk_size})", list.join(", "))
}

fn inits_message(index: usize, task: &Task, answer: &Answer, initializer: bool) -> String {
    let ran = format!(
        "task {index} (`{task}`) ran in worker {}, which had run the initializer {} time(s) by \
         then",
        answer.pid, answer.inits
    );
    if !initializer {
        format!("{ran}, but the pool has no initializer: send no `init` line")
    } else if answer.inits == 0 {
        format!(
            "{ran}: every worker, replacements included, runs the initializer once, right \
             after it starts and before its first task (send `init ARGS`, read `ready PID`)"
        )
    } else {
        format!(
            "{ran}: the initializer runs once per worker process, not once per task or per \
             chunk"
        )
    }
}

/// Why `pid` is not a live child of this process, or `None` if it is one.
fn not_a_live_child(pid: u32) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        match stat(pid) {
            None => Some("no such process exists".into()),
            Some(stat) if stat.state == "Z" => {
                Some("it has exited (a zombie: nobody waited for it)".into())
            }
            Some(stat) if stat.parent != std::process::id() => Some(format!(
                "it is not a child of this process (its parent is {})",
                stat.parent
            )),
            Some(_) => None,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        (!children().contains(&pid)).then(|| "it is not a child of this process".into())
    }
}

/// The tests' gate between processes: a Unix socket that `meet` tasks connect to.
pub(crate) struct Rendezvous {
    /// Kept for its `Drop`, which deletes the directory and the socket.
    _dir: tempfile::TempDir,
    socket: PathBuf,
    shared: Arc<Shared>,
    acceptor: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    /// Who has arrived and who is still held. Every change is notified on `changed`.
    state: Mutex<Meeting>,
    changed: Condvar,
    trace: Trace<Event>,
}

#[derive(Default)]
struct Meeting {
    /// Every `meet` task that arrived: its tag and the worker it runs in.
    arrived: BTreeMap<u64, u32>,
    /// The arrived tasks not yet released, with their connection.
    held: BTreeMap<u64, UnixStream>,
    /// Release everyone, now and whoever arrives later.
    open: bool,
    /// The call under test returned: nobody else will arrive.
    call_returned: bool,
    /// The rendezvous is being dropped: the acceptor must stop.
    closing: bool,
}

impl Rendezvous {
    /// A rendezvous in a fresh temporary directory, recording into `trace`.
    pub(crate) fn new(trace: &Trace<Event>) -> Rendezvous {
        let dir = tempfile::Builder::new()
            .prefix("pool-meet")
            .tempdir()
            .expect("a temporary directory for the rendezvous");
        let socket = dir.path().join("meet.sock");
        let listener = UnixListener::bind(&socket)
            .unwrap_or_else(|error| panic!("cannot listen at {}: {error}", socket.display()));
        let shared = Arc::new(Shared {
            state: Mutex::new(Meeting::default()),
            changed: Condvar::new(),
            trace: trace.clone(),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept(&listener, &shared))
        };
        Rendezvous {
            _dir: dir,
            socket,
            shared,
            acceptor: Some(acceptor),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Meeting> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The task that meets the test here as `tag`.
    pub(crate) fn task(&self, tag: u64) -> Task {
        Task::Meet {
            socket: self.socket.clone(),
            tag,
        }
    }

    /// Waits until the `meet` tasks `tags` have all arrived (released or not). `Err` says who
    /// had arrived when [`patience`] ran out or the call returned.
    pub(crate) fn wait_for(&self, tags: &[u64]) -> Result<(), String> {
        let give_up = Instant::now() + patience();
        let mut state = self.lock();
        loop {
            if tags.iter().all(|tag| state.arrived.contains_key(tag)) {
                return Ok(());
            }
            let when = if state.call_returned {
                "when the call returned".to_owned()
            } else if Instant::now() >= give_up {
                format!("after {:?}", patience())
            } else {
                let left = give_up.saturating_duration_since(Instant::now());
                state = self
                    .shared
                    .changed
                    .wait_timeout(state, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                continue;
            };
            let arrived: Vec<String> = state
                .arrived
                .iter()
                .map(|(tag, pid)| format!("`meet {tag}` (in worker {pid})"))
                .collect();
            let missing: Vec<String> = tags
                .iter()
                .filter(|tag| !state.arrived.contains_key(tag))
                .map(|tag| format!("`meet {tag}`"))
                .collect();
            return Err(format!(
                "{when}, {} had not started; only {} had",
                missing.join(", "),
                if arrived.is_empty() {
                    "none".to_owned()
                } else {
                    arrived.join(", ")
                }
            ));
        }
    }

    /// Lets `meet tag` finish (if it arrived and is held).
    pub(crate) fn release(&self, tag: u64) {
        let mut state = self.lock();
        if let Some(stream) = state.held.remove(&tag) {
            go(&self.shared.trace, tag, stream);
        }
    }

    /// Releases everyone held, and from now on everyone who arrives.
    pub(crate) fn open(&self) {
        let mut state = self.lock();
        state.open = true;
        for (tag, stream) in std::mem::take(&mut state.held) {
            go(&self.shared.trace, tag, stream);
        }
        self.shared.changed.notify_all();
    }

    fn set_call_returned(&self, returned: bool) {
        let mut state = self.lock();
        state.call_returned = returned;
        if !returned {
            state.open = false;
        }
        self.shared.changed.notify_all();
    }
}

/// The script for a map on `workers` workers whose chunks each begin with `meet k`, `k` being
/// the chunk's index, with at least `workers + 1` chunks. It makes the order in which chunks
/// finish the same in every run, and different from the order of the tasks:
///
/// 1. the first `workers` chunks must all be running at once (one per worker);
/// 2. chunk 1 is let go first, while chunk 0 stays held;
/// 3. its worker must come back for the next chunk, chunk `workers`: the pool has taken chunk
///    1's results by then (a worker takes its next chunk only once it has answered the last);
/// 4. everyone is let go.
///
/// So chunk 1 is done before chunk 0 in every run: a pool that returns results in the order
/// they finish returns chunk 1's first. With one worker, the chunks just run in order.
pub(crate) fn chunk_1_finishes_first(meeting: &Rendezvous, workers: usize) -> Result<(), String> {
    if workers < 2 {
        return Ok(());
    }
    let first: Vec<u64> = (0..workers as u64).collect();
    meeting.wait_for(&first).map_err(|why| {
        format!(
            "{why}. The first {workers} chunks must all be running at once, one per worker: \
             start one thread per worker, all of them before joining any, and let each take \
             the next chunk as soon as it is free."
        )
    })?;
    meeting.release(1);
    meeting.wait_for(&[workers as u64]).map_err(|why| {
        format!(
            "{why}. Chunk 1 was let go while chunk 0 was still held: its worker was free and \
             had to take the next chunk (chunk {workers}). A free worker takes the next chunk, \
             whatever the others are doing."
        )
    })
}

/// Tells the rendezvous, when dropped, that the call returned (or panicked).
struct CallReturned<'a>(&'a Rendezvous);

impl Drop for CallReturned<'_> {
    fn drop(&mut self) {
        self.0.set_call_returned(true);
    }
}

impl Drop for Rendezvous {
    fn drop(&mut self) {
        {
            let mut state = self.lock();
            state.closing = true;
            // Hanging up on a held task makes it fail; it does not leave a worker waiting.
            state.held.clear();
        }
        // Wakes the acceptor, which sees `closing` and stops.
        let _ = UnixStream::connect(&self.socket);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// The acceptor thread: each `meet` task connects and says `TAG PID`.
fn accept(listener: &UnixListener, shared: &Shared) {
    shared.trace.name_thread("rendezvous");
    for stream in listener.incoming() {
        if shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closing
        {
            return;
        }
        let Ok(stream) = stream else { continue };
        let _ = stream.set_read_timeout(Some(patience()));
        let mut line = String::new();
        if BufReader::new(&stream).read_line(&mut line).is_err() {
            continue;
        }
        let mut words = line.split_whitespace().map(str::parse::<u64>);
        let (Some(Ok(tag)), Some(Ok(pid))) = (words.next(), words.next()) else {
            continue;
        };
        let pid = u32::try_from(pid).unwrap_or(u32::MAX);
        let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        // Recorded under the lock: the trace shows the arrival before anything it allows.
        shared.trace.pid(pid);
        shared.trace.record(Event::Arrived { tag, pid });
        state.arrived.insert(tag, pid);
        if state.open {
            go(&shared.trace, tag, stream);
        } else {
            state.held.insert(tag, stream);
        }
        shared.changed.notify_all();
    }
}

/// Lets a held `meet` task finish. Called with the rendezvous lock held.
fn go(trace: &Trace<Event>, tag: u64, mut stream: UnixStream) {
    trace.record(Event::Released { tag });
    // A worker that has gone away cannot be told; its task has failed already.
    let _ = stream.write_all(b"go\n");
}
