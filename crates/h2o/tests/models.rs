//! Graded loom models: every interleaving (up to the preemption bound) of the three atoms of one
//! molecule. Built only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! An atom that releases before its molecule is complete does so in the interleavings where
//! the others have not arrived yet, which the release callbacks below report; an atom that
//! misses the wake-up saying its molecule is complete sleeps for good (loom's deadlock); an atom
//! that spins until its molecule is complete keeps running while its partners never do, and
//! exceeds loom's branch bound.
//!
//! The model explores with a preemption bound of 2 instead of the course's 3: each of the bugs
//! above already shows with one preemption (an atom that releases early, a partner that finds
//! its molecule undone before it looked, a spin), and a bound of 3 takes eight seconds of a
//! debug build where 2 takes one.

use course_clock::VirtualClock;
use course_sync::{Arc, model_with_bound, thread};
use h2o::H2O;
use std::sync::Mutex;

#[test]
fn one_molecule_releases_only_once_all_three_atoms_have_arrived() {
    model_with_bound(2, || {
        let clock = VirtualClock::new();
        let h2o = Arc::new(H2O::with_clock(clock.clock()));
        // A std mutex: bookkeeping of the test, not part of what loom explores.
        let log = std::sync::Arc::new(Mutex::new((0usize, Vec::new())));
        let atom = |name: &'static str| {
            let log = std::sync::Arc::clone(&log);
            move || {
                let mut log = log.lock().unwrap();
                let arrived = log.0;
                assert_eq!(
                    arrived, 3,
                    "{name} released when only {arrived} of the molecule's three atoms had \
                     arrived: an atom must wait until its molecule is complete"
                );
                log.1.push(name);
            }
        };
        let arrive = |log: &std::sync::Arc<Mutex<(usize, Vec<&'static str>)>>| {
            log.lock().unwrap().0 += 1;
        };
        let hydrogens: Vec<_> = ["H1", "H2"]
            .into_iter()
            .map(|name| {
                let (h2o, log, release) =
                    (Arc::clone(&h2o), std::sync::Arc::clone(&log), atom(name));
                thread::spawn(move || {
                    arrive(&log);
                    h2o.hydrogen(release);
                })
            })
            .collect();
        arrive(&log);
        h2o.oxygen(atom("O1"));
        for hydrogen in hydrogens {
            hydrogen.join().expect("a hydrogen thread panicked");
        }
        let mut released = log.lock().unwrap().1.clone();
        released.sort_unstable();
        assert_eq!(
            released,
            ["H1", "H2", "O1"],
            "each atom of the molecule must release exactly once"
        );
    });
}
