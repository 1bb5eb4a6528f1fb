//! Graded properties (proptest): random producer/consumer workloads on real threads, checked
//! for what every run must obey, and recorded histories checked for linearizability against a
//! sequential bounded queue.

use crate::harness::{Op, Ret, SequentialQueue};
use blocking_queue::{BlockingQueue, TakeError};
use course_testkit::linearizability::{self, History};
use course_testkit::{patience, proptest_config};
use proptest::collection::vec;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

/// Runs `check` on `cases` inputs from `strategy`; fails the test with the smallest failing
/// input and its message.
fn check_property<S>(cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), String>)
where
    S: Strategy,
{
    // Make one queue outside proptest first: if that panics (a `todo!()`, say), the test fails
    // once, plainly, rather than once per case and shrinking step.
    let queue = BlockingQueue::<u32>::new(1);
    queue.put(0).expect("put on an empty queue");
    let _ = queue.take();
    let mut runner = TestRunner::new(proptest_config(cases));
    let checked = runner.run(&strategy, |input| {
        if DEADLOCKED.load(Ordering::SeqCst) {
            return Ok(());
        }
        check(input).map_err(TestCaseError::fail)
    });
    if let Err(failure) = checked {
        panic!("{failure}");
    }
}

/// Set once a case deadlocked: the cases proptest then tries while shrinking are skipped (each
/// would wait out the patience again), so the failure reports the input that deadlocked.
static DEADLOCKED: AtomicBool = AtomicBool::new(false);

/// Joins every handle, all within one [`patience`]; threads still running then are deadlocked.
fn join_all<T: Send + 'static>(
    handles: Vec<std::thread::JoinHandle<T>>,
    who: &str,
) -> Result<Vec<T>, String> {
    let count = handles.len();
    let (done, finished) = mpsc::channel();
    for (i, handle) in handles.into_iter().enumerate() {
        let done = done.clone();
        std::thread::spawn(move || {
            let _ = done.send((i, handle.join()));
        });
    }
    let give_up = Instant::now() + patience();
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    for _ in 0..count {
        let left = give_up.saturating_duration_since(Instant::now());
        match finished.recv_timeout(left) {
            Ok((i, Ok(result))) => results[i] = Some(result),
            Ok((i, Err(_))) => return Err(format!("{who} {i} panicked")),
            Err(_) => {
                DEADLOCKED.store(true, Ordering::SeqCst);
                let stuck: Vec<usize> = (0..count).filter(|&i| results[i].is_none()).collect();
                return Err(format!(
                    "{who}(s) {stuck:?} did not finish within {:?}: the queue deadlocked (were \
                     producers woken by producers, or consumers by consumers, while the others \
                     slept?)",
                    patience()
                ));
            }
        }
    }
    Ok(results.into_iter().flatten().collect())
}

#[test]
fn every_item_is_delivered_once_and_each_producers_order_is_kept() {
    // Capacity, the number of items of each producer, the number of consumers.
    let strategy = (1..=3usize, vec(0..=8u32, 1..=3), 1..=3usize);
    check_property(24, strategy, |(capacity, producers, consumers)| {
        mpmc(capacity, &producers, consumers)
    });
}

/// Item `k` of producer `p` is `p * 1000 + k`.
fn mpmc(capacity: usize, producers: &[u32], consumers: usize) -> Result<(), String> {
    let queue = Arc::new(BlockingQueue::new(capacity));
    let putters: Vec<_> = producers
        .iter()
        .enumerate()
        .map(|(p, &count)| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || -> Result<(), String> {
                for k in 0..count {
                    let item = p as u32 * 1000 + k;
                    queue
                        .put(item)
                        .map_err(|e| format!("put({item}) failed on an open queue: {e}"))?;
                    let len = queue.len();
                    if len > capacity {
                        return Err(format!(
                            "right after put({item}) the queue held {len} items, more than its \
                             capacity of {capacity}: a put went in without room"
                        ));
                    }
                }
                Ok(())
            })
        })
        .collect();
    let takers: Vec<_> = (0..consumers)
        .map(|_| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    match queue.take() {
                        Ok(item) => got.push(item),
                        Err(TakeError::Closed) => return Ok(got),
                        Err(error) => return Err(format!("a blocking take returned {error:?}")),
                    }
                }
            })
        })
        .collect();
    for result in join_all(putters, "producer")? {
        result?;
    }
    queue.close();
    let mut received: HashMap<usize, Vec<u32>> = HashMap::new();
    for (c, result) in join_all(takers, "consumer")?.into_iter().enumerate() {
        let got = result?;
        // Each consumer must see each producer's items in the order they were put.
        let mut last: HashMap<u32, u32> = HashMap::new();
        for &item in &got {
            let (p, k) = (item / 1000, item % 1000);
            if let Some(&before) = last.get(&p)
                && before >= k
            {
                return Err(format!(
                    "consumer {c} took producer {p}'s item {k} after its item {before}: \
                     items must come out in the order they were put (took {got:?})"
                ));
            }
            last.insert(p, k);
        }
        received.insert(c, got);
    }
    let mut all: Vec<u32> = received.values().flatten().copied().collect();
    all.sort_unstable();
    let mut expected: Vec<u32> = producers
        .iter()
        .enumerate()
        .flat_map(|(p, &count)| (0..count).map(move |k| p as u32 * 1000 + k))
        .collect();
    expected.sort_unstable();
    if all != expected {
        return Err(format!(
            "the consumers took {all:?} in all, but the producers put {expected:?}: every item \
             must be delivered exactly once (by consumer: {received:?})"
        ));
    }
    Ok(())
}

#[test]
fn recorded_histories_are_linearizable_against_a_sequential_queue() {
    // Capacity; two threads of blocking operations, each a producer (true) or a consumer, with
    // how many it puts or takes; the plan of one thread of try operations (true: try_put,
    // false: try_take).
    let strategy = (
        1..=2usize,
        vec((proptest::bool::ANY, 1..=3usize), 2),
        vec(proptest::bool::ANY, 1..=3),
    );
    check_property(32, strategy, |(capacity, blocking, tries)| {
        linearizable(capacity, &blocking, &tries)
    });
}

/// Runs one thread per plan, recording every call and return, and checks the history.
///
/// Every blocking operation must be able to complete, so the puts and takes are balanced: a
/// balancing thread adds the blocking operations the plans lack, and once the try thread is
/// done, a janitor thread adds one blocking operation per item its try operations added or
/// removed on balance.
fn linearizable(capacity: usize, blocking: &[(bool, usize)], tries: &[bool]) -> Result<(), String> {
    let queue = Arc::new(BlockingQueue::new(capacity));
    let history: History<Op, Ret> = History::new();
    let spawn = |name: String, ops: Vec<Op>| {
        let (queue, history) = (Arc::clone(&queue), history.clone());
        std::thread::spawn(move || {
            for op in ops {
                let call = || match op {
                    Op::Put(value) => Ret::of_put(queue.put(value)),
                    Op::TryPut(value) => Ret::of_put(queue.try_put(value)),
                    Op::Take => Ret::of_take(queue.take()),
                    Op::TryTake => Ret::of_take(queue.try_take()),
                };
                history.call(&name, op.clone(), call);
            }
        })
    };
    let mut next_value = 0;
    let mut value = || {
        next_value += 1;
        next_value
    };
    // Producers only put and consumers only take: a thread that did both could wait in a take
    // before making the put another thread waits for.
    let mut plans: Vec<Vec<bool>> = blocking
        .iter()
        .map(|&(producer, count)| vec![producer; count])
        .collect();
    let puts = plans.iter().flatten().filter(|&&put| put).count();
    let takes = plans.iter().flatten().count() - puts;
    plans.push(vec![takes > puts; puts.abs_diff(takes)]);
    let mut handles = Vec::new();
    for (t, plan) in plans.into_iter().enumerate() {
        let ops = plan
            .into_iter()
            .map(|put| if put { Op::Put(value()) } else { Op::Take })
            .collect();
        handles.push(spawn(format!("T{t}"), ops));
    }
    let try_ops = tries
        .iter()
        .map(|&put| {
            if put {
                Op::TryPut(value())
            } else {
                Op::TryTake
            }
        })
        .collect();
    join_all(vec![spawn("try".to_owned(), try_ops)], "the try thread")?;
    let (mut added, mut removed) = (0usize, 0usize);
    for operation in history.operations() {
        match (&operation.op, &operation.ret) {
            (Op::TryPut(_), Ret::Put) => added += 1,
            (Op::TryTake, Ret::Took(_)) => removed += 1,
            _ => {}
        }
    }
    let janitor = (0..added.abs_diff(removed))
        .map(|_| {
            if removed > added {
                Op::Put(value())
            } else {
                Op::Take
            }
        })
        .collect();
    handles.push(spawn("janitor".to_owned(), janitor));
    join_all(handles, "thread")?;
    let initial = SequentialQueue {
        items: Default::default(),
        capacity,
    };
    linearizability::check(&initial, &history.operations())
        .map(drop)
        .map_err(|message| {
            format!(
                "{message}\nEvery operation of a correct queue takes effect at one instant \
                 between its call and its return, as if the operations ran one at a time on a \
                 first-in first-out queue of capacity {capacity}."
            )
        })
}
