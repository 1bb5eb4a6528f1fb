//! Graded loom models: every interleaving of the finder and the printer for a tiny limit.
//! Built only with `RUSTFLAGS="--cfg course_loom"`. A lost wake-up shows as loom's "deadlock"
//! (every thread blocked, the printer still waiting); a spinning printer as loom's "exceeded
//! maximum number of branches" (it keeps running while everybody else is blocked).

use course_clock::VirtualClock;
use course_sync::{Arc, Mutex, model};
use prime_printer::PrimePrinter;
use std::time::Duration;

/// Who did what, in the order they did it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Found(u64),
    Printed(u64),
}

#[test]
fn the_primes_up_to_three_are_found_and_printed_in_turn_and_both_threads_end() {
    model(|| {
        let clock = VirtualClock::new();
        let events = Arc::new(Mutex::new(Vec::new()));
        let (found, printed) = (Arc::clone(&events), Arc::clone(&events));
        let printer = PrimePrinter::with_clock(
            clock.clock(),
            3,
            move |prime| found.lock().unwrap().push(Event::Found(prime)),
            move |prime| printed.lock().unwrap().push(Event::Printed(prime)),
        );
        // If the printer is asleep when the finder leaves without a notify, every thread ends up
        // blocked here and loom reports a deadlock.
        printer.join().expect("a thread panicked");
        let events = events.lock().unwrap().clone();
        assert_eq!(
            events,
            [
                Event::Found(2),
                Event::Printed(2),
                Event::Found(3),
                Event::Printed(3)
            ],
            "the finder must report each prime and then wait until the printer has printed it"
        );
    });
}

#[test]
fn the_printer_blocks_instead_of_spinning_while_the_finder_searches() {
    model(|| {
        let clock = VirtualClock::new();
        let printed = Arc::new(Mutex::new(Vec::new()));
        let searching = clock.clock();
        let sink = Arc::clone(&printed);
        // The finder "searches" for one virtual second before handing over 2.
        let printer = PrimePrinter::with_clock(
            clock.clock(),
            2,
            move |_| searching.sleep(Duration::from_secs(1)),
            move |prime| sink.lock().unwrap().push(prime),
        );
        // Time moves only once both threads are asleep on the clock. A printer that spins
        // (even with yield_now or spin_loop) never is, and is then the only thread left that
        // can run: loom lets it run until it exceeds the branch bound and fails the model.
        clock.wait_until_blocked(2);
        clock.advance_to_next_deadline();
        printer.join().expect("a thread panicked");
        assert_eq!(
            *printed.lock().unwrap(),
            [2],
            "the printer must print 2, once"
        );
    });
}

#[test]
fn with_no_prime_to_print_both_threads_end() {
    model(|| {
        let clock = VirtualClock::new();
        let printed = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&printed);
        let printer = PrimePrinter::with_clock(
            clock.clock(),
            1,
            |prime| panic!("the finder reported {prime}, but there is no prime up to 1"),
            move |prime| sink.lock().unwrap().push(prime),
        );
        // The printer may already be asleep when the finder finds nothing and leaves: only a
        // notify wakes it (loom reports a deadlock otherwise).
        printer.join().expect("a thread panicked");
        assert!(
            printed.lock().unwrap().is_empty(),
            "there is no prime up to 1"
        );
    });
}
