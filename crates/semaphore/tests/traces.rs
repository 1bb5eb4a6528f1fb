//! Graded traces (insta): the seed's run, five threads sharing three permits, in a schedule
//! the test forces step by step, so its correct trace is unique; compared with the committed
//! snapshot in `tests/snapshots/`.

use crate::harness::{How, Team};

/// Compares `trace` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, trace: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Three threads run at once; the fourth and fifth ask while all three permits are held, \
         so they sleep until a running thread gives its permit back; then each gets in at \
         once. Never more than three holders.",
    );
    settings.bind(|| insta::assert_snapshot!(name, trace));
}

#[test]
fn the_seeds_five_threads_share_three_permits_in_a_forced_order() {
    let mut team = Team::new(3);
    let workers: Vec<_> = (0..5).map(|_| team.spawn(How::Acquire)).collect();
    for &worker in &workers[..3] {
        team.start(worker);
        team.await_entered(worker, "a permit was free");
    }
    // Thread 4 asks while all three are held, and sleeps; thread 1 finishes, and thread 4 gets
    // its permit. Then the same for thread 5 and thread 2.
    for (waiter, leaver) in [(4, 1), (5, 2)] {
        team.start(waiter);
        team.await_waiting(waiter, 1);
        team.finish(leaver).expect("a worker gives its permit back");
        team.await_entered(
            waiter,
            "it was asleep in acquire and a running thread gave its permit back",
        );
    }
    for worker in [3, 4, 5] {
        team.finish(worker).expect("a worker gives its permit back");
    }
    team.check_over_admission();
    team.trace.record(crate::harness::Event::Note(format!(
        "all threads have completed their tasks; {} permits are free",
        team.semaphore.available_permits()
    )));
    snapshot("seed_run", &team.rendered());
}
