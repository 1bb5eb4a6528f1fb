//! What the cases, properties and traces share: a [`Scenario`] puts one bucket of either kind
//! on a virtual clock, starts requester threads that each ask for tokens at scheduled times and
//! record what they asked and got in a trace, and lets virtual time run one deadline at a time,
//! checking at every stop that every thread is asleep on the clock (nobody waits for a lock held
//! across a sleep, nobody spins).

use course_clock::{Clock, Instant, VirtualClock};
use course_testkit::{Latch, Trace, patience};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use token_bucket::{Empty, FilledTokenBucket, LazyTokenBucket};

pub(crate) use course_testkit::OrFail;

/// More stops than any scenario needs: a bucket that wakes this often is polling.
const MAX_STOPS: usize = 400;

/// Which of the two buckets a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Lazy,
    Filled,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Lazy => "LazyTokenBucket",
            Kind::Filled => "FilledTokenBucket",
        }
    }

    /// Threads of the bucket's own that sleep on the clock between calls.
    fn own_threads(self) -> usize {
        match self {
            Kind::Lazy => 0,
            Kind::Filled => 1,
        }
    }
}

/// Either bucket, behind one interface for the tests.
pub(crate) enum Bucket {
    Lazy(LazyTokenBucket),
    Filled(FilledTokenBucket),
}

impl Bucket {
    pub(crate) fn new(kind: Kind, capacity: u32, interval: Duration, clock: Clock) -> Self {
        match kind {
            Kind::Lazy => Bucket::Lazy(LazyTokenBucket::with_clock(capacity, interval, clock)),
            Kind::Filled => {
                Bucket::Filled(FilledTokenBucket::with_clock(capacity, interval, clock))
            }
        }
    }

    pub(crate) fn get_token(&self) {
        match self {
            Bucket::Lazy(bucket) => bucket.get_token(),
            Bucket::Filled(bucket) => bucket.get_token(),
        }
    }

    pub(crate) fn try_get_token(&self) -> Result<(), Empty> {
        match self {
            Bucket::Lazy(bucket) => bucket.try_get_token(),
            Bucket::Filled(bucket) => bucket.try_get_token(),
        }
    }
}

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// `who` calls `get_token` (recorded just before the call).
    Requested { who: String, at: Instant },
    /// `get_token` returned to `who`.
    Granted { who: String, at: Instant },
    /// `who` called `try_get_token`; `got` says whether it returned a token.
    Tried { who: String, at: Instant, got: bool },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Requested { who, at } => write!(f, "{at} {who} asks for a token"),
            Event::Granted { who, at } => write!(f, "{at} {who} got a token"),
            Event::Tried { who, at, got } => {
                let what = if *got {
                    "got a token"
                } else {
                    "found it empty"
                };
                write!(f, "{at} {who} tried: {what}")
            }
        }
    }
}

/// One token handed out, by `get_token` or `try_get_token`.
pub(crate) struct Grant {
    pub(crate) seq: usize,
    pub(crate) who: String,
    pub(crate) at: Instant,
}

/// A bucket on a fresh virtual clock, with requester threads and a trace.
pub(crate) struct Scenario {
    pub(crate) kind: Kind,
    pub(crate) capacity: u32,
    pub(crate) interval: Duration,
    pub(crate) clock: VirtualClock,
    pub(crate) trace: Trace<Event>,
    bucket: Option<Arc<Bucket>>,
    requesters: Vec<JoinHandle<()>>,
    finished: Arc<AtomicUsize>,
}

impl Scenario {
    /// A full bucket of `kind`, with room for `capacity` tokens, one more every `interval`.
    pub(crate) fn new(kind: Kind, capacity: u32, interval: Duration) -> Self {
        let clock = VirtualClock::new();
        let trace = Trace::new();
        trace.name_thread("test");
        let bucket = Bucket::new(kind, capacity, interval, clock.clock());
        let scenario = Scenario {
            kind,
            capacity,
            interval,
            clock,
            trace,
            bucket: Some(Arc::new(bucket)),
            requesters: Vec::new(),
            finished: Arc::new(AtomicUsize::new(0)),
        };
        // Every scenario starts from the same state: a filler thread asleep until its first tick.
        scenario.quiesce().or_fail();
        scenario
    }

    pub(crate) fn bucket(&self) -> &Arc<Bucket> {
        self.bucket
            .as_ref()
            .expect("the bucket was dropped already")
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!(
            "{} (capacity {}, one token every {:?}): {message}\ntrace:\n{}",
            self.kind.name(),
            self.capacity,
            self.interval,
            self.trace.excerpt(focus)
        )
    }

    /// `try_get_token` from the test thread, recorded.
    pub(crate) fn try_take(&self) -> bool {
        let got = self.bucket().try_get_token().is_ok();
        self.trace.record(Event::Tried {
            who: "test".to_owned(),
            at: self.now(),
            got,
        });
        got
    }

    /// Starts a thread named `who` that, for each time in `schedule`, waits until that time
    /// (or not at all if it is past) and then calls `get_token`.
    pub(crate) fn spawn_requester(&mut self, who: &str, schedule: Vec<Instant>) {
        let (bucket, trace, clock, finished) = (
            Arc::clone(self.bucket()),
            self.trace.clone(),
            self.clock.clock(),
            Arc::clone(&self.finished),
        );
        let who = who.to_owned();
        self.requesters.push(std::thread::spawn(move || {
            trace.name_thread(who.clone());
            for at in schedule {
                clock.sleep_until(at);
                trace.record(Event::Requested {
                    who: who.clone(),
                    at: clock.now(),
                });
                bucket.get_token();
                trace.record(Event::Granted {
                    who: who.clone(),
                    at: clock.now(),
                });
            }
            // Release: the test's Acquire load sees every event this thread recorded.
            finished.fetch_add(1, Ordering::Release);
        }));
    }

    fn unfinished(&self) -> usize {
        self.requesters.len() - self.finished.load(Ordering::Acquire)
    }

    /// Waits until every thread of the scenario is asleep on the clock (or done): the bucket's
    /// filler, and every requester that has not finished.
    pub(crate) fn quiesce(&self) -> Result<(), String> {
        let give_up = std::time::Instant::now() + patience();
        loop {
            let expected = self.kind.own_threads() + self.unfinished();
            if self.clock.blocked() >= expected {
                return Ok(());
            }
            if std::time::Instant::now() >= give_up {
                return Err(self.failure(
                    format!(
                        "at {}, {expected} thread(s) should be asleep on the clock (the filler \
                         thread, if any, and every caller still waiting for a token), but after \
                         {:?} only {} were. A caller that waits for the bucket's lock while \
                         another sleeps holding it, a thread that spins, or one that sleeps \
                         outside the course clock shows up this way",
                        self.now(),
                        patience(),
                        self.clock.blocked()
                    ),
                    &[],
                ));
            }
            // Nothing to wait on for "blocked or finished": a 1 ms nap bounds the cost of asking.
            std::thread::park_timeout(Duration::from_millis(1));
        }
    }

    /// Lets virtual time run, one deadline at a time, until every requester has finished.
    pub(crate) fn run_all(&self) -> Result<(), String> {
        for _ in 0..MAX_STOPS {
            self.quiesce()?;
            if self.unfinished() == 0 {
                return Ok(());
            }
            if self.clock.advance_to_next_deadline().is_none() {
                return Err(self.failure(
                    format!(
                        "at {}, callers wait for a token but no thread waits for a deadline: \
                         nothing will ever add one (a waiting caller must wait until the time \
                         the next token accrues, or be woken by the filler)",
                        self.now()
                    ),
                    &[],
                ));
            }
        }
        Err(self.failure(
            format!(
                "more than {MAX_STOPS} wake-ups and callers still wait (now {}): the bucket \
                 polls, or its callers starve (is refill time lost at each request?)",
                self.now()
            ),
            &[],
        ))
    }

    /// Lets virtual time run to `target`, one deadline at a time.
    pub(crate) fn run_until(&self, target: Instant) -> Result<(), String> {
        for _ in 0..MAX_STOPS {
            self.quiesce()?;
            match self.clock.next_deadline() {
                Some(next) if next <= target => {
                    self.clock.advance_to_next_deadline();
                }
                _ => {
                    if target > self.now() {
                        self.clock.advance_to(target);
                    }
                    return self.quiesce();
                }
            }
        }
        Err(self.failure(
            format!("more than {MAX_STOPS} wake-ups: the bucket polls"),
            &[],
        ))
    }

    /// Every token handed out so far, in order.
    pub(crate) fn grants(&self) -> Vec<Grant> {
        self.trace
            .events()
            .into_iter()
            .filter_map(|event| match event.what {
                Event::Granted { who, at } | Event::Tried { who, at, got: true } => Some(Grant {
                    seq: event.seq,
                    who,
                    at,
                }),
                _ => None,
            })
            .collect()
    }

    /// The most tokens the bucket may have handed out by `at`: `capacity + at / interval`.
    pub(crate) fn allowed_by(&self, at: Instant) -> u128 {
        u128::from(self.capacity) + at.since_start().as_nanos() / self.interval.as_nanos()
    }

    /// Checks the rate limit: by the time of each grant, at most `capacity + t / interval`
    /// tokens were granted.
    pub(crate) fn check_rate(&self) -> Result<(), String> {
        let grants = self.grants();
        for (i, grant) in grants.iter().enumerate() {
            let by_then = grants[i..].iter().take_while(|g| g.at == grant.at).count() + i;
            let allowed = self.allowed_by(grant.at);
            if by_then as u128 > allowed {
                let focus: Vec<usize> = grants[..by_then].iter().map(|g| g.seq).collect();
                return Err(self.failure(
                    format!(
                        "{by_then} tokens were granted by {}, but a full bucket plus the refill \
                         allows at most {allowed} (capacity + elapsed time / interval): the rate \
                         limit is broken",
                        grant.at
                    ),
                    &focus[focus.len().saturating_sub(3)..],
                ));
            }
        }
        Ok(())
    }

    /// Checks that each requester's grants came exactly at `expected`.
    pub(crate) fn check_grant_times(&self, expected: &[Instant], why: &str) -> Result<(), String> {
        let grants = self.grants();
        for (i, want) in expected.iter().enumerate() {
            let Some(grant) = grants.get(i) else {
                return Err(self.failure(
                    format!(
                        "only {} tokens were granted, expected {}",
                        i,
                        expected.len()
                    ),
                    &[],
                ));
            };
            if grant.at != *want {
                return Err(self.failure(
                    format!(
                        "token {} went to {} at {}, but it should have been granted at {want}: \
                         {why}",
                        i + 1,
                        grant.who,
                        grant.at
                    ),
                    &[grant.seq],
                ));
            }
        }
        Ok(())
    }

    /// The trace without sequence numbers and thread names.
    pub(crate) fn rendered(&self) -> String {
        let mut lines = String::new();
        for event in self.trace.events() {
            lines.push_str(&event.what.to_string());
            lines.push('\n');
        }
        lines
    }

    /// Drops the bucket on a helper thread and waits, patiently, for the drop to return.
    pub(crate) fn drop_bucket(&mut self) -> Result<(), String> {
        let Some(bucket) = self.bucket.take() else {
            return Ok(());
        };
        for requester in self.requesters.drain(..) {
            if requester.join().is_err() {
                return Err("a requester thread panicked".to_owned());
            }
        }
        let Ok(bucket) = Arc::try_unwrap(bucket) else {
            return Ok(());
        };
        let returned = Arc::new(Latch::new(1));
        {
            let returned = Arc::clone(&returned);
            std::thread::spawn(move || {
                let _count = course_testkit::CountDownOnDrop(returned);
                drop(bucket);
            });
        }
        if !returned.wait_patiently() {
            return Err(self.failure(
                format!(
                    "dropping the bucket did not return within {:?}: Drop must wake the filler \
                     thread (set its stop flag under the lock and notify) before joining it",
                    patience()
                ),
                &[],
            ));
        }
        Ok(())
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The test failed already; the bucket may be stuck. Leak it: the process ends soon.
            std::mem::forget(self.bucket.take());
            std::mem::forget(std::mem::take(&mut self.requesters));
            return;
        }
        if self.unfinished() > 0 {
            std::mem::forget(self.bucket.take());
            std::mem::forget(std::mem::take(&mut self.requesters));
            return;
        }
        if let Err(message) = self.drop_bucket() {
            panic!("{message}");
        }
    }
}

/// The exact grant times of a single requester that asks at each time of `schedule` (or as
/// soon as its previous token came, if that is later), on a bucket that starts full.
pub(crate) fn model_grants(
    kind: Kind,
    capacity: u32,
    interval: Duration,
    schedule: &[Instant],
) -> Vec<Instant> {
    let step = interval.as_nanos();
    let full = step * u128::from(capacity);
    let mut grants = Vec::new();
    let mut last_grant = 0u128;
    // Lazy: credit in nanoseconds of refill, updated at `updated`.
    let (mut credit, mut updated) = (full, 0u128);
    // Filled: whole tokens, and the ticks applied so far.
    let (mut tokens, mut ticks) = (u128::from(capacity), 0u128);
    for at in schedule {
        let asked = at.since_start().as_nanos().max(last_grant);
        let granted = match kind {
            Kind::Lazy => {
                credit = (credit + (asked - updated)).min(full);
                updated = asked;
                if credit >= step {
                    credit -= step;
                    asked
                } else {
                    let granted = asked + (step - credit);
                    credit = 0;
                    updated = granted;
                    granted
                }
            }
            Kind::Filled => {
                let due_ticks = asked / step;
                tokens = (tokens + (due_ticks - ticks)).min(u128::from(capacity));
                ticks = due_ticks;
                if tokens > 0 {
                    tokens -= 1;
                    asked
                } else {
                    ticks += 1;
                    ticks * step
                }
            }
        };
        last_grant = granted;
        let nanos = u64::try_from(granted).expect("test times fit in u64 nanoseconds");
        grants.push(Instant::from_duration(Duration::from_nanos(nanos)));
    }
    grants
}

/// `n` times, `every` apart, the first at `first`.
pub(crate) fn every(first: Duration, every: Duration, n: u32) -> Vec<Instant> {
    (0..n)
        .map(|i| Instant::from_duration(first + every * i))
        .collect()
}
