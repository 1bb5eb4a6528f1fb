//! Graded traces (insta): a run whose outcome, told without the parts the scheduler decides
//! (which worker took which item), is unique, compared with the committed snapshot.

use crate::harness::{Event, Run};
use std::fmt::Write as _;

#[test]
fn the_seeds_run_two_workers_drain_twenty_items_then_both_stop_after_the_close() {
    // The seed's program: a queue filled up front, drained by two children.
    let items: Vec<u64> = (0..20).map(|i| (i * 7) % 10).collect();
    let run = Run::start_with(2, &items);
    run.close();
    let trace = run.trace.clone();
    // Which worker took which item is the scheduler's choice: no timeline of this run.
    trace.not_a_timeline();
    let reports = run.finish();

    let events = trace.whats();
    let mut processed: Vec<u64> = Vec::new();
    let mut lines = String::new();
    let closed_at = events.iter().position(|event| *event == Event::Closed);
    for (at, event) in events.iter().enumerate() {
        match event {
            Event::Processed { item, .. } => processed.push(*item),
            Event::Stopped { worker, .. } => {
                let when = if Some(at) > closed_at {
                    "after"
                } else {
                    "BEFORE"
                };
                writeln!(lines, "worker {worker} stopped {when} the close").unwrap();
            }
            Event::Put(_) | Event::Closed => {}
        }
    }
    processed.sort_unstable();
    let mut sorted_lines: Vec<&str> = lines.lines().collect();
    sorted_lines.sort_unstable();
    let total: u64 = reports.iter().map(|report| report.count).sum();
    let busy = reports.iter().filter(|report| report.count > 0).count();
    let text = format!(
        "put: {} items, then closed\nprocessed (sorted): {processed:?}\n{}\ncounts reported: \
         {total} in all, {busy} of {} workers did some\n",
        items.len(),
        sorted_lines.join("\n"),
        reports.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Every item is processed exactly once, both workers get work, each is stopped once, \
         after the queue is closed, and the counts they report add up.",
    );
    settings.bind(|| insta::assert_snapshot!("seed_run", text));
}
