//! What the cases, properties and traces share: a [`Run`] gives each role of the puzzle its own
//! thread, held at its own gate, and starts the threads in the order a test chooses. After each
//! start it waits until every started thread has either returned or is asleep on the virtual
//! clock, so the order is forced, not hoped for: a thread started early really runs, alone,
//! until it has to wait. What the threads print is recorded in a trace.
//!
//! A print callback records that its line starts to come out, then waits until every other
//! started thread is asleep, done, or printing too, and only then records that its line is out
//! and returns. So one thread moves at a time (every run of a case gives the same trace), and a
//! thread that prints while the line before its own is still coming out is caught in the act,
//! whichever of the two the scheduler happened to run first.

use course_clock::VirtualClock;
use course_testkit::{CountDownOnDrop, Gate, Latch, Trace, patience};
use print_in_order::PrintInOrder;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The test let this thread make its call.
    Started(&'static str),
    /// A thread's print callback started with this line.
    Printed(String),
    /// That print callback is about to return: the line is out.
    Out(String),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started(name) => write!(f, "starts: calls {name}()"),
            Event::Printed(line) => write!(f, "prints {line:?}"),
            Event::Out(line) => write!(f, "{line:?} is out (its print callback returns)"),
        }
    }
}

/// What the threads and the test share about who is where.
#[derive(Default)]
struct Progress {
    /// Threads whose gate the test opened.
    started: AtomicUsize,
    /// Threads whose call returned (or unwound).
    returned: AtomicUsize,
    /// Threads inside a print callback.
    printing: AtomicUsize,
    /// Set when the test gives up or ends: callbacks stop waiting for the others.
    abandoned: AtomicBool,
}

/// Counts its thread as returned when dropped: when the call returns, or when it unwinds.
struct Returned(Arc<Progress>);

impl Drop for Returned {
    fn drop(&mut self) {
        self.0.returned.fetch_add(1, Ordering::SeqCst);
    }
}

/// What a thread's print callback uses to record its line. Clones record into the same trace.
#[derive(Clone)]
pub(crate) struct Printer {
    trace: Trace<Event>,
    progress: Arc<Progress>,
    clock: VirtualClock,
}

impl Printer {
    /// Records that `line` starts to come out, waits until every other started thread is
    /// asleep on the clock, done, or printing too (or the test gave up), and records that the
    /// line is out.
    pub(crate) fn print(&self, line: impl Into<String>) {
        let line = line.into();
        self.trace.record(Event::Printed(line.clone()));
        let progress = &self.progress;
        progress.printing.fetch_add(1, Ordering::SeqCst);
        let give_up = std::time::Instant::now() + patience() * 4;
        while !progress.abandoned.load(Ordering::SeqCst) && std::time::Instant::now() < give_up {
            // `returned` and `printing` before the clock: a thread counted in either is not
            // asleep, so none is counted twice (this one is among the printing).
            let done = progress.returned.load(Ordering::SeqCst);
            let printing = progress.printing.load(Ordering::SeqCst);
            let started = progress.started.load(Ordering::SeqCst);
            if done + printing + self.clock.blocked() >= started {
                break;
            }
            std::thread::park_timeout(Duration::from_millis(1));
        }
        progress.printing.fetch_sub(1, Ordering::SeqCst);
        self.trace.record(Event::Out(line));
    }
}

/// One role's thread.
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
    pub(crate) clock: VirtualClock,
    pub(crate) trace: Trace<Event>,
    workers: Vec<Worker>,
    /// Counted down once by each thread whose call has returned.
    all_returned: Arc<Latch>,
    progress: Arc<Progress>,
}

impl Run {
    /// A run for `threads` threads (spawned next with [`spawn`](Self::spawn)).
    pub(crate) fn new(threads: usize) -> Self {
        let trace = Trace::new();
        trace.name_thread("test");
        Run {
            clock: VirtualClock::new(),
            trace,
            workers: Vec::new(),
            all_returned: Arc::new(Latch::new(threads)),
            progress: Arc::new(Progress::default()),
        }
    }

    /// Spawns the thread of role `name`. It waits at its own gate until the test
    /// [`start`](Self::start)s it, records that it starts, and runs `call` with a printer.
    pub(crate) fn spawn<F>(&mut self, name: &'static str, call: F)
    where
        F: FnOnce(Printer) + Send + 'static,
    {
        let gate = Arc::new(Gate::new());
        let returned = Arc::new(Latch::new(1));
        let handle = {
            let (gate, returned, all_returned) = (
                Arc::clone(&gate),
                Arc::clone(&returned),
                Arc::clone(&self.all_returned),
            );
            let printer = Printer {
                trace: self.trace.clone(),
                progress: Arc::clone(&self.progress),
                clock: self.clock.clone(),
            };
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || {
                    printer.trace.name_thread(name);
                    gate.pass(&format!("the test to start the {name} thread"));
                    // Count down however the call ends, even by a panic.
                    let _returned = (
                        CountDownOnDrop(returned),
                        CountDownOnDrop(all_returned),
                        Returned(Arc::clone(&printer.progress)),
                    );
                    printer.trace.record(Event::Started(name));
                    call(printer);
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

    /// Starts the thread of role `name` and waits until it has returned or gone to sleep (and
    /// so has every thread it woke).
    pub(crate) fn start(&self, name: &str) -> Result<(), String> {
        self.start_without_settling(name);
        self.settle(name)
    }

    /// Starts the thread of role `name` and goes on at once.
    pub(crate) fn start_without_settling(&self, name: &str) {
        let worker = self.worker(name);
        if !worker.gate.is_open() {
            self.progress.started.fetch_add(1, Ordering::SeqCst);
            worker.gate.open();
        }
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
            let blocked = self.clock.blocked();
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
                         sleep (std::thread::sleep) hoping the others get ahead",
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
            self.start_without_settling(worker.name);
        }
        if !self.all_returned.wait_patiently() {
            let stuck: Vec<&str> = self
                .workers
                .iter()
                .filter(|w| w.returned.left() > 0)
                .map(|w| w.name)
                .collect();
            return Err(self.failure(
                format!(
                    "every thread was started, but {stuck:?} had not returned {:?} later: a \
                     thread waits for a turn that never comes. Was it woken when the line \
                     before its own came out? (A notify_one may wake a thread waiting for a \
                     different turn, which goes back to sleep: the wake-up is lost)",
                    patience()
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

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        self.progress.abandoned.store(true, Ordering::SeqCst);
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// The lines printed so far, with their sequence numbers.
    pub(crate) fn printed(&self) -> Vec<(usize, String)> {
        self.trace
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                Event::Printed(line) => Some((event.seq, line)),
                Event::Started(_) | Event::Out(_) => None,
            })
            .collect()
    }

    /// Checks that exactly the lines `expected` were printed, in that order. `started` tells
    /// in which order the threads were started, for the message.
    pub(crate) fn check_printed(&self, expected: &[&str], started: &[&str]) -> Result<(), String> {
        let printed = self.printed();
        let lines: Vec<&str> = printed.iter().map(|(_, line)| line.as_str()).collect();
        if lines == expected {
            return self.check_one_line_at_a_time();
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
        Err(self.failure(
            format!(
                "with the threads started in the order {started:?}, {what}: the lines must come \
                 out as {expected:?} whatever order the threads start in, and they came out as \
                 {lines:?}"
            ),
            &focus,
        ))
    }
}

impl Run {
    /// Checks that each line started to come out only once the line before it was out: its
    /// print callback had returned.
    fn check_one_line_at_a_time(&self) -> Result<(), String> {
        let events = self.trace.events();
        let mut printing: Option<(usize, &str)> = None;
        for event in &events {
            match &event.what {
                Event::Printed(line) => {
                    if let Some((seq, before)) = printing {
                        return Err(self.failure(
                            format!(
                                "{line:?} started to come out while {before:?} was still coming \
                                 out (its print callback had not returned): a line may come \
                                 out only once the line before it is out. Was this thread \
                                 woken, and did it take that for its turn, without checking \
                                 the count again (a `while` loop, not an `if`)?"
                            ),
                            &[seq, event.seq],
                        ));
                    }
                    printing = Some((event.seq, line));
                }
                Event::Out(_) => printing = None,
                Event::Started(_) => {}
            }
        }
        Ok(())
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Let every thread make its call, so none is left waiting at its gate, and a thread
        // that spins until an earlier one prints ends too; print callbacks stop waiting for
        // the others. Threads stuck in the code under test are left behind: the test's process
        // ends soon anyway.
        self.progress.abandoned.store(true, Ordering::SeqCst);
        for worker in &self.workers {
            worker.gate.open();
        }
    }
}

/// The three roles, and the lines they print, in the order the lines must come out.
pub(crate) const LINES: [&str; 3] = ["first", "second", "third"];

/// Every order in which the three threads can start.
pub(crate) const START_ORDERS: [[&str; 3]; 6] = [
    ["first", "second", "third"],
    ["first", "third", "second"],
    ["second", "first", "third"],
    ["second", "third", "first"],
    ["third", "first", "second"],
    ["third", "second", "first"],
];

/// One `PrintInOrder` on the run's clock, and its three threads, spawned in `order`: the
/// thread of role `first` calls `first` with a callback that prints "first", and so on.
pub(crate) fn spawn_threads(order: &[&str]) -> Run {
    let mut run = Run::new(order.len());
    let in_order = Arc::new(PrintInOrder::with_clock(run.clock.clock()));
    for &name in order {
        let in_order = Arc::clone(&in_order);
        let name = LINES
            .into_iter()
            .find(|&line| line == name)
            .unwrap_or_else(|| panic!("no role {name}"));
        run.spawn(name, move |printer| match name {
            "first" => in_order.first(|| printer.print("first")),
            "second" => in_order.second(|| printer.print("second")),
            _ => in_order.third(|| printer.print("third")),
        });
    }
    run
}

pub(crate) use course_testkit::OrFail;
