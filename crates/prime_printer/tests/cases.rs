//! Graded cases (rstest): the primes printed, the turns taken, the threads ending, and the
//! printer asleep (not spinning) while the finder searches; one smoke test on the real clock.

use crate::harness::{CountDownOnDrop, OrFail, Run, sieve};
use course_testkit::{Latch, patience};
use prime_printer::PrimePrinter;
use rstest::rstest;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn smoke_the_primes_up_to_ten_are_found_and_printed_in_turn() {
    let mut run = Run::start(10);
    run.join().or_fail();
    run.check_alternation().or_fail();
}

#[rstest]
#[case::two(2)]
#[case::three(3)]
#[case::four(4)]
#[case::thirteen(13)]
#[case::fifty(50)]
#[case::two_hundred(200)]
fn the_printer_prints_exactly_the_primes_up_to_the_limit_in_turn_with_the_finder(
    #[case] limit: u64,
) {
    let mut run = Run::start(limit);
    run.join().or_fail();
    run.check_alternation().or_fail();
}

#[rstest]
#[case::one_prime(2)]
#[case::limit_is_prime(7)]
#[case::limit_is_composite(10)]
#[case::many(100)]
fn both_threads_end_once_the_last_prime_is_printed(#[case] limit: u64) {
    let mut run = Run::start(limit);
    run.join().or_fail();
}

#[rstest]
#[case::one_prime(2)]
#[case::four_primes(10)]
#[case::ten_primes(29)]
fn the_printer_sleeps_while_the_finder_searches(#[case] limit: u64) {
    // Each report of a prime sleeps one virtual second: the finder is busy "searching". All that
    // time the printer has nothing to print, and must be asleep on the condition variable.
    let mut run = Run::start_with(limit, Some(Duration::from_secs(1)));
    for prime in sieve(limit) {
        if !run.clock.wait_until_blocked_for(2, patience()) {
            panic!(
                "{}",
                run.failure(
                    format!(
                        "while the finder was searching after {prime} (asleep on the clock), \
                         the printer did not go to sleep within {:?} (threads blocked on the \
                         clock: {}): it spins, re-checking the flag in a loop, instead of \
                         waiting on the condition variable",
                        patience(),
                        run.clock.blocked()
                    ),
                    &[],
                )
            );
        }
        run.clock.advance_to_next_deadline();
    }
    run.join().or_fail();
    run.check_alternation().or_fail();
}

#[test]
fn real_clock_smoke_the_primes_up_to_thirty_are_printed_in_order() {
    let printed = Arc::new(Mutex::new(Vec::new()));
    let found = Arc::new(Mutex::new(Vec::new()));
    let printer = {
        let (printed, found) = (Arc::clone(&printed), Arc::clone(&found));
        PrimePrinter::start(
            30,
            move |prime| found.lock().unwrap().push(prime),
            move |prime| printed.lock().unwrap().push(prime),
        )
    };
    let joined = Arc::new(Latch::new(1));
    let joiner = {
        let joined = Arc::clone(&joined);
        std::thread::spawn(move || {
            let _count = CountDownOnDrop(joined);
            printer.join()
        })
    };
    assert!(
        joined.wait_patiently(),
        "on the real clock, the finder and printer for the primes up to 30 did not both end \
         within {:?} (printed so far: {:?})",
        patience(),
        printed.lock().unwrap()
    );
    assert!(
        joiner.join().expect("join panicked").is_ok(),
        "a thread panicked"
    );
    let want = sieve(30);
    assert_eq!(
        *printed.lock().unwrap(),
        want,
        "on the real clock, the printer must print exactly the primes up to 30, in order"
    );
    assert_eq!(
        *found.lock().unwrap(),
        want,
        "on the real clock, the finder must report exactly the primes up to 30, in order"
    );
}
