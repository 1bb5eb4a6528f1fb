//! Graded cases (rstest): the semaphore's rules one at a time, each in a schedule the test
//! forces with gates and observes through the virtual clock.

use crate::harness::{How, Team, eventually};
use course_clock::{Instant, VirtualClock};
use rstest::rstest;
use semaphore::{NoPermit, Semaphore, TimedOut};
use std::time::Duration;

#[test]
fn smoke_permits_are_taken_and_given_back() {
    let clock = VirtualClock::new();
    let semaphore = Semaphore::with_clock(2, clock.clock());
    assert_eq!(
        semaphore.available_permits(),
        2,
        "a new semaphore has all its permits free"
    );
    let first = semaphore.acquire();
    assert_eq!(
        semaphore.available_permits(),
        1,
        "acquire takes one permit out of two"
    );
    let second = semaphore
        .try_acquire()
        .expect("try_acquire must take the second of two permits: one was still free");
    assert_eq!(
        semaphore.try_acquire().err(),
        Some(NoPermit),
        "both permits are held: try_acquire must return Err(NoPermit)"
    );
    drop(first);
    assert_eq!(
        semaphore.available_permits(),
        1,
        "dropping a permit gives it back"
    );
    drop(second);
    assert_eq!(
        semaphore.available_permits(),
        2,
        "dropping both permits gives both back"
    );
}

#[rstest]
fn try_acquire_takes_only_free_permits_and_never_blocks(#[values(1, 2, 3)] permits: usize) {
    let clock = VirtualClock::new();
    let semaphore = Semaphore::with_clock(permits, clock.clock());
    let mut held = Vec::new();
    for k in 1..=permits {
        match semaphore.try_acquire() {
            Ok(permit) => held.push(permit),
            Err(NoPermit) => panic!(
                "try_acquire number {k} failed, but the semaphore has {permits} permit(s) and \
                 only {} were taken",
                k - 1
            ),
        }
    }
    assert!(
        semaphore.try_acquire().is_err(),
        "all {permits} permit(s) are held: try_acquire must fail at once"
    );
    held.pop();
    assert!(
        semaphore.try_acquire().is_ok(),
        "a permit was given back: try_acquire must take it"
    );
    drop(held);
    assert_eq!(semaphore.available_permits(), permits);
}

#[rstest]
fn a_returned_permit_wakes_a_thread_waiting_in_acquire(#[values(1, 2, 3)] permits: usize) {
    let mut team = Team::new(permits);
    for _ in 0..permits {
        let worker = team.spawn(How::Acquire);
        team.start(worker);
        team.await_entered(worker, "a permit was free");
    }
    let waiter = team.spawn(How::Acquire);
    team.start(waiter);
    team.await_waiting(waiter, 1);
    team.finish(1).expect("thread 1 gives its permit back");
    team.await_entered(
        waiter,
        "it was asleep in acquire when thread 1 gave its permit back, and nobody else wanted \
         that permit. Dropping a Permit must wake a waiter (notify under the lock), or the \
         waiter sleeps forever: a lost wakeup",
    );
    team.check_over_admission();
    for worker in 2..=waiter {
        team.finish(worker)
            .expect("the worker gives its permit back");
    }
    assert_eq!(team.semaphore.available_permits(), permits);
}

#[test]
fn adding_one_permit_while_two_threads_wait_lets_exactly_one_in() {
    // One permit, held; two threads asleep in acquire; `add_permits(1)` wakes both of them
    // (it must: it cannot know how many the new permits are for). The first to re-take the lock
    // gets the new permit; the second finds none left and must go back to sleep.
    let mut team = Team::new(1);
    let holder = team.spawn(How::Acquire);
    team.start(holder);
    team.await_entered(holder, "the one permit was free");
    let (a, b) = (team.spawn(How::Acquire), team.spawn(How::Acquire));
    team.start(a);
    team.await_waiting(a, 1);
    team.start(b);
    team.await_waiting(b, 2);
    team.add_permits(1);
    let settled = eventually(|| {
        let entered = usize::from(team.entered(a)) + usize::from(team.entered(b));
        let gone_wrong = team
            .trace
            .whats()
            .iter()
            .any(|e| matches!(e, crate::harness::Event::PanickedInAcquire { .. }));
        gone_wrong || entered == 2 || (entered == 1 && team.clock.blocked() == 1)
    });
    team.check_over_admission();
    let entered: Vec<_> = [a, b].into_iter().filter(|&w| team.entered(w)).collect();
    if entered.len() == 2 {
        team.fail(
            format!(
                "one permit was added while threads {a} and {b} waited, and both got in: the \
                 one that woke second found no permit left and must have waited again (a \
                 `while` loop around the wait, not an `if`)"
            ),
            &[],
        );
    }
    if !settled {
        team.fail(
            format!(
                "one permit was added while threads {a} and {b} waited: within {:?}, exactly \
                 one of them must get it and the other go back to sleep on the clock (got in: \
                 {entered:?}, asleep: {})",
                course_testkit::patience(),
                team.clock.blocked()
            ),
            &[],
        );
    }
    // Everyone gets in eventually: the holder leaves, the one still waiting takes its permit.
    let (winner, loser) = if entered == [a] { (a, b) } else { (b, a) };
    team.finish(holder)
        .expect("the holder gives its permit back");
    team.await_entered(loser, "it was waiting, and the holder gave its permit back");
    team.check_over_admission();
    team.finish(winner).expect("a worker gives its permit back");
    team.finish(loser).expect("a worker gives its permit back");
    assert_eq!(team.semaphore.available_permits(), 2);
}

#[rstest]
#[case::nobody_waits(false)]
#[case::another_thread_waits(true)]
fn a_holder_that_panics_still_gives_its_permit_back(#[case] someone_waits: bool) {
    let mut team = Team::new(1);
    let holder = team.spawn(How::PanicWhileHolding);
    team.start(holder);
    team.await_entered(holder, "the one permit was free");
    let waiter = someone_waits.then(|| {
        let waiter = team.spawn(How::Acquire);
        team.start(waiter);
        team.await_waiting(waiter, 1);
        waiter
    });
    assert!(
        team.finish(holder).is_err(),
        "the holder thread was meant to end in a panic"
    );
    let lost = "the thread that held it panicked, and the unwinding dropped its Permit: Drop \
                must give the permit back in every case, also while the thread panics";
    match waiter {
        None => {
            let available = team.semaphore.available_permits();
            if available != 1 {
                team.fail(
                    format!(
                        "after its only holder panicked, the semaphore has {available} free \
                         permit(s) instead of 1: {lost}"
                    ),
                    &[],
                );
            }
        }
        Some(waiter) => {
            team.await_entered(waiter, lost);
            team.finish(waiter)
                .expect("the waiter gives its permit back");
            assert_eq!(team.semaphore.available_permits(), 1);
        }
    }
}

#[test]
fn acquire_timeout_gives_up_exactly_at_its_deadline() {
    let mut team = Team::new(1);
    let holder = team.spawn(How::Acquire);
    team.start(holder);
    team.await_entered(holder, "the one permit was free");
    let waiter = team.spawn(How::Timeout(Duration::from_secs(5)));
    team.start(waiter);
    team.await_waiting(waiter, 1);
    let deadline = team.clock.next_deadline();
    if deadline != Some(Instant::from_secs(5)) {
        team.fail(
            format!(
                "thread {waiter} called acquire_timeout(5s) at t=0 and is asleep, but its wait \
                 has deadline {deadline:?} on the clock instead of t=5s: wait with \
                 `wait_until(.., deadline)` on the semaphore's condition variable, the \
                 deadline computed once from the semaphore's clock"
            ),
            &[],
        );
    }
    team.clock.advance(Duration::from_millis(4999));
    team.await_waiting(waiter, 1);
    team.clock.advance(Duration::from_millis(1));
    if !team.await_settled(waiter) {
        team.fail(
            format!("at t=5s, thread {waiter}'s acquire_timeout(5s) must return Err(TimedOut)"),
            &[],
        );
    }
    team.check_panics();
    let gave_up = team.trace.events().into_iter().find_map(|e| match e.what {
        crate::harness::Event::TimedOut { at, .. } => Some(at),
        _ => None,
    });
    if gave_up != Some(Instant::from_secs(5)) {
        team.fail(
            format!(
                "thread {waiter} called acquire_timeout(5s) at t=0 while the only permit was \
                 held: it must give up at t=5s, with Err(TimedOut)"
            ),
            &[],
        );
    }
    assert_eq!(
        team.semaphore.available_permits(),
        0,
        "a timed-out acquire must not take or add a permit"
    );
    team.finish(holder)
        .expect("the holder gives its permit back");
    team.finish(waiter).expect("the timed-out thread ends");
    assert_eq!(team.semaphore.available_permits(), 1);
}

#[test]
fn acquire_timeout_takes_a_permit_that_comes_back_before_the_deadline() {
    let mut team = Team::new(1);
    let holder = team.spawn(How::Acquire);
    team.start(holder);
    team.await_entered(holder, "the one permit was free");
    let waiter = team.spawn(How::Timeout(Duration::from_secs(5)));
    team.start(waiter);
    team.await_waiting(waiter, 1);
    team.clock.advance(Duration::from_secs(2));
    team.await_waiting(waiter, 1);
    team.finish(holder)
        .expect("the holder gives its permit back");
    team.await_entered(
        waiter,
        "it waited in acquire_timeout(5s) and the permit came back at t=2s, before the \
         deadline",
    );
    let at = team.trace.whats().into_iter().find_map(|e| match e {
        crate::harness::Event::Entered { worker, at, .. } if worker == waiter => Some(at),
        _ => None,
    });
    assert_eq!(
        at,
        Some(Instant::from_secs(2)),
        "the waiter must get the permit when it comes back, at t=2s"
    );
    team.finish(waiter)
        .expect("the waiter gives its permit back");
    assert_eq!(team.semaphore.available_permits(), 1);
}

#[test]
fn acquire_timeout_takes_a_free_permit_at_once_and_a_zero_timeout_never_sleeps() {
    let clock = VirtualClock::new();
    let semaphore = Semaphore::with_clock(1, clock.clock());
    let permit = semaphore
        .acquire_timeout(Duration::from_secs(1))
        .expect("a permit was free: acquire_timeout must take it at once");
    assert_eq!(
        semaphore.acquire_timeout(Duration::ZERO).err(),
        Some(TimedOut),
        "no permit is free and the timeout is zero: acquire_timeout must return Err(TimedOut) \
         at once"
    );
    assert_eq!(clock.now(), Instant::ZERO);
    drop(permit);
    assert_eq!(semaphore.available_permits(), 1);
}

#[test]
fn on_the_system_clock_acquire_timeout_never_gives_up_early() {
    // The one test on real time: it checks "never before the timeout" strictly, and bounds the
    // other side generously.
    let semaphore = Semaphore::new(1);
    let _held = semaphore.acquire();
    let timeout = Duration::from_millis(50);
    let start = std::time::Instant::now();
    let result = semaphore.acquire_timeout(timeout);
    let waited = start.elapsed();
    assert!(
        result.is_err(),
        "the only permit is held: acquire_timeout must time out"
    );
    assert!(
        waited >= timeout,
        "acquire_timeout({timeout:?}) gave up after {waited:?}, before its timeout"
    );
    assert!(
        waited < Duration::from_secs(2),
        "acquire_timeout({timeout:?}) took {waited:?} to give up"
    );
}
