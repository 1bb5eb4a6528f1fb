//! The virtual clock: time that moves only when a test moves it, and a registry of the threads
//! blocked in its waits.
//!
//! One small mutex (`Shared::state`) guards the whole timeline: the current time and every
//! waiter's ticket. Every blocking wait made through a virtual [`Clock`](crate::Clock) parks on
//! one condition variable (`Shared::changed`) and re-checks its own ticket when woken, so a
//! notify, a clock advance and a wait can never miss each other: each of them happens entirely
//! under `state`, and a waiter registers its ticket before it releases the caller's lock.

use crate::{Clock, Instant, Kind};
use course_sync::{Arc, Condvar, Mutex, MutexGuard};
use std::sync::PoisonError;
use std::time::Duration;

/// The controller of a virtual timeline, held by the test.
///
/// Hand [`VirtualClock::clock`] to the code under test; keep this to move time and to observe
/// the threads waiting on it.
#[derive(Clone)]
pub struct VirtualClock {
    shared: Arc<Shared>,
}

/// Counts of what the threads waiting on a virtual clock did, for tests that check waiting is
/// not busy (a thread that wakes a thousand times to run one action is polling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitStats {
    /// Waits that blocked (with or without a deadline).
    pub waits: u64,
    /// Of those, the waits that had a deadline.
    pub timed_waits: u64,
    /// Waiters woken by a notify.
    pub notified: u64,
    /// Waiters woken because the clock reached their deadline.
    pub timed_out: u64,
}

/// Why a blocked waiter was woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    Notified,
    TimedOut,
}

/// The ticket of one thread blocked in a wait.
struct Waiter {
    ticket: u64,
    /// Which condition variable it waits on (`SLEEP` for a plain sleep).
    condvar: u64,
    deadline: Option<Instant>,
    /// `None` while blocked; set exactly once, by a notify or by the clock reaching `deadline`.
    woken: Option<Wake>,
}

/// A condition-variable id nobody notifies: plain sleeps wait on it.
const SLEEP: u64 = 0;

struct State {
    now: Instant,
    /// Blocked and just-woken waiters, in the order they started waiting (so `notify_one`
    /// wakes the longest waiter, as a fair condition variable would).
    waiters: Vec<Waiter>,
    next_ticket: u64,
    next_condvar: u64,
    stats: WaitStats,
}

impl State {
    fn blocked(&self) -> usize {
        self.waiters.iter().filter(|w| w.woken.is_none()).count()
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.waiters
            .iter()
            .filter(|w| w.woken.is_none())
            .filter_map(|w| w.deadline)
            .min()
    }

    fn woken(&self, ticket: u64) -> Option<Wake> {
        self.waiters
            .iter()
            .find(|w| w.ticket == ticket)
            .and_then(|w| w.woken)
    }
}

pub(crate) struct Shared {
    /// The timeline. Held only for short updates, never while blocking.
    state: Mutex<State>,
    /// Notified (all) whenever `state` changes: a waiter registered or woken, time moved.
    /// Every blocked waiter and every test in `wait_until_blocked` sleeps here.
    changed: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding `state` except an `advance_to` into the past, which changes
    // nothing before it panics, so a poisoned timeline is still consistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn now(&self) -> Instant {
        lock(&self.state).now
    }

    pub(crate) fn new_condvar(&self) -> u64 {
        let mut state = lock(&self.state);
        state.next_condvar += 1;
        state.next_condvar
    }

    /// Blocks until `condvar` is notified or the clock reaches `deadline`.
    ///
    /// `release` is called once the waiter's ticket is registered and before blocking: the
    /// caller passes the drop of its own mutex guard, so nothing can happen between "I hold
    /// the lock and saw the condition false" and "I am registered as waiting". Returns `None`
    /// without calling `release` if the deadline has already passed.
    pub(crate) fn block(
        &self,
        condvar: u64,
        deadline: Option<Instant>,
        release: impl FnOnce(),
    ) -> Option<Wake> {
        let mut state = lock(&self.state);
        if deadline.is_some_and(|deadline| deadline <= state.now) {
            return None;
        }
        state.next_ticket += 1;
        let ticket = state.next_ticket;
        state.waiters.push(Waiter {
            ticket,
            condvar,
            deadline,
            woken: None,
        });
        state.stats.waits += 1;
        state.stats.timed_waits += u64::from(deadline.is_some());
        // A test may be waiting for this thread to block.
        self.changed.notify_all();
        // Registered: a notify or an advance from now on finds the ticket, so the caller's
        // lock can go.
        release();
        let wake = loop {
            if let Some(wake) = state.woken(ticket) {
                break wake;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        };
        state.waiters.retain(|w| w.ticket != ticket);
        Some(wake)
    }

    pub(crate) fn notify(&self, condvar: u64, all: bool) {
        let mut state = lock(&self.state);
        let mut woke = 0;
        for waiter in state
            .waiters
            .iter_mut()
            .filter(|w| w.condvar == condvar && w.woken.is_none())
        {
            waiter.woken = Some(Wake::Notified);
            woke += 1;
            if !all {
                break;
            }
        }
        state.stats.notified += woke;
        if woke > 0 {
            self.changed.notify_all();
        }
    }

    pub(crate) fn sleep_until(&self, deadline: Instant) {
        self.block(SLEEP, Some(deadline), || ());
    }

    fn advance_to(&self, to: Instant) {
        let mut state = lock(&self.state);
        self.advance_locked(&mut state, to);
    }

    /// Sets the time and wakes the waiters it makes due. The caller holds `state`.
    fn advance_locked(&self, state: &mut State, to: Instant) {
        assert!(
            to >= state.now,
            "a virtual clock cannot go back in time (from {} to {to})",
            state.now
        );
        state.now = to;
        let mut woke = 0;
        for waiter in state.waiters.iter_mut().filter(|w| w.woken.is_none()) {
            if waiter.deadline.is_some_and(|deadline| deadline <= to) {
                waiter.woken = Some(Wake::TimedOut);
                woke += 1;
            }
        }
        state.stats.timed_out += woke;
        self.changed.notify_all();
    }
}

impl VirtualClock {
    /// A new timeline, at [`Instant::ZERO`], with nobody waiting.
    pub fn new() -> Self {
        VirtualClock {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    now: Instant::ZERO,
                    waiters: Vec::new(),
                    next_ticket: 0,
                    next_condvar: SLEEP,
                    stats: WaitStats::default(),
                }),
                changed: Condvar::new(),
            }),
        }
    }

    /// A handle on this timeline to give to the code under test.
    pub fn clock(&self) -> Clock {
        Clock {
            kind: Kind::Virtual(Arc::clone(&self.shared)),
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.shared.now()
    }

    /// Moves time forward by `by`, waking every waiter whose deadline has come.
    pub fn advance(&self, by: Duration) {
        let mut state = lock(&self.shared.state);
        let to = state.now + by;
        self.shared.advance_locked(&mut state, to);
    }

    /// Moves time forward to `to`, waking every waiter whose deadline has come.
    ///
    /// # Panics
    ///
    /// If `to` is earlier than now.
    pub fn advance_to(&self, to: Instant) {
        self.shared.advance_to(to);
    }

    /// The earliest deadline among the threads blocked on this clock, if any has one.
    pub fn next_deadline(&self) -> Option<Instant> {
        lock(&self.shared.state).next_deadline()
    }

    /// Jumps to the earliest deadline any blocked thread waits for and wakes it (and every other
    /// waiter with the same deadline). Returns the new time, or `None`, leaving time alone, when
    /// no blocked thread has a deadline.
    ///
    /// Call it after [`wait_until_blocked`](Self::wait_until_blocked): while a thread is still
    /// running, the deadline it is about to register is not known yet.
    pub fn advance_to_next_deadline(&self) -> Option<Instant> {
        // Read and advance under one lock, so no earlier deadline can slip in between.
        let mut state = lock(&self.shared.state);
        let next = state.next_deadline()?;
        self.shared.advance_locked(&mut state, next);
        Some(next)
    }

    /// How many threads are blocked in a wait or sleep on this clock right now.
    pub fn blocked(&self) -> usize {
        lock(&self.shared.state).blocked()
    }

    /// Blocks until at least `threads` threads are blocked on this clock.
    ///
    /// This is how a test knows the code under test has gone to sleep, without sleeping
    /// itself. It waits forever if they never block (say, because they spin): prefer
    /// [`wait_until_blocked_for`](Self::wait_until_blocked_for) outside loom models.
    pub fn wait_until_blocked(&self, threads: usize) {
        let mut state = lock(&self.shared.state);
        while state.blocked() < threads {
            state = self
                .shared
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Like [`wait_until_blocked`](Self::wait_until_blocked), but gives up after `patience` of
    /// real time and returns false. The limit only guards against a hang: a correct program
    /// blocks within microseconds, so a generous limit costs nothing.
    #[cfg(not(course_loom))]
    pub fn wait_until_blocked_for(&self, threads: usize, patience: Duration) -> bool {
        let give_up = std::time::Instant::now() + patience;
        let mut state = lock(&self.shared.state);
        while state.blocked() < threads {
            let left = give_up.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// What the waiting threads have done so far.
    pub fn stats(&self) -> WaitStats {
        lock(&self.shared.state).stats
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for VirtualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.shared.state);
        f.debug_struct("VirtualClock")
            .field("now", &state.now)
            .field("blocked", &state.blocked())
            .field("next_deadline", &state.next_deadline())
            .finish()
    }
}
