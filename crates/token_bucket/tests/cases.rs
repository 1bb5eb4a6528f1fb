//! Graded cases (rstest): each property on both buckets, in scenarios whose right outcome is
//! known exactly.

use crate::harness::{Bucket, Kind, OrFail, Scenario, every, model_grants};
use course_clock::{Clock, Instant};
use course_testkit::patience;
use rstest::rstest;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

#[rstest]
fn smoke_a_full_bucket_grants_its_capacity_at_once_and_then_refuses(
    #[values(Kind::Lazy, Kind::Filled)] kind: Kind,
    #[values(1, 3)] capacity: u32,
) {
    let s = Scenario::new(kind, capacity, SECOND);
    for i in 0..capacity {
        if !s.try_take() {
            s.trace.fail(
                format!(
                    "{}: try_get_token number {} found the bucket empty at t=0, but a new bucket \
                     starts full with {capacity} token(s)",
                    kind.name(),
                    i + 1
                ),
                &[s.trace.len() - 1],
            );
        }
    }
    if s.try_take() {
        s.trace.fail(
            format!(
                "{}: a bucket of capacity {capacity} handed out {} tokens at t=0, before any \
                 refill: the rate limit is broken",
                kind.name(),
                capacity + 1
            ),
            &[s.trace.len() - 1],
        );
    }
}

#[rstest]
fn smoke_on_the_system_clock_the_next_token_is_never_early(
    #[values(Kind::Lazy, Kind::Filled)] kind: Kind,
) {
    let interval = Duration::from_millis(100);
    let start = std::time::Instant::now();
    let bucket = Bucket::new(kind, 1, interval, Clock::system());
    // On a helper thread, so a caller that never gets its token fails the test with a sentence.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        bucket.get_token();
        bucket.get_token();
        let _ = tx.send(start.elapsed());
    });
    let Ok(took) = rx.recv_timeout(interval + patience()) else {
        panic!(
            "{}: with capacity 1 and one token every {interval:?} on the system clock, two \
             get_token calls did not return within {:?}: the second token never came",
            kind.name(),
            interval + patience()
        );
    };
    assert!(
        took >= interval,
        "{}: with capacity 1 and one token every {interval:?}, the second get_token returned \
         after {took:?}: before the token had accrued",
        kind.name()
    );
}

#[rstest]
fn fractional_refill_is_kept_requests_every_0_9s_at_one_token_a_second_are_served_on_time(
    #[values(Kind::Lazy, Kind::Filled)] kind: Kind,
) {
    let mut s = Scenario::new(kind, 1, SECOND);
    let schedule = every(Duration::ZERO, Duration::from_millis(900), 8);
    let expected = model_grants(kind, 1, SECOND, &schedule);
    // The first token is the full bucket's; the k-th next accrues at exactly k seconds.
    assert_eq!(expected, every(Duration::ZERO, SECOND, 8));
    s.spawn_requester("r", schedule);
    s.run_all().or_fail();
    s.check_grant_times(
        &expected,
        "the refill must keep the fraction of a token accrued so far (0.9 s of every second \
         counts): rounding elapsed time down to whole seconds, or to whole tokens, and restarting \
         the count from now throws it away",
    )
    .or_fail();
    s.check_rate().or_fail();
}

#[rstest]
fn a_bucket_bursts_up_to_its_capacity_after_idling_and_no_further(
    #[values(Kind::Lazy, Kind::Filled)] kind: Kind,
    #[values(1, 4)] capacity: u32,
) {
    let s = Scenario::new(kind, capacity, SECOND);
    for _ in 0..capacity {
        s.try_take();
    }
    s.run_until(Instant::from_millis(10_500)).or_fail();
    for i in 0..capacity {
        if !s.try_take() {
            s.trace.fail(
                format!(
                    "{}: after 10.5 s idle, try_get_token number {} found the bucket empty: \
                     an idle bucket refills up to its capacity {capacity}",
                    kind.name(),
                    i + 1
                ),
                &[s.trace.len() - 1],
            );
        }
    }
    if s.try_take() {
        s.trace.fail(
            format!(
                "{}: after idling, the bucket handed out more than its capacity {capacity} in \
                 one burst: the refill must stop at capacity",
                kind.name()
            ),
            &[s.trace.len() - 1],
        );
    }
    s.check_rate().or_fail();
}

#[rstest]
fn blocked_callers_are_served_one_by_one_as_tokens_arrive(
    #[values(Kind::Lazy, Kind::Filled)] kind: Kind,
    #[values(2, 3)] callers: u32,
) {
    let mut s = Scenario::new(kind, 1, SECOND);
    s.try_take();
    for i in 0..callers {
        s.spawn_requester(&format!("caller {}", i + 1), vec![Instant::ZERO]);
    }
    s.run_all().or_fail();
    s.check_grant_times(
        &every(Duration::ZERO, SECOND, callers + 1),
        "callers waiting on an empty bucket must each get a token as soon as one accrues, one \
         per second",
    )
    .or_fail();
    s.check_rate().or_fail();
}

#[rstest]
fn a_caller_waiting_for_a_token_does_not_hold_the_lock(
    #[values(Kind::Lazy, Kind::Filled)] kind: Kind,
) {
    let mut s = Scenario::new(kind, 1, SECOND);
    s.try_take();
    s.spawn_requester("waiter", vec![Instant::ZERO]);
    s.quiesce().or_fail();
    // The waiter is asleep on the clock, waiting for the token due at t=1s. A probe must be
    // able to look at the bucket meanwhile.
    let (tx, rx) = mpsc::channel();
    let bucket = Arc::clone(s.bucket());
    std::thread::spawn(move || {
        let _ = tx.send(bucket.try_get_token().is_ok());
    });
    match rx.recv_timeout(patience()) {
        Ok(false) => {}
        Ok(true) => s.trace.fail(
            format!(
                "{}: a probe's try_get_token got a token at t=0 from a bucket that was emptied \
                 at t=0",
                kind.name()
            ),
            &[],
        ),
        Err(_) => s.trace.fail(
            format!(
                "{}: while a caller waited for a token, another thread's try_get_token blocked \
                 for {:?}: the waiting caller holds the lock while it sleeps. Wait on the \
                 condition variable, which releases the lock, never sleep with it held",
                kind.name(),
                patience()
            ),
            &[],
        ),
    }
    s.run_all().or_fail();
    s.check_grant_times(
        &[Instant::ZERO, Instant::from_secs(1)],
        "the waiting caller gets the token that accrues at t=1s",
    )
    .or_fail();
}

#[test]
fn dropping_the_filled_bucket_stops_its_filler_thread() {
    let mut s = Scenario::new(Kind::Filled, 2, SECOND);
    s.run_until(Instant::from_millis(2500)).or_fail();
    s.drop_bucket().or_fail();
    let blocked = s.clock.blocked();
    assert!(
        blocked == 0,
        "FilledTokenBucket: after the bucket was dropped, {blocked} thread(s) still sleep on the \
         clock, waiting for the next tick (next deadline {:?}): Drop must stop the filler thread \
         (a stop flag set under the lock, a notify) and join it",
        s.clock.next_deadline()
    );
}
