//! What the cases, properties and traces share: a [`Table`] runs the four threads on one
//! `FizzBuzz` and a virtual clock, each held at its own gate, and starts them in a given order.
//! After each start it waits until every started thread is asleep on the clock or has returned,
//! and checks that exactly the answers a correct program can give by then were said: those up to
//! the first number whose thread has not started yet.
//!
//! Every answer a thread says is recorded in a trace, by the thread that said it. While a thread
//! is inside its print callback, the callback waits for every other started thread to be asleep
//! (or done) before it returns: one thread moves at a time, so a run gives the same trace on
//! every run, and a thread that prints without its turn is caught in the act.

use course_clock::VirtualClock;
use course_testkit::{Gate, Trace, join_patiently, patience};
use fizz_buzz_threads::FizzBuzz;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub(crate) use course_testkit::OrFail;

/// The four threads, by the method they call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Fizz,
    Buzz,
    FizzBuzz,
    Number,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [Kind::Number, Kind::Fizz, Kind::Buzz, Kind::FizzBuzz];

    /// The thread that must answer `k`.
    pub(crate) fn of(k: u32) -> Kind {
        match (k % 3, k % 5) {
            (0, 0) => Kind::FizzBuzz,
            (0, _) => Kind::Fizz,
            (_, 0) => Kind::Buzz,
            _ => Kind::Number,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Fizz => "fizz",
            Kind::Buzz => "buzz",
            Kind::FizzBuzz => "fizzbuzz",
            Kind::Number => "number",
        }
    }
}

/// One answer, as a thread said it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Said {
    Fizz,
    Buzz,
    FizzBuzz,
    Number(u32),
}

impl Said {
    /// The right answer for `k`.
    pub(crate) fn answer(k: u32) -> Said {
        match Kind::of(k) {
            Kind::Fizz => Said::Fizz,
            Kind::Buzz => Said::Buzz,
            Kind::FizzBuzz => Said::FizzBuzz,
            Kind::Number => Said::Number(k),
        }
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Said::Fizz => f.write_str("fizz"),
            Said::Buzz => f.write_str("buzz"),
            Said::FizzBuzz => f.write_str("fizzbuzz"),
            Said::Number(k) => write!(f, "{k}"),
        }
    }
}

/// FizzBuzz from 1 to `n`.
pub(crate) fn fizz_buzz(n: u32) -> Vec<Said> {
    (1..=n).map(Said::answer).collect()
}

/// Shows a start order: `number, fizz, buzz, fizzbuzz`.
pub(crate) fn order_text(order: &[Kind]) -> String {
    let names: Vec<&str> = order.iter().map(|kind| kind.name()).collect();
    names.join(", ")
}

/// What the threads and the test share about who is where.
#[derive(Default)]
struct Progress {
    /// Threads whose gate the test opened.
    started: AtomicUsize,
    /// Threads whose method returned (or panicked).
    returned: AtomicUsize,
    /// Threads inside a print callback.
    printing: AtomicUsize,
    /// The kinds whose thread panicked.
    panicked: Mutex<Vec<Kind>>,
    /// Set when the test gives up: callbacks stop waiting for the others.
    abandoned: AtomicBool,
}

/// Counts its thread as returned when dropped: when the method returns, or when it panics.
struct Returned {
    progress: Arc<Progress>,
    kind: Kind,
}

impl Drop for Returned {
    fn drop(&mut self) {
        if thread::panicking() {
            self.progress
                .panicked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self.kind);
        }
        self.progress.returned.fetch_add(1, Ordering::SeqCst);
    }
}

/// One thread of a table.
struct Worker {
    kind: Kind,
    gate: Arc<Gate>,
    handle: Option<JoinHandle<()>>,
}

/// Four threads on one `FizzBuzz` of `n`, on a virtual clock, each held at its gate.
pub(crate) struct Table {
    n: u32,
    order: Vec<Kind>,
    clock: VirtualClock,
    pub(crate) trace: Trace<Said>,
    progress: Arc<Progress>,
    workers: Vec<Worker>,
}

impl Table {
    /// Spawns the four threads in `order`, each waiting at its own gate.
    pub(crate) fn new(n: u32, order: [Kind; 4]) -> Self {
        let clock = VirtualClock::new();
        let fizz_buzz = Arc::new(FizzBuzz::with_clock(clock.clock(), n));
        let trace = Trace::new();
        trace.name_thread("test");
        let progress = Arc::new(Progress::default());
        let workers = order
            .iter()
            .map(|&kind| {
                let gate = Arc::new(Gate::new());
                let handle = spawn(
                    kind,
                    Arc::clone(&fizz_buzz),
                    trace.clone(),
                    Arc::clone(&progress),
                    Some((Arc::clone(&gate), clock.clone())),
                );
                Worker {
                    kind,
                    gate,
                    handle: Some(handle),
                }
            })
            .collect();
        Table {
            n,
            order: order.to_vec(),
            clock,
            trace,
            progress,
            workers,
        }
    }

    /// Starts the threads one at a time in the table's order; after each start, waits until
    /// the started threads are all asleep or done and checks what they said by then; at the
    /// end checks that every thread returned and the whole sequence was said.
    pub(crate) fn run(&mut self) -> Result<(), String> {
        for i in 0..self.workers.len() {
            self.start(i);
            self.settle(i)?;
        }
        self.finish()
    }

    fn start(&self, i: usize) {
        self.progress.started.fetch_add(1, Ordering::SeqCst);
        self.workers[i].gate.open();
    }

    /// The started threads that neither returned nor are asleep (a guess, for messages).
    fn busy(&self, upto: usize) -> Vec<&'static str> {
        self.workers[..=upto]
            .iter()
            .filter(|w| w.handle.as_ref().is_some_and(|h| !h.is_finished()))
            .map(|w| w.kind.name())
            .collect()
    }

    fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        self.progress.abandoned.store(true, Ordering::SeqCst);
        format!(
            "FizzBuzz({}) with the threads started in the order {}: {message}\ntrace:\n{}",
            self.n,
            order_text(&self.order),
            self.trace.excerpt(focus)
        )
    }

    fn panicked(&self) -> Result<(), String> {
        let panicked = self
            .progress
            .panicked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match panicked.first() {
            None => Ok(()),
            Some(kind) => Err(self.failure(
                format!(
                    "the {} thread panicked (its message is printed above)",
                    kind.name()
                ),
                &[],
            )),
        }
    }

    /// Waits until the first `i + 1` threads of the order are all asleep on the clock or
    /// returned, then checks the answers said so far.
    fn settle(&self, i: usize) -> Result<(), String> {
        let started = i + 1;
        let give_up = Instant::now() + patience();
        loop {
            self.panicked()?;
            if idle(&self.progress, &self.clock, started) {
                break;
            }
            if Instant::now() >= give_up {
                return Err(self.failure(
                    format!(
                        "after the test started the {} thread, the threads did not all go to \
                         sleep (or return) within {:?}; still running: {}. A thread waiting for \
                         its turn must block on the condition variable: one that spins, or \
                         sleeps (std::thread::sleep), never does",
                        self.workers[i].kind.name(),
                        patience(),
                        self.busy(i).join(", ")
                    ),
                    &[],
                ));
            }
            thread::park_timeout(Duration::from_millis(1));
        }
        let started_kinds: Vec<Kind> = self.workers[..started].iter().map(|w| w.kind).collect();
        let all = fizz_buzz(self.n);
        let want: Vec<Said> = (1..=self.n)
            .take_while(|&k| started_kinds.contains(&Kind::of(k)))
            .map(Said::answer)
            .collect();
        let events = self.trace.events();
        let got: Vec<Said> = events.iter().map(|e| e.what).collect();
        let now = if started == self.workers.len() {
            "once every thread had started".to_owned()
        } else {
            format!("with only {} started", order_text(&self.order[..started]))
        };
        if let Some(at) = got.iter().zip(&want).position(|(got, want)| got != want) {
            let k = at + 1;
            return Err(self.failure(
                format!(
                    "{now}, answer {k} was `{}` (said by {}), but answer {k} of FizzBuzz is \
                     `{}`: the threads must say the sequence in order, each waiting for its turn",
                    got[at], events[at].thread, want[at]
                ),
                &[events[at].seq],
            ));
        }
        if got.len() > want.len() {
            let at = want.len();
            let k = at + 1;
            return Err(self.failure(
                format!(
                    "{now}, {} said `{}` as answer {k}, but answer {k} is `{}`, which only the \
                     {} thread says, and the test had not started it yet: a thread must wait \
                     for its turn, not guess (or sleep until) when the others are done",
                    events[at].thread,
                    got[at],
                    all[at],
                    Kind::of(k as u32).name()
                ),
                &[events[at].seq],
            ));
        }
        if got.len() < want.len() {
            let at = got.len();
            let k = at + 1;
            return Err(self.failure(
                format!(
                    "{now}, the threads said {} answer(s) and then all went to sleep, but answer \
                     {k} (`{}`) is the {} thread's, which is running: was it woken when the \
                     turn reached {k}, and does it look at the turn again after every wake-up?",
                    got.len(),
                    want[at],
                    Kind::of(k as u32).name()
                ),
                &[],
            ));
        }
        // The answers are right and in order, so answer k is event k - 1.
        for event in &events {
            let owner = Kind::of(event.seq as u32 + 1);
            if event.thread != owner.name() {
                return Err(self.failure(
                    format!(
                        "`{}` was said by the {} thread's callback, but it is the {} thread's \
                         answer",
                        event.what,
                        event.thread,
                        owner.name()
                    ),
                    &[event.seq],
                ));
            }
        }
        Ok(())
    }

    /// Every thread started and settled: each must have returned, having said its part.
    fn finish(&mut self) -> Result<(), String> {
        let stuck: Vec<&str> = self
            .workers
            .iter()
            .filter(|w| w.handle.as_ref().is_some_and(|h| !h.is_finished()))
            .map(|w| w.kind.name())
            .collect();
        if !stuck.is_empty() && self.progress.returned.load(Ordering::SeqCst) < 4 {
            return Err(self.failure(
                format!(
                    "the whole sequence was said, but the {} thread(s) are still asleep instead \
                     of returning: when the turn moves past n, every thread must be woken and \
                     return",
                    stuck.join(", ")
                ),
                &[],
            ));
        }
        for worker in &mut self.workers {
            if let Some(handle) = worker.handle.take()
                && join_patiently(handle).is_none_or(|joined| joined.is_err())
            {
                return Err(format!(
                    "the {} thread did not end cleanly",
                    worker.kind.name()
                ));
            }
        }
        Ok(())
    }

    /// Each answer on a line, with the thread that said it: `number: 1`.
    pub(crate) fn rendered(&self) -> String {
        let mut out = String::new();
        for event in self.trace.events() {
            out.push_str(&format!("{}: {}\n", event.thread, event.what));
        }
        out
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        // A failed run leaves its threads where they are (asleep for good, or at their gate):
        // the test's process ends soon. Callbacks stop waiting for the others.
        self.progress.abandoned.store(true, Ordering::SeqCst);
    }
}

/// True once `started` threads are all asleep on `clock` or returned, not counting `printing`
/// threads that are inside a callback (and so not asleep).
fn idle(progress: &Progress, clock: &VirtualClock, started: usize) -> bool {
    // `returned` first: a thread counted as returned can no longer be asleep, so no thread is
    // counted twice, and the sum reaches `started` only if all were asleep or done at once.
    let returned = progress.returned.load(Ordering::SeqCst);
    returned + clock.blocked() >= started
}

/// Spawns the `kind` thread of `fizz_buzz`. With a gate, it waits there until the test opens
/// it, and its callback waits for the other started threads to be asleep before returning.
fn spawn(
    kind: Kind,
    fizz_buzz: Arc<FizzBuzz>,
    trace: Trace<Said>,
    progress: Arc<Progress>,
    gated: Option<(Arc<Gate>, VirtualClock)>,
) -> JoinHandle<()> {
    thread::Builder::new()
        .name(kind.name().to_owned())
        .spawn(move || {
            trace.name_thread(kind.name());
            if let Some((gate, _)) = &gated {
                gate.pass(&format!("the test to start the {} thread", kind.name()));
            }
            let _returned = Returned {
                progress: Arc::clone(&progress),
                kind,
            };
            let say = |said: Said| {
                trace.record(said);
                if let Some((_, clock)) = &gated {
                    wait_for_the_others(&progress, clock);
                }
            };
            match kind {
                Kind::Fizz => fizz_buzz.fizz(|| say(Said::Fizz)),
                Kind::Buzz => fizz_buzz.buzz(|| say(Said::Buzz)),
                Kind::FizzBuzz => fizz_buzz.fizzbuzz(|| say(Said::FizzBuzz)),
                Kind::Number => fizz_buzz.number(|k| say(Said::Number(k))),
            }
        })
        .expect("failed to spawn a thread")
}

/// In a print callback: waits until every other started thread is asleep, done or printing
/// too (or the test gave up), so nothing else moves while this answer is being said.
fn wait_for_the_others(progress: &Progress, clock: &VirtualClock) {
    progress.printing.fetch_add(1, Ordering::SeqCst);
    let give_up = Instant::now() + patience() * 4;
    while !progress.abandoned.load(Ordering::SeqCst) && Instant::now() < give_up {
        let started = progress.started.load(Ordering::SeqCst);
        let printing = progress.printing.load(Ordering::SeqCst);
        if idle(progress, clock, started.saturating_sub(printing)) {
            break;
        }
        thread::park_timeout(Duration::from_millis(1));
    }
    progress.printing.fetch_sub(1, Ordering::SeqCst);
}

/// Runs the four threads on the system clock, all started at once, and returns what they said.
pub(crate) fn run_free(n: u32) -> Result<Vec<Said>, String> {
    let fizz_buzz = Arc::new(FizzBuzz::new(n));
    let trace = Trace::new();
    let progress = Arc::new(Progress::default());
    let handles: Vec<(Kind, JoinHandle<()>)> = Kind::ALL
        .iter()
        .map(|&kind| {
            let handle = spawn(
                kind,
                Arc::clone(&fizz_buzz),
                trace.clone(),
                Arc::clone(&progress),
                None,
            );
            (kind, handle)
        })
        .collect();
    for (kind, handle) in handles {
        match join_patiently(handle) {
            None => {
                return Err(format!(
                    "the {} thread did not return within {:?} (deadlock or lost wake-up?); what \
                     the threads said:\n{}",
                    kind.name(),
                    patience(),
                    trace.excerpt(&[])
                ));
            }
            Some(Err(_)) => {
                return Err(format!(
                    "the {} thread panicked (its message is printed above)",
                    kind.name()
                ));
            }
            Some(Ok(())) => {}
        }
    }
    Ok(trace.whats())
}
