//! What the cases, properties and traces share: a [`Team`] of worker threads around one
//! semaphore on a virtual clock. The test decides when each worker asks for a permit and when it
//! gives it back (gates), sees a worker asleep in `acquire` through the clock, and reads what
//! happened from a trace in which every worker records entering with the number of holders at
//! that moment.

use course_clock::{Instant, VirtualClock};
use course_testkit::{Gate, Latch, Trace, patience};
use semaphore::Semaphore;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The worker is about to call `acquire` (or `acquire_timeout`).
    Acquiring { worker: usize, at: Instant },
    /// The test saw the worker asleep on the clock, waiting for a permit.
    Waiting { worker: usize },
    /// The worker got its permit; `holders` is how many workers hold one, itself included.
    Entered {
        worker: usize,
        at: Instant,
        holders: usize,
        permits: usize,
    },
    /// The worker is about to drop its permit.
    Releasing { worker: usize },
    /// The worker is about to panic while it holds its permit.
    Panicking { worker: usize },
    /// `acquire_timeout` gave up.
    TimedOut { worker: usize, at: Instant },
    /// `acquire` or `acquire_timeout` itself panicked.
    PanickedInAcquire { worker: usize, message: String },
    /// A line the test writes.
    Note(String),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Acquiring { worker, .. } => write!(f, "thread {worker} asks for a permit"),
            Event::Waiting { worker } => {
                write!(f, "thread {worker} is asleep, waiting for a permit")
            }
            Event::Entered {
                worker,
                holders,
                permits,
                ..
            } => write!(
                f,
                "thread {worker} is running ({holders} of {permits} permits held)"
            ),
            Event::Releasing { worker } => {
                write!(f, "thread {worker} is done: gives its permit back")
            }
            Event::Panicking { worker } => {
                write!(f, "thread {worker} panics while it holds its permit")
            }
            Event::TimedOut { worker, at } => {
                write!(f, "{at} thread {worker} gave up waiting (timed out)")
            }
            Event::PanickedInAcquire { worker, message } => {
                write!(f, "thread {worker} panicked inside acquire: {message}")
            }
            Event::Note(note) => f.write_str(note),
        }
    }
}

/// How a worker asks for its permit, and what it does with it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum How {
    /// `acquire()`, then wait for the test's go-ahead and drop the permit.
    Acquire,
    /// `acquire_timeout(timeout)`, then as `Acquire`.
    Timeout(Duration),
    /// `acquire()`, then wait for the test's go-ahead and panic while holding the permit.
    PanicWhileHolding,
}

struct Worker {
    /// Opened by the test: ask for the permit now.
    go: Arc<Gate>,
    /// Opened by the test: done with the permit now.
    finish: Arc<Gate>,
    /// Counted down once the permit was taken, or acquire failed or panicked.
    settled: Arc<Latch>,
    handle: Option<JoinHandle<()>>,
}

/// A semaphore on a virtual clock and the workers that share it.
pub(crate) struct Team {
    pub(crate) clock: VirtualClock,
    pub(crate) semaphore: Arc<Semaphore>,
    pub(crate) trace: Trace<Event>,
    /// Workers holding a permit right now (counted after `acquire` returns, before the drop).
    holders: Arc<AtomicUsize>,
    /// Permits the semaphore was given in all (`new` plus `add_permits`).
    permits: Arc<AtomicUsize>,
    workers: Vec<Worker>,
}

impl Team {
    pub(crate) fn new(permits: usize) -> Self {
        let clock = VirtualClock::new();
        let semaphore = Arc::new(Semaphore::with_clock(permits, clock.clock()));
        let trace = Trace::new();
        trace.name_thread("test");
        Team {
            clock,
            semaphore,
            trace,
            holders: Arc::new(AtomicUsize::new(0)),
            permits: Arc::new(AtomicUsize::new(permits)),
            workers: Vec::new(),
        }
    }

    /// Adds a worker, named `thread N` (from 1), that waits for [`start`](Self::start).
    pub(crate) fn spawn(&mut self, how: How) -> usize {
        let worker = self.workers.len() + 1;
        let (go, finish, settled) = (
            Arc::new(Gate::new()),
            Arc::new(Gate::new()),
            Arc::new(Latch::new(1)),
        );
        let handle = {
            let (go, finish, settled) = (go.clone(), finish.clone(), settled.clone());
            let (semaphore, trace, clock) = (
                self.semaphore.clone(),
                self.trace.clone(),
                self.clock.clock(),
            );
            let (holders, permits) = (self.holders.clone(), self.permits.clone());
            thread::spawn(move || {
                trace.name_thread(format!("thread {worker}"));
                go.pass("the test to let this worker ask for a permit");
                trace.record(Event::Acquiring {
                    worker,
                    at: clock.now(),
                });
                let taken = panic::catch_unwind(AssertUnwindSafe(|| match how {
                    How::Acquire | How::PanicWhileHolding => Some(semaphore.acquire()),
                    How::Timeout(timeout) => semaphore.acquire_timeout(timeout).ok(),
                }));
                let permit = match taken {
                    Ok(Some(permit)) => permit,
                    Ok(None) => {
                        trace.record(Event::TimedOut {
                            worker,
                            at: clock.now(),
                        });
                        settled.count_down();
                        return;
                    }
                    Err(payload) => {
                        trace.record(Event::PanickedInAcquire {
                            worker,
                            message: panic_message(payload.as_ref()),
                        });
                        settled.count_down();
                        return;
                    }
                };
                let held = holders.fetch_add(1, Ordering::SeqCst) + 1;
                trace.record(Event::Entered {
                    worker,
                    at: clock.now(),
                    holders: held,
                    permits: permits.load(Ordering::SeqCst),
                });
                settled.count_down();
                finish.pass("the test to let this worker give its permit back");
                holders.fetch_sub(1, Ordering::SeqCst);
                if let How::PanicWhileHolding = how {
                    trace.record(Event::Panicking { worker });
                    panic!("thread {worker} panics on purpose while it holds its permit");
                }
                trace.record(Event::Releasing { worker });
                drop(permit);
            })
        };
        self.workers.push(Worker {
            go,
            finish,
            settled,
            handle: Some(handle),
        });
        worker
    }

    fn worker(&self, worker: usize) -> &Worker {
        &self.workers[worker - 1]
    }

    /// Lets `worker` ask for its permit.
    pub(crate) fn start(&self, worker: usize) {
        self.worker(worker).go.open();
    }

    /// Waits until `worker` holds its permit.
    pub(crate) fn await_entered(&self, worker: usize, why: &str) {
        if !self.worker(worker).settled.wait_patiently() {
            self.fail(
                format!(
                    "thread {worker} did not get a permit within {:?}: {why}",
                    patience()
                ),
                &[],
            );
        }
        self.check_panics();
        if !self.entered(worker) {
            self.fail(format!("thread {worker} did not get a permit: {why}"), &[]);
        }
    }

    /// Waits until `blocked` workers are asleep on the clock, and records that `worker` is one
    /// of them (the one the test just started).
    pub(crate) fn await_waiting(&self, worker: usize, blocked: usize) {
        if !self.clock.wait_until_blocked_for(blocked, patience()) {
            self.check_panics();
            let why = if self.entered(worker) {
                "it got a permit although none was free".to_owned()
            } else {
                format!(
                    "only {} thread(s) are asleep on the clock: a thread waiting for a permit \
                     must sleep on the semaphore's condition variable (made from the clock it \
                     was given), not spin",
                    self.clock.blocked()
                )
            };
            self.fail(
                format!(
                    "thread {worker} asked for a permit while none was free, so it must wait; \
                     but {why}"
                ),
                &[],
            );
        }
        self.check_over_admission();
        self.trace.record(Event::Waiting { worker });
    }

    /// Lets `worker` finish: it gives its permit back (or panics holding it, as told), and the
    /// test waits for the thread to end.
    pub(crate) fn finish(&mut self, worker: usize) -> thread::Result<()> {
        self.worker(worker).finish.open();
        let handle = self.workers[worker - 1]
            .handle
            .take()
            .expect("each worker is finished once");
        join_patiently(handle).unwrap_or_else(|| {
            self.fail(
                format!(
                    "thread {worker} did not finish within {:?} after it was told to give its \
                     permit back: is dropping a Permit blocking?",
                    patience()
                ),
                &[],
            )
        })
    }

    /// Waits until `worker`'s call returned (a permit, a timeout or a panic).
    pub(crate) fn await_settled(&self, worker: usize) -> bool {
        self.worker(worker).settled.wait_patiently()
    }

    /// Adds permits through the semaphore, keeping count.
    pub(crate) fn add_permits(&self, permits: usize) {
        self.permits.fetch_add(permits, Ordering::SeqCst);
        self.trace
            .record(Event::Note(format!("the test adds {permits} permit(s)")));
        self.semaphore.add_permits(permits);
    }

    /// Did `worker` get a permit?
    pub(crate) fn entered(&self, worker: usize) -> bool {
        self.trace
            .whats()
            .iter()
            .any(|e| matches!(e, Event::Entered { worker: w, .. } if *w == worker))
    }

    /// Fails if any worker panicked inside `acquire`.
    pub(crate) fn check_panics(&self) {
        for event in self.trace.events() {
            if let Event::PanickedInAcquire { worker, message } = &event.what {
                self.fail(
                    format!(
                        "thread {worker} panicked inside the semaphore ({message}). If that is \
                         an overflow in `available -= 1`, the thread took a permit that was not \
                         there: after a wake-up, look again at the count before taking one (a \
                         `while` loop around the wait, not an `if`)"
                    ),
                    &[event.seq],
                );
            }
        }
    }

    /// Fails if a worker ever got in while as many workers as permits already held one.
    pub(crate) fn check_over_admission(&self) {
        self.check_panics();
        for event in self.trace.events() {
            if let Event::Entered {
                worker,
                holders,
                permits,
                ..
            } = event.what
                && holders > permits
            {
                self.fail(
                    format!(
                        "thread {worker} got a permit while {} other thread(s) held one, but \
                         the semaphore has only {permits} permit(s): never more holders than \
                         permits",
                        holders - 1
                    ),
                    &[event.seq],
                );
            }
        }
    }

    /// The trace's payloads, one a line, for snapshots.
    pub(crate) fn rendered(&self) -> String {
        let mut lines = String::new();
        for event in self.trace.whats() {
            lines.push_str(&event.to_string());
            lines.push('\n');
        }
        lines
    }

    #[track_caller]
    pub(crate) fn fail(&self, message: impl fmt::Display, focus: &[usize]) -> ! {
        self.trace.fail(message, focus)
    }
}

pub(crate) use course_testkit::join_patiently;

/// Polls `condition` until it holds, or gives up (`false`) after [`patience`]. For conditions
/// no primitive can wait for (a count on the virtual clock falling back, say).
pub(crate) fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    let give_up = std::time::Instant::now() + patience();
    while !condition() {
        if std::time::Instant::now() >= give_up {
            return false;
        }
        thread::park_timeout(Duration::from_millis(1));
    }
    true
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic".to_owned()
    }
}
