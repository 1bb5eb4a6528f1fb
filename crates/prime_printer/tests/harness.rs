//! What the cases, properties and traces share: a [`Run`] starts the finder and the printer on
//! a virtual clock, records every prime found and printed in a trace, and checks the trace.

use course_clock::{Clock, VirtualClock};
use course_testkit::{Latch, Trace, patience};
use prime_printer::PrimePrinter;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The finder called `on_found` with this prime.
    Found(u64),
    /// The printer called `print` with this number.
    Printed(u64),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Found(n) => write!(f, "found {n}"),
            Event::Printed(n) => write!(f, "printed {n}"),
        }
    }
}

/// The primes up to `limit`, by the sieve of Eratosthenes: what the printer must print.
pub(crate) fn sieve(limit: u64) -> Vec<u64> {
    let limit = usize::try_from(limit).expect("a small limit");
    let mut composite = vec![false; limit + 1];
    let mut primes = Vec::new();
    for n in 2..=limit {
        if composite[n] {
            continue;
        }
        primes.push(n as u64);
        for multiple in (n * n..=limit).step_by(n) {
            composite[multiple] = true;
        }
    }
    primes
}

thread_local! {
    /// Set by a callback: counts its latch down when the thread that ran the callback ends.
    static ON_THREAD_EXIT: RefCell<Option<CountDownOnDrop>> = const { RefCell::new(None) };
}

pub(crate) use course_testkit::CountDownOnDrop;

/// Called on a thread: `exited` reaches zero once that thread has ended (its thread-locals are
/// destroyed before a join of it returns). Only the first call on a thread counts.
fn watch_thread_exit(exited: &Arc<Latch>) {
    ON_THREAD_EXIT.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(CountDownOnDrop(Arc::clone(exited)));
        }
    });
}

/// The finder and the printer, started on a fresh virtual clock, with a trace of what they did.
pub(crate) struct Run {
    pub(crate) clock: VirtualClock,
    pub(crate) trace: Trace<Event>,
    pub(crate) limit: u64,
    printer: Option<PrimePrinter>,
    finder_exited: Arc<Latch>,
    printer_exited: Arc<Latch>,
}

impl Run {
    /// Starts the two threads for the primes up to `limit`.
    pub(crate) fn start(limit: u64) -> Self {
        Self::start_with(limit, None)
    }

    /// Starts the two threads for the primes up to `limit`; the finder's report of each prime
    /// then sleeps for `search` on the virtual clock ("finding the next prime takes a while").
    pub(crate) fn start_with(limit: u64, search: Option<Duration>) -> Self {
        let clock = VirtualClock::new();
        let trace = Trace::new();
        trace.name_thread("test");
        let finder_exited = Arc::new(Latch::new(1));
        let printer_exited = Arc::new(Latch::new(1));
        let on_found = {
            let (trace, exited, clock) = (trace.clone(), Arc::clone(&finder_exited), clock.clock());
            move |prime| {
                trace.name_thread("finder");
                watch_thread_exit(&exited);
                trace.record(Event::Found(prime));
                if let Some(search) = search {
                    Clock::sleep(&clock, search);
                }
            }
        };
        let print = {
            let (trace, exited) = (trace.clone(), Arc::clone(&printer_exited));
            move |prime| {
                trace.name_thread("printer");
                watch_thread_exit(&exited);
                trace.record(Event::Printed(prime));
            }
        };
        let printer = PrimePrinter::with_clock(clock.clock(), limit, on_found, print);
        Run {
            clock,
            trace,
            limit,
            printer: Some(printer),
            finder_exited,
            printer_exited,
        }
    }

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// Joins the two threads on a helper thread, patiently: both must end on their own once
    /// the last prime is printed.
    pub(crate) fn join(&mut self) -> Result<(), String> {
        let Some(printer) = self.printer.take() else {
            return Ok(());
        };
        let joined = Arc::new(Latch::new(1));
        let joiner = {
            let joined = Arc::clone(&joined);
            std::thread::spawn(move || {
                let _count = CountDownOnDrop(joined);
                printer.join()
            })
        };
        if !joined.wait_patiently() {
            let who = match (self.finder_exited.left(), self.printer_exited.left()) {
                (0, _) => "the printer thread",
                (_, 0) => "the finder thread",
                _ => "the finder or the printer thread (or both)",
            };
            return Err(self.failure(
                format!(
                    "with the primes up to {} all handed over, join() did not return within \
                     {:?}: {who} never ended. When the finder runs out of numbers it must set \
                     its exit flag under the lock *and notify*: a printer already asleep waiting \
                     for the next prime is woken only by a notify",
                    self.limit,
                    patience()
                ),
                &[],
            ));
        }
        match joiner.join() {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(self.failure("join() reported a panicked thread", &[])),
            Err(_) => return Err(self.failure("join() panicked", &[])),
        }
        // Thread-locals are destroyed before a thread's join returns: if a watched thread has
        // not counted down, join() returned while it was still running.
        let primes = !sieve(self.limit).is_empty();
        for (name, exited) in [
            ("finder", &self.finder_exited),
            ("printer", &self.printer_exited),
        ] {
            if primes && exited.left() > 0 && !exited.wait_patiently() {
                return Err(self.failure(
                    format!(
                        "join() returned, but the {name} thread was still running: join must \
                         wait for both threads"
                    ),
                    &[],
                ));
            }
        }
        Ok(())
    }

    /// Checks that the printer printed exactly the primes up to the limit, in order, and that
    /// finding and printing strictly alternated: found p, printed p, found q, printed q, ...
    pub(crate) fn check_alternation(&self) -> Result<(), String> {
        let events = self.trace.events();
        let expected = sieve(self.limit);
        for (k, event) in events.iter().enumerate() {
            let prime = expected.get(k / 2);
            let want = prime.map(|&p| {
                if k % 2 == 0 {
                    Event::Found(p)
                } else {
                    Event::Printed(p)
                }
            });
            if want.as_ref() != Some(&event.what) {
                let rule = match (&event.what, prime) {
                    (_, None) => format!(
                        "there are only {} primes up to {}, so only {} events: found and \
                         printed for each",
                        expected.len(),
                        self.limit,
                        2 * expected.len()
                    ),
                    (Event::Found(_), Some(p)) if k % 2 == 1 => format!(
                        "the finder reported its next prime before {p} was printed: the finder \
                         must wait until the printer has printed the prime it handed over"
                    ),
                    (Event::Printed(_), Some(p)) if k % 2 == 0 => format!(
                        "the printer printed twice in a row (next expected: found {p}): it must \
                         print each prime handed over exactly once"
                    ),
                    (_, Some(p)) => format!(
                        "the primes must come in order, each found then printed: expected \
                         event {k} to be about {p}"
                    ),
                };
                return Err(self.failure(
                    format!("event {k} is \"{}\", but {rule}", event.what),
                    &[event.seq],
                ));
            }
        }
        if events.len() < 2 * expected.len() {
            let missing = &expected[events.len() / 2..];
            return Err(self.failure(
                format!(
                    "the threads ended after {} events, but the primes up to {} are {:?}: \
                     {:?} never got {}",
                    events.len(),
                    self.limit,
                    expected,
                    missing,
                    if events.len() % 2 == 1 {
                        "printed"
                    } else {
                        "found and printed"
                    }
                ),
                &[],
            ));
        }
        Ok(())
    }

    /// The trace, one event a line, without sequence numbers or threads: for snapshots.
    pub(crate) fn rendered(&self) -> String {
        let mut lines = String::new();
        for event in self.trace.events() {
            let who = match event.what {
                Event::Found(_) => "finder ",
                Event::Printed(_) => "printer",
            };
            lines.push_str(&format!("{who} {}\n", event.what));
        }
        lines
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The test has failed already and the threads may be stuck: leak them, the
            // process ends soon anyway.
            std::mem::forget(self.printer.take());
        }
    }
}

pub(crate) use course_testkit::OrFail;
