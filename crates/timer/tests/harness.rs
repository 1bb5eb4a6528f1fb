//! What the cases and properties share: a [`Scenario`] starts one timer on a virtual clock and
//! records when it was started, when its callback ran and what each `cancel` returned; its
//! driver lets virtual time pass one deadline at a time, checking on the way that the callback
//! never runs early.

use course_clock::{Instant, VirtualClock};
use course_testkit::{Latch, Trace, patience};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use timer::Timer;

/// More stops than any scenario needs: a timer thread that wakes this often is polling.
const MAX_STOPS: usize = 1000;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The test is about to call `Timer::with_clock`.
    Started { at: Instant, due: Instant },
    /// The callback started running.
    Ran { at: Instant },
    /// A call of `cancel` returned `prevented`.
    Cancelled { at: Instant, prevented: bool },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started { at, due } => write!(f, "{at} timer started (due {due})"),
            Event::Ran { at } => write!(f, "{at} callback ran"),
            Event::Cancelled { at, prevented } => write!(f, "{at} cancel() returned {prevented}"),
        }
    }
}

pub(crate) use course_testkit::CountDownOnDrop;

/// One timer on a fresh virtual clock, with a trace of what happened.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) trace: Trace<Event>,
    pub(crate) due: Instant,
    timer: Option<Timer>,
    /// Counted down when the callback has run.
    pub(crate) ran: Arc<Latch>,
}

impl Scenario {
    /// Lets virtual time reach `start` (nobody is waiting yet), then starts a timer with
    /// `delay` whose callback records that it ran.
    pub(crate) fn start_at(start: Instant, delay: Duration) -> Self {
        Self::start_then(start, delay, || ())
    }

    /// Like [`start_at`](Self::start_at); the callback calls `then` after recording.
    pub(crate) fn start_then<F>(start: Instant, delay: Duration, then: F) -> Self
    where
        F: FnOnce() + Send + 'static,
    {
        let clock = VirtualClock::new();
        clock.advance_to(start);
        let trace = Trace::new();
        trace.name_thread("test");
        let ran = Arc::new(Latch::new(1));
        let due = start + delay;
        trace.record(Event::Started { at: start, due });
        let callback = {
            let (trace, ran, clock) = (trace.clone(), Arc::clone(&ran), clock.clock());
            move || {
                trace.name_thread("timer");
                trace.record(Event::Ran { at: clock.now() });
                ran.count_down();
                then();
            }
        };
        let timer = Timer::with_clock(clock.clock(), delay, callback);
        Scenario {
            clock,
            trace,
            due,
            timer: Some(timer),
            ran,
        }
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    fn timer(&self) -> &Timer {
        self.timer.as_ref().expect("the timer was joined already")
    }

    /// Calls `cancel` and records what it returned.
    pub(crate) fn cancel(&self) -> bool {
        let prevented = self.timer().cancel();
        self.trace.record(Event::Cancelled {
            at: self.now(),
            prevented,
        });
        prevented
    }

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// The times at which the callback ran, with their sequence numbers.
    pub(crate) fn runs(&self) -> Vec<(usize, Instant)> {
        self.trace
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                Event::Ran { at } => Some((event.seq, at)),
                _ => None,
            })
            .collect()
    }

    /// Checks that the callback ran at most once, and never before the due time.
    pub(crate) fn check_never_early_at_most_once(&self) -> Result<(), String> {
        let runs = self.runs();
        if let Some(&(seq, at)) = runs.iter().find(|(_, at)| *at < self.due) {
            return Err(self.failure(
                format!(
                    "the callback ran at {at}, before the timer's due time {}: it must never \
                     run early",
                    self.due
                ),
                &[seq],
            ));
        }
        if runs.len() > 1 {
            return Err(self.failure(
                format!(
                    "the callback ran {} times: a timer runs it at most once",
                    runs.len()
                ),
                &runs.iter().map(|&(seq, _)| seq).collect::<Vec<_>>(),
            ));
        }
        Ok(())
    }

    /// Waits until the timer thread is asleep on the clock.
    pub(crate) fn settle(&self) -> Result<(), String> {
        if self.clock.wait_until_blocked_for(1, patience()) {
            return Ok(());
        }
        Err(self.failure(
            format!(
                "at {}, with the timer due at {}, the timer thread did not go to sleep on the \
                 clock within {:?}: it is spinning, has ended, or sleeps outside the course \
                 clock (std::thread::sleep, a std Condvar)",
                self.now(),
                self.due,
                patience()
            ),
            &[],
        ))
    }

    /// Lets virtual time run to `target`, one of the timer's deadlines at a time, checking at
    /// each stop that the callback has not run early. Expects the timer not to run before
    /// `target`.
    pub(crate) fn run_until(&self, target: Instant) -> Result<(), String> {
        for _ in 0..MAX_STOPS {
            if self.now() >= target {
                return self.check_never_early_at_most_once();
            }
            self.settle()?;
            self.check_never_early_at_most_once()?;
            match self.clock.next_deadline() {
                Some(wake) if wake <= target => {
                    self.clock.advance_to_next_deadline();
                }
                _ => {
                    if target > self.now() {
                        self.clock.advance_to(target);
                    }
                    return Ok(());
                }
            }
        }
        Err(self.failure(
            format!(
                "the timer thread set more than {MAX_STOPS} deadlines before {target}: it polls \
                 instead of sleeping until the due time"
            ),
            &[],
        ))
    }

    /// Waits patiently for the callback to have run.
    pub(crate) fn wait_for_the_run(&self) -> Result<(), String> {
        if self.ran.wait_patiently() {
            return Ok(());
        }
        let sleep = match self.clock.next_deadline() {
            Some(wake) => format!("asleep on the clock until {wake}"),
            None if self.clock.blocked() > 0 => "asleep on the clock with no deadline".to_owned(),
            None => "not asleep on the clock".to_owned(),
        };
        Err(self.failure(
            format!(
                "at {}, the timer was due (at {}), but its callback had not run {:?} later; the \
                 timer thread is {sleep}",
                self.now(),
                self.due,
                patience()
            ),
            &[],
        ))
    }

    /// Joins the timer thread on a helper thread, patiently, without moving the clock.
    /// Returns what `join` said: whether the callback ran.
    pub(crate) fn join(&mut self, why: &str) -> Result<bool, String> {
        let timer = self.timer.take().expect("the timer was joined already");
        let joined = Arc::new(Latch::new(1));
        let joiner = {
            let joined = Arc::clone(&joined);
            std::thread::spawn(move || {
                let _count = CountDownOnDrop(joined);
                timer.join()
            })
        };
        if !joined.wait_patiently() {
            let asleep = match self.clock.next_deadline() {
                Some(wake) => format!(" (it is asleep on the clock until {wake})"),
                None if self.clock.blocked() > 0 => {
                    " (it is asleep on the clock, with no deadline)".to_owned()
                }
                None => String::new(),
            };
            return Err(self.failure(
                format!(
                    "at {}, the timer thread had not ended {:?} after {why}{asleep}",
                    self.now(),
                    patience()
                ),
                &[],
            ));
        }
        match joiner.join() {
            Ok(Ok(ran)) => Ok(ran),
            Ok(Err(_)) => Err(self.failure("join() reported that the timer thread panicked", &[])),
            Err(_) => Err(self.failure("join() panicked", &[])),
        }
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        // The timer may still be waiting (a test that failed, or one that did not need to join):
        // leave its thread alone, asleep on a clock nobody moves; the process ends soon.
        std::mem::forget(self.timer.take());
    }
}

pub(crate) use course_testkit::OrFail;
