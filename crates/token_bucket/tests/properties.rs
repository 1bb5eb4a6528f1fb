//! Graded properties (proptest): random request patterns against the rate limit and an exact
//! model of each bucket.

use crate::harness::{Kind, OrFail, Scenario, model_grants};
use course_clock::Instant;
use course_testkit::proptest_config;
use proptest::prelude::*;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

/// Request times from gaps in milliseconds, offset by half a millisecond so none falls exactly
/// on a refill tick (whole seconds), where the order of the filler and a request is free.
fn schedule(gaps: &[u64]) -> Vec<Instant> {
    let mut at = Duration::from_micros(500);
    gaps.iter()
        .map(|gap| {
            at += Duration::from_millis(*gap);
            Instant::from_duration(at)
        })
        .collect()
}

fn kinds() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Lazy), Just(Kind::Filled)]
}

proptest! {
    #![proptest_config(proptest_config(24))]

    #[test]
    fn grants_never_exceed_capacity_plus_rate_times_elapsed_time(
        kind in kinds(),
        capacity in 1u32..4,
        requesters in prop::collection::vec(prop::collection::vec(0u64..1500, 1..6), 1..4),
    ) {
        let mut s = Scenario::new(kind, capacity, SECOND);
        for (i, gaps) in requesters.iter().enumerate() {
            s.spawn_requester(&format!("r{}", i + 1), schedule(gaps));
        }
        s.run_all().or_fail();
        s.check_rate().or_fail();
    }

    #[test]
    fn a_single_callers_tokens_come_exactly_when_the_budget_allows(
        kind in kinds(),
        capacity in 1u32..4,
        gaps in prop::collection::vec(0u64..2500, 1..10),
    ) {
        let mut s = Scenario::new(kind, capacity, SECOND);
        let schedule = schedule(&gaps);
        let expected = model_grants(kind, capacity, SECOND, &schedule);
        s.spawn_requester("r", schedule);
        s.run_all().or_fail();
        s.check_rate().or_fail();
        s.check_grant_times(
            &expected,
            "a bucket starts full, gains exactly one token per interval (fractions of an \
             interval count), never holds more than its capacity, and serves a request as soon \
             as a token is there",
        )
        .or_fail();
    }
}
