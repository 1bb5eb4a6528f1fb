//! Graded traces (insta): a run whose correct trace is unique, compared with the committed
//! snapshot in `tests/snapshots/`: who started when, and every print with the thread that
//! made it. A wrong implementation shows up as a difference in those lines.

use crate::harness::{OrFail, Party, Run};

#[test]
fn started_even_odd_zero_the_trace_of_0_1_0_2_0_3_0_4_0_5_matches_the_snapshot() {
    let mut run = Run::new(5, [Party::Even, Party::Odd, Party::Zero]);
    let outcome = run.run();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "ZeroEvenOdd::new(5): even() and odd() are called first and sleep; zero() prints the \
         zero before 1, and from then on the turn goes round: a zero before each number, the \
         odd thread printing 1, 3, 5 and the even thread 2, 4.",
    );
    settings.bind(|| insta::assert_snapshot!("even_odd_zero_to_5", run.trace().render()));
    outcome.or_fail();
}
