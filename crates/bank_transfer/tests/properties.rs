//! Graded properties (proptest): random transfer lists, run by one thread against a sequential
//! model of the bank, and by several threads at once against the books (money conserved, each
//! balance explained by the successful transfers, every error justified).

use crate::harness::{Event, Request, check_books, new_trace, run_threads, within_patience};
use bank_transfer::{Bank, TransferError};
use course_testkit::proptest_config;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const ACCOUNTS: usize = 3;

/// A random call between the three accounts (the same account twice now and then): `transfer`,
/// or `try_transfer` with 1 to 3 attempts.
fn request() -> impl Strategy<Value = Request> {
    (
        0..ACCOUNTS,
        0..ACCOUNTS,
        0..=12u64,
        prop::option::of(1..=3u32),
    )
        .prop_map(|(from, to, amount, attempts)| Request {
            from,
            to,
            amount,
            attempts,
        })
}

fn balances() -> impl Strategy<Value = Vec<u64>> {
    vec(0..=20u64, ACCOUNTS)
}

/// Runs `check` on `cases` inputs from `strategy`; fails the test with the smallest failing
/// input and its message. After a deadlock, later cases pass at once: shrinking would only wait
/// out the watchdog again and again, and the first failure is reported as it was.
fn check_property<S>(cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), String>)
where
    S: Strategy,
{
    // Make one bank outside proptest first: if that panics (a `todo!()`, say), the test fails
    // once, plainly, rather than once per case and shrinking step.
    if let Err(message) = within_patience("making a bank", || Bank::new([1]).total()) {
        panic!("{message}");
    }
    let deadlocked = AtomicBool::new(false);
    let mut runner = TestRunner::new(proptest_config(cases));
    let result = runner.run(&strategy, |input| {
        if deadlocked.load(Ordering::Relaxed) {
            return Ok(());
        }
        check(input).map_err(|message| {
            if message.contains("deadlock suspected") {
                deadlocked.store(true, Ordering::Relaxed);
            }
            TestCaseError::fail(message)
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn one_thread_matches_a_sequential_model_of_the_bank() {
    check_property(
        64,
        (balances(), vec(request(), 1..=12)),
        |(initial, list)| {
            let bank = Arc::new(Bank::new(initial.clone()));
            let trace = new_trace();
            run_threads(&bank, &trace, &[list])?;
            let mut model = initial.clone();
            for event in trace.events() {
                let Event::Returned(request, got) = event.what else {
                    continue;
                };
                let Request {
                    from, to, amount, ..
                } = request;
                let want = if from == to {
                    Err(TransferError::SameAccount(from))
                } else if model[from] < amount {
                    Err(TransferError::InsufficientFunds {
                        account: from,
                        balance: model[from],
                        amount,
                    })
                } else {
                    model[from] -= amount;
                    model[to] += amount;
                    Ok(())
                };
                // Alone, a try_transfer always finds both accounts free: it behaves as transfer.
                if got != want {
                    return Err(format!(
                        "starting from balances {initial:?}, {request} returned {got:?}, but a \
                     sequential bank in the same state returns {want:?}\ntrace:\n{}",
                        trace.excerpt(&[event.seq])
                    ));
                }
            }
            check_books(&bank, &initial, &trace)
        },
    );
}

/// How many times each thread runs its list: enough overlap for threads to meet.
const REPEAT: usize = 30;

#[test]
fn several_threads_conserve_money_and_every_error_is_justified() {
    let strategy = (balances(), vec(vec(request(), 1..=6), 2..=3));
    check_property(24, strategy, |(initial, lists)| {
        let lists: Vec<Vec<Request>> = lists.iter().map(|list| list.repeat(REPEAT)).collect();
        let bank = Arc::new(Bank::new(initial.clone()));
        let trace = new_trace();
        run_threads(&bank, &trace, &lists)?;
        for event in trace.events() {
            let Event::Returned(request, Err(error)) = &event.what else {
                continue;
            };
            let justified = match error {
                TransferError::SameAccount(id) => request.from == request.to && *id == request.from,
                TransferError::InsufficientFunds {
                    account,
                    balance,
                    amount,
                } => *account == request.from && *amount == request.amount && balance < amount,
                TransferError::Busy { attempts } => request.attempts == Some(*attempts),
                TransferError::NoSuchAccount(_) => false,
            };
            if !justified {
                return Err(format!(
                    "{request} failed with {error:?}, which does not fit the request: \
                     SameAccount only for the same account twice, InsufficientFunds with the \
                     source's balance below the amount, Busy only from try_transfer after all \
                     its attempts\ntrace:\n{}",
                    trace.excerpt(&[event.seq])
                ));
            }
        }
        check_books(&bank, &initial, &trace)
    });
}
