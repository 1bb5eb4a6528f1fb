//! Graded loom models: every interleaving of two callers racing for one token, of a caller
//! waiting for a token while the clock advances, and of a filled bucket's drop racing its
//! filler thread. Built only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! The clock is virtual: the model's main thread waits until the waiting threads are blocked
//! on it, then advances it, so no model ever waits for real time. A waiter that misses its
//! wake-up, or a filler thread that never stops, leaves a thread blocked forever: loom reports
//! the deadlock.

use course_clock::VirtualClock;
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};
use std::time::Duration;
use token_bucket::{FilledTokenBucket, LazyTokenBucket};

const INTERVAL: Duration = Duration::from_secs(1);

/// The operations both buckets offer, so each model runs on both.
trait Bucket: Send + Sync + 'static {
    const WAITING_THREADS: usize;
    fn make(clock: &VirtualClock) -> Self;
    fn get_token(&self);
    fn try_get_token(&self) -> bool;
}

impl Bucket for LazyTokenBucket {
    /// Only the caller waits on the clock.
    const WAITING_THREADS: usize = 1;
    fn make(clock: &VirtualClock) -> Self {
        LazyTokenBucket::with_clock(1, INTERVAL, clock.clock())
    }
    fn get_token(&self) {
        LazyTokenBucket::get_token(self);
    }
    fn try_get_token(&self) -> bool {
        LazyTokenBucket::try_get_token(self).is_ok()
    }
}

impl Bucket for FilledTokenBucket {
    /// The caller, and the filler thread waiting for its next tick.
    const WAITING_THREADS: usize = 2;
    fn make(clock: &VirtualClock) -> Self {
        FilledTokenBucket::with_clock(1, INTERVAL, clock.clock())
    }
    fn get_token(&self) {
        FilledTokenBucket::get_token(self);
    }
    fn try_get_token(&self) -> bool {
        FilledTokenBucket::try_get_token(self).is_ok()
    }
}

/// Two callers try to take the only token at once: exactly one gets it.
fn one_token_goes_to_one_caller<B: Bucket>() {
    model(|| {
        let clock = VirtualClock::new();
        let bucket = Arc::new(B::make(&clock));
        let granted = Arc::new(AtomicUsize::new(0));
        let other = {
            let (bucket, granted) = (Arc::clone(&bucket), Arc::clone(&granted));
            thread::spawn(move || {
                if bucket.try_get_token() {
                    granted.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        if bucket.try_get_token() {
            granted.fetch_add(1, Ordering::SeqCst);
        }
        other.join().unwrap();
        assert_eq!(
            granted.load(Ordering::SeqCst),
            1,
            "two callers raced for the one token in a bucket of capacity 1, and it was granted \
             {} times: taking a token must check and update the count under one lock",
            granted.load(Ordering::SeqCst)
        );
    });
}

/// The bucket is empty; a caller waits for a token; the clock advances by one interval: the
/// caller gets its token (a missed wake-up leaves it blocked, which loom reports).
fn a_waiting_caller_gets_the_next_token<B: Bucket>() {
    model(|| {
        let clock = VirtualClock::new();
        let bucket = Arc::new(B::make(&clock));
        assert!(bucket.try_get_token(), "a new bucket is full");
        let caller = {
            let bucket = Arc::clone(&bucket);
            thread::spawn(move || bucket.get_token())
        };
        clock.wait_until_blocked(B::WAITING_THREADS);
        clock.advance(INTERVAL);
        caller.join().unwrap();
        // For the filled bucket, dropping it here also stops and joins its filler.
        drop(bucket);
    });
}

#[test]
fn lazy_one_token_goes_to_one_of_two_racing_callers() {
    one_token_goes_to_one_caller::<LazyTokenBucket>();
}

#[test]
fn filled_one_token_goes_to_one_of_two_racing_callers() {
    one_token_goes_to_one_caller::<FilledTokenBucket>();
}

#[test]
fn lazy_a_waiting_caller_gets_the_token_that_accrues() {
    a_waiting_caller_gets_the_next_token::<LazyTokenBucket>();
}

#[test]
fn filled_a_waiting_caller_gets_the_token_the_filler_adds() {
    a_waiting_caller_gets_the_next_token::<FilledTokenBucket>();
}

#[test]
fn dropping_a_filled_bucket_stops_its_filler_in_every_interleaving() {
    model(|| {
        let clock = VirtualClock::new();
        let bucket = FilledTokenBucket::with_clock(1, INTERVAL, clock.clock());
        // The drop races the filler thread's start and its first wait: in every order, the
        // filler must see the shutdown and return, or this join never ends.
        drop(bucket);
    });
}
