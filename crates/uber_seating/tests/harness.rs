//! What the cases share: a [`Scenario`] starts riders one at a time, each on its own thread, and
//! waits after each arrival until every rider is either asleep at the pick-up point (blocked on
//! the virtual clock) or gone: that forces the arrival order. Riders record arriving, being
//! seated, driving and leaving in a trace, which [`Scenario::check`] validates.

use course_clock::VirtualClock;
use course_testkit::{Gate, Trace, patience};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use uber_seating::{Party, UberSeating};

pub(crate) use course_testkit::OrFail;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Arrived {
        who: String,
        party: Party,
    },
    Seated {
        who: String,
        party: Party,
        ride: u64,
    },
    Drove {
        who: String,
        ride: u64,
    },
    Left {
        who: String,
        ride: u64,
        driver: bool,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Arrived { who, .. } => write!(f, "{who} arrives"),
            Event::Seated { who, ride, .. } => write!(f, "{who} seated in ride {ride}"),
            Event::Drove { who, ride } => write!(f, "{who} drives ride {ride}"),
            Event::Left { who, ride, driver } => {
                let role = if *driver { "driver" } else { "passenger" };
                write!(f, "{who} leaves ride {ride} ({role})")
            }
        }
    }
}

/// `D` or `R` for a party.
pub(crate) fn party_of(letter: char) -> Party {
    match letter {
        'D' => Party::Democrat,
        'R' => Party::Republican,
        other => panic!("no party {other:?}"),
    }
}

/// A pick-up point on a virtual clock, its riders, and their trace.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) seating: Arc<UberSeating>,
    pub(crate) trace: Trace<Event>,
    started: usize,
    returned: Arc<AtomicUsize>,
    /// Riders whose `seated` callback reached its gate (and may be held there).
    at_gate: Arc<AtomicUsize>,
    /// Riders D1, D2, ... and R1, R2, ... are numbered per party.
    numbers: [usize; 2],
}

impl Scenario {
    pub(crate) fn new() -> Self {
        let clock = VirtualClock::new();
        let seating = Arc::new(UberSeating::with_clock(clock.clock()));
        let trace = Trace::new();
        trace.name_thread("test");
        Scenario {
            clock,
            seating,
            trace,
            started: 0,
            returned: Arc::new(AtomicUsize::new(0)),
            at_gate: Arc::new(AtomicUsize::new(0)),
            numbers: [0, 0],
        }
    }

    /// Starts a rider of `party`, whose `seated` callback first passes `gate` (if any).
    pub(crate) fn spawn_rider(&mut self, party: Party, gate: Option<Arc<Gate>>) -> String {
        let (letter, index) = match party {
            Party::Democrat => ('D', 0),
            Party::Republican => ('R', 1),
        };
        self.numbers[index] += 1;
        let who = format!("{letter}{}", self.numbers[index]);
        self.started += 1;
        let (seating, trace, returned, at_gate, name) = (
            Arc::clone(&self.seating),
            self.trace.clone(),
            Arc::clone(&self.returned),
            Arc::clone(&self.at_gate),
            who.clone(),
        );
        std::thread::spawn(move || {
            trace.name_thread(name.clone());
            trace.record(Event::Arrived {
                who: name.clone(),
                party,
            });
            let seat = seating.board(
                party,
                |ride| {
                    if let Some(gate) = gate {
                        // Release: pairs with the test's Acquire load in `at_gate`.
                        at_gate.fetch_add(1, Ordering::Release);
                        gate.pass("the test to let the passengers sit down");
                    }
                    trace.record(Event::Seated {
                        who: name.clone(),
                        party,
                        ride,
                    });
                },
                |ride| {
                    trace.record(Event::Drove {
                        who: name.clone(),
                        ride,
                    });
                },
            );
            trace.record(Event::Left {
                who: name,
                ride: seat.ride,
                driver: seat.driver,
            });
            // Release: the test's Acquire load sees every event this rider recorded.
            returned.fetch_add(1, Ordering::Release);
        });
        who
    }

    /// Waits until `done` holds, or fails after `patience` with `what`.
    pub(crate) fn wait_for(&self, what: &str, done: impl Fn(&Self) -> bool) -> Result<(), String> {
        let give_up = std::time::Instant::now() + patience();
        while !done(self) {
            if std::time::Instant::now() >= give_up {
                return Err(self.failure(
                    format!(
                        "{what} did not happen within {:?} ({} riders started, {} left, {} \
                         asleep at the pick-up point): deadlock or lost wakeup suspected, or a \
                         rider waits outside the course clock (std Condvar, sleep, spin)",
                        patience(),
                        self.started,
                        self.returned(),
                        self.clock.blocked()
                    ),
                    &[],
                ));
            }
            // Nothing to wait on for "asleep or gone": a 1 ms nap bounds the cost of asking.
            std::thread::park_timeout(Duration::from_millis(1));
        }
        Ok(())
    }

    /// Riders whose `seated` callback reached its gate.
    pub(crate) fn at_gate(&self) -> usize {
        self.at_gate.load(Ordering::Acquire)
    }

    pub(crate) fn returned(&self) -> usize {
        self.returned.load(Ordering::Acquire)
    }

    /// Waits until every rider is asleep at the pick-up point or gone.
    pub(crate) fn quiesce(&self) -> Result<(), String> {
        self.wait_for("every rider asleep or gone", |s| {
            s.clock.blocked() + s.returned() >= s.started
        })
    }

    /// Riders of `parties` (`"DDRR"`) arrive one by one, each after the previous one is
    /// asleep or gone; then checks the trace.
    pub(crate) fn arrive_in_order(&mut self, parties: &str) -> Result<(), String> {
        for letter in parties.chars() {
            self.spawn_rider(party_of(letter), None);
            self.quiesce()?;
        }
        self.check()
    }

    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// Checks the trace of a quiescent scenario: every ride has four riders, four of one party
    /// or two and two; one driver, who drives after all four are seated; and the riders still
    /// waiting could not form a ride.
    pub(crate) fn check(&self) -> Result<(), String> {
        #[derive(Default)]
        struct Ride {
            seated: Vec<(usize, String, Party)>,
            drives: Vec<(usize, String)>,
        }
        let mut rides: BTreeMap<u64, Ride> = BTreeMap::new();
        let mut arrived: Vec<(usize, String, Party)> = Vec::new();
        let mut seated_riders: BTreeMap<String, usize> = BTreeMap::new();
        for event in self.trace.events() {
            match event.what {
                Event::Arrived { who, party } => arrived.push((event.seq, who, party)),
                Event::Seated { who, party, ride } => {
                    if let Some(first) = seated_riders.insert(who.clone(), event.seq) {
                        return Err(
                            self.failure(format!("{who} was seated twice"), &[first, event.seq])
                        );
                    }
                    rides
                        .entry(ride)
                        .or_default()
                        .seated
                        .push((event.seq, who, party));
                }
                Event::Drove { who, ride } => {
                    rides.entry(ride).or_default().drives.push((event.seq, who));
                }
                Event::Left { .. } => {}
            }
        }
        for (id, ride) in &rides {
            let seqs: Vec<usize> = ride.seated.iter().map(|s| s.0).collect();
            let dems = ride
                .seated
                .iter()
                .filter(|s| s.2 == Party::Democrat)
                .count();
            let reps = ride.seated.len() - dems;
            if ride.seated.len() > 4 {
                return Err(self.failure(
                    format!(
                        "ride {id} seated {} riders: a ride takes four",
                        ride.seated.len()
                    ),
                    &seqs,
                ));
            }
            if ride.seated.len() == 4 && !(dems == 4 || reps == 4 || dems == 2) {
                return Err(self.failure(
                    format!(
                        "ride {id} took {dems} Democrat(s) and {reps} Republican(s): a ride is \
                         four of one party or two and two, never three and one"
                    ),
                    &seqs,
                ));
            }
            if ride.drives.len() > 1 {
                let focus: Vec<usize> = ride.drives.iter().map(|d| d.0).collect();
                let names: Vec<&str> = ride.drives.iter().map(|d| d.1.as_str()).collect();
                return Err(self.failure(
                    format!("ride {id} was driven by {names:?}: exactly one rider drives a ride"),
                    &focus,
                ));
            }
            let Some((drove, driver)) = ride.drives.first() else {
                return Err(self.failure(
                    format!(
                        "ride {id} has {} rider(s) seated and every rider is asleep or gone, but \
                         nobody drove it: the driver must drive once all four are seated",
                        ride.seated.len()
                    ),
                    &seqs,
                ));
            };
            let before = ride.seated.iter().filter(|s| s.0 < *drove).count();
            if before < 4 {
                let mut focus = seqs.clone();
                focus.push(*drove);
                return Err(self.failure(
                    format!(
                        "{driver} drove ride {id} when only {before} of its riders were seated: \
                         the driver must wait until all four are seated"
                    ),
                    &focus,
                ));
            }
        }
        let waiting: Vec<&(usize, String, Party)> = arrived
            .iter()
            .filter(|a| !seated_riders.contains_key(&a.1))
            .collect();
        let dems = waiting.iter().filter(|a| a.2 == Party::Democrat).count();
        let reps = waiting.len() - dems;
        if dems >= 4 || reps >= 4 || (dems >= 2 && reps >= 2) {
            let names: Vec<&str> = waiting.iter().map(|a| a.1.as_str()).collect();
            let focus: Vec<usize> = waiting.iter().map(|a| a.0).collect();
            return Err(self.failure(
                format!(
                    "{names:?} ({dems} Democrat(s), {reps} Republican(s)) are all still waiting, \
                     but they could form a ride: a rider must be seated as soon as the counts \
                     allow it"
                ),
                &focus,
            ));
        }
        Ok(())
    }

    /// Rides driven so far.
    pub(crate) fn drives(&self) -> usize {
        self.trace
            .whats()
            .iter()
            .filter(|e| matches!(e, Event::Drove { .. }))
            .count()
    }

    /// Riders seated so far.
    pub(crate) fn seated(&self) -> usize {
        self.trace
            .whats()
            .iter()
            .filter(|e| matches!(e, Event::Seated { .. }))
            .count()
    }
}
