//! Graded traces (insta): the seed's run, five threads reporting `n_waiting` before they wait,
//! with their arrivals forced into one order, so its correct trace is unique; compared with the
//! committed snapshot in `tests/snapshots/`.

use crate::harness::{Event, eventually, join_patiently, recording_barrier};
use course_testkit::{Gate, Trace, patience};
use std::sync::Arc;
use std::thread;

/// Compares `trace` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, trace: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Each thread sees how many are already waiting, then waits; the fifth completes the \
         round: it runs the action while the four others are still held, and is the leader.",
    );
    settings.bind(|| insta::assert_snapshot!(name, trace));
}

#[test]
fn the_seeds_five_threads_meet_and_the_last_one_runs_the_action() {
    const THREADS: usize = 5;
    let trace = Trace::new();
    trace.name_thread("test");
    let barrier = recording_barrier(THREADS, &trace, false);
    let gates: Vec<_> = (0..THREADS).map(|_| Arc::new(Gate::new())).collect();
    // Numbered from 1 and stored at index i - 1 on purpose, right this time (see the chapter).
    let handles: Vec<_> = (1..=THREADS)
        .map(|i| {
            let (barrier, trace, gate) = (
                Arc::clone(&barrier),
                trace.clone(),
                Arc::clone(&gates[i - 1]),
            );
            thread::spawn(move || {
                trace.name_thread(format!("thread {i}"));
                gate.pass("the test to let this thread arrive");
                trace.record(Event::Note(format!(
                    "thread {i}: currently {} thread(s) blocked on the barrier",
                    barrier.n_waiting()
                )));
                barrier.wait().is_leader()
            })
        })
        .collect();
    for (k, gate) in gates.iter().enumerate() {
        gate.open();
        if k + 1 < THREADS && !eventually(|| barrier.n_waiting() == k + 1) {
            trace.fail(
                format!(
                    "{} thread(s) are blocked in wait, but n_waiting() says {}",
                    k + 1,
                    barrier.n_waiting()
                ),
                &[],
            );
        }
    }
    let mut leaders = Vec::new();
    for (i, handle) in (1..=THREADS).zip(handles) {
        let leader = join_patiently(handle)
            .unwrap_or_else(|| {
                trace.fail(
                    format!(
                        "all {THREADS} threads arrived, but thread {i} did not leave within {:?}",
                        patience()
                    ),
                    &[],
                )
            })
            .expect("a thread panicked in wait");
        if leader {
            leaders.push(format!("thread {i}"));
        }
    }
    trace.record(Event::Note(format!(
        "all released; leader: {}; n_waiting() is now {}",
        leaders.join(", "),
        barrier.n_waiting()
    )));
    let rendered: String = trace.whats().iter().map(|e| format!("{e}\n")).collect();
    snapshot("seed_run", &rendered);
}
