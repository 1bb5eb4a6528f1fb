//! Graded traces (insta): calls made one after another, whose correct trace is unique: each
//! callback finishes before its `execute` returns, and the next call starts only then.

use crate::harness::Scenario;

#[test]
fn three_calls_in_a_row_each_return_after_their_callback() {
    let s = Scenario::new();
    for call in ["say_hi", "say_hi again", "say_bye"] {
        assert_eq!(s.execute_here(call), Ok(()));
    }
    let mut lines = String::new();
    for event in s.trace.events() {
        lines.push_str(&format!("{}\n", event.what));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "execute(x) returns only after callback x finished, on every call, not just the first.",
    );
    settings.bind(|| insta::assert_snapshot!("three_calls_in_a_row", lines));
}
