//! Ordering puzzles run one move at a time: a [`Runner`] gives each role of a puzzle (the `first`
//! thread, the `foo` thread, an atom) its own thread, held at its own gate on one virtual clock,
//! and the test starts the threads in the order it chooses.
//!
//! - **Gates.** A role's thread waits at its gate ([`Gate::hold`]) until the test
//!   [`start`](Runner::start)s it, and only then makes its call. A thread whose run was given
//!   up before it was started leaves without making its call, instead of failing on its own
//!   about its gate.
//! - **Settling.** [`settle`](Runner::settle) waits until every started thread has returned or
//!   is asleep on the virtual clock. Then nothing moves until the test starts another thread: a
//!   thread asleep on the virtual clock wakes only when another thread notifies it (the clock
//!   has no spurious wake-ups, and its time stands still). So "start A, settle, start B" really
//!   lets A run alone until it has to wait: the order is forced, not hoped for. A thread that
//!   neither returns nor sleeps (it spins, or sleeps on the real clock) makes `settle` give up
//!   after [`patience`] and say which threads were still in their call.
//! - **Prints.** A role's print callback calls [`Role::print`]: the line is recorded in the
//!   trace, and the callback does not return until every other started thread has returned, is
//!   asleep, or is printing too. So one thread moves at a time (a run gives the same trace every
//!   time), and a thread that prints while another is still inside its print callback is caught
//!   in the act, whichever of the two the scheduler ran first: the later print is an
//!   [`Overlap`]. A test can keep a thread inside its print callback
//!   ([`spawn_held`](Runner::spawn_held)) until it lets it out.
//! - **Returns.** The runner counts a thread as returned when its call returns or panics, and
//!   keeps the panic's message: [`settle`](Runner::settle) reports a panic at once,
//!   [`finish`](Runner::finish) names the threads that never returned, and
//!   [`join`](Runner::join) says whether a thread returned, panicked or is still running.
//! - **Messages.** [`start`](Runner::start), [`settle`](Runner::settle) and
//!   [`finish`](Runner::finish) fail with a sentence that says what the threads did, after the
//!   run's [`context`](Runner::context), and with the trace excerpt, as every
//!   [`failure`](Runner::failure) does; each suite adds what is specific to its puzzle (the
//!   advice `finish` gives, what the trace must show). The typed answers
//!   ([`try_settle`](Runner::try_settle), [`Unsettled`], [`Unjoined`]) are there for the rest.
//!
//! A [`free`](Runner::free) runner has no gates and no clock: its threads start as they are
//! spawned and print without waiting, for the one smoke test of each puzzle on the system clock.
//! [`start_order`] numbers the orders in which a puzzle's roles can start.
//!
//! ```
//! use course_testkit::gated::Runner;
//!
//! let mut run: Runner<String> = Runner::new();
//! let clock = run.clock().clock();
//! run.spawn("late", move |role| {
//!     clock.sleep(std::time::Duration::from_secs(1));
//!     role.print(|_| "late".to_owned());
//! });
//! run.spawn("early", |role| {
//!     role.print(|_| "early".to_owned());
//! });
//! run.start("late").unwrap(); // settled: "late" is asleep on the virtual clock
//! run.start("early").unwrap(); // settled: "early" has printed and returned
//! run.clock().advance(std::time::Duration::from_secs(1));
//! run.wait_all_returned().unwrap();
//! assert_eq!(run.trace().whats(), ["early", "late"]);
//! ```

use crate::{Gate, Trace, join_patiently, patience};
use course_clock::VirtualClock;
use std::any::Any;
use std::fmt::{self, Display};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A print that began while another role's thread was still inside its print callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// The sequence number of the print that began.
    pub seq: usize,
    /// The role whose thread began it.
    pub role: String,
    /// The role whose thread was still inside its print callback then.
    pub during: String,
}

/// A role's call panicked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panic {
    pub role: String,
    /// The panic's message (`(no message)` if it was not a string).
    pub message: String,
}

/// Why [`Runner::try_settle`] gave up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsettled {
    /// A role's call panicked.
    Panicked(Panic),
    /// Within [`patience`], some started thread neither returned nor went to sleep on the clock.
    Running {
        /// The started roles whose call had not returned, asleep or not, in the order they
        /// were spawned.
        running: Vec<String>,
        /// How many threads were asleep on the clock at the last look.
        blocked: usize,
    },
}

/// Why [`Runner::join`] did not join a thread that returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unjoined {
    /// Its call had not returned after [`patience`].
    Running,
    /// Its call panicked with this message.
    Panicked(String),
}

impl Display for Unsettled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsettled::Panicked(panic) => {
                write!(f, "the {} thread panicked: {}", panic.role, panic.message)
            }
            Unsettled::Running { running, blocked } => write!(
                f,
                "within {:?} not every started thread returned or went to sleep on the clock: \
                 {blocked} thread(s) were asleep, but of the threads still in their call ({}) \
                 not all were. A thread that waits must block on a course_clock::Condvar made \
                 from the clock it was given; one that never does is spinning on a flag, or \
                 sleeping outside the clock (std::thread::sleep) hoping the others get ahead",
                patience(),
                running.join(", ")
            ),
        }
    }
}

impl Display for Unjoined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unjoined::Running => write!(f, "had not returned {:?} later", patience()),
            Unjoined::Panicked(message) => write!(f, "panicked: {message}"),
        }
    }
}

/// Compares the lines printed, each with its sequence number, with the lines `expected`:
/// `None` if they are the same; otherwise where they part, in words ("line 2 was \"third\"
/// where \"second\" belongs", "only 1 of the 3 lines came out"), and the sequence numbers of the
/// prints to quote.
pub fn compare_lines(
    printed: &[(usize, String)],
    expected: &[&str],
) -> Option<(String, Vec<usize>)> {
    let lines: Vec<&str> = printed.iter().map(|(_, line)| line.as_str()).collect();
    if lines == expected {
        return None;
    }
    let wrong = lines
        .iter()
        .zip(expected)
        .position(|(got, want)| got != want);
    Some(match wrong {
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
    })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The runner's own bookkeeping: nothing panics while holding one of its locks.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A thread inside its print callback.
struct Inside {
    role: String,
    /// Its place in the start order (unique among started threads).
    rank: usize,
    /// Past its hold, waiting to leave (a held thread is inside but not yet leaving).
    leaving: bool,
}

/// Who has returned, and how.
#[derive(Default)]
struct Returns {
    /// Threads whose call returned or panicked.
    count: usize,
    /// By spawn index: whether that thread's call has returned (or panicked).
    by_role: Vec<bool>,
    /// The panics, in the order they happened.
    panics: Vec<Panic>,
}

/// What the test and the role threads of one run share.
struct Shared {
    /// The clock the code under test waits on; `None` in a free run.
    clock: Option<VirtualClock>,
    /// Whether threads inside their print callbacks leave one at a time, earliest started first.
    in_start_order: bool,
    /// Threads whose gate the test opened. Only the test thread changes it.
    started: AtomicUsize,
    /// Set when the test is over or gives up: prints stop waiting, gates let threads go home.
    abandoned: AtomicBool,
    /// Returns only ever grow. Notified at each return.
    returns: Mutex<Returns>,
    returned: Condvar,
    /// The threads inside their print callbacks. A print enters (records its event and adds its
    /// thread) in one step under this lock, and leaves (removes its thread) under it: so of two
    /// prints that overlap, the later to begin finds the earlier here, and while a print looks
    /// at who is idle, no other can leave. Taken before `returns`, `overlaps` and the clock's
    /// own lock, never after them.
    printing: Mutex<Vec<Inside>>,
    overlaps: Mutex<Vec<Overlap>>,
    /// The sequence numbers of the events prints recorded, in order.
    prints: Mutex<Vec<usize>>,
}

impl Shared {
    fn returned_count(&self) -> usize {
        lock(&self.returns).count
    }

    /// With `printing` locked: true if every started thread has returned, is printing, or is
    /// asleep on `clock`. A thread counted as returned is not asleep, and one inside a print
    /// callback cannot leave it while `printing` is locked, so none is counted twice; a thread
    /// that changes state meanwhile is missed, which only makes the print wait longer.
    fn idle(&self, printing: &[Inside], clock: &VirtualClock) -> bool {
        let returned = self.returned_count();
        let started = self.started.load(Ordering::SeqCst);
        returned + printing.len() + clock.blocked() >= started
    }
}

/// Not started yet (a rank no started thread has).
const NOT_STARTED: usize = usize::MAX;

/// What a role's call gets: its name, the run's trace, and [`print`](Role::print).
pub struct Role<E> {
    name: String,
    /// Its place in the start order, set by the test before it opens the gate.
    rank: Arc<AtomicUsize>,
    trace: Trace<E>,
    shared: Arc<Shared>,
    /// Opened by the test to let this thread out of its print callback (held roles only).
    hold: Option<Arc<Gate>>,
    /// Set once this thread is inside a print callback, at its hold.
    at_hold: Arc<AtomicBool>,
}

impl<E: Clone + Display> Role<E> {
    /// The role's name, which is also its thread's name in the trace.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Records `what`, done by this role's thread, and returns its sequence number.
    pub fn record(&self, what: E) -> usize {
        self.trace.record(what)
    }

    /// For a print callback: records the event `what(during)` and returns its sequence number,
    /// once every other started thread has returned, is asleep on the clock, or is printing
    /// too. `during` is the role of a thread that was still inside its own print callback when
    /// this one began, if any (two lines at once: an [`Overlap`]).
    ///
    /// A held role stays inside until the test [`let_out`](Runner::let_out)s it. In a free run
    /// this only records `what(None)`.
    pub fn print(&self, what: impl FnOnce(Option<&str>) -> E) -> usize {
        let Some(clock) = &self.shared.clock else {
            let seq = self.trace.record(what(None));
            lock(&self.shared.prints).push(seq);
            return seq;
        };
        let shared = &self.shared;
        // The gate's lock ordered the test's store of the rank before this read.
        let rank = self.rank.load(Ordering::SeqCst);
        let seq = {
            let mut printing = lock(&shared.printing);
            let during = printing.first().map(|inside| inside.role.clone());
            let seq = self.trace.record(what(during.as_deref()));
            lock(&shared.prints).push(seq);
            if let Some(during) = during {
                lock(&shared.overlaps).push(Overlap {
                    seq,
                    role: self.name.clone(),
                    during,
                });
            }
            printing.push(Inside {
                role: self.name.clone(),
                rank,
                leaving: false,
            });
            seq
        };
        if let Some(hold) = &self.hold {
            self.at_hold.store(true, Ordering::SeqCst);
            hold.hold();
        }
        self.leave(clock, rank);
        seq
    }

    /// Waits until the other started threads are idle (and, if prints leave in start order,
    /// until no earlier started thread is waiting to leave), then leaves the print callback. Gives
    /// up when the test does, or after four times [`patience`]: by then the test has failed.
    fn leave(&self, clock: &VirtualClock, rank: usize) {
        let shared = &self.shared;
        if let Some(me) = lock(&shared.printing).iter_mut().find(|i| i.rank == rank) {
            me.leaving = true;
        }
        let give_up = Instant::now() + patience() * 4;
        loop {
            {
                let mut printing = lock(&shared.printing);
                let over = shared.abandoned.load(Ordering::SeqCst) || Instant::now() >= give_up;
                let my_turn = !shared.in_start_order
                    || printing
                        .iter()
                        .filter(|inside| inside.leaving)
                        .map(|inside| inside.rank)
                        .min()
                        == Some(rank);
                if over || (my_turn && shared.idle(&printing, clock)) {
                    // Leaving under the lock: the next thread to look sees this one as neither
                    // printing nor idle until it has returned or gone to sleep.
                    printing.retain(|inside| inside.rank != rank);
                    return;
                }
            }
            // Asking the clock is cheap; a 1 ms nap bounds how often.
            thread::park_timeout(Duration::from_millis(1));
        }
    }
}

/// One role's thread, as the test sees it.
struct RoleThread {
    name: String,
    /// Opened by the test to let the thread make its call.
    gate: Arc<Gate>,
    rank: Arc<AtomicUsize>,
    hold: Option<Arc<Gate>>,
    at_hold: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl RoleThread {
    /// Kept inside its print callback by the test right now: it reached its hold, and the test
    /// has not opened it. Only the test opens holds, so this cannot change while the test looks.
    fn is_held(&self) -> bool {
        self.at_hold.load(Ordering::SeqCst) && self.hold.as_ref().is_some_and(|h| !h.is_open())
    }
}

/// The threads of one run of a puzzle, each behind its gate, on a fresh virtual clock, with a
/// trace of what they did (see the [module documentation](self)).
pub struct Runner<E> {
    shared: Arc<Shared>,
    trace: Trace<E>,
    threads: Vec<RoleThread>,
    /// What every failure message starts with, if anything (see [`context`](Self::context)).
    context: Option<String>,
}

impl<E: Clone + Display + Send + 'static> Default for Runner<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Clone + Display + Send + 'static> Runner<E> {
    /// A gated run on a fresh virtual clock, with a fresh trace in which the calling thread is
    /// named `test`.
    pub fn new() -> Self {
        Self::with_clock(Some(VirtualClock::new()))
    }

    /// A free run: each thread starts as it is spawned and prints without waiting; the code
    /// under test waits on the system clock. For smoke tests on real time.
    pub fn free() -> Self {
        Self::with_clock(None)
    }

    fn with_clock(clock: Option<VirtualClock>) -> Self {
        let trace = Trace::new();
        trace.name_thread("test");
        Runner {
            shared: Arc::new(Shared {
                clock,
                in_start_order: false,
                started: AtomicUsize::new(0),
                abandoned: AtomicBool::new(false),
                returns: Mutex::new(Returns::default()),
                returned: Condvar::new(),
                printing: Mutex::new(Vec::new()),
                overlaps: Mutex::new(Vec::new()),
                prints: Mutex::new(Vec::new()),
            }),
            trace,
            threads: Vec::new(),
            context: None,
        }
    }

    /// Starts every [`failure`](Self::failure) message with `context` and a colon: what the run
    /// is ("FizzBuzz(15) with the threads started in the order ...").
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// Makes threads inside their print callbacks leave one at a time, the earliest started
    /// first, each once everything the one before set off has settled: for puzzles in which
    /// several threads print at once by design (the atoms of a molecule). Call it before
    /// spawning.
    pub fn leave_prints_in_start_order(mut self) -> Self {
        Arc::get_mut(&mut self.shared)
            .expect("leave_prints_in_start_order comes before any spawn")
            .in_start_order = true;
        self
    }

    /// The run's virtual clock: the code under test waits on [`VirtualClock::clock`].
    ///
    /// # Panics
    ///
    /// In a [`free`](Self::free) run, which waits on the system clock.
    pub fn clock(&self) -> &VirtualClock {
        self.shared
            .clock
            .as_ref()
            .expect("a free run has no virtual clock: its threads wait on the system clock")
    }

    /// What the threads did.
    pub fn trace(&self) -> &Trace<E> {
        &self.trace
    }

    /// Spawns the thread of role `name` (a thread of that name, named so in the trace). It
    /// waits at its gate until the test [`start`](Self::start)s it, then runs `call`. In a free
    /// run it starts at once.
    pub fn spawn<F>(&mut self, name: impl Into<String>, call: F)
    where
        F: FnOnce(Role<E>) + Send + 'static,
    {
        self.spawn_role(name.into(), false, call);
    }

    /// Like [`spawn`](Self::spawn), and the thread stays inside its print callback, once it has
    /// recorded its print, until the test [`let_out`](Self::let_out)s it. Meanwhile it counts as
    /// settled, and as printing for the other threads' prints.
    pub fn spawn_held<F>(&mut self, name: impl Into<String>, call: F)
    where
        F: FnOnce(Role<E>) + Send + 'static,
    {
        self.spawn_role(name.into(), true, call);
    }

    fn spawn_role<F>(&mut self, name: String, held: bool, call: F)
    where
        F: FnOnce(Role<E>) + Send + 'static,
    {
        assert!(
            self.threads.iter().all(|t| t.name != name),
            "the test spawned two {name} threads"
        );
        let index = self.threads.len();
        lock(&self.shared.returns).by_role.push(false);
        let gate = Arc::new(Gate::new());
        let rank = Arc::new(AtomicUsize::new(NOT_STARTED));
        let hold = held.then(|| Arc::new(Gate::new()));
        let at_hold = Arc::new(AtomicBool::new(false));
        let role = Role {
            name: name.clone(),
            rank: Arc::clone(&rank),
            trace: self.trace.clone(),
            shared: Arc::clone(&self.shared),
            hold: hold.clone(),
            at_hold: Arc::clone(&at_hold),
        };
        let gated = self.shared.clock.is_some().then(|| Arc::clone(&gate));
        let handle = thread::Builder::new()
            .name(name.clone())
            .spawn(move || run_role(role, index, gated, call))
            .expect("failed to spawn a test thread");
        self.threads.push(RoleThread {
            name,
            gate,
            rank,
            hold,
            at_hold,
            handle: Some(handle),
        });
        if self.shared.clock.is_none() {
            self.start_thread(index);
        }
    }

    fn index(&self, name: &str) -> usize {
        self.threads
            .iter()
            .position(|t| t.name == name)
            .unwrap_or_else(|| panic!("the test spawned no {name} thread"))
    }

    /// Lets the thread of role `name` make its call, and waits until it has returned or gone to
    /// sleep (and so has every thread it woke): see [`settle`](Self::settle).
    pub fn start(&self, name: &str) -> Result<(), String> {
        self.start_without_settling(name);
        self.settle(&format!("the {name} thread started"))
    }

    /// Lets the thread of role `name` make its call, and goes on at once, racing it. Starting a
    /// thread twice does nothing.
    pub fn start_without_settling(&self, name: &str) {
        self.start_thread(self.index(name));
    }

    /// Starts the threads in `order`, each once the ones before it have settled.
    pub fn start_in_order(&self, order: &[&str]) -> Result<(), String> {
        order.iter().try_for_each(|name| self.start(name))
    }

    /// Starts every thread not started yet, in the order they were spawned.
    pub fn start_all(&self) {
        for index in 0..self.threads.len() {
            self.start_thread(index);
        }
    }

    fn start_thread(&self, index: usize) {
        let thread = &self.threads[index];
        // Only the test thread starts threads, so the check and the start cannot race.
        if thread.rank.load(Ordering::SeqCst) == NOT_STARTED {
            let rank = self.shared.started.fetch_add(1, Ordering::SeqCst);
            thread.rank.store(rank, Ordering::SeqCst);
            thread.gate.open();
        }
    }

    /// The roles started so far, in the order they were started.
    pub fn started(&self) -> Vec<&str> {
        let mut started: Vec<(usize, &str)> = self
            .threads
            .iter()
            .map(|t| (t.rank.load(Ordering::SeqCst), t.name.as_str()))
            .filter(|&(rank, _)| rank != NOT_STARTED)
            .collect();
        started.sort_unstable();
        started.into_iter().map(|(_, name)| name).collect()
    }

    /// Lets the held thread of role `name` out of its print callback (see
    /// [`spawn_held`](Self::spawn_held)), and goes on at once.
    pub fn let_out(&self, name: &str) {
        self.threads[self.index(name)]
            .hold
            .as_ref()
            .unwrap_or_else(|| panic!("the {name} thread was not spawned held"))
            .open();
    }

    /// How many threads the test keeps inside their print callbacks right now.
    pub fn held(&self) -> usize {
        self.threads.iter().filter(|t| t.is_held()).count()
    }

    /// Waits until every started thread has returned, is asleep on the clock, or is held. Then
    /// nothing moves until the test starts another thread (or lets one out). If that does not
    /// happen, fails the run with a message that starts "after {after}," and says what happened
    /// (see [`try_settle`](Self::try_settle)).
    pub fn settle(&self, after: &str) -> Result<(), String> {
        self.try_settle()
            .map_err(|unsettled| self.failure(format!("after {after}, {unsettled}"), &[]))
    }

    /// Like [`settle`](Self::settle), saying why not as a value. Gives up (and abandons the run)
    /// at the first panic, or after [`patience`].
    pub fn try_settle(&self) -> Result<(), Unsettled> {
        self.settle_within(patience())
    }

    fn settle_within(&self, patience: Duration) -> Result<(), Unsettled> {
        let clock = self.clock();
        let started = self.shared.started.load(Ordering::SeqCst);
        let give_up = Instant::now() + patience;
        loop {
            if let Some(panic) = self.panicked() {
                self.abandon();
                return Err(Unsettled::Panicked(panic));
            }
            // Returns only ever grow, and a returned thread is not asleep: if the count is the
            // same before and after reading the clock, then at that read every thread counted
            // had returned, was asleep, or was held, and none was counted twice.
            let held = self.held();
            let before = self.returned_count();
            let blocked = clock.blocked();
            if before == self.returned_count() && before + held + blocked >= started {
                return Ok(());
            }
            if Instant::now() >= give_up {
                self.abandon();
                return Err(Unsettled::Running {
                    running: self.running(),
                    blocked,
                });
            }
            // Asking the clock and the counts is cheap; a 1 ms nap bounds how often.
            thread::park_timeout(Duration::from_millis(1));
        }
    }

    /// The started roles whose call has not returned, in the order they were spawned.
    fn running(&self) -> Vec<String> {
        let returns = lock(&self.shared.returns);
        self.threads
            .iter()
            .zip(&returns.by_role)
            .filter(|(t, returned)| t.rank.load(Ordering::SeqCst) != NOT_STARTED && !**returned)
            .map(|(t, _)| t.name.clone())
            .collect()
    }

    /// How many calls have returned (or panicked).
    pub fn returned_count(&self) -> usize {
        self.shared.returned_count()
    }

    /// Whether the call of role `name` has returned (or panicked).
    pub fn returned(&self, name: &str) -> bool {
        lock(&self.shared.returns).by_role[self.index(name)]
    }

    /// The roles whose call has not returned, in the order they were spawned.
    pub fn not_returned(&self) -> Vec<&str> {
        let returns = lock(&self.shared.returns);
        self.threads
            .iter()
            .zip(&returns.by_role)
            .filter(|(_, returned)| !**returned)
            .map(|(t, _)| t.name.as_str())
            .collect()
    }

    /// Waits up to [`patience`] until every thread's call has returned; if some have not, gives
    /// up the run and names them (in the order they were spawned).
    pub fn wait_all_returned(&self) -> Result<(), Vec<String>> {
        let threads = self.threads.len();
        let returns = lock(&self.shared.returns);
        let (returns, _) = self
            .shared
            .returned
            .wait_timeout_while(returns, patience(), |r| r.count < threads)
            .unwrap_or_else(PoisonError::into_inner);
        if returns.count >= threads {
            return Ok(());
        }
        drop(returns);
        self.abandon();
        Err(self.not_returned().into_iter().map(str::to_owned).collect())
    }

    /// Starts every thread not started yet, waits until every call has returned, and joins the
    /// threads. If some call has not returned after [`patience`], the failure names those
    /// threads and goes on with `advice`, in the learner's terms (what a thread that waits
    /// forever was probably not told); a panic fails the run with its message.
    pub fn finish(&mut self, advice: &str) -> Result<(), String> {
        self.start_all();
        if let Err(stuck) = self.wait_all_returned() {
            return Err(self.failure(
                format!(
                    "every thread was started, but {} had not returned {:?} later ({} thread(s) \
                     were asleep on the clock): {advice}",
                    stuck.join(", "),
                    patience(),
                    self.clock().blocked()
                ),
                &[],
            ));
        }
        self.join_returned()
            .map_err(|(name, why)| self.failure(format!("the {name} thread {why}"), &[]))
    }

    /// The first panic of a role's call, if any.
    pub fn panicked(&self) -> Option<Panic> {
        lock(&self.shared.returns).panics.first().cloned()
    }

    /// The events the threads' prints recorded, in order.
    pub fn prints(&self) -> Vec<crate::Event<E>> {
        let seqs = lock(&self.shared.prints).clone();
        let events = self.trace.events();
        seqs.into_iter().map(|seq| events[seq].clone()).collect()
    }

    /// The prints that began while another thread was inside its print callback, in order.
    pub fn overlaps(&self) -> Vec<Overlap> {
        lock(&self.shared.overlaps).clone()
    }

    /// Joins the thread of role `name`, waiting up to [`patience`] for its call to return.
    /// Joining it again does nothing.
    pub fn join(&mut self, name: &str) -> Result<(), Unjoined> {
        let index = self.index(name);
        let Some(handle) = self.threads[index].handle.take() else {
            return Ok(());
        };
        match join_patiently(handle) {
            None => Err(Unjoined::Running),
            Some(Err(payload)) => Err(Unjoined::Panicked(message(payload.as_ref()))),
            Some(Ok(())) => match lock(&self.shared.returns)
                .panics
                .iter()
                .find(|panic| panic.role == name)
            {
                Some(panic) => Err(Unjoined::Panicked(panic.message.clone())),
                None => Ok(()),
            },
        }
    }

    /// Joins, in the order they were spawned, the threads whose call has returned; stops at the
    /// first that panicked, with its role.
    pub fn join_returned(&mut self) -> Result<(), (String, Unjoined)> {
        let returned: Vec<String> = {
            let returns = lock(&self.shared.returns);
            self.threads
                .iter()
                .zip(&returns.by_role)
                .filter(|(_, returned)| **returned)
                .map(|(t, _)| t.name.clone())
                .collect()
        };
        for name in returned {
            self.join(&name).map_err(|why| (name, why))?;
        }
        Ok(())
    }

    /// Gives the run up: prints stop waiting for the others, and threads still at their gate
    /// leave without making their call once it opens.
    pub fn abandon(&self) {
        self.shared.abandoned.store(true, Ordering::SeqCst);
    }

    /// Gives the run up and returns `message` (after the run's [`context`](Self::context), if
    /// any) followed by the part of the trace around the events `focus` (the last events if
    /// `focus` is empty): a failure message.
    pub fn failure(&self, message: impl Display, focus: &[usize]) -> String {
        self.abandon();
        let excerpt = self.trace.excerpt(focus);
        match &self.context {
            Some(context) => format!("{context}: {message}\ntrace:\n{excerpt}"),
            None => format!("{message}\ntrace:\n{excerpt}"),
        }
    }
}

impl<E> Drop for Runner<E> {
    fn drop(&mut self) {
        // Threads at their gate go home without making their call (`abandoned` is set before
        // the gates open), held ones leave their print, and prints stop waiting. Threads stuck
        // in the code under test are left behind: the test's process ends soon anyway.
        self.shared.abandoned.store(true, Ordering::SeqCst);
        for thread in &self.threads {
            thread.gate.open();
            if let Some(hold) = &thread.hold {
                hold.open();
            }
        }
    }
}

/// The body of a role's thread: names it in the trace, waits at `gate` (if gated), makes the
/// call, and counts it as returned however the call ends.
fn run_role<E, F>(role: Role<E>, index: usize, gate: Option<Arc<Gate>>, call: F)
where
    E: Clone + Display,
    F: FnOnce(Role<E>),
{
    let shared = Arc::clone(&role.shared);
    role.trace.name_thread(role.name.clone());
    let name = role.name.clone();
    if let Some(gate) = gate {
        // Held, not passed: a thread the test never got to start (because it failed first)
        // must not fail on its own with a message about its gate.
        gate.hold();
        if shared.abandoned.load(Ordering::SeqCst) || !gate.is_open() {
            return;
        }
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| call(role)));
    let mut returns = lock(&shared.returns);
    returns.count += 1;
    returns.by_role[index] = true;
    if let Err(payload) = outcome {
        let message = message(payload.as_ref());
        returns.panics.push(Panic {
            role: name,
            message,
        });
    }
    drop(returns);
    shared.returned.notify_all();
}

/// A panic's message, if it was a string.
fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// How many orders `roles` threads can start in: `roles!`.
pub const fn number_of_orders(roles: usize) -> usize {
    let mut count = 1;
    let mut k = 2;
    while k <= roles {
        count *= k;
        k += 1;
    }
    count
}

/// The `index`-th (from 0) of the [`number_of_orders`]`(N)` orders in which `roles` can start,
/// generated rather than listed, in lexicographic order of their places in `roles`: `index`
/// picks the first role among all `N`, then the second among the ones left, and so on. 0 is
/// `roles` as given, the last index `roles` reversed. For `[a, b, c]`: 0 is a, b, c; 1 is a, c,
/// b; 2 is b, a, c; 3 is b, c, a; 4 is c, a, b; 5 is c, b, a.
///
/// # Panics
///
/// If `index` is not below the number of orders.
pub fn start_order<T: Copy, const N: usize>(roles: [T; N], index: usize) -> [T; N] {
    let orders = number_of_orders(N);
    assert!(
        index < orders,
        "there are only {orders} start orders of {N} threads"
    );
    let mut left = roles.to_vec();
    let mut order = roles;
    let mut rest = index;
    for (place, slot) in order.iter_mut().enumerate() {
        let block = number_of_orders(N - 1 - place);
        *slot = left.remove(rest / block);
        rest %= block;
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CountDownOnDrop, Latch};

    /// A role that sleeps `secs` virtual seconds, if any, then prints its name.
    fn sleeper(run: &mut Runner<String>, name: &'static str, secs: Option<u64>) {
        let clock = run.clock().clock();
        run.spawn(name, move |role| {
            if let Some(secs) = secs {
                clock.sleep(Duration::from_secs(secs));
            }
            role.print(|_| name.to_owned());
        });
    }

    #[test]
    fn a_started_thread_runs_alone_until_it_sleeps_on_the_clock() {
        let mut run = Runner::new();
        sleeper(&mut run, "late", Some(1));
        sleeper(&mut run, "early", None);
        run.start("late").unwrap();
        assert!(run.trace().is_empty(), "{}", run.trace().render());
        assert_eq!(run.clock().blocked(), 1);
        assert!(!run.returned("late"));
        run.start("early").unwrap();
        assert!(run.returned("early"));
        assert_eq!(run.not_returned(), ["late"]);
        run.clock().advance(Duration::from_secs(1));
        run.wait_all_returned().unwrap();
        run.join_returned().unwrap();
        assert_eq!(run.trace().whats(), ["early", "late"]);
        assert_eq!(run.trace().events()[0].thread, "early");
        assert_eq!(run.started(), ["late", "early"]);
        let prints: Vec<usize> = run.prints().iter().map(|print| print.seq).collect();
        assert_eq!(prints, [0, 1]);
        assert!(run.overlaps().is_empty());
    }

    #[test]
    fn a_thread_that_neither_returns_nor_sleeps_is_named_when_settling_gives_up() {
        let mut run: Runner<String> = Runner::new();
        let stop = Arc::new(AtomicBool::new(false));
        let spinning = Arc::clone(&stop);
        run.spawn("spinner", move |_| {
            while !spinning.load(Ordering::SeqCst) {
                thread::park_timeout(Duration::from_millis(1));
            }
        });
        run.start_without_settling("spinner");
        let outcome = run.settle_within(Duration::from_millis(50));
        stop.store(true, Ordering::SeqCst);
        assert_eq!(
            outcome,
            Err(Unsettled::Running {
                running: vec!["spinner".to_owned()],
                blocked: 0
            })
        );
    }

    #[test]
    fn a_print_that_begins_while_another_is_inside_its_callback_is_an_overlap() {
        let mut run = Runner::new();
        run.spawn_held("a", |role| {
            role.print(|_| "a".to_owned());
        });
        run.spawn("b", |role| {
            role.print(|during| format!("b during {during:?}"));
        });
        run.start("a").unwrap();
        assert_eq!(run.held(), 1);
        run.start("b").unwrap();
        assert_eq!(run.trace().whats(), ["a", "b during Some(\"a\")"]);
        assert_eq!(
            run.overlaps(),
            [Overlap {
                seq: 1,
                role: "b".into(),
                during: "a".into()
            }]
        );
        run.let_out("a");
        run.wait_all_returned().unwrap();
        assert_eq!(run.held(), 0);
    }

    #[test]
    fn prints_in_start_order_leave_one_at_a_time_the_earliest_started_first() {
        let mut run = Runner::new().leave_prints_in_start_order();
        // z keeps busy (neither asleep nor printing) until the test lets it sleep: till then
        // neither x nor y may leave its print.
        let (busy, clock) = (Arc::new(AtomicBool::new(true)), run.clock().clock());
        let keep_busy = Arc::clone(&busy);
        run.spawn("z", move |_| {
            while keep_busy.load(Ordering::SeqCst) {
                thread::park_timeout(Duration::from_millis(1));
            }
            clock.sleep(Duration::from_secs(1));
        });
        for name in ["x", "y"] {
            run.spawn(name, move |role| {
                role.print(|_| format!("{name} prints"));
                role.record(format!("{name} is out"));
            });
        }
        for name in ["z", "x", "y"] {
            run.start_without_settling(name);
        }
        busy.store(false, Ordering::SeqCst);
        // Once z sleeps, x and y are both inside, waiting to leave: x, started first, leaves
        // first, and y only once x has returned.
        run.settle("z went to sleep").unwrap();
        let whats = run.trace().whats();
        let mut prints = whats[..2].to_vec();
        prints.sort();
        assert_eq!(prints, ["x prints", "y prints"]);
        assert_eq!(&whats[2..], ["x is out", "y is out"], "{whats:?}");
        assert_eq!(run.overlaps().len(), 1);
        run.clock().advance(Duration::from_secs(1));
        run.wait_all_returned().unwrap();
    }

    #[test]
    fn a_panic_is_reported_with_its_role_and_message() {
        let mut run: Runner<String> = Runner::new();
        run.spawn("doomed", |_| panic!("not yet implemented"));
        run.start_without_settling("doomed");
        let panic = Panic {
            role: "doomed".into(),
            message: "not yet implemented".into(),
        };
        assert_eq!(run.try_settle(), Err(Unsettled::Panicked(panic.clone())));
        assert_eq!(run.panicked(), Some(panic));
        assert_eq!(
            run.join("doomed"),
            Err(Unjoined::Panicked("not yet implemented".into()))
        );
    }

    #[test]
    fn a_thread_never_started_leaves_without_its_call_when_the_run_ends() {
        let mut run: Runner<String> = Runner::new();
        let ended = Arc::new(Latch::new(1));
        let called = Arc::new(AtomicBool::new(false));
        let (watch, call) = (CountDownOnDrop(Arc::clone(&ended)), Arc::clone(&called));
        run.spawn("never", move |_| {
            let _watch = watch;
            call.store(true, Ordering::SeqCst);
        });
        drop(run);
        // The closure is dropped, uncalled, when the thread leaves.
        ended.wait("the unstarted thread to leave");
        assert!(!called.load(Ordering::SeqCst));
    }

    #[test]
    fn a_free_run_starts_its_threads_at_once_and_prints_without_waiting() {
        let mut run = Runner::free();
        run.spawn("one", |role| {
            role.record("one starts".to_owned());
            role.print(|during| format!("one prints ({during:?})"));
        });
        assert_eq!(run.join("one"), Ok(()));
        assert_eq!(run.trace().whats(), ["one starts", "one prints (None)"]);
        assert_eq!(run.started(), ["one"]);
    }

    #[test]
    fn compare_lines_says_where_the_output_parts_from_the_expected_one() {
        let printed = |lines: &[&str]| -> Vec<(usize, String)> {
            lines
                .iter()
                .enumerate()
                .map(|(i, l)| (10 + i, (*l).to_owned()))
                .collect()
        };
        assert_eq!(compare_lines(&printed(&["a", "b"]), &["a", "b"]), None);
        assert_eq!(
            compare_lines(&printed(&["a", "c"]), &["a", "b"]),
            Some(("line 2 was \"c\" where \"b\" belongs".to_owned(), vec![11]))
        );
        assert_eq!(
            compare_lines(&printed(&["a"]), &["a", "b"]),
            Some(("only 1 of the 2 lines came out".to_owned(), vec![10]))
        );
        assert_eq!(
            compare_lines(&printed(&["a", "b", "b"]), &["a", "b"]),
            Some(("3 lines came out, not 2".to_owned(), vec![12]))
        );
    }

    #[test]
    fn start_orders_are_every_permutation_in_lexicographic_order() {
        let orders: Vec<[char; 3]> = (0..number_of_orders(3))
            .map(|i| start_order(['a', 'b', 'c'], i))
            .collect();
        let words: Vec<String> = orders.iter().map(|o| o.iter().collect()).collect();
        assert_eq!(words, ["abc", "acb", "bac", "bca", "cab", "cba"]);
        assert_eq!(number_of_orders(4), 24);
        let mut all: Vec<[u8; 4]> = (0..24).map(|i| start_order([1, 2, 3, 4], i)).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 24);
        assert_eq!(start_order([1, 2], 1), [2, 1]);
    }
}
