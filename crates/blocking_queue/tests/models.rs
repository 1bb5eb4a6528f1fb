//! Graded loom models: every interleaving (up to loom's preemption bound) of two producers and
//! one consumer on a queue of capacity 1. Built only with `RUSTFLAGS="--cfg course_loom"`.
//!
//! A queue whose producers can wake producers (one condition variable, `notify_one`) deadlocks
//! in some interleaving, which loom reports; a put that does not re-check for room after
//! waking (`if` instead of `while`) overfills the queue in some interleaving, which the
//! producers' checks below report.
//!
//! The models explore with a preemption bound of 2 instead of the course's 3: both bugs of this
//! exercise show with no preemption at all (a wrong wake-up, a barging producer), and with
//! three threads the bound of 3 takes seconds where 2 takes a fraction of one.

use blocking_queue::{BlockingQueue, TakeError};
use course_clock::VirtualClock;
use course_sync::{Arc, model, model_with_bound, thread};

#[test]
fn two_producers_one_consumer_capacity_one_deliver_everything_in_order() {
    model_with_bound(2, || {
        let clock = VirtualClock::new();
        let queue = Arc::new(BlockingQueue::with_clock(1, clock.clock()));
        let first = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                queue.put(1).expect("put on an open queue");
                queue.put(2).expect("put on an open queue");
            })
        };
        let second = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                queue.put(10).expect("put on an open queue");
                // The queue never holds more than its capacity. (One check is enough: loom
                // also tries the interleavings where this put is the one that slips in.)
                let len = queue.len();
                assert!(
                    len <= 1,
                    "after put(10) a queue of capacity 1 held {len} items: a producer woke and \
                     put without checking again that there was room (`if` instead of `while`)"
                );
            })
        };
        let got: Vec<u32> = (0..3)
            .map(|_| queue.take().expect("take while items are still coming"))
            .collect();
        first.join().expect("the first producer panicked");
        second.join().expect("the second producer panicked");
        let ones: Vec<u32> = got.iter().copied().filter(|&item| item < 10).collect();
        assert_eq!(
            ones,
            [1, 2],
            "the first producer put 1 then 2; the consumer took {got:?}"
        );
        assert!(got.contains(&10), "the consumer took {got:?}, without 10");
        assert_eq!(queue.try_take(), Err(TakeError::Empty));
    });
}

#[test]
fn close_racing_a_blocked_consumer_and_producer_wakes_both() {
    model(|| {
        let clock = VirtualClock::new();
        let queue = Arc::new(BlockingQueue::with_clock(1, clock.clock()));
        queue.put(1).expect("put on an empty queue");
        let producer = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.put(2))
        };
        let consumer = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || (queue.take(), queue.take(), queue.take()))
        };
        queue.close();
        let put = producer.join().expect("the producer panicked");
        let (a, b, c) = consumer.join().expect("the consumer panicked");
        // The producer's put either got in before the close or was refused by it.
        match put {
            Ok(()) => assert_eq!((a, b, c), (Ok(1), Ok(2), Err(TakeError::Closed))),
            Err(error) => {
                assert_eq!(error.into_inner(), 2);
                assert_eq!(
                    (a, b, c),
                    (Ok(1), Err(TakeError::Closed), Err(TakeError::Closed))
                );
            }
        }
    });
}
