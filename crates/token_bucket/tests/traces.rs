//! Graded traces (insta): the run of the seed's example with a fractional request period,
//! whose correct trace is unique, compared with the committed snapshots in `tests/snapshots/`.

use crate::harness::{Kind, OrFail, Scenario, every};
use rstest::rstest;
use std::time::Duration;

#[rstest]
fn one_token_a_second_for_requests_every_0_9s(#[values(Kind::Lazy, Kind::Filled)] kind: Kind) {
    let mut s = Scenario::new(kind, 1, Duration::from_secs(1));
    s.spawn_requester("r", every(Duration::ZERO, Duration::from_millis(900), 6));
    s.run_all().or_fail();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "A full bucket of one token, refilled once a second, asked every 0.9 s: the first token \
         at once, then each next one exactly when it accrues, at 1 s, 2 s, ...",
    );
    settings.set_snapshot_suffix(kind.name());
    settings.bind(|| insta::assert_snapshot!("fractional_period", s.rendered()));
}
