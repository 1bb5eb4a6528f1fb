//! What the cases, properties and traces share: a [`Lab`] runs one thread per atom on one `H2O`
//! and a virtual clock, each held at its own gate, and starts them in a given order. After each
//! start it waits until every started atom is asleep on the clock or has returned, and checks
//! the trace with [`check_molecules`]: every group of three releases is two H and one O, no
//! atom releases before its molecule's three atoms have arrived, a group starts releasing only
//! once the one before has finished, and exactly as many molecules have formed as the atoms
//! started so far allow.
//!
//! While an atom is inside its release callback, the callback waits for every other started
//! atom to be asleep, done or releasing too before it returns, and the atoms of a molecule
//! leave their callbacks one at a time, each once the one before has settled: one thing moves
//! at a time, so a run gives the same molecules on every run, and an atom that slips into a
//! molecule whose atoms are still releasing is caught in every run. A test can also hold one
//! atom inside its callback.

use course_clock::VirtualClock;
use course_testkit::{Event, Gate, Trace, join_patiently, patience};
use h2o::H2O;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub(crate) use course_testkit::OrFail;

/// An atom: its element and its number among atoms of that element (H1, H2, O1, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Atom {
    pub(crate) hydrogen: bool,
    pub(crate) number: usize,
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let element = if self.hydrogen { 'H' } else { 'O' };
        write!(f, "{element}{}", self.number)
    }
}

/// What the trace records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The atom's thread is about to call `hydrogen` or `oxygen`.
    Arrived(Atom),
    /// Its release callback started.
    Released(Atom),
    /// Its release callback is about to return.
    Finished(Atom),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Arrived(atom) => write!(f, "{atom} arrives"),
            Step::Released(atom) => write!(f, "{atom} released"),
            Step::Finished(atom) => write!(f, "{atom} finished releasing"),
        }
    }
}

/// The atoms of a start order written as `"HHOHOH"`, numbered by element.
pub(crate) fn atoms(order: &str) -> Vec<Atom> {
    let (mut h, mut o) = (0, 0);
    order
        .chars()
        .map(|c| {
            let hydrogen = match c {
                'H' => true,
                'O' => false,
                _ => panic!("a start order is made of H and O, not {c:?}"),
            };
            let counter = if hydrogen { &mut h } else { &mut o };
            *counter += 1;
            Atom {
                hydrogen,
                number: *counter,
            }
        })
        .collect()
}

/// Checks the molecule rules on `events`. With `started`, also checks that exactly the
/// molecules the started atoms allow have formed and finished.
pub(crate) fn check_molecules(
    events: &[Event<Step>],
    started: Option<(usize, usize)>,
) -> Result<(), String> {
    let (mut hydrogens, mut oxygens) = (0, 0);
    // Releases so far, as (seq, atom); group g is releases 3g..3g+3.
    let mut releases: Vec<(usize, Atom)> = Vec::new();
    // Finished events: atom -> seq.
    let mut finished: Vec<(Atom, usize)> = Vec::new();
    for event in events {
        match event.what {
            Step::Arrived(atom) => {
                if atom.hydrogen {
                    hydrogens += 1;
                } else {
                    oxygens += 1;
                }
            }
            Step::Released(atom) => {
                if let Some(&(seq, _)) = releases.iter().find(|(_, a)| *a == atom) {
                    return Err(fail(
                        format!("{atom} released twice: every atom releases exactly once"),
                        events,
                        &[seq, event.seq],
                    ));
                }
                let group = releases.len() / 3;
                let molecule: Vec<(usize, Atom)> = releases[group * 3..].to_vec();
                let h = molecule.iter().filter(|(_, a)| a.hydrogen).count()
                    + usize::from(atom.hydrogen);
                let o = molecule.len() + 1 - h;
                if h > 2 || o > 1 {
                    let mut focus: Vec<usize> = molecule.iter().map(|(seq, _)| *seq).collect();
                    focus.push(event.seq);
                    return Err(fail(
                        format!(
                            "molecule {} released {h} hydrogen(s) and {o} oxygen(s) among its \
                             first {} atoms: every group of three releases must be two H and \
                             one O",
                            group + 1,
                            molecule.len() + 1
                        ),
                        events,
                        &focus,
                    ));
                }
                if hydrogens < 2 * (group + 1) || oxygens < group + 1 {
                    return Err(fail(
                        format!(
                            "{atom} released as part of molecule {}, but only {hydrogens} H and \
                             {oxygens} O had arrived, not the {} H and {} O that {} molecule(s) \
                             need: an atom must wait until its molecule is complete (two H and \
                             one O) before it releases",
                            group + 1,
                            2 * (group + 1),
                            group + 1,
                            group + 1
                        ),
                        events,
                        &[event.seq],
                    ));
                }
                if group > 0 {
                    for &(seq, before) in &releases[(group - 1) * 3..group * 3] {
                        let done = finished.iter().any(|(a, _)| *a == before);
                        if !done {
                            return Err(fail(
                                format!(
                                    "{atom} released as part of molecule {}, while {before} of \
                                     molecule {group} was still releasing: the next molecule \
                                     may release only after all three atoms of the one before \
                                     have finished",
                                    group + 1
                                ),
                                events,
                                &[seq, event.seq],
                            ));
                        }
                    }
                }
                releases.push((event.seq, atom));
            }
            Step::Finished(atom) => finished.push((atom, event.seq)),
        }
    }
    let Some((h, o)) = started else {
        return Ok(());
    };
    let molecules = (h / 2).min(o);
    if releases.len() > 3 * molecules {
        let (seq, atom) = releases[3 * molecules];
        return Err(fail(
            format!(
                "with {h} H and {o} O started, {molecules} molecule(s) can form, but {atom} \
                 released as atom {} of the releases: it did not wait for a complete molecule",
                3 * molecules + 1
            ),
            events,
            &[seq],
        ));
    }
    if releases.len() < 3 * molecules {
        let focus: Vec<usize> = releases.iter().map(|(seq, _)| *seq).collect();
        return Err(fail(
            format!(
                "with {h} H and {o} O started, {molecules} molecule(s) can form, but only {} \
                 atom(s) released and every atom is asleep: was each atom woken when its \
                 molecule became complete, or when a place freed up?",
                releases.len()
            ),
            events,
            &focus,
        ));
    }
    Ok(())
}

fn fail(message: String, events: &[Event<Step>], focus: &[usize]) -> String {
    format!(
        "{message}\ntrace:\n{}",
        course_testkit::trace::excerpt(events, focus, 2)
    )
}

/// What the atoms and the test share about who is where.
#[derive(Default)]
struct Progress {
    /// Atoms whose gate the test opened.
    started: AtomicUsize,
    /// Atoms whose call returned (or panicked).
    returned: AtomicUsize,
    /// Atoms inside their release callback.
    releasing: AtomicUsize,
    /// The start positions of the atoms waiting to leave their release callback. Taken by a
    /// releasing atom to check whether it may leave, and to leave.
    leaving: Mutex<Vec<usize>>,
    /// The atoms whose thread panicked.
    panicked: Mutex<Vec<Atom>>,
    /// Set when the test gives up: callbacks stop waiting for the others.
    abandoned: AtomicBool,
}

/// Counts its thread as returned when dropped: when the call returns, or when it panics.
struct Returned {
    progress: Arc<Progress>,
    atom: Atom,
}

impl Drop for Returned {
    fn drop(&mut self) {
        if thread::panicking() {
            self.progress
                .panicked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self.atom);
        }
        self.progress.returned.fetch_add(1, Ordering::SeqCst);
    }
}

/// One atom's thread.
struct Worker {
    atom: Atom,
    gate: Arc<Gate>,
    /// Opened by the test to let the atom out of its release callback, if it holds it there.
    hold: Option<Arc<Gate>>,
    /// Set by the atom once it is inside its release callback, at its hold.
    at_hold: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    /// Whether the atom is kept inside its release callback right now: it reached its hold,
    /// and the test has not opened it. Only the test opens holds, so this cannot change while
    /// the test looks.
    fn is_held(&self) -> bool {
        self.at_hold.load(Ordering::SeqCst)
            && self.hold.as_ref().is_some_and(|hold| !hold.is_open())
    }
}

/// One thread per atom on one `H2O`, on a virtual clock, each held at its gate.
pub(crate) struct Lab {
    order: String,
    clock: VirtualClock,
    pub(crate) trace: Trace<Step>,
    progress: Arc<Progress>,
    workers: Vec<Worker>,
}

impl Lab {
    /// Spawns one thread per atom of `order` (`"HHO..."`), in that order, each waiting at its
    /// own gate.
    pub(crate) fn new(order: &str) -> Self {
        Self::holding(order, &[])
    }

    /// Like [`new`](Self::new), and the atoms at the positions `held` (in `order`) stay inside
    /// their release callback until [`let_out`](Self::let_out).
    pub(crate) fn holding(order: &str, held: &[usize]) -> Self {
        let clock = VirtualClock::new();
        let h2o = Arc::new(H2O::with_clock(clock.clock()));
        let trace = Trace::new();
        trace.name_thread("test");
        let progress = Arc::new(Progress::default());
        let workers = atoms(order)
            .into_iter()
            .enumerate()
            .map(|(i, atom)| {
                let gate = Arc::new(Gate::new());
                let hold = held.contains(&i).then(|| Arc::new(Gate::new()));
                let at_hold = Arc::new(AtomicBool::new(false));
                let handle = spawn(
                    atom,
                    Arc::clone(&h2o),
                    trace.clone(),
                    Arc::clone(&progress),
                    Some(Gated {
                        position: i,
                        gate: Arc::clone(&gate),
                        hold: hold.clone(),
                        at_hold: Arc::clone(&at_hold),
                        clock: clock.clone(),
                    }),
                );
                Worker {
                    atom,
                    gate,
                    hold,
                    at_hold,
                    handle: Some(handle),
                }
            })
            .collect();
        Lab {
            order: order.to_owned(),
            clock,
            trace,
            progress,
            workers,
        }
    }

    /// Starts every atom, one at a time in order, checking the trace after each start; then
    /// checks that every atom returned.
    pub(crate) fn run(&mut self) -> Result<(), String> {
        for i in 0..self.workers.len() {
            self.start(i)?;
        }
        self.finish()
    }

    /// Starts the atom at position `i`, waits until the started atoms are all asleep, done or
    /// held, and checks the trace.
    pub(crate) fn start(&self, i: usize) -> Result<(), String> {
        self.progress.started.fetch_add(1, Ordering::SeqCst);
        self.workers[i].gate.open();
        self.settle(&format!("after {} started", self.workers[i].atom))
    }

    /// Lets the atom at position `i` out of its release callback, then settles and checks.
    pub(crate) fn let_out(&self, i: usize) -> Result<(), String> {
        let worker = &self.workers[i];
        worker
            .hold
            .as_ref()
            .expect("the test holds this atom in its release callback")
            .open();
        self.settle(&format!("after {} was let out of its release", worker.atom))
    }

    /// How many atoms have released so far.
    pub(crate) fn releases(&self) -> usize {
        self.trace
            .whats()
            .iter()
            .filter(|step| matches!(step, Step::Released(_)))
            .count()
    }

    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        self.progress.abandoned.store(true, Ordering::SeqCst);
        format!(
            "atoms started in the order {}: {message}\ntrace:\n{}",
            self.order,
            self.trace.excerpt(focus)
        )
    }

    fn started_counts(&self) -> (usize, usize) {
        let started = self.progress.started.load(Ordering::SeqCst);
        let h = self.workers[..started]
            .iter()
            .filter(|w| w.atom.hydrogen)
            .count();
        (h, started - h)
    }

    /// How many atoms the test keeps inside their release callback right now.
    fn held(&self) -> usize {
        self.workers.iter().filter(|w| w.is_held()).count()
    }

    fn settle(&self, when: &str) -> Result<(), String> {
        let started = self.progress.started.load(Ordering::SeqCst);
        let give_up = Instant::now() + patience();
        loop {
            let panicked = self
                .progress
                .panicked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .first()
                .copied();
            if let Some(atom) = panicked {
                return Err(self.failure(
                    format!("{atom}'s thread panicked (its message is printed above)"),
                    &[],
                ));
            }
            // `held` and `returned` before the clock: a held or returned atom is not asleep, so
            // no atom is counted twice.
            let held = self.held();
            let returned = self.progress.returned.load(Ordering::SeqCst);
            if held + returned + self.clock.blocked() >= started {
                break;
            }
            if Instant::now() >= give_up {
                let running: Vec<String> = self.workers[..started]
                    .iter()
                    .filter(|w| w.handle.as_ref().is_some_and(|h| !h.is_finished()))
                    .map(|w| w.atom.to_string())
                    .collect();
                return Err(self.failure(
                    format!(
                        "{when}, the atoms did not all go to sleep (or return) within {:?}; \
                         not finished: {}. An atom waiting for its molecule must block on the \
                         condition variable: one that spins, or sleeps (std::thread::sleep), \
                         never does",
                        patience(),
                        running.join(", ")
                    ),
                    &[],
                ));
            }
            thread::park_timeout(Duration::from_millis(1));
        }
        let (h, o) = self.started_counts();
        // Atoms held in their release count as releasing, so their molecule is not finished.
        let counts = (self.held() == 0).then_some((h, o));
        check_molecules(&self.trace.events(), counts).map_err(|message| {
            self.progress.abandoned.store(true, Ordering::SeqCst);
            format!(
                "atoms started in the order {} ({when}): {message}",
                self.order
            )
        })
    }

    /// Every atom started: each must have returned.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        let (h, o) = self.started_counts();
        let molecules = (h / 2).min(o);
        let returned = self.progress.returned.load(Ordering::SeqCst);
        if returned != 3 * molecules {
            return Err(self.failure(
                format!(
                    "{molecules} molecule(s) formed, so {} atoms should have returned, but \
                     {returned} did",
                    3 * molecules
                ),
                &[],
            ));
        }
        for worker in &mut self.workers {
            if worker.handle.as_ref().is_some_and(|h| h.is_finished())
                && let Some(handle) = worker.handle.take()
                && join_patiently(handle).is_none_or(|joined| joined.is_err())
            {
                return Err(format!("{}'s thread did not end cleanly", worker.atom));
            }
        }
        Ok(())
    }

    /// The trace with each molecule on one line: arrivals as they happened, and each group of
    /// three releases, once all three have finished, as `molecule 1: H1 H2 O1` (its atoms
    /// sorted, since they release in whatever order the scheduler picks). Releases of a group
    /// that never finished are shown one step a line.
    pub(crate) fn rendered(&self) -> String {
        let mut out = String::new();
        let mut group: Vec<Step> = Vec::new();
        let mut molecules = 0;
        for step in self.trace.whats() {
            match step {
                Step::Arrived(_) => out.push_str(&format!("{step}\n")),
                Step::Released(_) | Step::Finished(_) => group.push(step),
            }
            let finished = group
                .iter()
                .filter(|step| matches!(step, Step::Finished(_)))
                .count();
            if finished == 3 && group.len() == 6 {
                let mut atoms: Vec<Atom> = group
                    .iter()
                    .filter_map(|step| match step {
                        Step::Released(atom) => Some(*atom),
                        _ => None,
                    })
                    .collect();
                atoms.sort_by_key(|atom| (!atom.hydrogen, atom.number));
                let names: Vec<String> = atoms.iter().map(Atom::to_string).collect();
                molecules += 1;
                out.push_str(&format!("molecule {molecules}: {}\n", names.join(" ")));
                group.clear();
            }
        }
        for step in group {
            out.push_str(&format!("{step}\n"));
        }
        out
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Atoms left over (asleep for good, at their gate) end with the test's process.
        self.progress.abandoned.store(true, Ordering::SeqCst);
        for worker in &self.workers {
            if let Some(hold) = &worker.hold {
                hold.open();
            }
        }
    }
}

/// What a gated atom needs besides its `H2O`.
struct Gated {
    /// The atom's place in the start order.
    position: usize,
    gate: Arc<Gate>,
    hold: Option<Arc<Gate>>,
    at_hold: Arc<AtomicBool>,
    clock: VirtualClock,
}

fn spawn(
    atom: Atom,
    h2o: Arc<H2O>,
    trace: Trace<Step>,
    progress: Arc<Progress>,
    gated: Option<Gated>,
) -> JoinHandle<()> {
    thread::Builder::new()
        .name(atom.to_string())
        .spawn(move || {
            trace.name_thread(atom.to_string());
            if let Some(gated) = &gated {
                gated.gate.pass(&format!("the test to start {atom}"));
            }
            let _returned = Returned {
                progress: Arc::clone(&progress),
                atom,
            };
            trace.record(Step::Arrived(atom));
            let release = || {
                trace.record(Step::Released(atom));
                if let Some(gated) = &gated {
                    progress.releasing.fetch_add(1, Ordering::SeqCst);
                    if let Some(hold) = &gated.hold {
                        gated.at_hold.store(true, Ordering::SeqCst);
                        hold.hold();
                    }
                    wait_for_my_turn_to_leave(&progress, &gated.clock, gated.position);
                }
                trace.record(Step::Finished(atom));
            };
            if atom.hydrogen {
                h2o.hydrogen(release);
            } else {
                h2o.oxygen(release);
            }
        })
        .expect("failed to spawn a thread")
}

/// In a release callback: waits until every other started atom is asleep, done or releasing
/// too (or the test gave up), so nothing else moves while this atom releases; and lets the
/// releasing atoms leave their callbacks one at a time, the earliest started first, each only
/// once everything the one before set off (its leaving the molecule, the atoms that woke) has
/// settled again. So the atoms of a molecule always leave in the same order, and one that
/// leaves while its partners are still releasing does so where a waiting atom can see what it
/// left behind, in every run.
fn wait_for_my_turn_to_leave(progress: &Progress, clock: &VirtualClock, position: usize) {
    let lock = || {
        progress
            .leaving
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    };
    lock().push(position);
    let give_up = Instant::now() + patience() * 4;
    while !progress.abandoned.load(Ordering::SeqCst) && Instant::now() < give_up {
        {
            // One atom at a time checks and leaves: the next one to check sees this one as
            // neither releasing nor settled until it has returned (or gone to sleep).
            let mut leaving = lock();
            let first = leaving.iter().min() == Some(&position);
            let started = progress.started.load(Ordering::SeqCst);
            let releasing = progress.releasing.load(Ordering::SeqCst);
            let returned = progress.returned.load(Ordering::SeqCst);
            if first && returned + clock.blocked() + releasing >= started {
                leaving.retain(|&p| p != position);
                progress.releasing.fetch_sub(1, Ordering::SeqCst);
                return;
            }
        }
        thread::park_timeout(Duration::from_millis(1));
    }
    lock().retain(|&p| p != position);
    progress.releasing.fetch_sub(1, Ordering::SeqCst);
}

/// Runs one thread per atom of `order` on the system clock, all started at once, joins them
/// and returns the trace.
pub(crate) fn run_free(order: &str) -> Result<Vec<Event<Step>>, String> {
    let h2o = Arc::new(H2O::new());
    let trace = Trace::new();
    let progress = Arc::new(Progress::default());
    let handles: Vec<(Atom, JoinHandle<()>)> = atoms(order)
        .into_iter()
        .map(|atom| {
            let handle = spawn(
                atom,
                Arc::clone(&h2o),
                trace.clone(),
                Arc::clone(&progress),
                None,
            );
            (atom, handle)
        })
        .collect();
    for (atom, handle) in handles {
        match join_patiently(handle) {
            None => {
                return Err(format!(
                    "{atom} did not return within {:?} (deadlock or lost wake-up?)\ntrace:\n{}",
                    patience(),
                    trace.excerpt(&[])
                ));
            }
            Some(Err(_)) => {
                return Err(format!(
                    "{atom}'s thread panicked (its message is printed above)"
                ));
            }
            Some(Ok(())) => {}
        }
    }
    Ok(trace.events())
}
