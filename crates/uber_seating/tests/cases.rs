//! Graded cases (rstest): arrival orders forced one rider at a time, and a ride whose passengers
//! are held back from sitting down.

use crate::harness::{OrFail, Scenario, party_of};
use course_testkit::Gate;
use rstest::rstest;
use std::sync::Arc;

#[test]
fn smoke_four_democrats_form_one_ride_with_one_driver() {
    let mut s = Scenario::new();
    s.arrive_in_order("DDDD").or_fail();
    if s.drives() != 1 || s.seated() != 4 {
        s.trace.fail(
            format!(
                "four Democrats arrived: expected one ride of four with one driver, got {} \
                 seated and {} drive(s)",
                s.seated(),
                s.drives()
            ),
            &[],
        );
    }
}

#[rstest]
fn two_democrats_and_two_republicans_in_any_order_form_one_valid_ride(
    #[values("DDRR", "DRDR", "DRRD", "RDDR", "RDRD", "RRDD")] order: &str,
) {
    let mut s = Scenario::new();
    s.arrive_in_order(order).or_fail();
    if s.drives() != 1 || s.seated() != 4 {
        s.trace.fail(
            format!(
                "riders arrived in the order {order}: expected one ride of two and two with one \
                 driver, got {} seated and {} drive(s)",
                s.seated(),
                s.drives()
            ),
            &[],
        );
    }
}

#[rstest]
fn three_and_one_never_ride_together_and_the_next_rider_makes_two_and_two(
    #[values("DDDR", "DRDD", "RDDD", "RRRD", "RDRR")] order: &str,
) {
    let mut s = Scenario::new();
    s.arrive_in_order(order).or_fail();
    if s.seated() != 0 {
        s.trace.fail(
            format!(
                "riders arrived in the order {order}: three of one party and one of the other \
                 must not ride together, yet {} were seated",
                s.seated()
            ),
            &[],
        );
    }
    // One more of the minority party makes two and two possible.
    let minority = if order.matches('D').count() == 1 {
        'D'
    } else {
        'R'
    };
    s.spawn_rider(party_of(minority), None);
    s.quiesce().or_fail();
    s.check().or_fail();
    if s.drives() != 1 {
        s.trace.fail(
            format!(
                "after {order} and one more {minority}, two and two can ride: expected one ride, \
                 got {} drive(s)",
                s.drives()
            ),
            &[],
        );
    }
}

#[rstest]
fn longer_arrival_orders_seat_everyone_the_counts_allow(
    #[values(
        "DDDRDRRR",
        "RRRDDDDD",
        "DRDRDRDRDRDR",
        "DDDDDDRRRRRR",
        "RDDDRDDRRRDD",
        "DDDRRRDR"
    )]
    order: &str,
) {
    let mut s = Scenario::new();
    s.arrive_in_order(order).or_fail();
}

#[rstest]
fn the_driver_drives_only_after_all_four_riders_are_seated(
    #[values("DDDD", "DDRR", "RDRD")] order: &str,
) {
    let mut s = Scenario::new();
    // The first three riders' `seated` callbacks wait at the gate: they are in the car but not
    // sitting down yet when the fourth arrives and completes the ride.
    let gate = Arc::new(Gate::new());
    let letters: Vec<char> = order.chars().collect();
    for letter in &letters[..3] {
        s.spawn_rider(party_of(*letter), Some(Arc::clone(&gate)));
        s.quiesce().or_fail();
    }
    s.spawn_rider(party_of(letters[3]), None);
    // Once the three passengers are held at the gate, none of them is asleep at the pick-up
    // point: a rider asleep there now is the driver, waiting for them as it should; a driver
    // that does not wait drives and leaves. Then the passengers sit down after the driver, so
    // the last one to sit is a passenger: it must not drive too.
    s.wait_for(
        "the three passengers at the gate, and the driver waiting for them or leaving",
        |s| s.at_gate() == 3 && (s.clock.blocked() >= 1 || s.returned() >= 1),
    )
    .or_fail();
    gate.open();
    s.quiesce().or_fail();
    s.check().or_fail();
    if s.drives() != 1 {
        s.trace.fail(
            format!(
                "one ride of {order}: expected one drive, got {}",
                s.drives()
            ),
            &[],
        );
    }
}
