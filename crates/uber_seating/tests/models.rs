//! Graded loom models: every interleaving of the four riders of one ride (up to a preemption
//! bound). Built only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! Each rider's callbacks count, with atomics, how many riders are seated and how many drove;
//! the model asserts after joining every rider (loom cannot unwind a failed model past threads
//! that still run): all four seated, one driver, and that driver saw four riders seated when
//! it drove. A ride that never forms is a deadlock, which loom reports.
//!
//! Four riders are four threads: the models explore with a preemption bound of 1 instead of
//! the course's 3, which keeps them to seconds. The bugs they look for need none: a driver who
//! drives before its passengers sit, or a second driver, shows in the schedules loom tries
//! first.

use course_clock::VirtualClock;
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model_with_bound, thread};
use uber_seating::{Party, UberSeating};

/// What the riders' callbacks saw, counted by the model itself.
#[derive(Default)]
struct Seen {
    seated: AtomicUsize,
    drives: AtomicUsize,
    /// How many riders were seated when the (last) driver drove.
    seated_at_drive: AtomicUsize,
}

fn ride(seating: &UberSeating, seen: &Seen, party: Party) {
    seating.board(
        party,
        |_| {
            seen.seated.fetch_add(1, Ordering::SeqCst);
        },
        |_| {
            seen.drives.fetch_add(1, Ordering::SeqCst);
            let seated = seen.seated.load(Ordering::SeqCst);
            seen.seated_at_drive.store(seated, Ordering::SeqCst);
        },
    );
}

fn one_ride(parties: [Party; 4]) {
    model_with_bound(1, move || {
        let clock = VirtualClock::new();
        let seating = Arc::new(UberSeating::with_clock(clock.clock()));
        let seen = Arc::new(Seen::default());
        let riders: Vec<_> = parties[1..]
            .iter()
            .map(|&party| {
                let (seating, seen) = (Arc::clone(&seating), Arc::clone(&seen));
                thread::spawn(move || ride(&seating, &seen, party))
            })
            .collect();
        ride(&seating, &seen, parties[0]);
        for rider in riders {
            rider.join().unwrap();
        }
        assert_eq!(
            seen.seated.load(Ordering::SeqCst),
            4,
            "every rider is seated"
        );
        assert_eq!(
            seen.drives.load(Ordering::SeqCst),
            1,
            "a ride has exactly one driver: the rider whose arrival completed it"
        );
        assert_eq!(
            seen.seated_at_drive.load(Ordering::SeqCst),
            4,
            "the driver drove before all four riders were seated"
        );
    });
}

#[test]
fn two_and_two_ride_once_with_one_driver_after_all_are_seated() {
    one_ride([
        Party::Democrat,
        Party::Republican,
        Party::Democrat,
        Party::Republican,
    ]);
}

#[test]
fn four_of_a_party_ride_once_with_one_driver_after_all_are_seated() {
    one_ride([Party::Republican; 4]);
}
