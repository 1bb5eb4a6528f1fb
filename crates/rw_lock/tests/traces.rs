//! Graded traces (insta): runs whose correct trace is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A lock that lets late readers overtake a waiting writer
//! shows up as a difference in those lines.

use crate::harness::{OrFail, Role, Scenario};

/// Compares the scenario's trace with the committed snapshot `name`.
fn snapshot(name: &str, s: &Scenario) {
    let mut lines = String::new();
    for event in s.trace.events() {
        lines.push_str(&event.what.to_string());
        lines.push('\n');
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Readers share the lock, a writer holds it alone, and once a writer waits, readers \
         that arrive after it wait until it has been in.",
    );
    settings.bind(|| insta::assert_snapshot!(name, lines));
}

#[test]
fn a_reader_arriving_behind_a_waiting_writer_enters_after_it() {
    let s = Scenario::new();
    let r1 = s.spawn("R1", Role::Reader);
    r1.wait_in(&s, "the lock was free").or_fail();
    let w = s.spawn("W", Role::Writer);
    s.wait_asleep(1, &w, "R1 was inside").or_fail();
    let r2 = s.spawn("R2", Role::Reader);
    s.wait_asleep(2, &r2, "writer W was waiting: R2 must queue behind it")
        .or_fail();
    r1.leave(&s).or_fail();
    w.wait_in(&s, "R1 left and W was first in line").or_fail();
    w.leave(&s).or_fail();
    r2.wait_in(&s, "W left").or_fail();
    r2.leave(&s).or_fail();
    snapshot("reader_behind_waiting_writer", &s);
}

#[test]
fn a_second_writer_goes_before_a_reader_that_waited_longer() {
    let s = Scenario::new();
    let w1 = s.spawn("W1", Role::Writer);
    w1.wait_in(&s, "the lock was free").or_fail();
    let r = s.spawn("R", Role::Reader);
    s.wait_asleep(1, &r, "W1 was inside").or_fail();
    let w2 = s.spawn("W2", Role::Writer);
    s.wait_asleep(2, &w2, "W1 was inside").or_fail();
    w1.leave(&s).or_fail();
    w2.wait_in(&s, "W1 left and writers go first").or_fail();
    w2.leave(&s).or_fail();
    r.wait_in(&s, "both writers left").or_fail();
    r.leave(&s).or_fail();
    snapshot("writers_first", &s);
}
