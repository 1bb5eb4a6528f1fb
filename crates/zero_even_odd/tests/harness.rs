//! What the cases, properties and traces share: a [`Run`] gives each of the three threads (zero,
//! even, odd) of one `ZeroEvenOdd` its own gate, on a virtual clock, and starts them in the order
//! a test chooses. After a start it waits until every started thread is asleep on the clock or
//! has returned, and checks that exactly the part of `0 1 0 2 ... 0 n` a correct program can
//! print by then is out: everything before the first print whose thread has not started yet.
//! At the end it checks the whole output, who printed each number, and that every thread
//! returned.
//!
//! Every print is recorded in a trace by the thread that made it. While a thread is inside its
//! print callback, the callback waits until every other started thread is asleep, done or
//! printing too before it returns: one thread moves at a time, so a run gives the same trace
//! every time, and a thread that prints out of turn is caught in the act. A correct program
//! never has two threads inside their print callbacks at once (only the owner of the turn
//! prints, and the turn passes only once its print has returned); the first of two such prints
//! stays inside its callback as long as the other thread runs, so the harness sees every
//! overlap.

use course_clock::VirtualClock;
use course_testkit::{Gate, Trace, join_patiently, patience};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use zero_even_odd::ZeroEvenOdd;

pub(crate) use course_testkit::OrFail;

/// The three threads, by the method they call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Party {
    Zero,
    Even,
    Odd,
}

impl Party {
    pub(crate) const ALL: [Party; 3] = [Party::Zero, Party::Even, Party::Odd];

    /// The thread that prints `value`: every 0 is the zero thread's, every other number the odd
    /// or the even thread's.
    pub(crate) fn owner(value: u32) -> Party {
        match value {
            0 => Party::Zero,
            k if k % 2 == 1 => Party::Odd,
            _ => Party::Even,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Party::Zero => "zero",
            Party::Even => "even",
            Party::Odd => "odd",
        }
    }
}

/// How many orders the three threads can start in.
pub(crate) const START_ORDERS: usize = 6;

/// The `index`-th (from 0) of the [`START_ORDERS`] orders in which the three threads can start,
/// generated rather than listed: `index` picks the first thread among the three, then the
/// second among the two left. 0 is zero, even, odd; 3 is even, odd, zero; 5 is odd, even, zero.
pub(crate) fn start_order(index: usize) -> [Party; 3] {
    assert!(
        index < START_ORDERS,
        "there are only {START_ORDERS} start orders"
    );
    let mut left = Party::ALL.to_vec();
    let first = left.remove(index / 2);
    let second = left.remove(index % 2);
    [first, second, left[0]]
}

/// Shows a start order: `even, odd, zero`.
pub(crate) fn order_text(order: &[Party]) -> String {
    let names: Vec<&str> = order.iter().map(|party| party.name()).collect();
    names.join(", ")
}

/// The one right output for `n`: `0 1 0 2 ... 0 n`.
pub(crate) fn expected(n: u32) -> Vec<u32> {
    (1..=n).flat_map(|k| [0, k]).collect()
}

/// Shows prints as the puzzle writes them: `0 1 0 2`.
pub(crate) fn output_text(values: &[u32]) -> String {
    if values.is_empty() {
        return "(nothing)".to_owned();
    }
    let words: Vec<String> = values.iter().map(u32::to_string).collect();
    words.join(" ")
}

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The test let this thread make its call.
    Started(Party),
    /// A thread's print callback ran with this number.
    Printed(u32),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started(party) => write!(f, "starts: calls {}()", party.name()),
            Event::Printed(value) => write!(f, "prints {value}"),
        }
    }
}

/// One print, as the trace recorded it.
struct Print {
    seq: usize,
    thread: String,
    value: u32,
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
    /// The sequence numbers of prints that began while another thread was inside its own print
    /// callback (gated runs only).
    overlapping: Mutex<Vec<usize>>,
    /// The threads that panicked.
    panicked: Mutex<Vec<Party>>,
    /// Set when the test gives up: callbacks stop waiting for the others.
    abandoned: AtomicBool,
}

/// Counts its thread as returned when dropped: when the method returns, or when it panics.
struct Returned {
    progress: Arc<Progress>,
    party: Party,
}

impl Drop for Returned {
    fn drop(&mut self) {
        if thread::panicking() {
            self.progress
                .panicked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self.party);
        }
        self.progress.returned.fetch_add(1, Ordering::SeqCst);
    }
}

/// One thread of a run.
struct Worker {
    party: Party,
    gate: Arc<Gate>,
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    fn running(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_finished())
    }
}

/// The three threads of one `ZeroEvenOdd` of `n`, on a virtual clock, each held at its gate.
pub(crate) struct Run {
    n: u32,
    order: [Party; 3],
    pub(crate) clock: VirtualClock,
    pub(crate) trace: Trace<Event>,
    progress: Arc<Progress>,
    workers: Vec<Worker>,
}

impl Run {
    /// Makes a `ZeroEvenOdd` of `n` on a fresh virtual clock and spawns its three threads,
    /// each waiting at its own gate. `order` is the order the test means to start them in (for
    /// [`run`](Self::run) and the messages).
    pub(crate) fn new(n: u32, order: [Party; 3]) -> Self {
        let clock = VirtualClock::new();
        let puzzle = Arc::new(ZeroEvenOdd::with_clock(clock.clock(), n));
        let trace = Trace::new();
        trace.name_thread("test");
        let progress = Arc::new(Progress::default());
        let workers = order
            .iter()
            .map(|&party| {
                let gate = Arc::new(Gate::new());
                let handle = spawn(
                    party,
                    Arc::clone(&puzzle),
                    trace.clone(),
                    Arc::clone(&progress),
                    Some((Arc::clone(&gate), clock.clone())),
                );
                Worker {
                    party,
                    gate,
                    handle: Some(handle),
                }
            })
            .collect();
        Run {
            n,
            order,
            clock,
            trace,
            progress,
            workers,
        }
    }

    /// Starts the threads one at a time in the run's order, checking after each start what is
    /// out by then, and at the end the whole output and that every thread returned.
    pub(crate) fn run(&mut self) -> Result<(), String> {
        for party in self.order {
            self.start(party)?;
        }
        self.finish()
    }

    fn worker(&self, party: Party) -> &Worker {
        self.workers
            .iter()
            .find(|worker| worker.party == party)
            .expect("every run spawns all three threads")
    }

    /// Starts `party`'s thread, waits until every started thread is asleep or has returned,
    /// and checks that exactly what can be out by then is out.
    pub(crate) fn start(&self, party: Party) -> Result<(), String> {
        self.start_without_settling(party);
        self.settle(&format!("the test started the {} thread", party.name()))?;
        self.check_so_far()
    }

    /// Starts `party`'s thread and goes on at once, racing it.
    pub(crate) fn start_without_settling(&self, party: Party) {
        let worker = self.worker(party);
        if !worker.gate.is_open() {
            self.progress.started.fetch_add(1, Ordering::SeqCst);
            worker.gate.open();
        }
    }

    fn started(&self) -> Vec<Party> {
        self.workers
            .iter()
            .filter(|w| w.gate.is_open())
            .map(|w| w.party)
            .collect()
    }

    /// Waits until every started thread is asleep on the clock or has returned. Then nothing
    /// moves until the test starts another thread: the virtual clock has no spurious wake-ups,
    /// and its time stands still.
    pub(crate) fn settle(&self, after: &str) -> Result<(), String> {
        let started = self.started();
        let give_up = Instant::now() + patience();
        loop {
            self.panicked()?;
            if idle(&self.progress, &self.clock, started.len()) {
                return Ok(());
            }
            if Instant::now() >= give_up {
                let running: Vec<&str> = self
                    .workers
                    .iter()
                    .filter(|w| started.contains(&w.party) && w.running())
                    .map(|w| w.party.name())
                    .collect();
                return Err(self.failure(
                    format!(
                        "after {after}, the started threads did not all go to sleep (or \
                         return) within {:?}; still in their call: {}. A thread waiting for \
                         its turn must block on a course_clock::Condvar made from the clock it \
                         was given: not spin on a flag, and not sleep (std::thread::sleep) \
                         hoping the others get ahead",
                        patience(),
                        running.join(", ")
                    ),
                    &[],
                ));
            }
            // Asking the clock and the counters is cheap; a 1 ms nap bounds how often.
            thread::park_timeout(Duration::from_millis(1));
        }
    }

    /// Starts every thread not started yet, lets them all settle, and checks the whole output,
    /// who printed what, and that every thread returned.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        for party in self.order {
            self.start_without_settling(party);
        }
        self.settle("every thread was started")?;
        self.check_so_far()?;
        let asleep: Vec<&str> = self
            .workers
            .iter()
            .filter(|w| w.running())
            .map(|w| w.party.name())
            .collect();
        if !asleep.is_empty() && self.progress.returned.load(Ordering::SeqCst) < 3 {
            return Err(self.failure(
                format!(
                    "the whole output is out, but the {} thread(s) are still asleep instead of \
                     returning: each thread must return once it has printed its part (the \
                     zero thread its n zeros, the odd and even threads their numbers up to n)",
                    asleep.join(", ")
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
                    worker.party.name()
                ));
            }
        }
        Ok(())
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
            Some(party) => Err(self.failure(
                format!(
                    "the {} thread panicked (its message is printed above)",
                    party.name()
                ),
                &[],
            )),
        }
    }

    /// `message`, with the run's `n` and start order, then the part of the trace around the
    /// events `focus`. Callbacks stop waiting for the others: the test is about to fail.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        self.progress.abandoned.store(true, Ordering::SeqCst);
        format!(
            "ZeroEvenOdd::new({}) with the threads started in the order {}: {message}\ntrace:\n{}",
            self.n,
            order_text(&self.order),
            self.trace.excerpt(focus)
        )
    }

    fn prints(&self) -> Vec<Print> {
        self.trace
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                Event::Printed(value) => Some(Print {
                    seq: event.seq,
                    thread: event.thread,
                    value,
                }),
                Event::Started(_) => None,
            })
            .collect()
    }

    /// The numbers printed so far, in order, each with its sequence number in the trace.
    pub(crate) fn printed(&self) -> Vec<(usize, u32)> {
        self.prints()
            .iter()
            .map(|print| (print.seq, print.value))
            .collect()
    }

    /// Checks that no print began while another thread was still inside its print callback.
    fn check_no_overlap(&self, prints: &[Print]) -> Result<(), String> {
        let overlapping = self
            .progress
            .overlapping
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(&seq) = overlapping.first() else {
            return Ok(());
        };
        let at = prints
            .iter()
            .position(|print| print.seq == seq)
            .expect("an overlapping print is a print");
        let later = &prints[at];
        let earlier = prints[..at]
            .iter()
            .rev()
            .find(|print| print.thread != later.thread)
            .unwrap_or(later);
        Err(self.failure(
            format!(
                "the {} thread began to print {} while the {} thread was still inside its print \
                 of {}: two threads were printing at once, so one of them printed without its \
                 turn. Only the owner of the turn may print, and the turn passes only once its \
                 print has returned; a thread woken while another's turn passes must look at the \
                 turn again (a `while` loop, not an `if`)",
                later.thread, later.value, earlier.thread, earlier.value
            ),
            &[earlier.seq, later.seq],
        ))
    }

    /// Checks that exactly the prints a correct program has made by now are out: those of
    /// `0 1 0 2 ... 0 n` up to the first one whose thread has not started, one at a time, each
    /// by its own thread. Call it only once the started threads have settled.
    pub(crate) fn check_so_far(&self) -> Result<(), String> {
        let started = self.started();
        let all = expected(self.n);
        let want: Vec<u32> = all
            .iter()
            .copied()
            .take_while(|&value| started.contains(&Party::owner(value)))
            .collect();
        let prints = self.prints();
        let got: Vec<u32> = prints.iter().map(|print| print.value).collect();
        let now = if started.len() == 3 {
            "with every thread started".to_owned()
        } else {
            format!("with only {} started", order_text(&started))
        };
        let so_far = |upto: usize| output_text(&got[..upto]);
        if let Some(at) = got.iter().zip(&want).position(|(got, want)| got != want) {
            return Err(self.failure(
                format!(
                    "{now}, print {} was {} (by the {} thread) where {} belongs, after `{}`: \
                     the output must be `{}`, a zero before each number and the numbers in \
                     order, each thread waiting for its turn",
                    at + 1,
                    got[at],
                    prints[at].thread,
                    want[at],
                    so_far(at),
                    output_text(&all),
                ),
                &[prints[at].seq],
            ));
        }
        if got.len() > want.len() {
            let at = want.len();
            let what = match all.get(at) {
                Some(&next) => format!(
                    "but print {} is {next}, which only the {} thread prints, and the test \
                     had not started it yet: a thread must wait for its turn (and look at the \
                     turn again after every wake-up), not guess (or sleep until) when the \
                     others are done",
                    at + 1,
                    Party::owner(next).name()
                ),
                None => format!(
                    "but the output has only {} prints, `{}`: nothing comes after the last \
                     number",
                    all.len(),
                    output_text(&all)
                ),
            };
            return Err(self.failure(
                format!(
                    "{now}, after `{}` the {} thread printed {} as print {}, {what}",
                    so_far(at),
                    prints[at].thread,
                    got[at],
                    at + 1,
                ),
                &[prints[at].seq],
            ));
        }
        if got.len() < want.len() {
            let at = got.len();
            let next = want[at];
            let owner = Party::owner(next);
            let how = if self.worker(owner).running() {
                "is asleep: was it woken when the turn came to it, and does it look at the turn \
                 again after every wake-up?"
            } else {
                "has returned without printing it: does its list of turns go all the way to n?"
            };
            return Err(self.failure(
                format!(
                    "{now}, the output stopped at `{}` and every started thread is asleep or \
                     has returned, but print {} is {next}, and the {} thread, which prints it, \
                     {how}",
                    so_far(at),
                    at + 1,
                    owner.name()
                ),
                &prints
                    .last()
                    .map(|print| print.seq)
                    .into_iter()
                    .collect::<Vec<_>>(),
            ));
        }
        // The numbers are right and in order; no two may have been printed at once, and each
        // must come from its own thread's callback.
        self.check_no_overlap(&prints)?;
        for print in &prints {
            let owner = Party::owner(print.value);
            if print.thread != owner.name() {
                return Err(self.failure(
                    format!(
                        "{} was printed by the {} thread's callback, but it is the {} thread's \
                         to print",
                        print.value,
                        print.thread,
                        owner.name()
                    ),
                    &[print.seq],
                ));
            }
        }
        Ok(())
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // A failed run leaves its threads where they are (asleep for good, or spinning): the
        // test's process ends soon. Callbacks stop waiting for the others, and threads still at
        // their gate leave without making their call (`abandoned` is set before the gates
        // open).
        self.progress.abandoned.store(true, Ordering::SeqCst);
        for worker in &self.workers {
            worker.gate.open();
        }
    }
}

/// True once `started` threads are all asleep on `clock` or returned, not counting threads
/// that are inside a print callback (and so not asleep) if the caller left them out.
fn idle(progress: &Progress, clock: &VirtualClock, started: usize) -> bool {
    // `returned` first: a thread counted as returned can no longer be asleep, so no thread is
    // counted twice, and the sum reaches `started` only if all were asleep or done at once.
    let returned = progress.returned.load(Ordering::SeqCst);
    returned + clock.blocked() >= started
}

/// Spawns `party`'s thread on `puzzle`. With a gate, it waits there until the test opens it,
/// and its callback waits for the other started threads to be asleep before returning.
fn spawn(
    party: Party,
    puzzle: Arc<ZeroEvenOdd>,
    trace: Trace<Event>,
    progress: Arc<Progress>,
    gated: Option<(Arc<Gate>, VirtualClock)>,
) -> JoinHandle<()> {
    thread::Builder::new()
        .name(party.name().to_owned())
        .spawn(move || {
            trace.name_thread(party.name());
            if let Some((gate, _)) = &gated {
                // Held, not passed: a thread the test never got to start (because it failed
                // first) must not fail on its own with a message about its gate. A run that
                // ends opens every gate after giving up, and then the thread just leaves.
                gate.hold();
                if progress.abandoned.load(Ordering::SeqCst) {
                    return;
                }
            }
            let _returned = Returned {
                progress: Arc::clone(&progress),
                party,
            };
            trace.record(Event::Started(party));
            let print_number = |value: u32| {
                let Some((_, clock)) = &gated else {
                    trace.record(Event::Printed(value));
                    return;
                };
                // Counted as printing before the print is recorded, so that of two overlapping
                // prints the later one always sees the earlier one.
                let others = progress.printing.fetch_add(1, Ordering::SeqCst);
                let seq = trace.record(Event::Printed(value));
                if others > 0 {
                    progress
                        .overlapping
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(seq);
                }
                wait_for_the_others(&progress, clock);
                progress.printing.fetch_sub(1, Ordering::SeqCst);
            };
            match party {
                Party::Zero => puzzle.zero(print_number),
                Party::Even => puzzle.even(print_number),
                Party::Odd => puzzle.odd(print_number),
            }
        })
        .expect("failed to spawn a test thread")
}

/// In a print callback (counted in `printing`): waits until every other started thread is
/// asleep, done or printing too (or the test gave up), so nothing else moves while this print
/// is being made.
fn wait_for_the_others(progress: &Progress, clock: &VirtualClock) {
    let give_up = Instant::now() + patience() * 4;
    while !progress.abandoned.load(Ordering::SeqCst) && Instant::now() < give_up {
        let started = progress.started.load(Ordering::SeqCst);
        let printing = progress.printing.load(Ordering::SeqCst);
        if idle(progress, clock, started.saturating_sub(printing)) {
            break;
        }
        thread::park_timeout(Duration::from_millis(1));
    }
}

/// Runs `ZeroEvenOdd::new(2)` on the system clock and returns what was printed, each print with
/// the thread that made it. The odd thread is spawned first and usually waits for the first
/// zero; then the zero thread, which waits (on the system clock) for the 1 before its second
/// zero; once it has returned, the even thread, which prints 2 at once. At most one thread
/// waits at a time, and only for its own turn, so what a correct program prints (and what each
/// known-wrong one prints) does not depend on the scheduler.
pub(crate) fn run_on_the_system_clock() -> Result<Vec<(String, u32)>, String> {
    let puzzle = Arc::new(ZeroEvenOdd::new(2));
    let trace = Trace::new();
    let progress = Arc::new(Progress::default());
    let start = |party| {
        let handle = spawn(
            party,
            Arc::clone(&puzzle),
            trace.clone(),
            Arc::clone(&progress),
            None,
        );
        (party, handle)
    };
    let join = |(party, handle): (Party, JoinHandle<()>)| match join_patiently(handle) {
        None => Err(format!(
            "on the system clock (ZeroEvenOdd::new(2)), the {} thread did not return within \
             {:?}: was it woken when its turn came? What the threads did:\n{}",
            party.name(),
            patience(),
            trace.excerpt(&[])
        )),
        Some(Err(_)) => Err(format!(
            "on the system clock, the {} thread panicked (its message is printed above)",
            party.name()
        )),
        Some(Ok(())) => Ok(()),
    };
    let odd = start(Party::Odd);
    join(start(Party::Zero))?;
    let even = start(Party::Even);
    join(odd)?;
    join(even)?;
    Ok(trace
        .events()
        .into_iter()
        .filter_map(|event| match event.what {
            Event::Printed(value) => Some((event.thread, value)),
            Event::Started(_) => None,
        })
        .collect())
}
