//! Graded properties (proptest): random numbers of callers and calls on real threads; every
//! call's callback finished before that call returned, and ran exactly once.

use async_to_sync::{AsyncExecutor, SyncExecutor};
use course_testkit::{Trace, join_patiently, patience, proptest_config};
use proptest::collection::vec;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    CallbackRan(usize, usize),
    Returned(usize, usize),
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::CallbackRan(c, k) => write!(f, "callback of caller {c}'s call {k} ran"),
            Event::Returned(c, k) => write!(f, "caller {c}'s call {k} returned"),
        }
    }
}

#[test]
fn every_call_returns_after_its_own_callback_ran_once() {
    // Outside proptest first: a `todo!()` fails the test once, plainly.
    SyncExecutor::new(AsyncExecutor::new())
        .execute(|| ())
        .expect("a callback that returns");
    let mut runner = TestRunner::new(proptest_config(24));
    let strategy = vec(1..=4usize, 1..=4);
    if let Err(failure) = runner.run(&strategy, |calls| {
        check(&calls).map_err(TestCaseError::fail)
    }) {
        panic!("{failure}");
    }
}

/// One thread per entry of `calls`, making that many calls in a row.
fn check(calls: &[usize]) -> Result<(), String> {
    let executor = Arc::new(SyncExecutor::new(AsyncExecutor::new()));
    let trace = Trace::new();
    let handles: Vec<_> = calls
        .iter()
        .enumerate()
        .map(|(c, &count)| {
            let (executor, trace) = (Arc::clone(&executor), trace.clone());
            std::thread::spawn(move || {
                for k in 0..count {
                    let callback_trace = trace.clone();
                    let result = executor.execute(move || {
                        callback_trace.record(Event::CallbackRan(c, k));
                    });
                    trace.record(Event::Returned(c, k));
                    if let Err(error) = result {
                        return Err(format!("caller {c}'s call {k} failed: {error}"));
                    }
                }
                Ok(())
            })
        })
        .collect();
    for (c, handle) in handles.into_iter().enumerate() {
        match join_patiently(handle) {
            Some(Ok(result)) => result?,
            Some(Err(_)) => return Err(format!("caller {c} panicked")),
            None => {
                return Err(format!(
                    "caller {c} did not finish within {:?}: a call waited for a callback that \
                     had already run (a lost wakeup?)",
                    patience()
                ));
            }
        }
    }
    let events = trace.events();
    for event in &events {
        if let Event::Returned(c, k) = event.what {
            let ran: Vec<usize> = events
                .iter()
                .filter(|e| e.what == Event::CallbackRan(c, k))
                .map(|e| e.seq)
                .collect();
            match ran[..] {
                [seq] if seq < event.seq => {}
                [] | [_] => trace.fail(
                    format!(
                        "caller {c}'s call {k} returned before its callback ran: execute must \
                         wait for its own callback, every time"
                    ),
                    &[event.seq],
                ),
                _ => trace.fail(
                    format!(
                        "the callback of caller {c}'s call {k} ran {} times",
                        ran.len()
                    ),
                    &ran,
                ),
            }
        }
    }
    Ok(())
}
