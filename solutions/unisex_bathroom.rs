//! The unisex bathroom: men and women share one bathroom, never at the same time, at most
//! three people inside, and nobody waits for ever.
//!
//! Goal: `Bathroom::enter(gender)` blocks until the caller may go in and returns a guard;
//! dropping the guard leaves. The bathroom never holds men and women together, never more than
//! its capacity (three in the original problem), and it is fair: people go in in the order they
//! arrived, so a steady stream of one gender cannot keep a waiting person of the other gender
//! out. People of the same gender still share the bathroom, up to its capacity.
//!
//! What to build in this file:
//!
//! - `Bathroom::with_clock`: the shared state and the condition variable;
//! - `enter`: take a ticket, wait until it is your turn and you may go in, go in;
//! - `Drop for Visit`: leave, and wake whoever waits.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite sees who is waiting at the door and lets
//! loom try every interleaving.
//!
//! Chapter: `docs/src/part5/unisex_bathroom.md`.
//! Check your work with `cargo xtask check unisex_bathroom`; stuck? `cargo xtask hint
//! unisex_bathroom`.

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::fmt;
use std::sync::PoisonError;

/// The two groups that must not mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gender {
    Female,
    Male,
}

/// A bathroom shared by both genders, one gender at a time.
pub struct Bathroom {
    /// At most this many people inside at once.
    capacity: usize,
    /// Who is inside and who is next. Held only to arrive, enter and leave, never while someone
    /// is inside.
    state: Mutex<State>,
    /// Signalled on every change that may let the next person in: someone entered (the next
    /// ticket is up) or someone left (room, or the bathroom is empty).
    changed: Condvar,
}

/// Everything behind the lock.
#[derive(Debug, Default)]
struct State {
    /// People inside now.
    inside: usize,
    /// Their gender while `inside > 0`; meaningless when the bathroom is empty.
    gender: Option<Gender>,
    /// The ticket the next arrival takes.
    next_ticket: u64,
    /// The ticket allowed in next. Everyone with a later ticket waits, whatever their gender:
    /// that order is what keeps a stream of one gender from starving the other.
    now_serving: u64,
}

impl State {
    /// Whether someone of `gender` may go in now (ignoring whose turn it is).
    fn fits(&self, gender: Gender, capacity: usize) -> bool {
        self.inside == 0 || (self.gender == Some(gender) && self.inside < capacity)
    }
}

/// Someone inside; they leave when it is dropped.
#[must_use = "the visit ends as soon as the guard is dropped"]
pub struct Visit<'a> {
    bathroom: &'a Bathroom,
    gender: Gender,
}

impl Bathroom {
    /// The original problem's bathroom: three places, waiting on the system clock.
    pub fn new() -> Self {
        Self::with_clock(3, &Clock::system())
    }

    /// A bathroom with `capacity` places whose visitors wait on `clock`.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero: nobody could ever go in.
    pub fn with_clock(capacity: usize, clock: &Clock) -> Self {
        assert!(capacity > 0, "a bathroom needs at least one place");
        Bathroom {
            capacity,
            state: Mutex::new(State::default()),
            changed: Condvar::new(clock),
        }
    }

    /// Waits for this person's turn, then goes in.
    pub fn enter(&self, gender: Gender) -> Visit<'_> {
        let mut state = self.lock_state();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        // The check and the entry happen under this one acquisition of the lock: between
        // "the bathroom is free" and "I am inside" nobody else can look.
        while state.now_serving != ticket || !state.fits(gender, self.capacity) {
            state = self
                .changed
                .wait(&self.state, state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.inside += 1;
        state.gender = Some(gender);
        state.now_serving += 1;
        // The next ticket may be able to go in right away (same gender, room left): wake it.
        self.changed.notify_all();
        Visit {
            bathroom: self,
            gender,
        }
    }

    /// The bathroom's capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Locks the state. No code panics while holding it, so a poisoned lock still holds
    /// consistent counts: take it anyway.
    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Bathroom {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Bathroom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bathroom")
            .field("capacity", &self.capacity)
            .field("state", &*self.lock_state())
            .finish()
    }
}

impl Visit<'_> {
    /// The visitor's gender.
    pub fn gender(&self) -> Gender {
        self.gender
    }
}

impl Drop for Visit<'_> {
    fn drop(&mut self) {
        let mut state = self.bathroom.lock_state();
        state.inside -= 1;
        if state.inside == 0 {
            state.gender = None;
        }
        // The next in line waits for room or for the other gender to leave; only it can tell
        // whether this was enough, and it cannot be told apart from the others: wake them all.
        self.bathroom.changed.notify_all();
    }
}
