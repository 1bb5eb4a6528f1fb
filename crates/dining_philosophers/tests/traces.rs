//! Graded traces (insta): gated dinners whose steps are unique once the rule "lower-numbered
//! fork first" is kept, compared with the committed snapshots in `tests/snapshots/`. (The order
//! in which a philosopher puts down its two forks is its own: the rendering sorts it.)

use crate::harness::{Lab, OrFail, Turns};

#[test]
fn three_philosophers_taking_turns_in_seat_order() {
    let mut lab = Lab::new(3, 1);
    lab.run(&[0, 1, 2], &Turns::RoundRobin).or_fail();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Round the table one step at a time: P0 and P1 reach for their left forks, P2 for its \
         right one (fork 0, its lower-numbered). P0 gets fork 0 first, so P2 waits with empty \
         hands; P1 is the first to hold both its forks and eats, then P0, then P2.",
    );
    settings.bind(|| insta::assert_snapshot!("three_in_seat_order", lab.rendered()));
}

#[test]
fn five_philosophers_each_grabbing_a_fork_before_the_next_starts() {
    let order = [0, 1, 2, 3, 4];
    let mut lab = Lab::new(5, 1);
    lab.everyone_grabs_a_fork(&order).or_fail();
    lab.run(&order, &Turns::RoundRobin).or_fail();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Each philosopher goes on until it holds a fork before the next starts. P0 to P3 pick \
         up their left forks; P4's lower-numbered fork is fork 0, in P0's hand, so P4 waits \
         with empty hands and fork 4 stays on the table. P3 takes it and eats first; then the \
         forks pass back round the table.",
    );
    settings.bind(|| insta::assert_snapshot!("five_grab_a_fork", lab.rendered()));
}
