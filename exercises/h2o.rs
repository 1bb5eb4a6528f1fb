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

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar};
use course_sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// Hydrogen and oxygen atoms (threads) bonding into water, one molecule at a time.
pub struct H2O {
    /// The molecule being formed or released.
    // TODO: when must this lock be held? May it be held while an atom's `release` runs?
    molecule: Mutex<Molecule>,
    /// Notified when the molecule changes.
    // TODO: which changes must be notified? Atoms wait here for different things: one or all?
    changed: Condvar,
}

/// The places of the molecule being formed, behind the lock.
#[derive(Default)]
struct Molecule {
    /// Hydrogens that took a place in it: 0, 1 or 2.
    hydrogens: usize,
    /// Oxygens that took a place in it: 0 or 1.
    oxygens: usize,
    /// Atoms of it that have released and left: 0 to 3.
    // TODO: what happens when the third atom leaves? Why not free each place as its atom leaves?
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
        // TODO: two places for hydrogen, one for oxygen.
        todo!("Molecule::has_room_for")
    }

    fn take_place(&mut self, element: Element) {
        // TODO: count the atom in.
        todo!("Molecule::take_place")
    }

    fn is_complete(&self) -> bool {
        // TODO: all three places taken.
        todo!("Molecule::is_complete")
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
        // TODO: `with_clock` on `Clock::system()`.
        todo!("H2O::new")
    }

    /// Atoms waiting on `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        // TODO: an empty molecule; the condition variable made from `clock`.
        todo!("H2O::with_clock")
    }

    /// One hydrogen atom: returns after `release_hydrogen` ran, as part of a complete molecule.
    pub fn hydrogen(&self, release_hydrogen: impl FnOnce()) {
        // TODO: `bond` as hydrogen.
        todo!("H2O::hydrogen")
    }

    /// One oxygen atom: returns after `release_oxygen` ran, as part of a complete molecule.
    pub fn oxygen(&self, release_oxygen: impl FnOnce()) {
        // TODO: `bond` as oxygen.
        todo!("H2O::oxygen")
    }

    fn lock(&self) -> MutexGuard<'_, Molecule> {
        // TODO: lock the molecule. What should a poisoned lock mean here?
        todo!("H2O::lock")
    }

    fn wait<'a>(&'a self, guard: MutexGuard<'a, Molecule>) -> MutexGuard<'a, Molecule> {
        // TODO: wait on `changed` (it takes the mutex as well as the guard).
        todo!("H2O::wait")
    }

    /// The rendezvous every atom goes through.
    fn bond(&self, element: Element, release: impl FnOnce()) {
        // TODO: 1. wait (in a loop) for a place of your kind, take it, and notify: you may be
        // the atom that completes the molecule.
        // TODO: 2. wait (in a loop) until the molecule is complete.
        // TODO: 3. release. Under the lock or outside it?
        // TODO: 4. leave; the last atom out frees every place and wakes the waiting atoms.
        todo!("H2O::bond")
    }
}
