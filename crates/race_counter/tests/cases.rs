//! Graded cases (rstest): both counters, one thread and many, each checked for lost and
//! duplicated increments.

use crate::harness::{Length, OrFail, check_race, race};
use crate::kinds::Kind;
use race_counter::{AtomicCounter, MutexCounter};
use rstest::rstest;

/// The two counters, named for the test names rstest makes (`kind_1_MUTEX`).
const MUTEX: Kind = Kind::Mutex;
const ATOMIC: Kind = Kind::Atomic;

/// Both counters must be shareable between threads by reference.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<MutexCounter>();
    shareable::<AtomicCounter>();
};

#[rstest]
fn smoke_a_new_counter_reads_zero_and_one_increment_makes_it_one(
    #[values(MUTEX, ATOMIC)] kind: Kind,
) {
    let counter = kind.make();
    assert_eq!(counter.get(), 0, "{kind}: a new counter must read 0");
    assert_eq!(
        counter.increment(),
        1,
        "{kind}: the first increment must return the new count, 1"
    );
    assert_eq!(
        counter.get(),
        1,
        "{kind}: after one increment the count is 1"
    );
}

#[rstest]
fn increments_on_one_thread_return_one_two_three_and_so_on(#[values(MUTEX, ATOMIC)] kind: Kind) {
    let counter = kind.make();
    let returned: Vec<u64> = (0..10).map(|_| counter.increment()).collect();
    assert_eq!(
        returned,
        (1..=10).collect::<Vec<u64>>(),
        "{kind}: each increment must return the count just after it"
    );
    assert_eq!(counter.get(), 10, "{kind}: ten increments make 10");
    assert_eq!(counter.get(), 10, "{kind}: get must not change the count");
}

#[rstest]
fn no_increment_is_lost_when_threads_increment_at_once(
    #[values(MUTEX, ATOMIC)] kind: Kind,
    #[values(2, 4, 8)] threads: usize,
) {
    // All threads released together, and going on until, between them, they saw another
    // thread's increment land between two of their own 20000 times: the race really happened.
    // (The loom models are what try every interleaving; this shows the counter on real threads
    // and real cores.)
    let length = Length::Interleaved {
        interleavings: 20_000,
        cap: 200_000,
    };
    let race = race(kind, &vec![length; threads]);
    check_race(&race).or_fail();
}
