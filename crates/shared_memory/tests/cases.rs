//! Graded cases (rstest): real worker processes updating one mapped file, and the checks that
//! keep a wrong or short file from ever being read out of bounds.

use crate::harness::{Run, WORKER, expected_slots, file_with};
use course_testkit::process::{assert_all_reaped, children};
use rstest::rstest;
use shared_memory::{MAGIC, RegionError, SharedCounters, file_len, run_workers};
use std::time::Duration;

/// The region must be shareable between threads too: its operations take `&self`.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<SharedCounters>();
};

#[test]
fn smoke_one_child_increments_and_the_parent_sees_it() {
    let run = Run::new(1);
    run.workers_ok(1, 1);
    let (counter, seq) = run.counter();
    if counter != 1 {
        run.trace.fail(
            format!(
                "one worker incremented the counter once, but the parent reads {counter}: the \
                 child's writes to the mapping must be visible in the parent's mapping of the \
                 same file"
            ),
            &[seq],
        );
    }
    let (slot, seq) = run.slot(0);
    if slot != 1 {
        run.trace.fail(
            format!("one worker added 1 to slot 0, but the parent reads {slot}"),
            &[seq],
        );
    }
}

/// The workers start together, and the test pauses them one at a time (see
/// `Run::workers_interrupted`): a read-modify-write that is not atomic loses updates in every
/// such run, whatever the number of free cores.
#[rstest]
#[case::three_workers(3, 1_000_000)]
#[case::four_workers(4, 750_000)]
fn n_workers_times_m_increments_is_exactly_n_times_m(
    #[case] workers: usize,
    #[case] increments: u64,
) {
    let run = Run::new(3);
    run.workers_interrupted_ok(workers, increments);
    let (counter, seq) = run.counter();
    let expected = workers as u64 * increments;
    if counter != expected {
        let lost = expected.saturating_sub(counter);
        run.trace.fail(
            format!(
                "{workers} workers each incremented the counter {increments} times, but it holds \
                 {counter}, not {expected}: {lost} increments were lost. Two processes read the \
                 same old value and both wrote old + 1: the increment must be one atomic \
                 read-modify-write (fetch_add), not a load followed by a store"
            ),
            &[seq],
        );
    }
}

#[rstest]
#[case::one_slot_all_workers(3, 500_000, 1)]
#[case::four_slots(4, 400_000, 4)]
#[case::more_slots_than_workers(2, 1, 8)]
fn every_workers_additions_to_every_slot_land(
    #[case] workers: usize,
    #[case] increments: u64,
    #[case] slots: usize,
) {
    let run = Run::new(slots);
    run.workers_interrupted_ok(workers, increments);
    let expected = expected_slots(workers, increments, slots);
    for (index, want) in expected.into_iter().enumerate() {
        let (got, seq) = run.slot(index);
        if got != want {
            run.trace.fail(
                format!(
                    "slot {index} holds {got}, but the workers added {want} to it (worker i adds \
                     1 to slots i, i+1, ... in turn): additions to an array element by \
                     different processes must all land"
                ),
                &[seq],
            );
        }
    }
}

#[test]
fn a_worker_run_alone_updates_the_region_the_parent_mapped() {
    // The sequential model of the runs below: one worker process, started by hand.
    let run = Run::new(2);
    run.worker_alone(25);
    let (counter, seq) = run.counter();
    if counter != 25 {
        run.trace.fail(
            format!(
                "a worker alone incremented the counter 25 times, but the parent reads \
                 {counter}: the child's writes to its mapping must show in the parent's mapping \
                 of the same file"
            ),
            &[seq],
        );
    }
    for (index, want) in expected_slots(1, 25, 2).into_iter().enumerate() {
        let (got, seq) = run.slot(index);
        if got != want {
            run.trace.fail(
                format!(
                    "a worker alone added {want} to slot {index} (1 to slots 0, 1, 0, 1, ... \
                     in turn), but the parent reads {got}"
                ),
                &[seq],
            );
        }
    }
}

#[test]
fn the_parents_mapping_follows_run_after_run() {
    let run = Run::new(2);
    // One worker per run, so this test is about visibility alone, not about lost updates.
    run.workers_ok(1, 10);
    let (first, seq) = run.counter();
    if first != 10 {
        run.trace.fail(
            format!("after a worker made 10 increments the parent reads {first}, not 10"),
            &[seq],
        );
    }
    run.workers_ok(1, 30);
    let (second, seq) = run.counter();
    if second != 40 {
        run.trace.fail(
            format!(
                "after another worker made 30 increments the parent reads {second}, not 40: \
                 each run adds to what the file holds, and the parent's mapping shows it"
            ),
            &[seq],
        );
    }
}

/// A file that is not a region: too short for a header, or not starting with the magic, or
/// shorter than its header's slot count says.
fn not_a_region(case: &str) -> Vec<u8> {
    let words = |words: &[u64]| -> Vec<u8> { words.iter().flat_map(|w| w.to_ne_bytes()).collect() };
    match case {
        "empty" => Vec::new(),
        "shorter_than_a_header" => words(&[MAGIC, 0])[..12].to_vec(),
        "text" => b"this is not a region file, just some text in it\n".repeat(4),
        "zeros" => vec![0; file_len(4).unwrap()],
        "slots_past_the_end" => words(&[MAGIC, 4, 0, 0, 0, 0]),
        "absurd_slot_count" => words(&[MAGIC, u64::MAX, 0, 0, 0]),
        other => unreachable!("no case {other}"),
    }
}

#[rstest]
#[case::empty("empty", "too short")]
#[case::shorter_than_a_header("shorter_than_a_header", "too short")]
#[case::text("text", "bad magic")]
#[case::zeros("zeros", "bad magic")]
#[case::slots_past_the_end("slots_past_the_end", "too short")]
#[case::absurd_slot_count("absurd_slot_count", "too short")]
fn a_file_that_is_not_a_region_is_refused(#[case] case: &str, #[case] want: &str) {
    let bytes = not_a_region(case);
    let (_dir, path) = file_with(&bytes);
    let got = match SharedCounters::open(&path) {
        Ok(region) => panic!(
            "open accepted a {case} file of {} bytes as a region with {} slots: a file must \
             start with MAGIC and be as long as its slot count says, or reading it would go \
             past the end of the mapping",
            bytes.len(),
            region.slots()
        ),
        Err(RegionError::BadMagic { .. }) => "bad magic",
        Err(RegionError::TooShort { .. }) => "too short",
        Err(other) => panic!("open refused a {case} file, but with {other:?}: expected {want}"),
    };
    assert_eq!(
        got, want,
        "open refused a {case} file as {got}, expected {want} (a file without the magic is \
         BadMagic; a region whose slots do not fit in the file is TooShort)"
    );
}

#[test]
fn create_refuses_a_file_that_already_exists() {
    let (_dir, path) = file_with(b"someone else's file");
    match SharedCounters::create(&path, 2) {
        Err(RegionError::Io(err)) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(other) => panic!(
            "create over an existing file failed, but with {other:?}: expected Io(AlreadyExists)"
        ),
        Ok(_) => panic!(
            "create truncated an existing file: another process may have it mapped, and would \
             crash with SIGBUS; create must refuse a file that exists (create_new)"
        ),
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"someone else's file");
}

#[test]
fn a_slot_past_the_end_is_an_error_not_a_panic() {
    let run = Run::new(3);
    match run.region.add_to_slot(3, 1) {
        Err(RegionError::NoSuchSlot { index: 3, slots: 3 }) => {}
        other => {
            panic!("add_to_slot(3) on a region of 3 slots returned {other:?}, expected NoSuchSlot")
        }
    }
    match run.region.slot(usize::MAX) {
        Err(RegionError::NoSuchSlot { .. }) => {}
        other => panic!("slot(usize::MAX) returned {other:?}, expected NoSuchSlot"),
    }
    assert_eq!(run.region.slots(), 3);
}

#[test]
fn workers_given_a_bad_file_fail_and_run_workers_reports_it() {
    let (_dir, path) = file_with(b"not a region");
    let before = children();
    let result = run_workers(WORKER, &path, 3, 10);
    assert_all_reaped(&before, "run_workers");
    match result {
        Err(RegionError::ChildFailed { index: 0, status }) if !status.success() => {}
        other => panic!(
            "3 workers were given a file that is not a region, so each exits with an error; \
             run_workers returned {other:?}, expected the first failure, ChildFailed {{ index: \
             0, .. }}, after waiting for all three"
        ),
    }
}

#[test]
fn a_program_that_cannot_be_started_is_an_error() {
    let run = Run::new(1);
    let before = children();
    let result = run_workers("/nonexistent/shared_memory-worker", &run.path, 2, 1);
    assert_all_reaped(&before, "run_workers");
    match result {
        Err(RegionError::Spawn(_)) => {}
        other => {
            panic!("starting a program that does not exist returned {other:?}, expected Spawn")
        }
    }
}

#[test]
fn the_start_line_waits_for_every_party_and_gives_up_in_time() {
    let run = Run::new(1);
    // Alone at a line for one: go at once.
    run.region
        .wait_at_start_line(1, Duration::from_secs(3))
        .unwrap_or_else(|err| panic!("one process at a start line for one must go at once: {err}"));
    // A second arrival for a line of two: both have now arrived.
    run.region
        .wait_at_start_line(2, Duration::from_secs(3))
        .unwrap_or_else(|err| panic!("the second of two arrivals must go at once: {err}"));
    // Three arrivals so far; a line of five waits for arrivals that never come.
    match run.region.wait_at_start_line(5, Duration::from_millis(50)) {
        Err(RegionError::StartTimeout {
            arrived: 3,
            parties: 5,
        }) => {}
        other => panic!(
            "with 3 arrivals at a line of 5, wait_at_start_line must give up when its patience \
             runs out with StartTimeout {{ arrived: 3, parties: 5 }}; it returned {other:?}"
        ),
    }
}
