//! Graded traces (insta): runs whose correct trace is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A bathroom that lets late arrivals overtake a waiting person
//! of the other gender shows up as a difference in those lines.

use crate::harness::{OrFail, Scenario};
use unisex_bathroom::Gender;

#[test]
fn a_man_arriving_behind_a_waiting_woman_enters_after_her() {
    let s = Scenario::new(3);
    let m1 = s.spawn("M1", Gender::Male);
    m1.wait_in(&s, "the bathroom was empty").or_fail();
    let w = s.spawn("W", Gender::Female);
    s.wait_asleep(1, &w, "M1 was inside").or_fail();
    let m2 = s.spawn("M2", Gender::Male);
    s.wait_asleep(2, &m2, "woman W was waiting: M2 must queue behind her")
        .or_fail();
    m1.leave(&s).or_fail();
    w.wait_in(&s, "M1 left and W was first in line").or_fail();
    w.leave(&s).or_fail();
    m2.wait_in(&s, "W left").or_fail();
    m2.leave(&s).or_fail();
    let mut lines = String::new();
    for event in s.trace.events() {
        lines.push_str(&event.what.to_string());
        lines.push('\n');
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Never both genders inside; people go in in the order they arrived, so a man who \
         arrives behind a waiting woman goes in after her.",
    );
    settings.bind(|| insta::assert_snapshot!("man_behind_waiting_woman", lines));
}
