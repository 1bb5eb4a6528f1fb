//! What the cases, properties and traces share: a [`Scenario`] runs `block_on` on a loop thread
//! of its own, on a virtual clock, while the test thread lets virtual time pass one deadline at
//! a time, and only while the loop is parked. The futures under test record what they do in a
//! trace, and every sleep they await counts its polls, so a loop that polls futures nobody woke
//! fails at once instead of spinning until the time limit.

use course_clock::{Condvar, Instant, VirtualClock};
use course_testkit::{Latch, Trace, patience};
use event_loop::{EventLoop, Handle, JoinHandle, Sleep};
use std::collections::BTreeMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

pub(crate) use course_testkit::OrFail;

/// More deadlines than any scenario sets: a loop that wakes this often is polling.
const MAX_STOPS: usize = 1000;

/// More polls than any correct loop gives one sleep in these tests: a loop that polls a sleep
/// this often is polling futures that were not woken.
pub(crate) const ABSURD_POLLS: usize = 64;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// `name` started, and is about to sleep for `delay`.
    Started {
        name: String,
        at: Instant,
        delay: Duration,
    },
    /// `name`'s sleep ended.
    Finished { name: String, at: Instant },
    /// Anything else a future or a thread reports.
    Note {
        who: String,
        at: Instant,
        what: String,
    },
    /// A sleep was polled more often than any loop needs: the loop busy-polls.
    PolledTooOften {
        name: String,
        at: Instant,
        polls: usize,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started { name, at, delay } => {
                write!(f, "{at} {name}: started, sleeps {}", Seconds(*delay))
            }
            Event::Finished { name, at } => write!(f, "{at} {name}: finished"),
            Event::Note { who, at, what } => write!(f, "{at} {who}: {what}"),
            Event::PolledTooOften { name, at, polls } => {
                write!(f, "{at} {name}: its sleep was polled {polls} times")
            }
        }
    }
}

/// Shows a duration the way `Instant` shows a time: `1.500s`.
pub(crate) struct Seconds(pub(crate) Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        write!(f, "{}.{:03}s", millis / 1000, millis % 1000)
    }
}

/// Polls per sleep, by the sleep's name.
type Polls = Arc<Mutex<BTreeMap<String, usize>>>;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the futures under test get, on the loop thread: the loop's handle, and ways to report.
/// Cheap to clone: move a clone into each future.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) handle: Handle,
    trace: Trace<Event>,
    polls: Polls,
}

impl Ctx {
    /// The time on the loop's clock.
    pub(crate) fn now(&self) -> Instant {
        self.handle.now()
    }

    /// Spawns, on the loop, the future `task` makes from a clone of this context.
    pub(crate) fn spawn<F>(&self, task: impl FnOnce(Ctx) -> F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.handle.spawn(task(self.clone()))
    }

    /// Records that `who` did `what`, now.
    pub(crate) fn note(&self, who: &str, what: impl Into<String>) {
        self.trace.record(Event::Note {
            who: who.to_owned(),
            at: self.now(),
            what: what.into(),
        });
    }

    /// The loop's sleep of `duration`, counting its polls under `name`.
    pub(crate) fn sleep(&self, name: &str, duration: Duration) -> Counted {
        Counted {
            name: name.to_owned(),
            handle: self.handle.clone(),
            sleep: Box::pin(self.handle.sleep(duration)),
            polls: Arc::clone(&self.polls),
            trace: self.trace.clone(),
        }
    }

    /// The seed's `fetch_data`: reports that it started, sleeps `delay` (the "network"),
    /// reports that it finished, and returns `Data from <url>`.
    pub(crate) fn fetch(&self, url: &str, delay: Duration) -> impl Future<Output = String> + use<> {
        let (ctx, url) = (self.clone(), url.to_owned());
        async move {
            ctx.trace.record(Event::Started {
                name: url.clone(),
                at: ctx.now(),
                delay,
            });
            ctx.sleep(&url, delay).await;
            ctx.trace.record(Event::Finished {
                name: url.clone(),
                at: ctx.now(),
            });
            format!("Data from {url}")
        }
    }
}

/// A sleep that counts its polls, and gives up loudly after [`ABSURD_POLLS`].
pub(crate) struct Counted {
    name: String,
    handle: Handle,
    sleep: Pin<Box<Sleep>>,
    polls: Polls,
    trace: Trace<Event>,
}

impl Future for Counted {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let polls = {
            let mut all = lock(&this.polls);
            let polls = all.entry(this.name.clone()).or_insert(0);
            *polls += 1;
            *polls
        };
        if polls > ABSURD_POLLS {
            this.trace.record(Event::PolledTooOften {
                name: this.name.clone(),
                at: this.handle.now(),
                polls,
            });
            panic!(
                "{}'s sleep was polled {polls} times: the loop polls futures nobody woke",
                this.name
            );
        }
        this.sleep.as_mut().poll(cx)
    }
}

/// A future that another thread completes: it stores its waker at every poll, and
/// [`fire`](Signal::fire), from any thread, sets it and calls that waker.
#[derive(Clone)]
pub(crate) struct Signal {
    state: Arc<Mutex<SignalState>>,
    polled: Arc<Latch>,
}

struct SignalState {
    fired: bool,
    waker: Option<Waker>,
}

impl Signal {
    pub(crate) fn new() -> Self {
        Signal {
            state: Arc::new(Mutex::new(SignalState {
                fired: false,
                waker: None,
            })),
            polled: Arc::new(Latch::new(1)),
        }
    }

    /// The future: ready once fired.
    pub(crate) fn wait(&self) -> impl Future<Output = ()> + use<> {
        let signal = self.clone();
        poll_fn(move |cx| {
            let mut state = lock(&signal.state);
            if state.fired {
                return Poll::Ready(());
            }
            state.waker = Some(cx.waker().clone());
            drop(state);
            signal.polled.count_down();
            Poll::Pending
        })
    }

    /// Fires the signal and calls the stored waker, if the future stored one.
    pub(crate) fn fire(&self) {
        let waker = {
            let mut state = lock(&self.state);
            state.fired = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Waits until the future was polled (and stored its waker).
    pub(crate) fn wait_until_polled(&self) {
        self.polled
            .wait("the future waiting for the other thread to be polled once by the loop");
    }
}

/// An event loop on a fresh virtual clock, with a trace of what its futures did.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) trace: Trace<Event>,
    polls: Polls,
    /// The deadlines the driver let time run to, in order.
    stops: Mutex<Vec<Instant>>,
}

/// How the loop thread ended: `block_on`'s output, or the message of a panic.
type Outcome<T> = Result<T, String>;

/// What the loop thread leaves for the test when `block_on` has returned.
struct End<T> {
    outcome: Mutex<Option<Outcome<T>>>,
    /// Set by the test once it has taken the outcome; the loop thread waits for it on `seen`.
    released: course_sync::Mutex<bool>,
    seen: Condvar,
}

/// A `block_on` started on its loop thread.
pub(crate) struct Running<T> {
    end: Arc<End<T>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Scenario {
    pub(crate) fn new() -> Self {
        let trace = Trace::new();
        trace.name_thread("test");
        Scenario {
            clock: VirtualClock::new(),
            trace,
            polls: Arc::default(),
            stops: Mutex::new(Vec::new()),
        }
    }

    /// Starts, on a new loop thread, an event loop on this scenario's clock and `block_on` of
    /// the future `body` makes. Returns at once.
    pub(crate) fn start<T, B, F>(&self, body: B) -> Running<T>
    where
        B: FnOnce(Ctx) -> F + Send + 'static,
        F: Future<Output = T> + 'static,
        T: Send + 'static,
    {
        let clock = self.clock.clock();
        let end = Arc::new(End {
            outcome: Mutex::new(None),
            released: course_sync::Mutex::new(false),
            seen: Condvar::new(&clock),
        });
        let (trace, polls, thread_end) = (self.trace.clone(), Arc::clone(&self.polls), end.clone());
        let thread = std::thread::spawn(move || {
            trace.name_thread("loop");
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                let event_loop = EventLoop::with_clock(clock);
                let ctx = Ctx {
                    handle: event_loop.handle(),
                    trace,
                    polls,
                };
                let output = event_loop.block_on(body(ctx));
                drop(event_loop);
                output
            }))
            .map_err(|payload| panic_message(payload.as_ref()));
            *lock(&thread_end.outcome) = Some(outcome);
            // Park on the virtual clock until the test has seen the outcome. So "the loop thread
            // is blocked on the clock" always means "the loop is parked" or "block_on has
            // returned", and the outcome says which.
            let mut released = lock(&thread_end.released);
            while !*released {
                released = thread_end
                    .seen
                    .wait(&thread_end.released, released)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        });
        Running {
            end,
            thread: Some(thread),
        }
    }

    /// [`start`](Self::start), then [`Running::finish`]: the whole run, with virtual time
    /// running to each deadline the loop parks for.
    pub(crate) fn run<T, B, F>(&self, body: B) -> Result<T, String>
    where
        B: FnOnce(Ctx) -> F + Send + 'static,
        F: Future<Output = T> + 'static,
        T: Send + 'static,
    {
        self.start(body).finish(self)
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// Waits until the loop thread is blocked on the clock: parked, or done.
    pub(crate) fn settle(&self) -> Result<(), String> {
        if self.clock.wait_until_blocked_for(1, patience()) {
            return Ok(());
        }
        self.check_polls()?;
        Err(self.failure(
            format!(
                "at {}, the event loop did not park within {:?}: with nothing ready it must wait \
                 on its course_clock::Condvar (until the earliest timer, or until a waker \
                 calls it). It is busy-polling, stuck, or waiting outside the course clock \
                 (std::thread::sleep, a std Condvar)",
                self.now(),
                patience()
            ),
            &[],
        ))
    }

    /// Fails if some sleep was polled absurdly often.
    fn check_polls(&self) -> Result<(), String> {
        let events = self.trace.events();
        if let Some(event) = events
            .iter()
            .find(|event| matches!(event.what, Event::PolledTooOften { .. }))
        {
            let Event::PolledTooOften { name, polls, .. } = &event.what else {
                unreachable!("just matched");
            };
            return Err(self.failure(
                format!(
                    "{name}'s sleep was polled {polls} times by {}: the loop polls futures that \
                     were not woken, again and again, instead of parking (virtual time moves \
                     only while the loop is parked). Poll only what a waker, or a due timer, \
                     woke",
                    self.now()
                ),
                &[event.seq],
            ));
        }
        Ok(())
    }

    /// The deadlines virtual time was moved to, in order.
    pub(crate) fn stops(&self) -> Vec<Instant> {
        lock(&self.stops).clone()
    }

    /// How often each sleep was polled, by name.
    pub(crate) fn polls(&self) -> BTreeMap<String, usize> {
        lock(&self.polls).clone()
    }

    /// Every `Finished` event: (sequence number, name, time), in order.
    pub(crate) fn finishes(&self) -> Vec<(usize, String, Instant)> {
        self.trace
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                Event::Finished { name, at } => Some((event.seq, name, at)),
                _ => None,
            })
            .collect()
    }

    /// The sequence number of the first `Finished` event of `name`.
    pub(crate) fn finish_of(&self, name: &str) -> Option<(usize, Instant)> {
        self.finishes()
            .into_iter()
            .find(|(_, n, _)| n == name)
            .map(|(seq, _, at)| (seq, at))
    }

    /// Checks that `name` finished exactly at `at`.
    pub(crate) fn check_finished_at(&self, name: &str, at: Instant) -> Result<(), String> {
        match self.finish_of(name) {
            Some((_, got)) if got == at => Ok(()),
            Some((seq, got)) => Err(self.failure(
                format!(
                    "{name} finished at {got}, but its sleep ended at {at}: a sleep must end \
                     exactly when the loop's clock reaches its deadline{}",
                    if got > at {
                        " (later: was it run after other sleeps instead of alongside them?)"
                    } else {
                        ""
                    }
                ),
                &[seq],
            )),
            None => Err(self.failure(format!("{name} never finished"), &[])),
        }
    }

    /// Checks that the `Finished` events are exactly `names`, in that order. `rule` says why.
    pub(crate) fn check_finish_order(&self, names: &[&str], rule: &str) -> Result<(), String> {
        let finishes = self.finishes();
        let got: Vec<&str> = finishes.iter().map(|(_, name, _)| name.as_str()).collect();
        if got == names {
            return Ok(());
        }
        let first = got.iter().zip(names).position(|(got, want)| got != want);
        let focus: Vec<usize> = match first {
            Some(i) => finishes[i..]
                .iter()
                .filter(|(_, name, _)| name == got[i] || name == names[i])
                .map(|(seq, ..)| *seq)
                .collect(),
            None => finishes.last().map(|(seq, ..)| *seq).into_iter().collect(),
        };
        Err(self.failure(
            format!("the futures finished in the order {got:?}, but {rule}: expected {names:?}"),
            &focus,
        ))
    }

    /// The trace without sequence numbers and thread names: `t=1.000s url3: finished`.
    pub(crate) fn rendered(&self) -> String {
        let mut lines = String::new();
        for event in self.trace.events() {
            lines.push_str(&event.what.to_string());
            lines.push('\n');
        }
        lines
    }

    fn stuck(&self) -> String {
        self.failure(
            format!(
                "at {}, the event loop is parked with no timer pending while block_on's future \
                 has not finished, and nothing is left that could wake it: a lost wake-up. \
                 Whoever returns Pending must leave a waker where it will be called: a \
                 JoinHandle stores the waker of the future awaiting it, and its task calls it \
                 when it finishes; a waker puts its future on the ready queue and unparks the \
                 loop",
                self.now()
            ),
            &[],
        )
    }
}

impl<T> Running<T> {
    /// True once `block_on` has returned (or panicked) on the loop thread.
    pub(crate) fn is_done(&self) -> bool {
        lock(&self.end.outcome).is_some()
    }

    /// Lets virtual time run, one deadline at a time and only while the loop is parked, until
    /// `block_on` returns; returns its output.
    pub(crate) fn finish(mut self, s: &Scenario) -> Result<T, String> {
        for _ in 0..MAX_STOPS {
            s.settle()?;
            let outcome = lock(&self.end.outcome).take();
            if let Some(outcome) = outcome {
                self.release();
                s.check_polls()?;
                return outcome.map_err(|message| {
                    s.failure(
                        format!("block_on panicked (on the loop thread): {message}"),
                        &[],
                    )
                });
            }
            s.check_polls()?;
            match s.clock.advance_to_next_deadline() {
                Some(at) => lock(&s.stops).push(at),
                None => return Err(s.stuck()),
            }
        }
        Err(s.failure(
            format!(
                "the event loop parked for more than {MAX_STOPS} deadlines (now {}): it wakes \
                 up to poll instead of parking until the earliest timer",
                s.now()
            ),
            &[],
        ))
    }

    /// Lets the loop thread end, and joins it.
    fn release(&mut self) {
        *lock(&self.end.released) = true;
        self.end.seen.notify_all();
        if let Some(thread) = self.thread.take() {
            // The thread only has to see the flag and return; if it does not within patience,
            // leave it: the test has its result already.
            let _ = course_testkit::join_patiently(thread);
        }
    }
}

impl<T> Drop for Running<T> {
    fn drop(&mut self) {
        // A run the test gave up on (it failed) may have its loop parked for ever: leave that
        // thread behind, the test's process ends soon.
        if self.thread.is_some() && self.is_done() {
            self.release();
        }
    }
}

/// The message a panic carried.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "(a panic whose payload is not a string)".to_owned()
    }
}

/// Whole seconds.
pub(crate) const fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// Milliseconds.
pub(crate) const fn millis(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// The instant `duration` after the clock's start.
pub(crate) fn at(duration: Duration) -> Instant {
    Instant::from_duration(duration)
}
