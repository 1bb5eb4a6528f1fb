//! Graded cases (rstest): the three threads started in every possible order, each only once
//! the ones before it have printed or gone to sleep; the states in between; and one smoke test
//! on the real clock.

use crate::harness::{LINES, OrFail, spawn_threads};
use course_testkit::patience;
use print_in_order::PrintInOrder;
use rstest::rstest;
use std::sync::{Arc, Mutex};

/// The three threads share one `PrintInOrder` through `&self`.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<PrintInOrder>();
};

#[test]
fn smoke_the_lines_come_out_in_order_when_the_threads_start_in_order() {
    let order = ["first", "second", "third"];
    let mut run = spawn_threads(&order);
    run.start_in_order(&order).or_fail();
    run.finish().or_fail();
    run.check_printed(&LINES, &order).or_fail();
}

#[rstest]
#[case::first_second_third(["first", "second", "third"])]
#[case::first_third_second(["first", "third", "second"])]
#[case::second_first_third(["second", "first", "third"])]
#[case::second_third_first(["second", "third", "first"])]
#[case::third_first_second(["third", "first", "second"])]
#[case::third_second_first(["third", "second", "first"])]
fn the_lines_come_out_first_second_third_whatever_the_start_order(#[case] order: [&str; 3]) {
    let mut run = spawn_threads(&order);
    run.start_in_order(&order).or_fail();
    run.finish().or_fail();
    run.check_printed(&LINES, &order).or_fail();
}

#[test]
fn second_and_third_sleep_and_print_nothing_until_first_has_printed() {
    let order = ["third", "second", "first"];
    let mut run = spawn_threads(&order);
    run.start("third").or_fail();
    run.start("second").or_fail();
    if let Some((seq, line)) = run.printed().first() {
        panic!(
            "{}",
            run.failure(
                format!(
                    "{line:?} came out while first() had not even been called: second and \
                     third must wait for the first line"
                ),
                &[*seq],
            )
        );
    }
    let blocked = run.clock().blocked();
    if blocked != 2 {
        panic!(
            "{}",
            run.failure(
                format!(
                    "with third() and second() called and first() not, {blocked} thread(s) \
                     were asleep on the clock, not 2: both must sleep until their turn"
                ),
                &[],
            )
        );
    }
    run.start("first").or_fail();
    run.finish().or_fail();
    run.check_printed(&LINES, &order).or_fail();
}

#[test]
fn third_keeps_waiting_when_first_is_out_but_second_is_not() {
    let order = ["third", "first", "second"];
    let mut run = spawn_threads(&order);
    run.start("third").or_fail();
    run.start("first").or_fail();
    let printed = run.printed();
    let lines: Vec<&str> = printed.iter().map(|(_, line)| line.as_str()).collect();
    if lines != ["first"] {
        let focus: Vec<usize> = printed.iter().map(|(seq, _)| *seq).collect();
        panic!(
            "{}",
            run.failure(
                format!(
                    "third() was waiting and first() has returned, second() not called yet: \
                     exactly [\"first\"] should be out, but {lines:?} came out. Being woken is \
                     not being given the turn: a woken thread must check again that its turn \
                     has come (a `while` loop, not an `if`)"
                ),
                &focus,
            )
        );
    }
    run.start("second").or_fail();
    run.finish().or_fail();
    run.check_printed(&LINES, &order).or_fail();
}

#[test]
fn both_waiting_threads_are_woken_in_turn_when_they_waited_in_reverse_order() {
    // third waits first, then second: a notify that wakes only the longest waiter wakes third,
    // whose turn has not come, and never second.
    let order = ["third", "second", "first"];
    let mut run = spawn_threads(&order);
    run.start_in_order(&order).or_fail();
    run.finish().or_fail();
    run.check_printed(&LINES, &order).or_fail();
}

#[test]
fn real_clock_smoke_a_waiting_thread_prints_once_its_turn_comes() {
    for in_order in [PrintInOrder::new(), PrintInOrder::default()] {
        let in_order = Arc::new(in_order);
        let lines = Arc::new(Mutex::new(Vec::new()));
        // The second line's thread is spawned first, so it usually waits, on the system clock,
        // for the first line, which this thread prints; then this thread prints the third.
        // Only one thread ever waits, and only for its own turn, so the test's outcome does not
        // depend on the scheduler.
        let second = {
            let (in_order, lines) = (Arc::clone(&in_order), Arc::clone(&lines));
            std::thread::spawn(move || in_order.second(|| lines.lock().unwrap().push("second")))
        };
        in_order.first(|| lines.lock().unwrap().push("first"));
        let joined = course_testkit::join_patiently(second);
        assert!(
            joined.is_some(),
            "on the real clock, second() had not returned {:?} after first() returned (lines \
             so far: {:?}): was it woken when the first line came out?",
            patience(),
            lines.lock().unwrap()
        );
        assert!(
            joined.is_some_and(|result| result.is_ok()),
            "on the real clock, the second thread panicked"
        );
        in_order.third(|| lines.lock().unwrap().push("third"));
        assert_eq!(
            *lines.lock().unwrap(),
            LINES,
            "on the real clock, the lines must come out first, second, third"
        );
    }
}
