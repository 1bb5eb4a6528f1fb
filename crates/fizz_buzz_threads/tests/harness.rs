//! What the cases, properties and traces share: a [`Table`] runs the four threads on one
//! `FizzBuzz` and a virtual clock, each held at its own gate, and starts them in a given order.
//! After each start it waits until every started thread is asleep on the clock or has returned,
//! and checks that exactly the answers a correct program can give by then were said: those up to
//! the first number whose thread has not started yet. (The machinery is `course_testkit::gated`;
//! this file says what it means for this puzzle.)
//!
//! Every answer a thread says is recorded in a trace, by the thread that said it. While a thread
//! is inside its print callback, the callback waits for every other started thread to be asleep
//! (or done) before it returns: one thread moves at a time, so a run gives the same trace on
//! every run, and a thread that prints without its turn is caught in the act.

use course_testkit::gated::{Role, Runner, Unjoined};
use course_testkit::{Trace, patience};
use fizz_buzz_threads::FizzBuzz;
use std::fmt;
use std::sync::Arc;

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

/// Four threads on one `FizzBuzz` of `n`, on a virtual clock, each held at its gate.
pub(crate) struct Table {
    n: u32,
    order: Vec<Kind>,
    threads: Runner<Said>,
}

impl Table {
    /// Spawns the four threads in `order`, each waiting at its own gate.
    pub(crate) fn new(n: u32, order: [Kind; 4]) -> Self {
        let mut threads = Runner::new().context(format!(
            "FizzBuzz({n}) with the threads started in the order {}",
            order_text(&order)
        ));
        let fizz_buzz = Arc::new(FizzBuzz::with_clock(threads.clock().clock(), n));
        for kind in order {
            let fizz_buzz = Arc::clone(&fizz_buzz);
            threads.spawn(kind.name(), move |role| call(kind, &fizz_buzz, &role));
        }
        Table {
            n,
            order: order.to_vec(),
            threads,
        }
    }

    /// What the threads said.
    pub(crate) fn trace(&self) -> &Trace<Said> {
        self.threads.trace()
    }

    /// Starts the threads one at a time in the table's order; after each start, waits until
    /// the started threads are all asleep or done and checks what they said by then; at the
    /// end checks that every thread returned and the whole sequence was said.
    pub(crate) fn run(&mut self) -> Result<(), String> {
        for i in 0..self.order.len() {
            self.threads.start_without_settling(self.order[i].name());
            self.settle(i)?;
        }
        self.finish()
    }

    /// Waits until the first `i + 1` threads of the order are all asleep on the clock or
    /// returned, then checks the answers said so far.
    fn settle(&self, i: usize) -> Result<(), String> {
        let started = i + 1;
        let name = self.order[i].name();
        self.threads
            .settle(&format!("the test started the {name} thread"))?;
        let started_kinds = &self.order[..started];
        let all = fizz_buzz(self.n);
        let want: Vec<Said> = (1..=self.n)
            .take_while(|&k| started_kinds.contains(&Kind::of(k)))
            .map(Said::answer)
            .collect();
        let events = self.trace().events();
        let got: Vec<Said> = events.iter().map(|e| e.what).collect();
        let now = if started == self.order.len() {
            "once every thread had started".to_owned()
        } else {
            format!("with only {} started", order_text(started_kinds))
        };
        if let Some(at) = got.iter().zip(&want).position(|(got, want)| got != want) {
            let k = at + 1;
            return Err(self.threads.failure(
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
            return Err(self.threads.failure(
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
            return Err(self.threads.failure(
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
                return Err(self.threads.failure(
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
        let stuck = self.threads.not_returned();
        if !stuck.is_empty() {
            return Err(self.threads.failure(
                format!(
                    "the whole sequence was said, but the {} thread(s) are still asleep instead \
                     of returning: when the turn moves past n, every thread must be woken and \
                     return",
                    stuck.join(", ")
                ),
                &[],
            ));
        }
        self.threads
            .join_returned()
            .map_err(|(name, _)| format!("the {name} thread did not end cleanly"))
    }

    /// Each answer on a line, with the thread that said it: `number: 1`.
    pub(crate) fn rendered(&self) -> String {
        let mut out = String::new();
        for event in self.trace().events() {
            out.push_str(&format!("{}: {}\n", event.thread, event.what));
        }
        out
    }
}

/// The call of the `kind` thread on `fizz_buzz`: each answer it says goes through its role's
/// print.
fn call(kind: Kind, fizz_buzz: &FizzBuzz, role: &Role<Said>) {
    let say = |said: Said| {
        role.print(|_| said);
    };
    match kind {
        Kind::Fizz => fizz_buzz.fizz(|| say(Said::Fizz)),
        Kind::Buzz => fizz_buzz.buzz(|| say(Said::Buzz)),
        Kind::FizzBuzz => fizz_buzz.fizzbuzz(|| say(Said::FizzBuzz)),
        Kind::Number => fizz_buzz.number(|k| say(Said::Number(k))),
    }
}

/// Runs the four threads on the system clock, all started at once, and returns what they said.
pub(crate) fn run_free(n: u32) -> Result<Vec<Said>, String> {
    let fizz_buzz = Arc::new(FizzBuzz::new(n));
    let mut threads = Runner::free();
    for kind in Kind::ALL {
        let fizz_buzz = Arc::clone(&fizz_buzz);
        threads.spawn(kind.name(), move |role| call(kind, &fizz_buzz, &role));
    }
    for kind in Kind::ALL {
        match threads.join(kind.name()) {
            Err(Unjoined::Running) => {
                return Err(format!(
                    "the {} thread did not return within {:?} (deadlock or lost wake-up?); what \
                     the threads said:\n{}",
                    kind.name(),
                    patience(),
                    threads.trace().excerpt(&[])
                ));
            }
            Err(why @ Unjoined::Panicked(_)) => {
                return Err(format!("the {} thread {why}", kind.name()));
            }
            Ok(()) => {}
        }
    }
    Ok(threads.trace().whats())
}
