//! Graded cases (rstest): gated dinners, where the test lets one philosopher make one step at a
//! time (see `harness`): alone at the table; three philosophers in every start order; tables of
//! two to six; the schedule where everyone grabs a fork before anyone reaches for a second. And
//! one dinner on free threads, where the locks alone keep the order.

use crate::harness::{Lab, OrFail, Turns, run_free};
use dining_philosophers::Table;
use rstest::rstest;

/// The philosophers' threads share one `Table` through `&self`.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<Table>();
};

#[test]
fn smoke_a_philosopher_alone_at_the_table_picks_up_both_forks_eats_and_puts_them_down() {
    let mut lab = Lab::with_diners(3, 1, &[0]);
    lab.run(&[0], &Turns::RoundRobin).or_fail();
}

#[test]
fn a_philosopher_keeps_both_forks_locked_until_it_has_eaten() {
    let mut lab = Lab::with_diners(3, 1, &[0]);
    lab.start(0).or_fail();
    let mut steps = 0;
    while !lab.about_to_eat(0) {
        steps += 1;
        if steps > 8 || !lab.can_move(0) {
            panic!(
                "{}",
                lab.failure(
                    "P0, alone at the table, did not get to eat within its first steps: it \
                     should reach for and pick up its two forks, then eat",
                    &[],
                )
            );
        }
        lab.step(0).or_fail();
    }
    for fork in [0, 1] {
        if !lab.fork_is_locked(fork) {
            panic!(
                "{}",
                lab.failure(
                    format!(
                        "P0 is about to eat, and fork {fork}'s lock is free: a philosopher keeps \
                         both forks locked until its meal is over (keep both guards alive \
                         across eat)"
                    ),
                    &[],
                )
            );
        }
    }
    if lab.fork_is_locked(2) {
        panic!(
            "{}",
            lab.failure(
                "P0 is about to eat, and fork 2, which is not one of its forks, is locked",
                &[],
            )
        );
    }
    lab.run(&[0], &Turns::RoundRobin).or_fail();
}

#[rstest]
#[case::p0_p1_p2([0, 1, 2])]
#[case::p0_p2_p1([0, 2, 1])]
#[case::p1_p0_p2([1, 0, 2])]
#[case::p1_p2_p0([1, 2, 0])]
#[case::p2_p0_p1([2, 0, 1])]
#[case::p2_p1_p0([2, 1, 0])]
fn three_philosophers_taking_turns_step_by_step_all_eat_whatever_the_start_order(
    #[case] order: [usize; 3],
) {
    Lab::new(3, 2).run(&order, &Turns::RoundRobin).or_fail();
}

#[rstest]
#[case::two_seats_one_meal(2, 1)]
#[case::two_seats_three_meals(2, 3)]
#[case::three_seats_no_meal(3, 0)]
#[case::four_seats_two_meals(4, 2)]
#[case::five_seats_one_meal(5, 1)]
#[case::six_seats_two_meals(6, 2)]
fn every_philosopher_at_tables_of_two_to_six_eats_exactly_the_meals_asked(
    #[case] seats: usize,
    #[case] meals: usize,
) {
    let order: Vec<usize> = (0..seats).collect();
    Lab::new(seats, meals)
        .run(&order, &Turns::RoundRobin)
        .or_fail();
}

#[rstest]
#[case::two_in_seat_order(2, false)]
#[case::three_in_reverse_order(3, true)]
#[case::five_in_seat_order(5, false)]
#[case::five_in_reverse_order(5, true)]
fn everyone_grabbing_a_fork_before_anyone_reaches_for_a_second_is_no_deadlock(
    #[case] seats: usize,
    #[case] reversed: bool,
) {
    let mut order: Vec<usize> = (0..seats).collect();
    if reversed {
        order.reverse();
    }
    let mut lab = Lab::new(seats, 1);
    lab.everyone_grabs_a_fork(&order).or_fail();
    if (0..seats).all(|seat| lab.holding(seat).len() == 1) {
        panic!(
            "{}",
            lab.failure(
                format!(
                    "started one after the other, each of the {seats} philosophers picked up \
                     one fork, and now every fork is in a hand while everyone reaches for a \
                     second one: nobody can ever eat. That is the deadlock of the dining \
                     philosophers, and what happens when everyone takes the fork on the same \
                     side first. Pick up the lower-numbered fork first: then the last \
                     philosopher reaches for fork 0 before anything else, and waits with empty \
                     hands"
                ),
                &[],
            )
        );
    }
    lab.run(&order, &Turns::RoundRobin).or_fail();
}

#[test]
fn five_philosophers_on_free_threads_eat_two_hundred_meals_each_by_the_rules() {
    run_free(5, 200).or_fail();
}
