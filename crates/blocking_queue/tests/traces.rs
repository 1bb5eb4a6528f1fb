//! Graded traces (insta): a run whose correct story is unique, compared with the committed
//! snapshot in `tests/snapshots/`. A wrong queue shows up as a difference in those lines.
//!
//! Only the test thread writes the story: what a helper thread's call returned is written when
//! the test has joined it, so the lines come out in one order whatever the scheduler does.

use crate::harness::{Scenario, secs};
use std::fmt::Debug;

/// Compares `story` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, story: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Items come out first-in first-out; a full queue refuses try_put and makes put wait; a \
         timed wait gives up exactly at its deadline; close lets waiters go, drains what is \
         left, then reports Closed.",
    );
    settings.bind(|| insta::assert_snapshot!(name, story));
}

struct Story<'s> {
    s: &'s Scenario,
    lines: String,
}

impl Story<'_> {
    fn line(&mut self, who: &str, what: &str, result: impl Debug) {
        self.lines.push_str(&format!(
            "{} {who}: {what} -> {result:?}\n",
            self.s.clock.now()
        ));
    }
}

#[test]
fn a_queue_of_two_fills_waits_times_out_drains_and_closes() {
    let s = Scenario::new(2);
    let mut story = Story {
        s: &s,
        lines: String::new(),
    };
    for item in [1, 2] {
        story.line("test", &format!("put({item})"), s.queue.put(item));
    }
    story.line("test", "try_put(3)", s.queue.try_put(3));

    let producer = s.spawn("producer", "put_timeout(3, 2s)", |q| {
        q.put_timeout(3, secs(2))
    });
    s.settle(1, "put_timeout on a full queue must wait");
    s.clock.advance(secs(1));
    story.line("test", "take()", s.queue.take());
    let result = s.join(producer, "a take made room before its deadline");
    story.line("producer", "put_timeout(3, 2s)", result);

    story.line("test", "take()", s.queue.take());
    story.line("test", "take()", s.queue.take());
    story.line("test", "try_take()", s.queue.try_take());

    let consumer = s.spawn("consumer", "take_timeout(1s)", |q| q.take_timeout(secs(1)));
    s.settle(1, "take_timeout on an empty queue must wait");
    s.clock.advance_to_next_deadline();
    let result = s.join(consumer, "its deadline passed");
    story.line("consumer", "take_timeout(1s)", result);

    story.line("test", "put(4)", s.queue.put(4));
    let consumer = s.spawn("consumer", "take() x2", |q| (q.take(), q.take()));
    s.settle(1, "the second take on an empty queue must wait");
    s.queue.close();
    story.line("test", "close()", ());
    let result = s.join(consumer, "close must wake the waiting take");
    story.line("consumer", "take() x2", result);
    story.line("test", "put(5)", s.queue.put(5));
    story.line("test", "take()", s.queue.take());
    snapshot("fill_wait_timeout_drain_close", &story.lines);
}
