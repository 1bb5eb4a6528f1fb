//! Graded loom models: every interleaving of the three threads. Built only with
//! `RUSTFLAGS="--cfg course_loom"`. A lost wake-up shows as loom's "deadlock" (every thread
//! blocked, one still waiting for its turn); a thread that spins on a flag as loom's "exceeded
//! maximum number of branches" (it keeps running while the thread it waits for never does).

use course_clock::VirtualClock;
use course_sync::{Arc, Mutex, model, thread};
use print_in_order::PrintInOrder;

#[test]
fn in_every_interleaving_the_lines_come_out_first_second_third() {
    model(|| {
        let clock = VirtualClock::new();
        let in_order = Arc::new(PrintInOrder::with_clock(clock.clock()));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let third = {
            let (in_order, lines) = (Arc::clone(&in_order), Arc::clone(&lines));
            thread::spawn(move || in_order.third(|| lines.lock().unwrap().push("third")))
        };
        let second = {
            let (in_order, lines) = (Arc::clone(&in_order), Arc::clone(&lines));
            thread::spawn(move || in_order.second(|| lines.lock().unwrap().push("second")))
        };
        in_order.first(|| lines.lock().unwrap().push("first"));
        second.join().expect("the second thread panicked");
        third.join().expect("the third thread panicked");
        assert_eq!(
            *lines.lock().unwrap(),
            ["first", "second", "third"],
            "the lines must come out first, second, third in every interleaving"
        );
    });
}
