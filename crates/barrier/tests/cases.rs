//! Graded cases (rstest): rounds of threads checked on their trace, `n_waiting` in a schedule
//! the test forces, and a panicking action.

use crate::harness::{
    Crew, Event, check_rounds, eventually, go_round, join_patiently, recording_barrier,
};
use barrier::Barrier;
use course_testkit::{Gate, Trace, patience};
use rstest::rstest;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;

#[test]
fn smoke_two_threads_meet_and_exactly_one_leads() {
    let barrier = Arc::new(Barrier::new(2));
    assert_eq!(barrier.parties(), 2);
    let other = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || barrier.wait().is_leader())
    };
    let me = barrier.wait().is_leader();
    let them = join_patiently(other)
        .unwrap_or_else(|| {
            panic!(
                "the other thread did not return from wait within {:?} although both threads \
                 had arrived",
                patience()
            )
        })
        .expect("the other thread panicked in wait");
    assert!(
        me != them,
        "two threads met at a barrier for two: exactly one of them must be the leader (here: \
         {})",
        if me { "both" } else { "neither" }
    );
}

#[test]
fn a_barrier_for_one_thread_never_blocks_and_runs_its_action_every_time() {
    let trace = Trace::new();
    let barrier = recording_barrier(1, &trace, false);
    for round in 0..3 {
        go_round(&barrier, &trace, 0, round);
    }
    check_rounds(&trace, 1, 3, true).unwrap_or_else(|message| panic!("{message}"));
    assert_eq!(
        barrier.n_waiting(),
        0,
        "a barrier for one thread never holds anyone"
    );
}

#[rstest]
fn over_several_rounds_nobody_leaves_before_all_arrive_and_the_action_runs_once_first(
    #[values(2, 3, 4)] parties: usize,
) {
    Crew::run(parties, 5)
        .check()
        .unwrap_or_else(|message| panic!("{message}"));
}

#[rstest]
fn n_waiting_counts_the_threads_held_in_the_current_round(#[values(2, 3, 4)] parties: usize) {
    // The threads arrive one at a time: the test lets the next one go only once n_waiting
    // counts the previous ones. Two rounds, so the count must start again from zero.
    let trace = Trace::new();
    trace.name_thread("test");
    let barrier = recording_barrier(parties, &trace, false);
    assert_eq!(
        barrier.n_waiting(),
        0,
        "nobody has arrived at a new barrier"
    );
    for round in 0..2 {
        let gates: Vec<_> = (0..parties).map(|_| Arc::new(Gate::new())).collect();
        let handles: Vec<_> = (0..parties)
            .map(|thread| {
                let (barrier, trace, gate) = (
                    Arc::clone(&barrier),
                    trace.clone(),
                    Arc::clone(&gates[thread]),
                );
                thread::spawn(move || {
                    trace.name_thread(format!("thread {thread}"));
                    gate.pass("the test to let this thread arrive");
                    go_round(&barrier, &trace, thread, round);
                })
            })
            .collect();
        for (thread, gate) in gates.iter().enumerate().take(parties - 1) {
            gate.open();
            let expected = thread + 1;
            if !eventually(|| barrier.n_waiting() == expected) {
                trace.fail(
                    format!(
                        "in round {round}, {expected} thread(s) have arrived and are blocked in \
                         wait, but n_waiting() says {}",
                        barrier.n_waiting()
                    ),
                    &[],
                );
            }
        }
        gates[parties - 1].open();
        for handle in handles {
            join_patiently(handle)
                .unwrap_or_else(|| {
                    trace.fail(
                        format!(
                            "round {round}: all {parties} threads arrived, but not all left \
                             within {:?}",
                            patience()
                        ),
                        &[],
                    )
                })
                .expect("a thread panicked in wait");
        }
        let waiting = barrier.n_waiting();
        if waiting != 0 {
            trace.fail(
                format!(
                    "round {round} is over and everyone left, but n_waiting() says {waiting} \
                     instead of 0"
                ),
                &[],
            );
        }
    }
    check_rounds(&trace, parties, 2, true).unwrap_or_else(|message| panic!("{message}"));
}

#[rstest]
fn the_action_runs_before_anyone_is_released(#[values(2, 3)] parties: usize) {
    // One round only: nobody comes back, so while the action runs, n_waiting() must say that
    // every other thread is still held, and no one may have left.
    Crew::run(parties, 1)
        .check()
        .unwrap_or_else(|message| panic!("{message}"));
}

#[test]
fn a_panicking_action_still_releases_the_round_and_the_barrier_goes_on() {
    // Two threads, two rounds; the action panics the first time it runs. The panic must come
    // out of the leader's wait, the other thread must still be released, and the second round
    // must work as usual.
    let trace = Trace::new();
    trace.name_thread("test");
    let barrier = recording_barrier(2, &trace, true);
    let handles: Vec<_> = (0..2)
        .map(|thread| {
            let (barrier, trace) = (Arc::clone(&barrier), trace.clone());
            thread::spawn(move || {
                trace.name_thread(format!("thread {thread}"));
                for round in 0..2 {
                    // `go_round` records the panic; the thread goes on to the next round.
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                        go_round(&barrier, &trace, thread, round);
                    }));
                }
            })
        })
        .collect();
    for handle in handles {
        join_patiently(handle)
            .unwrap_or_else(|| {
                trace.fail(
                    format!(
                        "the action panicked in round 0, and the threads did not get through \
                         both rounds within {:?}: when the action panics, the round must still \
                         end (release the others while the leader unwinds: a guard whose Drop \
                         ends the generation)",
                        patience()
                    ),
                    &[],
                )
            })
            .expect("the thread catches the panic");
    }
    let events = trace.events();
    let panics: Vec<usize> = events
        .iter()
        .filter(|e| matches!(e.what, Event::Panicked { .. }))
        .map(|e| e.seq)
        .collect();
    if panics.len() != 1 || !matches!(events[panics[0]].what, Event::Panicked { round: 0, .. }) {
        trace.fail(
            "the action panicked once, in round 0: exactly one wait (the leader's, in round 0) \
             must panic",
            &panics,
        );
    }
    let leaves = events
        .iter()
        .filter(|e| matches!(e.what, Event::Leave { .. }))
        .count();
    if leaves != 3 {
        trace.fail(
            format!(
                "two threads went round twice and one wait panicked, so 3 waits must have \
                 returned, not {leaves}"
            ),
            &[],
        );
    }
    check_rounds(&trace, 2, 2, true).unwrap_or_else(|message| panic!("{message}"));
}
