//! The blocking_queue benchmark: items per second from producers to consumers through a
//! bounded queue, against `std::sync::mpsc::sync_channel` (one consumer only) and
//! `crossbeam_channel::bounded`.

use crate::subject::BlockingQueue;
use course_bench::{Bench, Role, Settings, Stat, black_box, share};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Instant;

/// One scenario.
#[derive(Clone, Copy)]
struct Flow {
    group: &'static str,
    producers: usize,
    consumers: usize,
    capacity: usize,
}

const FLOWS: [Flow; 3] = [
    Flow {
        group: "1 producer, 1 consumer, capacity 64",
        producers: 1,
        consumers: 1,
        capacity: 64,
    },
    Flow {
        group: "1 producer, 1 consumer, capacity 1 (a hand-off per item)",
        producers: 1,
        consumers: 1,
        capacity: 1,
    },
    Flow {
        group: "2 producers, 2 consumers, capacity 64",
        producers: 2,
        consumers: 2,
        capacity: 64,
    },
];

/// Times moving `n` items: `make` builds a fresh queue and hands out one end per producer and
/// per consumer; producers `put` their share of items, consumers `take` theirs (the shares
/// add up to `n` on both sides, so no one waits for an item that never comes).
fn transfer<P: Send, C: Send>(
    s: &Settings,
    flow: Flow,
    make: impl Fn(Flow) -> (Vec<P>, Vec<C>),
    put: impl Fn(&P, u64) + Sync,
    take: impl Fn(&C) + Sync,
) -> Stat {
    s.time("item", 1, |n| {
        let (producers, consumers) = make(flow);
        let start = Barrier::new(flow.producers + flow.consumers + 1);
        std::thread::scope(|scope| {
            let mut handles = Vec::new();
            for (i, end) in producers.into_iter().enumerate() {
                let (start, put) = (&start, &put);
                let count = share(n, flow.producers, i);
                handles.push(scope.spawn(move || {
                    start.wait();
                    for k in 0..count {
                        put(&end, k);
                    }
                }));
            }
            for (i, end) in consumers.into_iter().enumerate() {
                let (start, take) = (&start, &take);
                let count = share(n, flow.consumers, i);
                handles.push(scope.spawn(move || {
                    start.wait();
                    for _ in 0..count {
                        take(&end);
                    }
                }));
            }
            start.wait();
            let began = Instant::now();
            for handle in handles {
                if let Err(panic) = handle.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            began.elapsed()
        })
    })
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    for flow in FLOWS {
        bench.case(flow.group, "BlockingQueue", me, move |s| {
            transfer(
                s,
                flow,
                |flow| {
                    let queue = Arc::new(BlockingQueue::new(flow.capacity));
                    let ends = |k| (0..k).map(|_| Arc::clone(&queue)).collect::<Vec<_>>();
                    (ends(flow.producers), ends(flow.consumers))
                },
                |queue, item| queue.put(item).expect("the queue is open"),
                |queue| {
                    black_box(queue.take().expect("an item"));
                },
            )
        });
        if !bench.baselines() {
            continue;
        }
        if flow.consumers == 1 {
            bench.case(
                flow.group,
                "std::sync::mpsc::sync_channel",
                Role::Baseline,
                move |s| {
                    transfer(
                        s,
                        flow,
                        |flow| {
                            let (sender, receiver) = mpsc::sync_channel(flow.capacity);
                            let senders = (0..flow.producers).map(|_| sender.clone()).collect();
                            (senders, vec![receiver])
                        },
                        |sender, item| sender.send(item).expect("the receiver is alive"),
                        |receiver| {
                            black_box(receiver.recv().expect("an item"));
                        },
                    )
                },
            );
        }
        bench.case(
            flow.group,
            "crossbeam_channel::bounded",
            Role::Baseline,
            move |s| {
                transfer(
                    s,
                    flow,
                    |flow| {
                        let (sender, receiver) = crossbeam_channel::bounded(flow.capacity);
                        let senders = (0..flow.producers).map(|_| sender.clone()).collect();
                        let receivers = (0..flow.consumers).map(|_| receiver.clone()).collect();
                        (senders, receivers)
                    },
                    |sender, item| sender.send(item).expect("a receiver is alive"),
                    |receiver| {
                        black_box(receiver.recv().expect("an item"));
                    },
                )
            },
        );
    }
}
