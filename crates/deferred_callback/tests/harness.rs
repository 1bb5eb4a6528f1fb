//! What the cases, properties and traces share: a [`Scenario`] runs the executor on a virtual
//! clock and records every action added and every callback run in a trace; its driver lets
//! virtual time pass one deadline at a time and checks, at every stop, that nothing due was
//! left behind and that the executor's next wake-up is not past the earliest pending due time.

use course_clock::{Clock, Instant, VirtualClock};
use course_testkit::{Latch, Trace, patience};
use deferred_callback::DeferredCallbackExecutor;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// More stops than any scenario needs: an executor that wakes this often is polling.
const MAX_STOPS: usize = 1000;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// `name` is about to be passed to `add_action` (recorded just before the call).
    Added {
        name: String,
        at: Instant,
        delay: Duration,
        due: Instant,
    },
    /// `name`'s callback started running.
    Ran {
        name: String,
        at: Instant,
        due: Instant,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Added {
                name,
                at,
                delay,
                due,
            } => write!(
                f,
                "{at} {name} added (delay {}, due {due})",
                Seconds(*delay)
            ),
            Event::Ran { name, at, due } => write!(f, "{at} {name} ran (due {due})"),
        }
    }
}

/// Shows a duration the way `Instant` shows a time: `1.500s`.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        write!(f, "{}.{:03}s", millis / 1000, millis % 1000)
    }
}

/// One `Added` event, for the driver's bookkeeping.
struct Addition {
    seq: usize,
    name: String,
    at: Instant,
    delay: Duration,
    due: Instant,
}

impl Addition {
    fn describe(&self) -> String {
        format!(
            "{} (added at {} with a delay of {}, so due at {})",
            self.name,
            self.at,
            Seconds(self.delay),
            self.due
        )
    }
}

/// One `Ran` event.
pub(crate) struct Run {
    pub(crate) seq: usize,
    pub(crate) name: String,
    pub(crate) at: Instant,
    pub(crate) due: Instant,
}

/// Adds actions whose callbacks record that they ran. Clones record into the same trace; move
/// one into a thread or a callback to add actions from there.
#[derive(Clone)]
pub(crate) struct Recorder {
    pub(crate) trace: Trace<Event>,
    clock: Clock,
}

impl Recorder {
    /// Records that `name` is added now with `delay`, then adds it to `executor`. Its callback
    /// records that it ran, then calls `then`.
    pub(crate) fn add_then<F>(
        &self,
        executor: &DeferredCallbackExecutor,
        name: &str,
        delay: Duration,
        then: F,
    ) where
        F: FnOnce() + Send + 'static,
    {
        let at = self.clock.now();
        let due = at + delay;
        self.trace.record(Event::Added {
            name: name.to_owned(),
            at,
            delay,
            due,
        });
        let (trace, clock, name) = (self.trace.clone(), self.clock.clone(), name.to_owned());
        executor.add_action(delay, move || {
            trace.name_thread("executor");
            trace.record(Event::Ran {
                name,
                at: clock.now(),
                due,
            });
            then();
        });
    }

    /// [`add_then`](Self::add_then) with nothing more to do in the callback.
    pub(crate) fn add(&self, executor: &DeferredCallbackExecutor, name: &str, delay: Duration) {
        self.add_then(executor, name, delay, || ());
    }
}

/// An executor on a fresh virtual clock, with a trace of what was added and what ran.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) rec: Recorder,
    executor: Option<Arc<DeferredCallbackExecutor>>,
}

impl Scenario {
    pub(crate) fn new() -> Self {
        let clock = VirtualClock::new();
        let rec = Recorder {
            trace: Trace::new(),
            clock: clock.clock(),
        };
        rec.trace.name_thread("test");
        let executor = DeferredCallbackExecutor::with_clock(clock.clock());
        let scenario = Scenario {
            clock,
            rec,
            executor: Some(Arc::new(executor)),
        };
        // Every scenario starts from the same state, whatever the scheduler does: the executor
        // thread asleep on its empty queue. (Adding before it first sleeps is the race the
        // loom models explore.) Without this, an executor that is not notified on add would
        // pass or fail depending on how fast its thread started.
        scenario.settle().or_fail();
        scenario
    }

    /// The executor under test (an `Arc`, to share it with threads and callbacks).
    pub(crate) fn executor(&self) -> &Arc<DeferredCallbackExecutor> {
        self.executor
            .as_ref()
            .expect("the test already took the executor")
    }

    /// Takes the executor out of the scenario: the test drops it itself.
    pub(crate) fn take_executor(&mut self) -> Arc<DeferredCallbackExecutor> {
        self.executor
            .take()
            .expect("the test already took the executor")
    }

    pub(crate) fn add(&self, name: &str, delay: Duration) {
        self.rec.add(self.executor(), name, delay);
    }

    pub(crate) fn add_then<F>(&self, name: &str, delay: Duration, then: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.rec.add_then(self.executor(), name, delay, then);
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.rec.trace.excerpt(focus))
    }

    /// Waits until the executor thread is asleep on the clock.
    pub(crate) fn settle(&self) -> Result<(), String> {
        if self.clock.wait_until_blocked_for(1, patience()) {
            return Ok(());
        }
        Err(self.failure(
            format!(
                "at {}, the executor thread did not go to sleep on the clock within {:?}: it is \
                 spinning, stuck (in a callback, or waiting for a lock), dead (did a callback's \
                 panic end it?), or sleeping outside the course clock (std::thread::sleep, a \
                 std Condvar)",
                self.now(),
                patience()
            ),
            &[],
        ))
    }

    /// Every callback run so far, in the order they started.
    pub(crate) fn runs(&self) -> Vec<Run> {
        self.rec
            .trace
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                Event::Ran { name, at, due } => Some(Run {
                    seq: event.seq,
                    name,
                    at,
                    due,
                }),
                Event::Added { .. } => None,
            })
            .collect()
    }

    /// The actions added and not run yet, after checking that no action ran twice or early.
    fn pending(&self) -> Result<Vec<Addition>, String> {
        let mut added = Vec::new();
        let mut ran: HashMap<String, usize> = HashMap::new();
        for event in self.rec.trace.events() {
            match event.what {
                Event::Added {
                    name,
                    at,
                    delay,
                    due,
                } => added.push(Addition {
                    seq: event.seq,
                    name,
                    at,
                    delay,
                    due,
                }),
                Event::Ran { name, at, due } => {
                    if at < due {
                        return Err(self.failure(
                            format!(
                                "{name} ran at {at}, before its due time {due}: an action must \
                                 never run early"
                            ),
                            &[event.seq],
                        ));
                    }
                    if let Some(first) = ran.insert(name.clone(), event.seq) {
                        return Err(self.failure(
                            format!("{name} ran twice: every action must run exactly once"),
                            &[first, event.seq],
                        ));
                    }
                }
            }
        }
        added.retain(|addition| !ran.contains_key(&addition.name));
        Ok(added)
    }

    /// Waits until the executor is asleep, then checks that it is caught up: nothing due is
    /// still pending, and it will wake by the earliest pending due time. Returns how many
    /// actions are pending.
    pub(crate) fn check_caught_up(&self) -> Result<usize, String> {
        self.settle()?;
        let now = self.now();
        let pending = self.pending()?;
        let Some(first) = pending.iter().min_by_key(|p| (p.due, p.seq)) else {
            return Ok(0);
        };
        let next = self.clock.next_deadline();
        if first.due <= now {
            let sleep = match next {
                Some(wake) => format!("its next wake-up is at {wake}"),
                None => "it waits with no deadline".to_owned(),
            };
            let hint = if first.at == now {
                ". It was added at this very instant: was the executor woken when it was added?"
            } else {
                ""
            };
            return Err(self.failure(
                format!(
                    "{} has not run, but at {now} the executor is asleep ({sleep}): an action \
                     must run as soon as the clock reaches its due time{hint}",
                    first.describe()
                ),
                &[first.seq],
            ));
        }
        match next {
            None => Err(self.failure(
                format!(
                    "the executor sleeps without a deadline while {} is pending: was it \
                     notified when {} was added?",
                    first.describe(),
                    first.name
                ),
                &[first.seq],
            )),
            Some(wake) if wake > first.due => Err(self.failure(
                format!(
                    "the executor sleeps until {wake}, but {} is pending: it would run late. The \
                     executor must wake by the earliest due time (each counted from when its \
                     action was added), and must be woken when an earlier action is added",
                    first.describe()
                ),
                &[first.seq],
            )),
            Some(_) => Ok(pending.len()),
        }
    }

    /// Lets virtual time run to `target`, stopping at each of the executor's deadlines on the
    /// way and checking at each stop that it is caught up.
    pub(crate) fn run_until(&self, target: Instant) -> Result<(), String> {
        for _ in 0..MAX_STOPS {
            self.check_caught_up()?;
            match self.clock.next_deadline() {
                Some(wake) if wake <= target => {
                    self.clock.advance_to_next_deadline();
                }
                _ => {
                    if target > self.now() {
                        self.clock.advance_to(target);
                        self.check_caught_up()?;
                    }
                    return Ok(());
                }
            }
        }
        Err(self.polling())
    }

    /// Lets virtual time run, one deadline at a time, until every action added has run,
    /// checking at each stop that the executor is caught up.
    pub(crate) fn run_until_all_ran(&self) -> Result<(), String> {
        for _ in 0..MAX_STOPS {
            if self.check_caught_up()? == 0 {
                return Ok(());
            }
            self.clock.advance_to_next_deadline();
        }
        Err(self.polling())
    }

    /// Like [`run_until_all_ran`](Self::run_until_all_ran), but checks nothing on the way: lets
    /// time run to each deadline the executor sets, until everything ran or it sets none.
    /// For snapshots, whose difference then shows what went wrong.
    pub(crate) fn let_time_run(&self) -> Result<(), String> {
        for _ in 0..MAX_STOPS {
            self.settle()?;
            if self.pending()?.is_empty() || self.clock.advance_to_next_deadline().is_none() {
                return Ok(());
            }
        }
        Err(self.polling())
    }

    fn polling(&self) -> String {
        self.failure(
            format!(
                "the executor set more than {MAX_STOPS} deadlines for the actions of this \
                 test (now {}): it polls instead of sleeping until the earliest due time",
                self.now()
            ),
            &[],
        )
    }

    /// Checks that the callbacks ran in exactly the order `names`, each at its due time.
    /// `rule` says why that order is the only right one.
    pub(crate) fn check_ran_in_order(&self, names: &[&str], rule: &str) -> Result<(), String> {
        let runs = self.runs();
        let got: Vec<&str> = runs.iter().map(|run| run.name.as_str()).collect();
        if got != names {
            let first = got.iter().zip(names).position(|(got, want)| got != want);
            let focus: Vec<usize> = match first {
                Some(i) => runs[i..]
                    .iter()
                    .filter(|run| run.name == got[i] || run.name == names[i])
                    .map(|run| run.seq)
                    .collect(),
                None => runs.last().map(|run| run.seq).into_iter().collect(),
            };
            return Err(self.failure(
                format!("the actions ran in the order {got:?}, but {rule}: expected {names:?}"),
                &focus,
            ));
        }
        for run in &runs {
            if run.at != run.due {
                return Err(self.failure(
                    format!(
                        "{} ran at {}, but it was due at {}: an action must run exactly when the \
                         clock reaches its due time",
                        run.name, run.at, run.due
                    ),
                    &[run.seq],
                ));
            }
        }
        Ok(())
    }

    /// The trace without sequence numbers and thread names: `t=1.000s C ran (due t=1.000s)`.
    pub(crate) fn rendered(&self) -> String {
        let mut lines = String::new();
        for event in self.rec.trace.events() {
            lines.push_str(&event.what.to_string());
            lines.push('\n');
        }
        lines
    }

    /// Drops the executor on a helper thread and waits, patiently, for the drop to return.
    pub(crate) fn drop_executor(&mut self) -> Result<(), String> {
        let Some(executor) = self.executor.take() else {
            return Ok(());
        };
        // Only the last handle's drop stops the executor; if a thread or callback of the test
        // still holds one, there is nothing to wait for here.
        let Ok(executor) = Arc::try_unwrap(executor) else {
            return Ok(());
        };
        let returned = Arc::new(Latch::new(1));
        let dropper = {
            let returned = Arc::clone(&returned);
            std::thread::spawn(move || {
                let _count = CountDownOnDrop(returned);
                drop(executor);
            })
        };
        if !returned.wait_patiently() {
            return Err(self.failure(
                format!(
                    "dropping the executor did not return within {:?}: Drop must wake the \
                     executor thread (set the shutdown flag under the lock and notify) before \
                     joining it",
                    patience()
                ),
                &[],
            ));
        }
        if dropper.join().is_err() {
            return Err(self.failure("dropping the executor panicked", &[]));
        }
        Ok(())
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The test has failed already, and the executor may be stuck (deadlocked, say): its
            // Drop could hang the test instead of letting it report. Leak it; the test's process
            // ends soon anyway.
            std::mem::forget(self.executor.take());
            return;
        }
        if let Err(message) = self.drop_executor() {
            panic!("{message}");
        }
    }
}

pub(crate) use course_testkit::CountDownOnDrop;

pub(crate) use course_testkit::OrFail;
