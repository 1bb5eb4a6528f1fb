//! Graded traces (insta): a gated run whose correct story is unique, compared with the committed
//! snapshot in `tests/snapshots/`. A wrong pool shows up as a difference in those lines.
//!
//! Only the test thread writes the story, after forcing each step with gates and by waiting for
//! threads to be asleep on the clock; what a callback saw is read from the trace once its worker
//! is idle again. So the lines come out in one order whatever the scheduler does.

use crate::harness::{Event, Scenario, stage};
use course_testkit::{Gate, Latch};
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

/// Compares `story` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, story: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Two workers run the first two tasks; a pending task can be cancelled and never runs, a \
         running one cannot; result_timeout gives up at its deadline; a panic becomes an error \
         with its message; done callbacks run once (at once when added after completion); map \
         keeps input order; after shutdown, submit fails.",
    );
    settings.bind(|| insta::assert_snapshot!(name, story));
}

struct Story<'s> {
    s: &'s Scenario,
    lines: String,
}

impl Story<'_> {
    fn line(&mut self, what: &str, result: impl Debug) {
        self.lines
            .push_str(&format!("{} {what} -> {result:?}\n", self.s.clock.now()));
    }

    fn note(&mut self, what: &str) {
        self.lines
            .push_str(&format!("{} {what}\n", self.s.clock.now()));
    }
}

#[test]
fn a_gated_run_on_two_workers_tells_one_story() {
    let mut s = Scenario::new(2);
    let mut story = Story {
        s: &s,
        lines: String::new(),
    };

    // A waits at its gate, then panics; B, C and D are ordinary gated tasks.
    let a_gate = Arc::new(Gate::new());
    let a_started = Arc::new(Latch::new(1));
    let a = {
        let (gate, started, trace) = (Arc::clone(&a_gate), Arc::clone(&a_started), s.recorder());
        s.pool()
            .submit(move || -> String {
                trace.name_worker();
                trace.record(Event::Started("A".to_owned()));
                started.count_down();
                gate.pass("the test to let A finish");
                trace.record(Event::Finished("A".to_owned()));
                panic!("A fails on purpose (this panic is expected)")
            })
            .expect("submit on a fresh pool")
    };
    // One start at a time, so that the trace (and its timeline) has one order.
    a_started.wait("A to start on an idle worker");
    story.note("submit A: it starts");
    let b = s.submit_gated("B");
    s.wait_started(&b, "the pool has two workers");
    let c = s.submit_gated("C");
    let d = s.submit_gated("D");
    story.note("submit B (it starts on the other worker), C, D");
    for (name, future) in [
        ("A", &a),
        ("B", &b.future),
        ("C", &c.future),
        ("D", &d.future),
    ] {
        story.line(&format!("stage of {name}"), stage(future));
    }

    s.add_recording_callback("A", &a, "a1");
    story.note("add callback a1 to A");
    story.line("cancel C", c.future.cancel());
    story.line("stage of C", stage(&c.future));
    story.line("result of C", s.result("C", &c.future));
    story.line("cancel A", a.cancel());

    b.open();
    story.line("result of B", s.result("B", &b.future));
    s.wait_started(&d, "B finished, and C was cancelled");
    story.line("stage of D", stage(&d.future));

    let waiter = {
        let a = a.clone();
        std::thread::spawn(move || a.result_timeout(Duration::from_secs(1)))
    };
    s.settle(
        1,
        "result_timeout on a running task must sleep on the clock",
    );
    s.clock.advance_to_next_deadline();
    let timed_out = waiter.join().expect("result_timeout panicked");
    story.line("result_timeout of A (1s)", timed_out);

    a_gate.open();
    story.line("result of A", s.result("A", &a));
    s.settle(
        1,
        "after A and its callback, A's worker must wait for work again",
    );
    for (_, thread, event) in s.callbacks_of("A") {
        let place = if thread == "test" {
            "on the test thread"
        } else {
            "on a worker"
        };
        story.note(&format!("{event} {place}"));
    }

    d.open();
    story.line("result of D", s.result("D", &d.future));
    s.settle(2, "after D, both workers must wait for work again");
    s.add_recording_callback("D", &d.future, "d1");
    story.note("add callback d1 to D");
    for (_, thread, event) in s.callbacks_of("D") {
        let place = if thread == "test" {
            "on the test thread"
        } else {
            "on a worker"
        };
        story.note(&format!("{event} {place}"));
    }

    // Item 1 waits at a gate while the other worker does items 2 and 3: the items finish in
    // the order 2, 3, 1, and the results still come in input order.
    let one_gate = Arc::new(Gate::new());
    let one_started = Arc::new(Latch::new(1));
    let mapped = {
        let (gate, started) = (Arc::clone(&one_gate), Arc::clone(&one_started));
        s.pool()
            .map(
                move |x: u32| {
                    if x == 1 {
                        started.count_down();
                        gate.pass("the test to let item 1 finish");
                    }
                    x * 10
                },
                [1, 2, 3],
            )
            .expect("map on an open pool")
    };
    one_started.wait("map's item 1 to start");
    s.settle(
        1,
        "items 2 and 3 finished on the other worker, which must wait for work again",
    );
    story.note("map x * 10 over [1, 2, 3]: items 2 and 3 done, item 1 held");
    one_gate.open();
    s.settle(
        2,
        "after map's items, both workers must wait for work again",
    );
    story.line("map's results", mapped.collect::<Vec<_>>());

    s.pool().shutdown(true);
    story.note("shutdown(true)");
    story.line("submit E", s.pool().submit(|| 0u32).map(|_| "a future"));
    let mut ran = s.started();
    ran.sort();
    story.line("tasks that ran", ran);
    let lines = std::mem::take(&mut story.lines);
    drop(story);
    s.check_at_most_max_workers_ran_at_once()
        .unwrap_or_else(|message| panic!("{message}"));
    s.drop_pool().unwrap_or_else(|message| panic!("{message}"));
    snapshot("gated_run_on_two_workers", &lines);
}
