//! Graded cases (rstest): fixed workloads over a grid of worker counts, each checked by
//! [`Run::finish`] against the rules every run obeys (each item processed exactly once, no
//! worker stopped before the close, counts that add up, every child reaped), plus the rule the
//! case is about.

use crate::harness::{LONGER_THAN_THE_TIME_LIMIT, Run};
use course_testkit::patience;
use process_queue::{QueueError, WorkQueue, distribute};
use rstest::rstest;

#[test]
fn smoke_two_workers_process_three_items_and_stop() {
    let run = Run::start_with(2, &[1, 2, 3]);
    run.close();
    let reports = run.finish();
    let total: u64 = reports.iter().map(|report| report.count).sum();
    assert_eq!(
        total, 3,
        "the counts must add up to the 3 items: {reports:?}"
    );
}

#[rstest]
fn every_item_is_processed_exactly_once_and_the_counts_add_up(
    #[values(1, 3)] workers: usize,
    #[values(0, 2, 9)] items: u64,
) {
    // Half the items are there from the start, the rest arrive while the workers run. Items
    // repeat (the input is a multiset): 0 1 2 0 1 2 ...
    let all: Vec<u64> = (0..items).map(|i| i % 3).collect();
    let (early, late) = all.split_at(all.len() / 2);
    let run = Run::start_with(workers, early);
    for &item in late {
        run.put(item);
    }
    run.close();
    let reports = run.finish();
    let total: u64 = reports.iter().map(|report| report.count).sum();
    assert_eq!(
        total, items,
        "the workers' counts must add up to the {items} item(s) put: {reports:?}"
    );
}

#[rstest]
fn every_worker_gets_work_when_there_are_at_least_as_many_items_as_workers(
    #[values(2, 4)] workers: usize,
    #[values(0, 3)] extra: usize,
) {
    let items: Vec<u64> = (0..(workers + extra) as u64).collect();
    let run = Run::start_with(workers, &items);
    run.close();
    let trace = run.trace.clone();
    let reports = run.finish();
    if let Some(idle) = reports.iter().find(|report| report.count == 0) {
        let all: Vec<usize> = (0..trace.len()).collect();
        trace.fail(
            format!(
                "worker {} processed nothing although there were {} items for {workers} \
                 workers: with at least as many items as workers, every worker gets work. \
                 Run the workers at the same time, and let none take its second item before \
                 every worker has taken its first.",
                idle.worker,
                items.len()
            ),
            &all,
        );
    }
}

#[rstest]
fn items_put_after_every_worker_found_the_queue_empty_are_still_processed(
    #[values(1, 2, 3)] workers: usize,
) {
    // One item each, then nothing until every worker has come back and found the queue empty:
    // that is the moment a worker that takes "empty" for "finished" quits.
    let first: Vec<u64> = (1..=workers as u64).collect();
    let run = Run::start_with(workers, &first);
    if !run.wait_for_empty_looks(workers) {
        if run.returned() {
            // Its panic or error, or the premature end, is reported by `finish`.
            run.finish();
            panic!(
                "distribute returned before the queue was closed: a worker must be stopped only \
                 once `get` returns None"
            );
        }
        run.fail(format!(
            "after the first {workers} item(s), only {} of the {workers} worker(s) came back to \
             the queue for more within {:?}: every worker must keep asking for items while the \
             others work (are the workers running one after another?)",
            run.queue.empty_looks(),
            patience()
        ));
    }
    for item in 100..100 + workers as u64 {
        run.put(item);
    }
    run.close();
    run.finish();
}

#[test]
fn a_queue_longer_than_the_pipes_can_hold_is_drained_without_deadlock() {
    // 20 000 items for one worker: some 210 KiB of `item N` lines down its stdin and 390 KiB of
    // answers back, several times what its two pipes hold (64 KiB each on Linux, about 10 000
    // items' worth with the worker's own read buffer). A parent that sends items without
    // reading the answers fills the worker's stdout pipe; the worker then blocks writing,
    // stops reading its stdin, that pipe fills too, and parent and worker wait for each other
    // for good. The graded runner reports that as `timed_out` and kills the test's process
    // group, the worker included.
    let items: Vec<u64> = (0..20_000).collect();
    let run = Run::start_with(1, &items);
    run.close();
    let reports = run.finish_within(LONGER_THAN_THE_TIME_LIMIT);
    assert_eq!(
        reports.iter().map(|report| report.count).sum::<u64>(),
        items.len() as u64,
        "the worker's count must be the {} items put: {reports:?}",
        items.len()
    );
}

#[test]
fn a_worker_program_that_cannot_start_is_an_error() {
    let queue = WorkQueue::new();
    queue.close();
    match distribute("/nonexistent/process_queue-worker", 2, &queue, |_| ()) {
        Err(QueueError::Spawn(_)) => {}
        other => panic!(
            "distribute with a program that does not exist must return Err(QueueError::Spawn), \
             not {other:?}"
        ),
    }
    // The real program still works: with nothing to do, each worker reports 0.
    let run = Run::start_with(1, &[]);
    run.close();
    let reports = run.finish();
    assert_eq!(reports.len(), 1, "one report per worker: {reports:?}");
    assert_eq!(reports[0].count, 0, "nothing to process: {reports:?}");
}
