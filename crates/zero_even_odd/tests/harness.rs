//! What the cases, properties and traces share: a [`Run`] gives each of the three threads (zero,
//! even, odd) of one `ZeroEvenOdd` its own gate, on a virtual clock, and starts them in the order
//! a test chooses. After a start it waits until every started thread is asleep on the clock or
//! has returned, and checks that exactly the part of `0 1 0 2 ... 0 n` a correct program can
//! print by then is out: everything before the first print whose thread has not started yet.
//! At the end it checks the whole output, who printed each number, and that every thread
//! returned. (The machinery is `course_testkit::gated`; this file says what it means for this
//! puzzle.)
//!
//! Every print is recorded in a trace by the thread that made it. While a thread is inside its
//! print callback, the callback waits until every other started thread is asleep, done or
//! printing too before it returns: one thread moves at a time, so a run gives the same trace
//! every time, and a thread that prints out of turn is caught in the act. A correct program
//! never has two threads inside their print callbacks at once (only the owner of the turn
//! prints, and the turn passes only once its print has returned); the first of two such prints
//! stays inside its callback as long as the other thread runs, so the harness sees every
//! overlap.

use course_testkit::gated::{self, Role, Runner, Unjoined};
use course_testkit::patience;
use std::fmt;
use std::sync::Arc;
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

    fn named(name: &str) -> Party {
        Party::ALL
            .into_iter()
            .find(|party| party.name() == name)
            .expect("every thread of a run is one of the three")
    }
}

/// How many orders the three threads can start in.
pub(crate) const START_ORDERS: usize = gated::number_of_orders(Party::ALL.len());

/// The `index`-th (from 0) of the [`START_ORDERS`] orders in which the three threads can start,
/// generated rather than listed: `index` picks the first thread among the three, then the
/// second among the two left. 0 is zero, even, odd; 3 is even, odd, zero; 5 is odd, even, zero.
pub(crate) fn start_order(index: usize) -> [Party; 3] {
    gated::start_order(Party::ALL, index)
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

/// The three threads of one `ZeroEvenOdd` of `n`, on a virtual clock, each held at its gate.
pub(crate) struct Run {
    n: u32,
    order: [Party; 3],
    threads: Runner<Event>,
}

/// A `Run` is its threads: `clock`, `trace`, `settle` (waits until every started thread is asleep on the clock
/// or has returned; then nothing moves until the test starts another thread) and `failure`
/// (with the run's `n` and start order) are theirs.
impl std::ops::Deref for Run {
    type Target = Runner<Event>;

    fn deref(&self) -> &Runner<Event> {
        &self.threads
    }
}

impl Run {
    /// Makes a `ZeroEvenOdd` of `n` on a fresh virtual clock and spawns its three threads,
    /// each waiting at its own gate. `order` is the order the test means to start them in (for
    /// [`run`](Self::run) and the messages).
    pub(crate) fn new(n: u32, order: [Party; 3]) -> Self {
        let mut threads = Runner::new().context(format!(
            "ZeroEvenOdd::new({n}) with the threads started in the order {}",
            order_text(&order)
        ));
        let puzzle = Arc::new(ZeroEvenOdd::with_clock(threads.clock().clock(), n));
        for party in order {
            let puzzle = Arc::clone(&puzzle);
            threads.spawn(party.name(), move |role| call(party, &puzzle, &role));
        }
        Run { n, order, threads }
    }

    /// Starts the threads one at a time in the run's order, checking after each start what is
    /// out by then, and at the end the whole output and that every thread returned.
    pub(crate) fn run(&mut self) -> Result<(), String> {
        for party in self.order {
            self.start(party)?;
        }
        self.finish()
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
        self.threads.start_without_settling(party.name());
    }

    fn started(&self) -> Vec<Party> {
        self.threads
            .started()
            .into_iter()
            .map(Party::named)
            .collect()
    }

    /// Starts every thread not started yet, lets them all settle, and checks the whole output,
    /// who printed what, and that every thread returned.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        for party in self.order {
            self.start_without_settling(party);
        }
        self.settle("every thread was started")?;
        self.check_so_far()?;
        let asleep = self.threads.not_returned();
        if !asleep.is_empty() {
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
        self.threads
            .join_returned()
            .map_err(|(name, _)| format!("the {name} thread did not end cleanly"))
    }

    fn prints(&self) -> Vec<Print> {
        self.trace()
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
        let Some(overlap) = self.threads.overlaps().into_iter().next() else {
            return Ok(());
        };
        let at = prints
            .iter()
            .position(|print| print.seq == overlap.seq)
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
            let how = if self.threads.returned(owner.name()) {
                "has returned without printing it: does its list of turns go all the way to n?"
            } else {
                "is asleep: was it woken when the turn came to it, and does it look at the turn \
                 again after every wake-up?"
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

/// The call of `party`'s thread on `puzzle`: records that it starts, and each number it prints
/// goes through its role's print.
fn call(party: Party, puzzle: &ZeroEvenOdd, role: &Role<Event>) {
    role.record(Event::Started(party));
    let print_number = |value: u32| {
        role.print(|_| Event::Printed(value));
    };
    match party {
        Party::Zero => puzzle.zero(print_number),
        Party::Even => puzzle.even(print_number),
        Party::Odd => puzzle.odd(print_number),
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
    let mut threads = Runner::free();
    let start = |threads: &mut Runner<Event>, party: Party| {
        let puzzle = Arc::clone(&puzzle);
        threads.spawn(party.name(), move |role| call(party, &puzzle, &role));
    };
    let join = |threads: &mut Runner<Event>, party: Party| match threads.join(party.name()) {
        Err(Unjoined::Running) => Err(format!(
            "on the system clock (ZeroEvenOdd::new(2)), the {} thread did not return within \
             {:?}: was it woken when its turn came? What the threads did:\n{}",
            party.name(),
            patience(),
            threads.trace().excerpt(&[])
        )),
        Err(why @ Unjoined::Panicked(_)) => Err(format!(
            "on the system clock, the {} thread {why}",
            party.name()
        )),
        Ok(()) => Ok(()),
    };
    start(&mut threads, Party::Odd);
    start(&mut threads, Party::Zero);
    join(&mut threads, Party::Zero)?;
    start(&mut threads, Party::Even);
    join(&mut threads, Party::Odd)?;
    join(&mut threads, Party::Even)?;
    Ok(threads
        .trace()
        .events()
        .into_iter()
        .filter_map(|event| match event.what {
            Event::Printed(value) => Some((event.thread, value)),
            Event::Started(_) => None,
        })
        .collect())
}
