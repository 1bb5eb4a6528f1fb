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
//! atom inside its callback. (The machinery is `course_testkit::gated`; this file says what it
//! means for this puzzle.)

use course_testkit::gated::{Role, Runner, Unjoined};
use course_testkit::{Event, patience};
use h2o::H2O;
use std::fmt;
use std::sync::Arc;

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

/// One thread per atom on one `H2O`, on a virtual clock, each held at its gate.
pub(crate) struct Lab {
    order: String,
    atoms: Vec<Atom>,
    threads: Runner<Step>,
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
        // The atoms of a molecule release at the same time: they leave their release callbacks
        // one at a time, the earliest started first, each once everything the one before set
        // off (its leaving the molecule, the atoms that woke) has settled again. So the atoms of
        // a molecule always leave in the same order, and one that leaves while its partners are
        // still releasing does so where a waiting atom can see what it left behind, in every
        // run.
        let mut threads = Runner::new()
            .context(format!("atoms started in the order {order}"))
            .leave_prints_in_start_order();
        // Which atoms bond is fixed by the start order, but the order of the three releases
        // inside a molecule is the scheduler's: the trace is not drawn as a timeline for the
        // book, which must come out the same on every run.
        threads.trace().not_a_timeline();
        let h2o = Arc::new(H2O::with_clock(threads.clock().clock()));
        let atoms = atoms(order);
        for (i, &atom) in atoms.iter().enumerate() {
            let h2o = Arc::clone(&h2o);
            let call = move |role: Role<Step>| call(atom, &h2o, &role);
            if held.contains(&i) {
                threads.spawn_held(atom.to_string(), call);
            } else {
                threads.spawn(atom.to_string(), call);
            }
        }
        Lab {
            order: order.to_owned(),
            atoms,
            threads,
        }
    }

    /// Starts every atom, one at a time in order, checking the trace after each start; then
    /// checks that every atom returned.
    pub(crate) fn run(&mut self) -> Result<(), String> {
        for i in 0..self.atoms.len() {
            self.start(i)?;
        }
        self.finish()
    }

    /// Starts the atom at position `i`, waits until the started atoms are all asleep, done or
    /// held, and checks the trace.
    pub(crate) fn start(&self, i: usize) -> Result<(), String> {
        let atom = self.atoms[i];
        self.threads.start_without_settling(&atom.to_string());
        self.settle(&format!("{atom} started"))
    }

    /// Lets the atom at position `i` out of its release callback, then settles and checks.
    pub(crate) fn let_out(&self, i: usize) -> Result<(), String> {
        let atom = self.atoms[i];
        self.threads.let_out(&atom.to_string());
        self.settle(&format!("{atom} was let out of its release"))
    }

    /// How many atoms have released so far.
    pub(crate) fn releases(&self) -> usize {
        self.threads
            .trace()
            .whats()
            .iter()
            .filter(|step| matches!(step, Step::Released(_)))
            .count()
    }

    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        self.threads.failure(message, focus)
    }

    fn started_counts(&self) -> (usize, usize) {
        let started = self.threads.started();
        let h = self
            .atoms
            .iter()
            .filter(|atom| atom.hydrogen && started.contains(&atom.to_string().as_str()))
            .count();
        (h, started.len() - h)
    }

    fn settle(&self, when: &str) -> Result<(), String> {
        self.threads.settle(when)?;
        let (h, o) = self.started_counts();
        // Atoms held in their release count as releasing, so their molecule is not finished.
        let counts = (self.threads.held() == 0).then_some((h, o));
        check_molecules(&self.threads.trace().events(), counts).map_err(|message| {
            self.threads.abandon();
            format!(
                "atoms started in the order {} (after {when}): {message}",
                self.order
            )
        })
    }

    /// Every atom started: each must have returned.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        let (h, o) = self.started_counts();
        let molecules = (h / 2).min(o);
        let returned = self.threads.returned_count();
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
        self.threads
            .join_returned()
            .map_err(|(name, _)| format!("{name}'s thread did not end cleanly"))
    }

    /// The trace with each molecule on one line: arrivals as they happened, and each group of
    /// three releases, once all three have finished, as `molecule 1: H1 H2 O1` (its atoms
    /// sorted, since they release in whatever order the scheduler picks). Releases of a group
    /// that never finished are shown one step a line.
    pub(crate) fn rendered(&self) -> String {
        let mut out = String::new();
        let mut group: Vec<Step> = Vec::new();
        let mut molecules = 0;
        for step in self.threads.trace().whats() {
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

/// The call of `atom`'s thread on `h2o`: it arrives, and its release goes through its role's
/// print, from `Released` until `Finished`.
fn call(atom: Atom, h2o: &H2O, role: &Role<Step>) {
    role.record(Step::Arrived(atom));
    let release = || {
        role.print(|_| Step::Released(atom));
        role.record(Step::Finished(atom));
    };
    if atom.hydrogen {
        h2o.hydrogen(release);
    } else {
        h2o.oxygen(release);
    }
}

/// Runs one thread per atom of `order` on the system clock, all started at once, joins them
/// and returns the trace.
pub(crate) fn run_free(order: &str) -> Result<Vec<Event<Step>>, String> {
    let h2o = Arc::new(H2O::new());
    let mut threads = Runner::free();
    let atoms = atoms(order);
    for &atom in &atoms {
        let h2o = Arc::clone(&h2o);
        threads.spawn(atom.to_string(), move |role| call(atom, &h2o, &role));
    }
    for atom in atoms {
        match threads.join(&atom.to_string()) {
            Err(Unjoined::Running) => {
                return Err(format!(
                    "{atom} did not return within {:?} (deadlock or lost wake-up?)\ntrace:\n{}",
                    patience(),
                    threads.trace().excerpt(&[])
                ));
            }
            Err(why @ Unjoined::Panicked(_)) => {
                return Err(format!("{atom}'s thread {why}"));
            }
            Ok(()) => {}
        }
    }
    Ok(threads.trace().events())
}
