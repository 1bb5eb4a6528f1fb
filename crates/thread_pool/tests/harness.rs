//! What the cases, properties and traces share: a [`Scenario`] (a pool on a virtual clock, with
//! a trace of every task that starts and finishes and every done callback that runs), tasks held
//! at a [`Gate`] until the test lets them finish, and the checks every run must pass.
//!
//! The virtual clock is how a test knows what the pool's threads are doing without sleeping: an
//! idle worker, or a thread in `result`, is asleep on the clock, and `settle` waits until the
//! expected number of them are.

use course_clock::VirtualClock;
use course_testkit::{Gate, Latch, Trace, join_patiently, patience};
use std::fmt;
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread::ThreadId;
use thread_pool::{TaskError, TaskFuture, ThreadPool};

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// Task `name` started running (recorded by the task itself, on its worker).
    Started(String),
    /// Task `name` is about to return (or to panic).
    Finished(String),
    /// The done callback `label` of task `task` ran; it saw the future done (or not) and its
    /// result.
    Callback {
        task: String,
        label: String,
        done: bool,
        result: String,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started(name) => write!(f, "{name} started"),
            Event::Finished(name) => write!(f, "{name} finished"),
            Event::Callback {
                task,
                label,
                done,
                result,
            } => write!(
                f,
                "callback {label} of {task} ran (done() = {done}, result = {result})"
            ),
        }
    }
}

/// A task the test submitted and holds at its gate.
pub(crate) struct Gated {
    pub(crate) name: String,
    pub(crate) future: TaskFuture<String>,
    gate: Arc<Gate>,
    started: Arc<Latch>,
}

impl Gated {
    /// Lets the task finish.
    pub(crate) fn open(&self) {
        self.gate.open();
    }
}

/// What a gated task returns: its name and an exclamation mark.
pub(crate) fn value_of(name: &str) -> String {
    format!("{name}!")
}

/// A pool on a fresh virtual clock, with a trace.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) trace: Trace<Event>,
    workers: Arc<Mutex<Vec<ThreadId>>>,
    pub(crate) max_workers: usize,
    pool: Option<Arc<ThreadPool>>,
}

impl Scenario {
    /// A pool of `max_workers` on a virtual clock, every worker asleep waiting for work.
    pub(crate) fn new(max_workers: usize) -> Self {
        quiet_expected_panics();
        let clock = VirtualClock::new();
        let trace = Trace::new();
        trace.name_thread("test");
        let pool = ThreadPool::with_clock(max_workers, clock.clock());
        let s = Scenario {
            clock,
            trace,
            workers: Arc::default(),
            max_workers,
            pool: Some(Arc::new(pool)),
        };
        s.settle(
            max_workers,
            "a new pool's workers must all wait for work, asleep on the pool's condition \
             variable",
        );
        s
    }

    /// A recorder for tasks: it records into this scenario's trace and names the workers.
    pub(crate) fn recorder(&self) -> Recorder {
        Recorder {
            trace: self.trace.clone(),
            workers: Arc::clone(&self.workers),
        }
    }

    /// The pool under test (an `Arc`, to share it with threads and callbacks).
    pub(crate) fn pool(&self) -> &Arc<ThreadPool> {
        self.pool
            .as_ref()
            .expect("the test already dropped the pool")
    }

    /// Submits task `name`: it records that it started, waits at its gate until the test opens
    /// it, records that it finished, and returns `value_of(name)`.
    pub(crate) fn submit_gated(&self, name: &str) -> Gated {
        let gate = Arc::new(Gate::new());
        let started = Arc::new(Latch::new(1));
        let future = {
            let (trace, gate, started, task) = (
                self.recorder(),
                Arc::clone(&gate),
                Arc::clone(&started),
                name.to_owned(),
            );
            self.pool()
                .submit(move || {
                    trace.name_worker();
                    trace.record(Event::Started(task.clone()));
                    started.count_down();
                    gate.pass(&format!("the test to let {task} finish"));
                    trace.record(Event::Finished(task.clone()));
                    value_of(&task)
                })
                .unwrap_or_else(|error| {
                    panic!("submit({name}) on a pool that was not shut down failed: {error}")
                })
        };
        Gated {
            name: name.to_owned(),
            future,
            gate,
            started,
        }
    }

    /// Submits task `name` that records its start and end and returns `value` at once.
    pub(crate) fn submit_value<T: Send + 'static>(&self, name: &str, value: T) -> TaskFuture<T> {
        let (trace, name_owned) = (self.recorder(), name.to_owned());
        self.pool()
            .submit(move || {
                trace.name_worker();
                trace.record(Event::Started(name_owned.clone()));
                trace.record(Event::Finished(name_owned));
                value
            })
            .unwrap_or_else(|error| {
                panic!("submit({name}) on a pool that was not shut down failed: {error}")
            })
    }

    /// Submits task `name` that records its start, then panics with `message`.
    pub(crate) fn submit_panicking(&self, name: &str, message: &'static str) -> TaskFuture<u32> {
        let (trace, name_owned) = (self.recorder(), name.to_owned());
        self.pool()
            .submit(move || -> u32 {
                trace.name_worker();
                trace.record(Event::Started(name_owned));
                panic!("{message}")
            })
            .unwrap_or_else(|error| {
                panic!("submit({name}) on a pool that was not shut down failed: {error}")
            })
    }

    /// Waits until `task` has started, failing with `why` it should have.
    pub(crate) fn wait_started(&self, task: &Gated, why: &str) {
        if !task.started.wait_patiently() {
            self.fail(
                format!(
                    "{} did not start within {:?}, but {why}",
                    task.name,
                    patience()
                ),
                &[],
            );
        }
    }

    /// The result of `future`, once `done()` says the task is done: a task that never finishes
    /// fails the test after the patience, with a sentence, instead of hanging it. `name` names
    /// the task.
    ///
    /// This waits by asking `done()`, not by sleeping in `result()`: whether a thread asleep in
    /// `result()` is woken is what `result_waits_until_the_task_is_done_and_wakes_every_waiter`
    /// and the loom models check, every time. Here a lost wake-up would fail the test only when
    /// `result()` happened to be called before the task finished: luck of scheduling.
    pub(crate) fn result<T>(&self, name: &str, future: &TaskFuture<T>) -> Result<T, TaskError>
    where
        T: Clone + Send + 'static,
    {
        let give_up = std::time::Instant::now() + patience();
        while !future.done() {
            if std::time::Instant::now() >= give_up {
                self.fail(
                    format!(
                        "{name} was not done {:?} after the test expected it to finish \
                         (running() = {}): is it stuck, or was it never started?",
                        patience(),
                        future.running()
                    ),
                    &[],
                );
            }
            // A 1 ms nap bounds the cost of asking.
            std::thread::park_timeout(std::time::Duration::from_millis(1));
        }
        // Called on a helper thread, in case `result()` waits although `done()` said done.
        let waiting = future.clone();
        let caller = std::thread::spawn(move || waiting.result());
        match join_patiently(caller) {
            Some(Ok(result)) => result,
            Some(Err(_)) => self.fail(
                format!("result() of {name} panicked, after done() said it was done"),
                &[],
            ),
            None => self.fail(
                format!(
                    "done() said {name} was done, but result() did not return within {:?}: on \
                     a done future, result() must return its outcome at once",
                    patience()
                ),
                &[],
            ),
        }
    }

    /// Waits until `threads` threads are asleep on the clock (idle workers, threads waiting in
    /// `result`), failing with `what` if they do not get there.
    pub(crate) fn settle(&self, threads: usize, what: &str) {
        if !self.clock.wait_until_blocked_for(threads, patience()) {
            self.fail(
                format!(
                    "{what}: expected {threads} thread(s) asleep on the pool's clock, but after \
                     {:?} only {} were. Idle workers and threads waiting for a result must \
                     sleep on a course_clock::Condvar made from the pool's clock (not spin, not \
                     std::thread::sleep); a worker that is missing may have died with a task's \
                     panic, or be stuck in a callback or on a lock",
                    patience(),
                    self.clock.blocked()
                ),
                &[],
            );
        }
    }

    /// Fails the test with `message` and the trace around `focus`.
    pub(crate) fn fail(&self, message: impl fmt::Display, focus: &[usize]) -> ! {
        self.trace.fail(message, focus)
    }

    /// Adds to `future` a done callback `label` that records what it saw.
    pub(crate) fn add_recording_callback<T>(&self, task: &str, future: &TaskFuture<T>, label: &str)
    where
        T: Clone + fmt::Debug + Send + 'static,
    {
        let (trace, task, label) = (self.trace.clone(), task.to_owned(), label.to_owned());
        future.add_done_callback(move |f| {
            // `result_timeout(0)`, not `result`: a callback that saw "not done" must not wait.
            let result = match f.result_timeout(std::time::Duration::ZERO) {
                Some(result) => format!("{result:?}"),
                None => "not done".to_owned(),
            };
            trace.record(Event::Callback {
                task,
                label,
                done: f.done(),
                result,
            });
        });
    }

    /// The callback events of `task`, with their sequence numbers and recording threads.
    pub(crate) fn callbacks_of(&self, task: &str) -> Vec<(usize, String, Event)> {
        self.trace
            .events()
            .into_iter()
            .filter(|e| matches!(&e.what, Event::Callback { task: t, .. } if t == task))
            .map(|e| (e.seq, e.thread, e.what))
            .collect()
    }

    /// The names of the tasks that started, in the order they recorded it.
    pub(crate) fn started(&self) -> Vec<String> {
        self.trace
            .whats()
            .into_iter()
            .filter_map(|what| match what {
                Event::Started(name) => Some(name),
                _ => None,
            })
            .collect()
    }

    /// Checks that no task started twice and that never more than `max_workers` tasks were
    /// between their start and their end.
    pub(crate) fn check_at_most_max_workers_ran_at_once(&self) -> Result<(), String> {
        let mut running: Vec<(String, usize)> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for event in self.trace.events() {
            match &event.what {
                Event::Started(name) => {
                    if let Some(first) = seen.insert(name.clone(), event.seq) {
                        return Err(format!(
                            "{name} started twice: every task runs exactly once\ntrace:\n{}",
                            self.trace.excerpt(&[first, event.seq])
                        ));
                    }
                    running.push((name.clone(), event.seq));
                    if running.len() > self.max_workers {
                        let focus: Vec<usize> = running.iter().map(|(_, seq)| *seq).collect();
                        return Err(format!(
                            "{} tasks were running at once ({}), in a pool of max_workers = {}: \
                             a pool runs at most max_workers tasks at a time\ntrace:\n{}",
                            running.len(),
                            running
                                .iter()
                                .map(|(name, _)| name.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            self.max_workers,
                            self.trace.excerpt(&focus)
                        ));
                    }
                }
                Event::Finished(name) => running.retain(|(n, _)| n != name),
                Event::Callback { .. } => {}
            }
        }
        Ok(())
    }

    /// Drops the pool (from another thread, so that a drop that hangs fails the test instead),
    /// failing if the drop does not return.
    pub(crate) fn drop_pool(&mut self) -> Result<(), String> {
        let Some(pool) = self.pool.take() else {
            return Ok(());
        };
        let returned = Arc::new(Latch::new(1));
        let dropper = {
            let returned = Arc::clone(&returned);
            std::thread::spawn(move || {
                drop(pool);
                returned.count_down();
            })
        };
        if !returned.wait_patiently() {
            return Err(format!(
                "dropping the pool did not return within {:?}: Drop must wake the idle workers \
                 (set the shutdown flag under the lock, notify_all) and join them\ntrace:\n{}",
                patience(),
                self.trace.excerpt(&[])
            ));
        }
        dropper
            .join()
            .map_err(|_| "dropping the pool panicked".to_owned())
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The test has failed already, and the pool may be stuck (a worker asleep for ever,
            // a task at a closed gate): its Drop could hang the test instead of letting it
            // report. Leak it; the test's process ends soon anyway.
            std::mem::forget(self.pool.take());
            return;
        }
        if let Err(message) = self.drop_pool() {
            panic!("{message}");
        }
    }
}

/// Installs, once per test process, a panic hook that stays silent for the panics the suite
/// causes on purpose (their message says "(this panic is expected)") and reports every other
/// panic as usual.
pub(crate) fn quiet_expected_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if !message.is_some_and(|m| m.contains("(this panic is expected)")) {
                report(info);
            }
        }));
    });
}

/// A handle on the scenario's trace for the code that runs on workers: it records events, and
/// names each worker thread that records `worker 1`, `worker 2`, ... in the order they first do
/// (which worker runs which task is the scheduler's choice; the order of first appearance is
/// what a gated run fixes).
#[derive(Clone)]
pub(crate) struct Recorder {
    pub(crate) trace: Trace<Event>,
    workers: Arc<Mutex<Vec<ThreadId>>>,
}

impl Recorder {
    /// Names the calling thread `worker N` if it has no name in the trace yet.
    pub(crate) fn name_worker(&self) {
        let me = std::thread::current().id();
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        if !workers.contains(&me) {
            workers.push(me);
            self.trace.name_thread(format!("worker {}", workers.len()));
        }
    }

    pub(crate) fn record(&self, event: Event) -> usize {
        self.trace.record(event)
    }
}

/// Where a future is in its life, as its methods say: "pending", "running", "done" or
/// "cancelled" (and "inconsistent" when they contradict each other).
pub(crate) fn stage<T>(future: &TaskFuture<T>) -> &'static str {
    match (future.done(), future.running(), future.cancelled()) {
        (false, false, false) => "pending",
        (false, true, false) => "running",
        (true, false, false) => "done",
        (true, false, true) => "cancelled",
        _ => "inconsistent",
    }
}

/// Fails unless `future` is in `expected` stage; `why` says why it must be.
pub(crate) fn expect_stage<T>(
    s: &Scenario,
    name: &str,
    future: &TaskFuture<T>,
    expected: &str,
    why: &str,
) {
    let got = stage(future);
    if got != expected {
        s.fail(
            format!(
                "{name} should be {expected} ({why}), but done() = {}, running() = {}, \
                 cancelled() = {} (that is: {got})",
                future.done(),
                future.running(),
                future.cancelled()
            ),
            &[],
        );
    }
}

/// The error of a task that panicked with `message`.
pub(crate) fn panicked(message: &str) -> TaskError {
    TaskError::Panicked(message.to_owned())
}

pub(crate) use course_testkit::OrFail;
