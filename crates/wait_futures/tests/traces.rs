//! Graded traces (insta): gated runs whose correct story is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A wrong `wait` or `as_completed` shows up as a difference in
//! those lines: asleep where it should have returned, a task yielded out of order, a deadline
//! at the wrong time.
//!
//! Only the test thread writes the story, after each step has settled (the waiting thread
//! returned or went back to sleep), so the lines come out in one order whatever the scheduler
//! does.

use crate::harness::{OrFail, Scenario, name, secs};
use std::fmt::Display;
use wait_futures::ReturnWhen;

/// Compares `story` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, story: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "A wait sleeps until the completion that decides it, or its deadline, and returns at \
         once then; as_completed yields what was complete at the call first, then each task as \
         it completes, and at its deadline one TimedOut naming the tasks still pending.",
    );
    settings.bind(|| insta::assert_snapshot!(name, story));
}

struct Story<'s> {
    s: &'s Scenario,
    lines: String,
}

impl Story<'_> {
    fn line(&mut self, what: impl Display) {
        self.lines
            .push_str(&format!("{} {what}\n", self.s.clock.now()));
    }
}

#[test]
fn the_seeds_ten_squares_are_all_done_once_the_last_one_completes() {
    // The seed waits, with ALL_COMPLETED and no timeout, for ten futures computing the squares
    // of 1 to 10. Here they complete one a second, in a shuffled order.
    let s = Scenario::new(10);
    let mut story = Story {
        s: &s,
        lines: String::new(),
    };
    let mut call = s.start_wait(None, ReturnWhen::AllCompleted);
    let state = s.observe_wait(&mut call);
    story.line(format!("{}: {state}", call.what));
    for index in [3, 7, 0, 9, 5, 1, 8, 2, 6, 4] {
        s.clock.advance(secs(1));
        let square = (index as u32 + 1).pow(2);
        s.complete(index, Ok(square)).or_fail();
        let state = s.observe_wait(&mut call);
        story.line(format!("{} = {square} completed: {state}", name(index)));
    }
    let results: Vec<String> = s
        .tasks
        .iter()
        .map(|task| format!("{:?}", task.result()))
        .collect();
    story.line(format!(
        "results, in the order submitted: {}",
        results.join(" ")
    ));
    snapshot("ten_squares", &story.lines);
}

#[test]
fn as_completed_then_waits_with_timeouts_and_a_failure() {
    let s = Scenario::new(4);
    let mut story = Story {
        s: &s,
        lines: String::new(),
    };
    s.complete_now(0, Ok(10));
    story.line("a completed with Ok(10) before the call");
    let mut call = s.start_as_completed(Some(secs(5)));
    let state = s.observe_yields(&mut call);
    story.line(format!("{}: {state}", call.what));
    for (index, outcome) in [(2, Ok(30)), (1, Err("b failed".to_owned()))] {
        s.clock.advance(secs(1));
        let shown = format!("{outcome:?}");
        s.complete(index, outcome).or_fail();
        let state = s.observe_yields(&mut call);
        story.line(format!("{} completed with {shown}: {state}", name(index)));
    }
    s.clock.advance_to_next_deadline();
    let state = s.observe_yields(&mut call);
    story.line(format!("deadline: {state}"));

    // b failed already: FirstException returns at once, whatever the timeout.
    let mut call = s.start_wait(Some(secs(10)), ReturnWhen::FirstException);
    let state = s.observe_wait(&mut call);
    story.line(format!("{}: {state}", call.what));

    // d is the only one left: an AllCompleted wait sleeps until it completes.
    let mut call = s.start_wait(Some(secs(2)), ReturnWhen::AllCompleted);
    let state = s.observe_wait(&mut call);
    story.line(format!("{}: {state}", call.what));
    s.clock.advance(secs(1));
    s.complete(3, Ok(40)).or_fail();
    let state = s.observe_wait(&mut call);
    story.line(format!("d completed with Ok(40): {state}"));

    // Everything is done: every mode returns at once, even with no timeout.
    for mode in [ReturnWhen::FirstCompleted, ReturnWhen::AllCompleted] {
        let mut call = s.start_wait(None, mode);
        let state = s.observe_wait(&mut call);
        story.line(format!("{}: {state}", call.what));
    }
    snapshot("as_completed_then_waits", &story.lines);
}
