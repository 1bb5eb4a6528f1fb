//! Graded loom models: every interleaving of a man and a woman (and a second man) arriving at
//! the bathroom together. Built only with `RUSTFLAGS="--cfg course_loom"`. Each visitor counts
//! itself in and out with atomics, so a man and a woman inside together fail an assertion, and
//! loom reports a visitor who never gets in as a deadlock.

use course_clock::VirtualClock;
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};
use unisex_bathroom::{Bathroom, Gender};

/// How many of each gender are inside, counted by the model itself (SeqCst: one order for all).
#[derive(Default)]
struct Inside {
    women: AtomicUsize,
    men: AtomicUsize,
}

impl Inside {
    fn counts(&self, gender: Gender) -> (&AtomicUsize, &AtomicUsize) {
        match gender {
            Gender::Female => (&self.women, &self.men),
            Gender::Male => (&self.men, &self.women),
        }
    }
}

fn visit(bathroom: &Bathroom, inside: &Inside, gender: Gender) {
    let visit = bathroom.enter(gender);
    let (mine, theirs) = inside.counts(gender);
    let together = mine.fetch_add(1, Ordering::SeqCst) + 1;
    assert_eq!(
        theirs.load(Ordering::SeqCst),
        0,
        "a man and a woman were in the bathroom together: the check that the bathroom is free \
         and the entry must happen under one acquisition of the lock"
    );
    assert!(
        together <= bathroom.capacity(),
        "more people inside than the capacity"
    );
    mine.fetch_sub(1, Ordering::SeqCst);
    drop(visit);
}

fn scenario(capacity: usize, others: &'static [Gender]) {
    model(move || {
        let clock = VirtualClock::new();
        let bathroom = Arc::new(Bathroom::with_clock(capacity, &clock.clock()));
        let inside = Arc::new(Inside::default());
        let threads: Vec<_> = others
            .iter()
            .map(|&gender| {
                let (bathroom, inside) = (Arc::clone(&bathroom), Arc::clone(&inside));
                thread::spawn(move || visit(&bathroom, &inside, gender))
            })
            .collect();
        visit(&bathroom, &inside, Gender::Female);
        for thread in threads {
            thread.join().unwrap();
        }
    });
}

#[test]
fn a_man_and_a_woman_arriving_together_never_meet_inside() {
    scenario(3, &[Gender::Male]);
}

#[test]
fn two_men_and_a_woman_never_mix_with_room_for_one() {
    scenario(1, &[Gender::Male, Gender::Male]);
}
