//! What the cases, properties and traces share: a [`Run`] gives each side of the puzzle its own
//! thread, held at its own gate, and starts the threads in the order a test chooses. After each
//! start it waits until every started thread has either returned or is asleep on the virtual
//! clock, so the order is forced, not hoped for: a thread started early really runs, alone,
//! until it has to wait. (The machinery is `course_testkit::gated`; this file says what it
//! means for this puzzle.)
//!
//! What the threads print is recorded in a trace, by the thread that prints it. A print
//! callback records its line and then, before it returns, waits until the other thread is
//! asleep, done, or in its own print callback. So one thread moves at a time, and a thread that
//! prints while the other's line is still coming out (out of turn, or because the turn was
//! handed over before the line) is caught in the act, whatever the scheduler does, instead of
//! only now and then.

use course_testkit::gated::{self, Role, Runner};
use foo_bar::FooBar;
use std::fmt;
use std::sync::Arc;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The test let this thread make its call.
    Started(&'static str),
    /// A thread's print callback ran with this line. `during`: the thread that was inside
    /// its own print callback when this one began, if any (two lines at once).
    Printed {
        line: String,
        during: Option<String>,
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

/// A thread's print callback: records `line` as printed by its thread, then waits until the
/// other thread has had its chance to move (see the module's documentation).
fn print(role: &Role<Event>, line: &str) {
    role.print(|during| Event::Printed {
        line: line.to_owned(),
        during: during.map(str::to_owned),
    });
}

/// What a thread that never returns was probably not told, for [`Run::finish`].
const STUCK: &str = "a thread waits for a turn that never comes. Was it woken when the other \
                     thread handed the turn over? (Changing the turn wakes nobody: only a \
                     notify does.) And does it look at the turn before it waits? (A notify sent \
                     before the wait began wakes nobody: the turn may already be its own)";

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
        self.prints()
            .into_iter()
            .filter_map(|print| match print.what {
                Event::Printed { line, .. } => Some((print.seq, line)),
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
        let Some((what, focus)) = gated::compare_lines(&printed, expected) else {
            return self.check_one_line_at_a_time(started);
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
    let mut run = Run {
        threads: Runner::new(),
    };
    let foo_bar = Arc::new(FooBar::with_clock(run.clock().clock(), n));
    for &name in order {
        let foo_bar = Arc::clone(&foo_bar);
        let side = match name {
            "foo" => "foo",
            "bar" => "bar",
            _ => panic!("no side {name}"),
        };
        // Each thread records that it starts, then makes its call.
        run.threads.spawn(side, move |role| {
            role.record(Event::Started(side));
            if side == "foo" {
                foo_bar.foo(|| print(&role, "foo"));
            } else {
                foo_bar.bar(|| print(&role, "bar"));
            }
        });
    }
    run
}

pub(crate) use course_testkit::OrFail;
