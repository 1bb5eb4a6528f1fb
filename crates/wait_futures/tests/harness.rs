//! What the cases, properties and traces share: a [`Scenario`] of gated tasks on a virtual
//! clock (each task is completed by its own worker thread, when the test says so and with the
//! outcome the test chooses), a thread that calls `wait` or iterates `as_completed`, and the
//! checks that this thread is asleep, or has returned, exactly when it should; plus the
//! sequential model the properties compare with.
//!
//! "Asleep" is seen on the virtual clock: a thread blocked in a `course_clock::Condvar` is
//! registered with it, with its deadline if it has one. After each completion the test waits
//! until the waiting thread has either returned or gone back to sleep, so every check sees the
//! state the completion led to, whatever the scheduler does.

use course_clock::{Instant, VirtualClock};
use course_testkit::{Trace, patience};
use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;
use wait_futures::{ReturnWhen, Split, Task, TimedOut, as_completed, wait};

/// What the test tasks complete with.
pub(crate) type Outcome = Result<u32, String>;
/// The tasks of every scenario.
pub(crate) type TestTask = Task<u32, String>;
/// What `as_completed` yields.
pub(crate) type Item = Result<usize, TimedOut>;

/// The name of the task at `index`: a, b, c, ...
pub(crate) fn name(index: usize) -> String {
    u8::try_from(index)
        .ok()
        .filter(|&index| index < 26)
        .map_or_else(
            || format!("task {index}"),
            |i| char::from(b'a' + i).to_string(),
        )
}

/// The names of the tasks at `indices`, as a list: `[a, c]`.
pub(crate) fn names(indices: &[usize]) -> String {
    let names: Vec<String> = indices.iter().map(|&index| name(index)).collect();
    format!("[{}]", names.join(", "))
}

/// The success of the task at `index`: `Ok(10)` for a, `Ok(20)` for b, ...
pub(crate) fn ok(index: usize) -> Outcome {
    Ok(10 * (index as u32 + 1))
}

/// The failure of the task at `index`: `Err("a failed")`, ...
pub(crate) fn err(index: usize) -> Outcome {
    Err(format!("{} failed", name(index)))
}

/// `split` in task names: `done [a, c], not done [b]`.
pub(crate) fn show_split(split: &Split) -> String {
    format!(
        "done {}, not done {}",
        names(&split.done),
        names(&split.not_done)
    )
}

/// `item` in task names: `b`, or `TimedOut(pending [a, c])`.
pub(crate) fn show_item(item: &Item) -> String {
    match item {
        Ok(index) => name(*index),
        Err(TimedOut { pending }) => format!("TimedOut(pending {})", names(pending)),
    }
}

fn show_items(items: &[Item]) -> String {
    let items: Vec<String> = items.iter().map(show_item).collect();
    format!("[{}]", items.join(", "))
}

pub(crate) const fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

pub(crate) const fn millis(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// One line of the trace: what happened, and the virtual time it happened at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Note {
    pub(crate) at: Instant,
    pub(crate) text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.at, self.text)
    }
}

thread_local! {
    /// Set once a check of this test waited out the whole patience: the properties then skip the
    /// cases proptest tries while shrinking (each would wait it out again), so the failure comes
    /// back in seconds. Per thread, because each test runs on its own thread.
    static OUT_OF_PATIENCE: Cell<bool> = const { Cell::new(false) };
}

/// True once a check of the calling test waited out the whole patience.
pub(crate) fn out_of_patience() -> bool {
    OUT_OF_PATIENCE.with(Cell::get)
}

fn ran_out_of_patience() {
    OUT_OF_PATIENCE.with(|flag| flag.set(true));
}

/// A gated task's worker: completes its task when the test sends the outcome.
struct Worker {
    orders: mpsc::Sender<Outcome>,
    completed: mpsc::Receiver<()>,
}

/// Tasks on a fresh virtual clock, each with a worker thread that completes it on order.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) tasks: Vec<TestTask>,
    pub(crate) trace: Trace<Note>,
    workers: Vec<Worker>,
}

/// What a thread blocked on the clock, or just finished, looks like after a step of the test.
enum Quiet {
    /// The thread has finished.
    Finished,
    /// The thread is asleep on the virtual clock.
    Asleep,
    /// Neither, for a whole patience: it spins, or sleeps outside the course clock.
    Busy,
}

/// A thread calling `wait` or iterating `as_completed`, started by the scenario.
pub(crate) struct Call<R> {
    /// What it does, for messages: `wait(FirstCompleted, no timeout)`.
    pub(crate) what: String,
    /// When its timeout runs out, counted from the call (`None`: no timeout).
    pub(crate) deadline: Option<Instant>,
    handle: Option<JoinHandle<R>>,
    /// For `as_completed`: what it yielded, as it yields it.
    items: Option<mpsc::Receiver<Item>>,
}

/// What the `as_completed` thread returns: what one more `next` gave after the end.
type AfterEnd = Option<Item>;

/// How `as_completed` must be after a step: still waiting for more, or ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Then {
    Waits,
    Ends,
}

impl Scenario {
    /// `count` tasks, none complete, each with its worker waiting for an order.
    pub(crate) fn new(count: usize) -> Self {
        let clock = VirtualClock::new();
        let trace = Trace::new();
        trace.name_thread("test");
        let tasks: Vec<TestTask> = (0..count).map(|_| Task::new()).collect();
        let workers = tasks
            .iter()
            .enumerate()
            .map(|(index, task)| {
                let (orders, inbox) = mpsc::channel::<Outcome>();
                let (report, completed) = mpsc::channel();
                let (task, trace, clock) = (task.clone(), trace.clone(), clock.clone());
                std::thread::spawn(move || {
                    trace.name_thread(format!("worker {}", name(index)));
                    // The scenario dropping its sender ends a worker never given an order.
                    if let Ok(outcome) = inbox.recv() {
                        trace.record(Note {
                            at: clock.now(),
                            text: format!("{} completes with {outcome:?}", name(index)),
                        });
                        task.complete(outcome);
                        // No note for `complete` returning: the thread it woke records what it
                        // got at the same moment, so the two notes would come in either order
                        // and the book's timelines would not regenerate byte for byte.
                        let _ = report.send(());
                    }
                });
                Worker { orders, completed }
            })
            .collect();
        Scenario {
            clock,
            tasks,
            trace,
            workers,
        }
    }

    /// Records `text` at the current virtual time.
    pub(crate) fn note(&self, text: impl Into<String>) {
        self.trace.record(Note {
            at: self.clock.now(),
            text: text.into(),
        });
    }

    /// `message`, followed by the whole trace (scenarios are short).
    pub(crate) fn failure(&self, message: impl fmt::Display) -> String {
        format!("{message}\ntrace:\n{}", self.trace.render())
    }

    /// Completes the task at `index` on this thread, before any call: "already complete".
    pub(crate) fn complete_now(&self, index: usize, outcome: Outcome) {
        self.note(format!(
            "{} completes with {outcome:?} (before the call)",
            name(index)
        ));
        self.tasks[index].complete(outcome);
    }

    /// Has the worker of the task at `index` complete it with `outcome`, and waits until
    /// `complete` has returned there (every listener has run by then).
    pub(crate) fn complete(&self, index: usize, outcome: Outcome) -> Result<(), String> {
        let worker = &self.workers[index];
        worker
            .orders
            .send(outcome)
            .map_err(|_| self.failure(format!("the worker of {} is gone", name(index))))?;
        worker.completed.recv_timeout(patience()).map_err(|_| {
            ran_out_of_patience();
            self.failure(format!(
                "{}.complete(..) did not return within {:?}: the listener it calls blocked it \
                 (does the listener wait for a lock that a sleeping thread holds, or panic?)",
                name(index),
                patience()
            ))
        })
    }

    /// Starts a thread that calls `wait(tasks, timeout, mode)`.
    pub(crate) fn start_wait(&self, timeout: Option<Duration>, mode: ReturnWhen) -> Call<Split> {
        let what = format!("wait({mode:?}, {})", show_timeout(timeout));
        let deadline = timeout.map(|timeout| self.clock.now() + timeout);
        let (clock, tasks, trace) = (self.clock.clone(), self.tasks.clone(), self.trace.clone());
        let text = what.clone();
        self.note(format!("{what} called"));
        let handle = std::thread::spawn(move || {
            trace.name_thread("waiter");
            let split = wait(&clock.clock(), &tasks, timeout, mode);
            trace.record(Note {
                at: clock.now(),
                text: format!("{text} returned {}", show_split(&split)),
            });
            split
        });
        Call {
            what,
            deadline,
            handle: Some(handle),
            items: None,
        }
    }

    /// Starts a thread that iterates `as_completed(tasks, timeout)` to its end and reports each
    /// item as it gets it; then asks for one more.
    pub(crate) fn start_as_completed(&self, timeout: Option<Duration>) -> Call<AfterEnd> {
        let what = format!("as_completed({})", show_timeout(timeout));
        let deadline = timeout.map(|timeout| self.clock.now() + timeout);
        let (clock, tasks, trace) = (self.clock.clone(), self.tasks.clone(), self.trace.clone());
        let (report, items) = mpsc::channel();
        let text = what.clone();
        self.note(format!("{what} called"));
        let handle = std::thread::spawn(move || {
            trace.name_thread("consumer");
            let mut iter = as_completed(&clock.clock(), &tasks, timeout);
            // More items than tasks plus one timeout means it repeats itself: stop there.
            for _ in 0..tasks.len() + 2 {
                let Some(item) = iter.next() else {
                    trace.record(Note {
                        at: clock.now(),
                        text: format!("{text} ended"),
                    });
                    return iter.next();
                };
                trace.record(Note {
                    at: clock.now(),
                    text: format!("{text} yielded {}", show_item(&item)),
                });
                let _ = report.send(item);
            }
            None
        });
        Call {
            what,
            deadline,
            handle: Some(handle),
            items: Some(items),
        }
    }

    /// Waits until `call`'s thread has finished or is asleep on the clock.
    fn quiesce<R>(&self, call: &Call<R>) -> Quiet {
        let give_up = std::time::Instant::now() + patience();
        loop {
            if call.handle.as_ref().is_none_or(JoinHandle::is_finished) {
                return Quiet::Finished;
            }
            if self.clock.wait_until_blocked_for(1, millis(2)) {
                return Quiet::Asleep;
            }
            if std::time::Instant::now() >= give_up {
                ran_out_of_patience();
                return Quiet::Busy;
            }
        }
    }

    /// Joins the finished thread of `call`.
    fn join<R>(&self, call: &mut Call<R>) -> Result<R, String> {
        let handle = call
            .handle
            .take()
            .ok_or_else(|| self.failure(format!("{} was joined already", call.what)))?;
        handle
            .join()
            .map_err(|panic| self.failure(format!("{} panicked: {}", call.what, message(&*panic))))
    }

    fn busy<R>(&self, call: &Call<R>, after: &str) -> String {
        self.failure(format!(
            "after {after}, {} neither returned nor went to sleep on the clock within {:?}: it \
             spins (looks again and again without sleeping), or sleeps outside the course clock \
             (std::thread::sleep, a std Condvar). It must block on a course_clock::Condvar made \
             from the clock it is given",
            call.what,
            patience()
        ))
    }

    /// Checks that the thread of `call`, asleep, will wake exactly at its deadline (or only when
    /// notified, without a timeout).
    fn check_deadline<R>(&self, call: &Call<R>, after: &str) -> Result<(), String> {
        let next = self.clock.next_deadline();
        if next == call.deadline {
            return Ok(());
        }
        let why = match (call.deadline, next) {
            (None, Some(wake)) => format!(
                "it has no timeout, yet it sleeps with a wake-up set for {wake}: without a \
                 timeout it must sleep until a completion notifies it (waking up to look again \
                 is polling)"
            ),
            (Some(deadline), None) => format!(
                "its timeout runs out at {deadline}, yet it sleeps with no deadline: it would \
                 never give up (the timeout is ignored)"
            ),
            (Some(deadline), Some(wake)) if wake < deadline => format!(
                "its timeout runs out at {deadline}, yet it sleeps only until {wake}: it wakes up \
                 early to look again (polling) instead of sleeping until the deadline"
            ),
            (Some(deadline), Some(wake)) => format!(
                "its timeout runs out at {deadline} (counted from the call), yet it sleeps until \
                 {wake}: the deadline moved. Compute it once, at the call, not again at each \
                 wake-up"
            ),
            (None, None) => unreachable!("equal deadlines return early"),
        };
        Err(self.failure(format!("after {after}, {} is asleep, but {why}", call.what)))
    }

    /// Checks that `wait` is still waiting after `after`, because `rule`: asleep on the clock
    /// until exactly its deadline.
    pub(crate) fn expect_waiting(
        &self,
        call: &mut Call<Split>,
        after: &str,
        rule: &str,
    ) -> Result<(), String> {
        match self.quiesce(call) {
            Quiet::Asleep => self.check_deadline(call, after),
            Quiet::Busy => Err(self.busy(call, after)),
            Quiet::Finished => {
                let split = self.join(call)?;
                Err(self.failure(format!(
                    "after {after}, {} returned {}, but {rule}: it must still be waiting",
                    call.what,
                    show_split(&split)
                )))
            }
        }
    }

    /// Checks that `wait` returns at once after `after`, and gives its split.
    pub(crate) fn expect_returned(
        &self,
        call: &mut Call<Split>,
        after: &str,
    ) -> Result<Split, String> {
        match self.quiesce(call) {
            Quiet::Finished => self.join(call),
            Quiet::Busy => Err(self.busy(call, after)),
            Quiet::Asleep => Err(self.failure(format!(
                "after {after}, {} must return at once, but it is asleep (next wake-up: {}): \
                 whatever decides the return was missed (a lost wakeup, a mode that waits for \
                 too much, or a poll that has not come round yet)",
                call.what,
                self.clock
                    .next_deadline()
                    .map_or("none, it waits for a notify".to_owned(), |t| t.to_string())
            ))),
        }
    }

    /// Checks that, after `after`, `as_completed` has yielded exactly `expected` since the last
    /// check, and then waits for more or has ended, as `then` says.
    pub(crate) fn expect_yields(
        &self,
        call: &mut Call<AfterEnd>,
        expected: &[Item],
        then: Then,
        after: &str,
    ) -> Result<(), String> {
        let quiet = self.quiesce(call);
        let got: Vec<Item> = call
            .items
            .as_ref()
            .map(|items| items.try_iter().collect())
            .unwrap_or_default();
        if let Quiet::Busy = quiet {
            return Err(self.busy(call, after));
        }
        let finished = matches!(quiet, Quiet::Finished);
        let after_end = if finished {
            Some(self.join(call)?)
        } else {
            None
        };
        if got != expected {
            let rule = "tasks complete before the call come first, in the order of the slice; \
                        then each task comes as it completes, in the order of completion; at \
                        the deadline one TimedOut names the tasks still pending";
            return Err(self.failure(format!(
                "after {after}, {} yielded {} but must yield {} ({rule})",
                call.what,
                show_items(&got),
                show_items(expected),
            )));
        }
        match (then, after_end) {
            (Then::Waits, None) => self.check_deadline(call, after),
            (Then::Waits, Some(_)) => Err(self.failure(format!(
                "after {after}, {} ended, but tasks are still pending and its timeout has not \
                 run out: it must wait for them",
                call.what
            ))),
            (Then::Ends, None) => Err(self.failure(format!(
                "after {after}, {} must end (return None), but it went back to sleep",
                call.what
            ))),
            (Then::Ends, Some(None)) => Ok(()),
            (Then::Ends, Some(Some(extra))) => Err(self.failure(format!(
                "{} returned None, then yielded {} when asked again: once ended, it must stay \
                 ended",
                call.what,
                show_item(&extra)
            ))),
        }
    }

    /// Checks that no task has a listener left.
    pub(crate) fn expect_no_watchers(&self, after: &str) -> Result<(), String> {
        for (index, task) in self.tasks.iter().enumerate() {
            let left = task.watchers();
            if left > 0 {
                return Err(self.failure(format!(
                    "after {after}, {} still has {left} listener(s) installed: whatever wait or \
                     as_completed installed must be removed when it returns or ends (drop the \
                     Watch guards)",
                    name(index)
                )));
            }
        }
        Ok(())
    }

    /// Checks that the waiting thread slept no more often than it had reasons to wake.
    pub(crate) fn expect_sleeps_at_most(&self, sleeps: u64, why: &str) -> Result<(), String> {
        let stats = self.clock.stats();
        if stats.waits > sleeps || stats.timed_waits > 0 {
            return Err(self.failure(format!(
                "the waiting thread went to sleep {} time(s) ({} of them with a deadline), but \
                 {why}: at most {sleeps} sleep(s), none with a deadline. It wakes up to poll \
                 instead of sleeping until a completion notifies it",
                stats.waits, stats.timed_waits
            )));
        }
        Ok(())
    }

    /// What `wait` did after a step, in words, for stories: returned (with its split), asleep
    /// (until when), or neither.
    pub(crate) fn observe_wait(&self, call: &mut Call<Split>) -> String {
        match self.quiesce(call) {
            Quiet::Finished => match self.join(call) {
                Ok(split) => format!("returned {}", show_split(&split)),
                Err(message) => message.lines().next().unwrap_or_default().to_owned(),
            },
            Quiet::Asleep => match self.clock.next_deadline() {
                Some(wake) => format!("asleep until {wake}"),
                None => "asleep until notified".to_owned(),
            },
            Quiet::Busy => "neither returned nor asleep".to_owned(),
        }
    }

    /// What `as_completed` yielded after a step, and whether it waits for more or ended.
    pub(crate) fn observe_yields(&self, call: &mut Call<AfterEnd>) -> String {
        let quiet = self.quiesce(call);
        let got: Vec<Item> = call
            .items
            .as_ref()
            .map(|items| items.try_iter().collect())
            .unwrap_or_default();
        let state = match quiet {
            Quiet::Finished => match self.join(call) {
                Ok(None) => "ended".to_owned(),
                Ok(Some(extra)) => format!("ended, then yielded {}", show_item(&extra)),
                Err(message) => message.lines().next().unwrap_or_default().to_owned(),
            },
            Quiet::Asleep => match self.clock.next_deadline() {
                Some(wake) => format!("asleep until {wake}"),
                None => "asleep until notified".to_owned(),
            },
            Quiet::Busy => "neither ended nor asleep".to_owned(),
        };
        format!("yielded {}, {state}", show_items(&got))
    }
}

impl<R> Drop for Call<R> {
    fn drop(&mut self) {
        // A thread still running when the test ends (it failed, or left it asleep on purpose) is
        // left behind: the test's process ends soon anyway.
        drop(self.handle.take());
    }
}

fn show_timeout(timeout: Option<Duration>) -> String {
    match timeout {
        None => "no timeout".to_owned(),
        Some(timeout) => format!("timeout {timeout:?}"),
    }
}

/// The message of a panic payload.
pub(crate) fn message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".to_owned())
}

/// The sequential specification of `wait`: after the completions `completed` (positions, with
/// true for a failure), in that order, out of `total` tasks, does a `wait` with `mode` return?
pub(crate) fn decided(mode: ReturnWhen, total: usize, completed: &[(usize, bool)]) -> bool {
    if completed.len() == total {
        return true;
    }
    match mode {
        ReturnWhen::AllCompleted => false,
        ReturnWhen::FirstCompleted => !completed.is_empty(),
        ReturnWhen::FirstException => completed.iter().any(|&(_, failed)| failed),
    }
}

/// The split of `total` tasks once `completed` have completed.
pub(crate) fn split_of(total: usize, completed: &[(usize, bool)]) -> Split {
    let mut split = Split::default();
    for index in 0..total {
        if completed.iter().any(|&(done, _)| done == index) {
            split.done.push(index);
        } else {
            split.not_done.push(index);
        }
    }
    split
}

pub(crate) use course_testkit::OrFail;
