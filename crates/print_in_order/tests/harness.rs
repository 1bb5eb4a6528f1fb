//! What the cases, properties and traces share: a [`Run`] gives each role of the puzzle its own
//! thread, held at its own gate, and starts the threads in the order a test chooses. After each
//! start it waits until every started thread has either returned or is asleep on the virtual
//! clock, so the order is forced, not hoped for: a thread started early really runs, alone,
//! until it has to wait. What the threads print is recorded in a trace. (The machinery is
//! `course_testkit::gated`; this file says what it means for this puzzle.)
//!
//! A print callback records that its line starts to come out, then waits until every other
//! started thread is asleep, done, or printing too, and only then records that its line is out
//! and returns. So one thread moves at a time (every run of a case gives the same trace), and a
//! thread that prints while the line before its own is still coming out is caught in the act,
//! whichever of the two the scheduler happened to run first.

use course_testkit::gated::{self, Role, Runner};
use print_in_order::PrintInOrder;
use std::fmt;
use std::sync::Arc;

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

/// A thread's print callback: records that `line` starts to come out, waits until every other
/// started thread is asleep on the clock, done, or printing too (or the test gave up), and
/// records that the line is out.
fn print(role: &Role<Event>, line: &str) {
    role.print(|_| Event::Printed(line.to_owned()));
    role.record(Event::Out(line.to_owned()));
}

/// What a thread that never returns was probably not told, for [`Run::finish`].
const STUCK: &str = "a thread waits for a turn that never comes. Was it woken when the line \
                     before its own came out? (A notify_one may wake a thread waiting for a \
                     different turn, which goes back to sleep: the wake-up is lost)";

/// The threads of one run, on a fresh virtual clock, with a trace of what they printed.
pub(crate) struct Run {
    threads: Runner<Event>,
}

/// A `Run` is its threads: `clock`, `trace`, `start`, `start_without_settling`,
/// `start_in_order`, `settle` and `failure` are theirs.
impl std::ops::Deref for Run {
    type Target = Runner<Event>;

    fn deref(&self) -> &Runner<Event> {
        &self.threads
    }
}

impl Run {
    /// Waits until every thread has returned (they must all have been started), and checks that
    /// none panicked.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        self.threads.finish(STUCK)
    }

    /// The lines printed so far, with their sequence numbers.
    pub(crate) fn printed(&self) -> Vec<(usize, String)> {
        let line = |what| match what {
            Event::Printed(line) => line,
            Event::Started(_) | Event::Out(_) => unreachable!("a print records a Printed"),
        };
        let prints = self.prints().into_iter();
        prints.map(|print| (print.seq, line(print.what))).collect()
    }

    /// Checks that exactly the lines `expected` were printed, in that order. `started` tells
    /// in which order the threads were started, for the message.
    pub(crate) fn check_printed(&self, expected: &[&str], started: &[&str]) -> Result<(), String> {
        let printed = self.printed();
        let lines: Vec<&str> = printed.iter().map(|(_, line)| line.as_str()).collect();
        let Some((what, focus)) = gated::compare_lines(&printed, expected) else {
            return self.check_one_line_at_a_time();
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

    /// Checks that each line started to come out only once the line before it was out: its
    /// print callback had returned.
    fn check_one_line_at_a_time(&self) -> Result<(), String> {
        let events = self.trace().events();
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

/// The three roles, and the lines they print, in the order the lines must come out.
pub(crate) const LINES: [&str; 3] = ["first", "second", "third"];

/// How many orders the three threads can start in.
pub(crate) const START_ORDERS: usize = gated::number_of_orders(LINES.len());

/// The `index`-th (from 0) of the [`START_ORDERS`] orders in which the three threads can start:
/// 0 is first, second, third; 5 is third, second, first.
pub(crate) fn start_order(index: usize) -> [&'static str; 3] {
    gated::start_order(LINES, index)
}

/// One `PrintInOrder` on the run's clock, and its three threads, spawned in `order`: the
/// thread of role `first` calls `first` with a callback that prints "first", and so on.
pub(crate) fn spawn_threads(order: &[&str]) -> Run {
    let mut run = Run {
        threads: Runner::new(),
    };
    let in_order = Arc::new(PrintInOrder::with_clock(run.clock().clock()));
    for &name in order {
        let in_order = Arc::clone(&in_order);
        let name = LINES
            .into_iter()
            .find(|&line| line == name)
            .unwrap_or_else(|| panic!("no role {name}"));
        // Each thread records that it starts, then makes its call.
        run.threads.spawn(name, move |role| {
            role.record(Event::Started(name));
            match name {
                "first" => in_order.first(|| print(&role, "first")),
                "second" => in_order.second(|| print(&role, "second")),
                _ => in_order.third(|| print(&role, "third")),
            }
        });
    }
    run
}

pub(crate) use course_testkit::OrFail;
