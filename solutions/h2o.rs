//! H2O: hydrogen and oxygen threads bond into water molecules, two H and one O at a time, one
//! molecule after another.
//!
//! Goal: every thread that calls `hydrogen` or `oxygen` is one atom. An atom may not leave (call
//! its `release` callback) until it is part of a complete molecule: two hydrogens and one oxygen
//! that have all arrived. The three atoms of a molecule then release, in any order, and the next
//! molecule's atoms may release only once all three have finished. So the releases, read in
//! order, come in groups of three, each with two H and one O, and the groups never overlap.
//! Atoms that arrive while a molecule is full, or while it is releasing, wait for the next one.
//!
//! What to build in this file:
//!
//! - `H2O::with_clock`: the shared state (the molecule being formed) and its condition variable;
//! - `bond`: what every atom does: wait for a free place of its kind, take it, wait until the
//!   molecule is complete, release, and let the next molecule form once all three are out;
//! - `hydrogen` and `oxygen`: one call of `bond` each.
//!
//! The molecule is a rendezvous, a barrier for three threads with a rule on who may take part.
//! No atom may sleep or spin to wait: each waits on the condition variable. Wait only through
//! `course_clock::Condvar`, made from the clock you are given, and lock only `course_sync`
//! mutexes: that is how the graded suite sees that your threads are asleep, and how loom tries
//! every interleaving.
//!
//! Chapter: `docs/src/part6/h2o.md`.
//! Check your work with `cargo xtask check h2o`; stuck? `cargo xtask hint h2o`.

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// Hydrogen and oxygen atoms (threads) bonding into water, one molecule at a time.
pub struct H2O {
    /// The molecule being formed or released. Held only to look at it or change it; never while
    /// an atom's `release` runs.
    molecule: Mutex<Molecule>,
    /// Notified (all) whenever the molecule changes: an atom took a place (the others may now be
    /// complete), or the last atom left (waiting atoms may take the free places). Atoms wait for
    /// different things on it, so every change wakes them all.
    changed: Condvar,
}

/// The places of the molecule being formed, behind the lock.
#[derive(Default)]
struct Molecule {
    /// Hydrogens that took a place in it: 0, 1 or 2.
    hydrogens: usize,
    /// Oxygens that took a place in it: 0 or 1.
    oxygens: usize,
    /// Atoms of it that have released and left: 0 to 3. At 3 the molecule is done, and its
    /// places are freed for the next one, all at once.
    left: usize,
}

/// What an atom is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Element {
    Hydrogen,
    Oxygen,
}

/// Atoms in one molecule.
const ATOMS: usize = 3;

impl Molecule {
    /// Whether an atom of `element` can take a place: two for hydrogen, one for oxygen. A full
    /// molecule keeps its places until its last atom has left, so nobody joins it while it is
    /// releasing.
    fn has_room_for(&self, element: Element) -> bool {
        match element {
            Element::Hydrogen => self.hydrogens < 2,
            Element::Oxygen => self.oxygens < 1,
        }
    }

    fn take_place(&mut self, element: Element) {
        match element {
            Element::Hydrogen => self.hydrogens += 1,
            Element::Oxygen => self.oxygens += 1,
        }
    }

    fn is_complete(&self) -> bool {
        self.hydrogens + self.oxygens == ATOMS
    }
}

impl Default for H2O {
    fn default() -> Self {
        Self::new()
    }
}

impl H2O {
    /// Atoms waiting on the system clock.
    pub fn new() -> Self {
        Self::with_clock(Clock::system())
    }

    /// Atoms waiting on `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        H2O {
            molecule: Mutex::new(Molecule::default()),
            changed: Condvar::new(&clock),
        }
    }

    /// One hydrogen atom: returns after `release_hydrogen` ran, as part of a complete molecule.
    pub fn hydrogen(&self, release_hydrogen: impl FnOnce()) {
        self.bond(Element::Hydrogen, release_hydrogen);
    }

    /// One oxygen atom: returns after `release_oxygen` ran, as part of a complete molecule.
    pub fn oxygen(&self, release_oxygen: impl FnOnce()) {
        self.bond(Element::Oxygen, release_oxygen);
    }

    fn lock(&self) -> MutexGuard<'_, Molecule> {
        // Each change of the molecule is one field updated under the lock, and no callback runs
        // under it: a poisoned lock still holds a consistent molecule.
        self.molecule.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&'a self, guard: MutexGuard<'a, Molecule>) -> MutexGuard<'a, Molecule> {
        // Releases the lock once this atom is registered as waiting: a change made (and
        // notified) after our check cannot be missed. A wake-up only means "look again".
        self.changed
            .wait(&self.molecule, guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The rendezvous every atom goes through.
    fn bond(&self, element: Element, release: impl FnOnce()) {
        let mut molecule = self.lock();
        // 1. A place of our kind in the molecule being formed. A full (or releasing) molecule
        //    has none until its last atom leaves.
        while !molecule.has_room_for(element) {
            molecule = self.wait(molecule);
        }
        molecule.take_place(element);
        // We may be the atom that completes it: the two others wait for that.
        self.changed.notify_all();
        // 2. Wait until the molecule is complete. It stays complete until all three of its
        //    atoms have left, and we have not, so this sees it.
        while !molecule.is_complete() {
            molecule = self.wait(molecule);
        }
        // 3. Release outside the lock: the places stay taken, so no other atom can join or
        //    release until we have left.
        drop(molecule);
        release();
        // 4. Leave. The last atom out frees all the places at once and wakes the atoms waiting
        //    for one: the next molecule starts only now, so groups never overlap.
        let mut molecule = self.lock();
        molecule.left += 1;
        if molecule.left == ATOMS {
            *molecule = Molecule::default();
            self.changed.notify_all();
        }
    }
}
