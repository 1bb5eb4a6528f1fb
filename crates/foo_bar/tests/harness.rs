//! What the cases, properties and traces share: a [`Run`] gives each side of the puzzle its own
//! thread, held at its own gate, and starts the threads in the order a test chooses. After each
//! start it waits until every started thread has either returned or is asleep on the virtual
//! clock, so the order is forced, not hoped for: a thread started early really runs, alone,
//! until it has to wait.
//!
//! What the threads print is recorded in a trace, by the thread that prints it. A print
//! callback records its line and then, before it returns, waits until the other thread is
//! asleep, done, or in its own print callback. So one thread moves at a time, and a thread that
//! prints while the other's line is still coming out (out of turn, or because the turn was
//! handed over before the line) is caught in the act, whatever the scheduler does, instead of
//! only now and then.

use course_clock::VirtualClock;
use course_testkit::{CountDownOnDrop, Gate, Latch, Trace, patience};
use foo_bar::FooBar;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The test let this thread make its call.
    Started(&'static str),
    /// A thread's print callback ran with this line. `during`: the thread that was inside
    /// its own print callback when this one began, if any (two lines at once).
    Printed {
        line: String,
        during: Option<&'static str>,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started(name) => write!(f, "starts: calls {name}()"),
            Event::Printed { line, during } => {
                write!(f, "prints {line:?}")?;
                match during {
                    Some(other) => write!(f, " while {other} is still inside its print callback"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// What the test and the threads of one run share.
struct Shared {
    trace: Trace<Event>,
    clock: VirtualClock,
    /// How many threads the run has.
    threads: usize,
    /// Threads whose gate the test opened.
    started: AtomicUsize,
    /// Counted down once by each thread whose call has returned (or unwound).
    all_returned: Latch,
    /// The threads inside their print callback right now. A callback records its line and
    /// adds its thread here in one step, under this lock, and removes it last: so of two
    /// callbacks that overlap, the second to begin finds the first here.
    printing: Mutex<Vec<&'static str>>,
    /// Set when the test is over: callbacks stop waiting for the other thread.
    abandoned: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The harness's own bookkeeping; nothing panics while holding it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// In a print callback, after the line is recorded: waits until every other started
    /// thread is asleep on the clock, has returned, or is printing too (or the test is over, or
    /// [`patience`] has passed: then `settle` reports what is wrong).
    ///
    /// `printing` counts this thread too; `returned` and `blocked` can only count the *other*
    /// thread (this one is printing: neither asleep nor returned). So with two threads the sum
    /// reaches `started` only if the other thread was asleep, done or printing when it was read.
    fn wait_for_the_other(&self) {
        let give_up = std::time::Instant::now() + patience();
        while !self.abandoned.load(Ordering::SeqCst) && std::time::Instant::now() < give_up {
            let started = self.started.load(Ordering::SeqCst);
            let returned = self.threads - self.all_returned.left();
            let printing = lock(&self.printing).len();
            if returned + self.clock.blocked() + printing >= started {
                return;
            }
            std::thread::park_timeout(Duration::from_millis(1));
        }
    }
}

/// What a thread's print callback uses to record its line.
pub(crate) struct Printer {
    /// The thread it prints for.
    name: &'static str,
    shared: Arc<Shared>,
}

impl Printer {
    /// Records `line` as printed by this printer's thread, then waits until the other thread
    /// has had its chance to move (see the module's documentation).
    pub(crate) fn print(&self, line: impl Into<String>) {
        let shared = &self.shared;
        {
            let mut printing = lock(&shared.printing);
            shared.trace.record(Event::Printed {
                line: line.into(),
                during: printing.first().copied(),
            });
            printing.push(self.name);
        }
        shared.wait_for_the_other();
        let mut printing = lock(&shared.printing);
        if let Some(me) = printing.iter().position(|&name| name == self.name) {
            printing.remove(me);
        }
    }
}

/// One side's thread.
struct Worker {
    name: &'static str,
    /// Opened by the test to let the thread make its call.
    gate: Arc<Gate>,
    /// Counted down when the thread's call has returned (or unwound).
    returned: Arc<Latch>,
    handle: Option<JoinHandle<()>>,
}

/// The threads of one run, on a fresh virtual clock, with a trace of what they printed.
pub(crate) struct Run {
    shared: Arc<Shared>,
    workers: Vec<Worker>,
}

impl Run {
    /// A run for `threads` threads (spawned next with [`spawn`](Self::spawn)).
    pub(crate) fn new(threads: usize) -> Self {
        let trace = Trace::new();
        trace.name_thread("test");
        Run {
            shared: Arc::new(Shared {
                trace,
                clock: VirtualClock::new(),
                threads,
                started: AtomicUsize::new(0),
                all_returned: Latch::new(threads),
                printing: Mutex::new(Vec::new()),
                abandoned: AtomicBool::new(false),
            }),
            workers: Vec::new(),
        }
    }

    /// The run's virtual clock: the code under test sleeps on it.
    pub(crate) fn clock(&self) -> &VirtualClock {
        &self.shared.clock
    }

    /// Everything the threads printed, and when they started.
    pub(crate) fn trace(&self) -> &Trace<Event> {
        &self.shared.trace
    }

    /// Spawns the thread of side `name`. It waits at its own gate until the test
    /// [`start`](Self::start)s it, records that it starts, and runs `call` with a printer.
    pub(crate) fn spawn<F>(&mut self, name: &'static str, call: F)
    where
        F: FnOnce(Printer) + Send + 'static,
    {
        let gate = Arc::new(Gate::new());
        let returned = Arc::new(Latch::new(1));
        let handle = {
            let (gate, returned, shared) = (
                Arc::clone(&gate),
                Arc::clone(&returned),
                Arc::clone(&self.shared),
            );
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || {
                    shared.trace.name_thread(name);
                    gate.pass(&format!("the test to start the {name} thread"));
                    // Count down however the call ends, even by a panic.
                    let _returned = CountDownOnDrop(returned);
                    let _all = AllReturned(Arc::clone(&shared));
                    shared.trace.record(Event::Started(name));
                    call(Printer { name, shared });
                })
                .expect("failed to spawn a test thread")
        };
        self.workers.push(Worker {
            name,
            gate,
            returned,
            handle: Some(handle),
        });
    }

    fn worker(&self, name: &str) -> &Worker {
        self.workers
            .iter()
            .find(|worker| worker.name == name)
            .unwrap_or_else(|| panic!("the test spawned no {name} thread"))
    }

    /// Opens `worker`'s gate, counting it as started the first time.
    fn open(&self, worker: &Worker) {
        // Only the test thread opens gates, so the check and the open cannot race.
        if !worker.gate.is_open() {
            self.shared.started.fetch_add(1, Ordering::SeqCst);
            worker.gate.open();
        }
    }

    /// Starts the thread of side `name` and waits until it has returned or gone to sleep (and
    /// so has every thread it woke).
    pub(crate) fn start(&self, name: &str) -> Result<(), String> {
        self.start_without_settling(name);
        self.settle(name)
    }

    /// Starts the thread of side `name` and goes on at once.
    pub(crate) fn start_without_settling(&self, name: &str) {
        self.open(self.worker(name));
    }

    /// Starts the threads in `order`, each once the ones before it have settled.
    pub(crate) fn start_in_order(&self, order: &[&str]) -> Result<(), String> {
        order.iter().try_for_each(|name| self.start(name))
    }

    /// Waits until every started thread has either returned or is blocked on the clock. Then
    /// nothing runs until the test starts another thread: a blocked thread wakes only when
    /// another thread notifies it (the virtual clock has no spurious wake-ups, and its time
    /// does not move).
    pub(crate) fn settle(&self, after: &str) -> Result<(), String> {
        let give_up = std::time::Instant::now() + patience();
        loop {
            let started: Vec<&Worker> = self.workers.iter().filter(|w| w.gate.is_open()).collect();
            let returned = || started.iter().filter(|w| w.returned.left() == 0).count();
            // Returns only ever grow: if the count is the same before and after reading the
            // clock, then at that read every started thread had returned or was blocked.
            let before = returned();
            let blocked = self.clock().blocked();
            if before == returned() && before + blocked >= started.len() {
                return Ok(());
            }
            if std::time::Instant::now() >= give_up {
                let running: Vec<&str> = started
                    .iter()
                    .filter(|w| w.returned.left() > 0)
                    .map(|w| w.name)
                    .collect();
                return Err(self.failure(
                    format!(
                        "after the {after} thread started, {blocked} thread(s) were asleep on the \
                         clock, but of the threads still in their call ({running:?}) not all \
                         were: within {:?} a thread neither returned nor went to sleep. A \
                         thread waiting for its turn must block on a course_clock::Condvar \
                         (made from the clock it was given): not spin on a flag, and not \
                         sleep (std::thread::sleep) hoping the other gets ahead",
                        patience()
                    ),
                    &[],
                ));
            }
            // Asking the clock and the latches is cheap; a 1 ms nap bounds how often.
            std::thread::park_timeout(Duration::from_millis(1));
        }
    }

    /// Waits until every thread has returned (they must all have been started), and checks that
    /// none panicked.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        for worker in &self.workers {
            self.open(worker);
        }
        if !self.shared.all_returned.wait_patiently() {
            let stuck: Vec<&str> = self
                .workers
                .iter()
                .filter(|w| w.returned.left() > 0)
                .map(|w| w.name)
                .collect();
            return Err(self.failure(
                format!(
                    "every thread was started, but {stuck:?} had not returned {:?} later, and \
                     {} thread(s) were asleep on the clock: a thread waits for a turn that \
                     never comes. Was it woken when the other thread handed the turn over? \
                     (Changing the turn wakes nobody: only a notify does.) And does it look \
                     at the turn before it waits? (A notify sent before the wait began wakes \
                     nobody: the turn may already be its own)",
                    patience(),
                    self.clock().blocked()
                ),
                &[],
            ));
        }
        let handles: Vec<_> = self
            .workers
            .iter_mut()
            .filter_map(|worker| Some((worker.name, worker.handle.take()?)))
            .collect();
        for (name, handle) in handles {
            if let Err(panic) = handle.join() {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".to_owned());
                return Err(self.failure(format!("the {name} thread panicked: {message}"), &[]));
            }
        }
        Ok(())
    }

    /// `message`, followed by the part of the trace around the events `focus`. The test is
    /// over: callbacks stop waiting for the other thread.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        self.shared.abandoned.store(true, Ordering::SeqCst);
        format!("{message}\ntrace:\n{}", self.trace().excerpt(focus))
    }

    /// The lines printed so far, with their sequence numbers.
    pub(crate) fn printed(&self) -> Vec<(usize, String)> {
        self.trace()
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                Event::Printed { line, .. } => Some((event.seq, line)),
                Event::Started(_) => None,
            })
            .collect()
    }

    /// Checks that no line began while the other thread was still inside its print callback.
    /// `started` tells in which order the threads were started, for the message.
    pub(crate) fn check_one_line_at_a_time(&self, started: &[&str]) -> Result<(), String> {
        let mut number = 0;
        for event in self.trace().events() {
            let Event::Printed { line, during } = &event.what else {
                continue;
            };
            number += 1;
            if let Some(other) = during {
                return Err(self.failure(
                    format!(
                        "with the threads started in the order {started:?}, line {number} \
                         ({line:?}) was printed by the {} thread while the {other} thread was \
                         still inside its print callback: a line is out only once its callback \
                         has returned, and only then may the turn pass. Hand the turn over after \
                         print(), not before, and never print without the turn",
                        event.thread
                    ),
                    &[event.seq],
                ));
            }
        }
        Ok(())
    }

    /// Checks that exactly the lines `expected` were printed, in that order, one at a time.
    /// `started` tells in which order the threads were started, for the message.
    pub(crate) fn check_printed(&self, expected: &[&str], started: &[&str]) -> Result<(), String> {
        let printed = self.printed();
        let lines: Vec<&str> = printed.iter().map(|(_, line)| line.as_str()).collect();
        if lines == expected {
            return self.check_one_line_at_a_time(started);
        }
        let wrong = lines
            .iter()
            .zip(expected)
            .position(|(got, want)| got != want);
        let (what, focus) = match wrong {
            Some(i) => (
                format!(
                    "line {} was {:?} where {:?} belongs",
                    i + 1,
                    lines[i],
                    expected[i]
                ),
                vec![printed[i].0],
            ),
            None if lines.len() < expected.len() => (
                format!(
                    "only {} of the {} lines came out",
                    lines.len(),
                    expected.len()
                ),
                printed.last().map(|(seq, _)| *seq).into_iter().collect(),
            ),
            None => (
                format!("{} lines came out, not {}", lines.len(), expected.len()),
                vec![printed[expected.len()].0],
            ),
        };
        let at_once = if self.check_one_line_at_a_time(started).is_err() {
            ". Two lines were being printed at once (\"while ... is still inside its print \
             callback\" in the trace): a thread printed without the turn, or the turn was \
             handed over before the line was out"
        } else {
            ""
        };
        Err(self.failure(
            format!(
                "with the threads started in the order {started:?}, {what}: the lines must come \
                 out as {expected:?} whatever order the threads start in, and they came out as \
                 {lines:?}{at_once}"
            ),
            &focus,
        ))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Let every thread make its call, so none is left waiting at its gate, and stop the
        // callbacks waiting for each other. Threads stuck in the code under test are left
        // behind: the test's process ends soon anyway.
        self.shared.abandoned.store(true, Ordering::SeqCst);
        for worker in &self.workers {
            self.open(worker);
        }
    }
}

/// Counts its run's `all_returned` down when dropped: when the call returns, or unwinds.
struct AllReturned(Arc<Shared>);

impl Drop for AllReturned {
    fn drop(&mut self) {
        self.0.all_returned.count_down();
    }
}

/// Every order in which the two threads can be started.
pub(crate) const FOO_FIRST: [&str; 2] = ["foo", "bar"];
pub(crate) const BAR_FIRST: [&str; 2] = ["bar", "foo"];
pub(crate) const START_ORDERS: [[&str; 2]; 2] = [FOO_FIRST, BAR_FIRST];

/// What must come out for `n`: foo, bar, foo, bar, ... `n` times each.
pub(crate) fn expected(n: usize) -> Vec<&'static str> {
    ["foo", "bar"].repeat(n)
}

/// One `FooBar` for `n` on the run's clock, and its two threads, spawned in `order`: the
/// thread of side `foo` calls `foo` with a callback that prints "foo", and likewise for `bar`.
pub(crate) fn spawn_threads(n: usize, order: &[&str]) -> Run {
    let mut run = Run::new(order.len());
    let foo_bar = Arc::new(FooBar::with_clock(run.clock().clock(), n));
    for &name in order {
        let foo_bar = Arc::clone(&foo_bar);
        match name {
            "foo" => run.spawn("foo", move |printer| foo_bar.foo(|| printer.print("foo"))),
            "bar" => run.spawn("bar", move |printer| foo_bar.bar(|| printer.print("bar"))),
            _ => panic!("no side {name}"),
        }
    }
    run
}

pub(crate) use course_testkit::OrFail;
