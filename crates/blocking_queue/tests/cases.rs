//! Graded cases (rstest): one scenario per property of the queue, on a virtual clock, with the
//! order of events forced by waiting until threads are asleep in the queue.

use crate::harness::{Scenario, secs};
use blocking_queue::{BlockingQueue, PutError, TakeError};
use course_clock::Instant;
use rstest::rstest;
use std::time::Duration;

/// The queue must be shareable between threads, as `put(&self)` and `take(&self)` promise.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<BlockingQueue<u32>>();
};

#[test]
fn smoke_items_come_out_in_the_order_they_went_in() {
    let queue = BlockingQueue::new(3);
    for item in [1, 2, 3] {
        assert_eq!(queue.put(item), Ok(()), "put({item}) on a queue with room");
    }
    let got: Vec<_> = (0..3).map(|_| queue.take()).collect();
    assert_eq!(
        got,
        [Ok(1), Ok(2), Ok(3)],
        "items must come out first-in first-out"
    );
}

#[rstest]
#[case::capacity_one(1)]
#[case::capacity_two(2)]
#[case::capacity_five(5)]
fn try_put_fails_on_a_full_queue_and_gives_the_item_back(#[case] capacity: usize) {
    let queue = BlockingQueue::new(capacity);
    for item in 0..capacity as u32 {
        assert_eq!(
            queue.try_put(item),
            Ok(()),
            "try_put({item}) with room left"
        );
    }
    assert_eq!(
        queue.try_put(99),
        Err(PutError::Full(99)),
        "try_put on a queue holding {capacity} of {capacity} items must fail with Full and give \
         the item back"
    );
    assert_eq!(
        queue.len(),
        capacity,
        "a refused put must not change the queue"
    );
    assert_eq!(queue.try_take(), Ok(0), "the oldest item comes out first");
    assert_eq!(
        queue.try_put(99),
        Ok(()),
        "after a take there is room again"
    );
}

#[test]
fn try_take_on_an_empty_queue_reports_empty() {
    let queue = BlockingQueue::<u32>::new(2);
    assert_eq!(queue.try_take(), Err(TakeError::Empty));
    queue.put(7).unwrap();
    assert_eq!(queue.try_take(), Ok(7));
    assert_eq!(queue.try_take(), Err(TakeError::Empty));
}

#[test]
fn put_waits_while_the_queue_is_full_until_a_take_makes_room() {
    let s = Scenario::new(1);
    s.call("put(1)", |q| q.put(1)).unwrap();
    let producer = s.spawn("producer", "put(2)", |q| q.put(2));
    s.settle(1, "put(2) on a full queue must wait");
    let early = s.trace.events().iter().position(
        |e| matches!(&e.what, crate::harness::Event::Returned(r) if r.starts_with("put(2)")),
    );
    if let Some(seq) = early {
        s.trace.fail(
            "put(2) returned while the queue was full: put must wait for room",
            &[seq],
        );
    }
    assert_eq!(s.call("take()", |q| q.take()), Ok(1));
    assert_eq!(
        s.join(
            producer,
            "a take made room, so the waiting put must wake and finish"
        ),
        Ok(())
    );
    assert_eq!(s.call("take()", |q| q.take()), Ok(2));
}

#[test]
fn take_waits_while_the_queue_is_empty_until_a_put() {
    let s = Scenario::new(2);
    let consumer = s.spawn("consumer", "take()", |q| q.take());
    s.settle(1, "take() on an empty queue must wait");
    s.call("put(5)", |q| q.put(5)).unwrap();
    assert_eq!(
        s.join(
            consumer,
            "an item arrived, so the waiting take must wake and return it"
        ),
        Ok(5)
    );
    assert!(s.queue.is_empty(), "the item was taken");
}

#[rstest]
#[case::one_and_a_half_seconds(Duration::from_millis(1500))]
#[case::three_seconds(secs(3))]
fn put_timeout_gives_up_at_its_deadline_on_a_full_queue(#[case] timeout: Duration) {
    let s = Scenario::new(1);
    s.call("put(1)", |q| q.put(1)).unwrap();
    let producer = s.spawn("producer", "put_timeout(2)", move |q| {
        q.put_timeout(2, timeout)
    });
    s.settle(1, "put_timeout on a full queue must wait on the clock");
    assert_eq!(
        s.clock.next_deadline(),
        Some(Instant::from_duration(timeout)),
        "put_timeout({timeout:?}) must sleep until exactly its deadline"
    );
    s.clock.advance_to_next_deadline();
    let result = s.join(producer, "its deadline passed");
    assert_eq!(
        result,
        Err(PutError::Full(2)),
        "at the deadline the queue was still full: put_timeout must fail with Full and give \
         the item back (a wake-up is not room: check again before putting)\n{}",
        s.trace.render()
    );
    assert_eq!(s.queue.len(), 1, "the capacity of 1 must never be exceeded");
}

#[test]
fn put_timeout_succeeds_when_room_is_made_before_the_deadline() {
    let s = Scenario::new(1);
    s.call("put(1)", |q| q.put(1)).unwrap();
    let producer = s.spawn("producer", "put_timeout(2)", |q| q.put_timeout(2, secs(2)));
    s.settle(1, "put_timeout on a full queue must wait on the clock");
    s.clock.advance(secs(1));
    assert_eq!(s.call("take()", |q| q.take()), Ok(1));
    assert_eq!(s.join(producer, "room was made at t=1s"), Ok(()));
    assert_eq!(s.queue.try_take(), Ok(2));
}

#[rstest]
#[case::one_second(secs(1))]
#[case::a_quarter_second(Duration::from_millis(250))]
fn take_timeout_gives_up_at_its_deadline_on_an_empty_queue(#[case] timeout: Duration) {
    let s = Scenario::new(1);
    let consumer = s.spawn("consumer", "take_timeout()", move |q| {
        q.take_timeout(timeout)
    });
    s.settle(1, "take_timeout on an empty queue must wait on the clock");
    assert_eq!(
        s.clock.next_deadline(),
        Some(Instant::from_duration(timeout)),
        "take_timeout({timeout:?}) must sleep until exactly its deadline"
    );
    s.clock.advance_to_next_deadline();
    assert_eq!(
        s.join(consumer, "its deadline passed"),
        Err(TakeError::Empty)
    );
}

#[test]
fn take_timeout_returns_an_item_put_before_the_deadline() {
    let s = Scenario::new(1);
    let consumer = s.spawn("consumer", "take_timeout()", |q| q.take_timeout(secs(2)));
    s.settle(1, "take_timeout on an empty queue must wait on the clock");
    s.clock.advance(secs(1));
    s.call("put(8)", |q| q.put(8)).unwrap();
    assert_eq!(s.join(consumer, "an item arrived at t=1s"), Ok(8));
}

/// How many producers and consumers wait when the queue is closed, and how.
#[rstest]
#[case::three_consumers_on_an_empty_queue(1, 0, 3, false)]
#[case::three_producers_on_a_full_queue(1, 3, 0, false)]
#[case::two_producers_on_a_full_queue_of_two(2, 2, 0, false)]
#[case::timed_consumers(1, 0, 2, true)]
#[case::timed_producers(1, 2, 0, true)]
fn close_wakes_every_waiter(
    #[case] capacity: usize,
    #[case] producers: u32,
    #[case] consumers: u32,
    #[case] timed: bool,
) {
    let s = Scenario::new(capacity);
    if producers > 0 {
        for item in 0..capacity as u32 {
            s.call(&format!("put({item})"), |q| q.put(item)).unwrap();
        }
    }
    let puts: Vec<_> = (0..producers)
        .map(|p| {
            let item = 100 + p;
            s.spawn(
                &format!("producer {p}"),
                &format!("put({item})"),
                move |q| match timed {
                    true => q.put_timeout(item, secs(60)),
                    false => q.put(item),
                },
            )
        })
        .collect();
    let takes: Vec<_> = (0..consumers)
        .map(|c| {
            s.spawn(&format!("consumer {c}"), "take()", move |q| match timed {
                true => q.take_timeout(secs(60)),
                false => q.take(),
            })
        })
        .collect();
    let waiting = (producers + consumers) as usize;
    s.settle(
        waiting,
        "every producer or consumer must be waiting before the close",
    );
    s.call("close()", |q| q.close());
    for (p, put) in puts.into_iter().enumerate() {
        let result = s.join(
            put,
            "close() must wake every waiting producer (notify_all on the producers' condition)",
        );
        assert_eq!(
            result,
            Err(PutError::Closed(100 + p as u32)),
            "a put woken by close must fail with Closed and give its item back"
        );
    }
    for take in takes {
        let result = s.join(
            take,
            "close() must wake every waiting consumer (notify_all on the consumers' condition)",
        );
        assert_eq!(
            result,
            Err(TakeError::Closed),
            "a take on an empty queue woken by close must report Closed"
        );
    }
}

#[test]
fn take_drains_what_is_left_after_close_then_reports_closed() {
    let queue = BlockingQueue::new(3);
    queue.put(1).unwrap();
    queue.put(2).unwrap();
    queue.close();
    assert!(queue.is_closed());
    assert_eq!(
        queue.take(),
        Ok(1),
        "items put before close are still delivered"
    );
    assert_eq!(
        queue.try_take(),
        Ok(2),
        "items put before close are still delivered"
    );
    assert_eq!(queue.take(), Err(TakeError::Closed));
    assert_eq!(queue.try_take(), Err(TakeError::Closed));
    assert_eq!(queue.take_timeout(secs(1)), Err(TakeError::Closed));
}

#[test]
fn put_after_close_fails_and_gives_the_item_back() {
    let queue = BlockingQueue::new(2);
    queue.close();
    assert_eq!(queue.put(1), Err(PutError::Closed(1)));
    assert_eq!(queue.try_put(2), Err(PutError::Closed(2)));
    assert_eq!(queue.put_timeout(3, secs(1)), Err(PutError::Closed(3)));
    assert!(queue.is_empty(), "a closed queue accepts nothing");
}
