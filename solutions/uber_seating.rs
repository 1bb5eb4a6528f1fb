//! Uber seating: riders of two parties share rides of four, never three against one.
//!
//! Goal: Democrats and Republicans call `board` as they leave the conference, each from its own
//! thread. A ride takes four riders: four of one party, or two of each; never three and one. A
//! rider waits until a ride with a valid make-up can take it; then it is seated (its `seated`
//! callback runs), and exactly one rider of each ride, the one whose arrival completed it,
//! drives (its `drive` callback runs), only after all four of its riders are seated. Riders who
//! cannot form a valid ride yet keep waiting; a rider is never left waiting while the waiting
//! riders could form a ride.
//!
//! What to build in this file:
//!
//! - `UberSeating::with_clock`: the shared state and its condition variable;
//! - `board`: count the rider in; form a ride if its arrival makes one possible, or wait for an
//!   invitation; be seated; and, for the driver, wait until the other three are seated, then
//!   drive.
//!
//! Wait only through `course_clock::Condvar` (made from the clock you are given) and lock only
//! `course_sync` mutexes: the graded suite watches which riders are asleep to force arrival
//! orders, and loom tries every interleaving of one ride. Run the callbacks without the lock.
//!
//! Chapter: `docs/src/part5/uber_seating.md`.
//! Check your work with `cargo xtask check uber_seating`; stuck? `cargo xtask hint uber_seating`.

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::collections::{HashMap, VecDeque};
use std::sync::PoisonError;

/// A rider's party.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    Democrat,
    Republican,
}

impl Party {
    fn index(self) -> usize {
        match self {
            Party::Democrat => 0,
            Party::Republican => 1,
        }
    }
}

/// Where a rider ended up: which ride (numbered from 0 in the order they were formed), and
/// whether it drove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seat {
    pub ride: u64,
    pub driver: bool,
}

/// The pick-up point: forms rides of four from the riders who wait there.
pub struct UberSeating {
    /// Who waits, who is invited to which ride, and how many of each forming ride are seated.
    /// Held only to look and update, never while a callback runs.
    state: Mutex<State>,
    /// Two kinds of waiters sleep here: riders waiting for an invitation to a ride of their
    /// party, and drivers waiting for their ride's other riders to be seated. Every change is
    /// announced with `notify_all`, and every waiter re-checks its own condition in a loop.
    changed: Condvar,
}

/// What the lock protects.
struct State {
    /// Riders of each party (by `Party::index`) who wait and are not yet in a ride.
    waiting: [usize; 2],
    /// Rides each party's waiting riders are invited to, one entry per free seat. A waiting
    /// rider takes the first; any waiting rider of that party may take it, they are all alike.
    invited: [VecDeque<u64>; 2],
    /// Rides formed and not yet driven: how many of their riders are seated.
    seated: HashMap<u64, usize>,
    next_ride: u64,
}

/// Locks `mutex`. Nothing panics while holding the lock (callbacks run without it), so a
/// poisoned one is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The ride an arrival of party `me` completes, if any: how many riders of `me` (the arriving
/// one included) and of the other party it takes. Four of one party, or two and two; never
/// three and one.
fn ride_for(waiting: [usize; 2], me: usize) -> Option<(usize, usize)> {
    let other = 1 - me;
    if waiting[me] >= 4 {
        Some((4, 0))
    } else if waiting[me] >= 2 && waiting[other] >= 2 {
        Some((2, 2))
    } else {
        None
    }
}

impl UberSeating {
    /// A pick-up point whose waits use the system clock.
    pub fn new() -> Self {
        Self::with_clock(Clock::system())
    }

    /// A pick-up point whose waits go through `clock` (a virtual one, in the graded suite).
    pub fn with_clock(clock: Clock) -> Self {
        UberSeating {
            state: Mutex::new(State {
                waiting: [0, 0],
                invited: [VecDeque::new(), VecDeque::new()],
                seated: HashMap::new(),
                next_ride: 0,
            }),
            changed: Condvar::new(&clock),
        }
    }

    /// Boards a rider of `party`: waits for a ride with a valid make-up, calls `seated` with
    /// the ride's number once the rider is in it, and, if this rider drives, calls `drive` once
    /// all four riders of the ride are seated. Returns where the rider sat.
    pub fn board<S, D>(&self, party: Party, seated: S, drive: D) -> Seat
    where
        S: FnOnce(u64),
        D: FnOnce(u64),
    {
        let me = party.index();
        let mut state = lock(&self.state);
        state.waiting[me] += 1;
        let (ride, driver) = if let Some((mine, theirs)) = ride_for(state.waiting, me) {
            // This arrival completes a ride: this rider drives it. It takes itself and invites
            // the others; the counts drop at once, so no later arrival counts them again.
            let ride = state.next_ride;
            state.next_ride += 1;
            state.waiting[me] -= mine;
            state.waiting[1 - me] -= theirs;
            state.invited[me].extend(std::iter::repeat_n(ride, mine - 1));
            state.invited[1 - me].extend(std::iter::repeat_n(ride, theirs));
            state.seated.insert(ride, 0);
            self.changed.notify_all();
            (ride, true)
        } else {
            // No valid ride yet: wait for an invitation. In a loop, because a wake-up may be
            // for the other party, or for a driver.
            loop {
                if let Some(ride) = state.invited[me].pop_front() {
                    break (ride, false);
                }
                state = self
                    .changed
                    .wait(&self.state, state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        drop(state);
        // The callback runs without the lock: it may take long, and other rides may form.
        seated(ride);
        let mut state = lock(&self.state);
        let count = state
            .seated
            .get_mut(&ride)
            .expect("a ride is forgotten only after its four riders are seated");
        *count += 1;
        if !driver {
            // The driver may be waiting for this rider.
            self.changed.notify_all();
            return Seat { ride, driver };
        }
        while state.seated[&ride] < 4 {
            state = self
                .changed
                .wait(&self.state, state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.seated.remove(&ride);
        drop(state);
        drive(ride);
        Seat { ride, driver }
    }
}

impl Default for UberSeating {
    fn default() -> Self {
        Self::new()
    }
}
