//! Graded cases (rstest): one scenario per property of the bank. Every call that could
//! deadlock runs on a thread of its own under a watchdog, so a deadlock fails the test after
//! `patience()` with a sentence instead of hanging it.

use crate::harness::{
    Event, OrFail, Request, busy_account_scenario, check_books, new_trace, run_threads,
    within_patience,
};
use bank_transfer::{Bank, TransferError};
use rstest::rstest;
use std::sync::Arc;

#[test]
fn smoke_a_transfer_moves_money_from_one_account_to_another() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Bank>();

    let balances = within_patience("a single thread transferred 4 from account 0 to 1", || {
        let bank = Bank::new([10, 0]);
        let result = bank.transfer(0, 1, 4);
        (result, bank.balance(0), bank.balance(1), bank.total())
    })
    .or_fail();
    assert_eq!(
        balances,
        (Ok(()), Ok(6), Ok(4), 10),
        "accounts holding 10 and 0, then transfer(0 -> 1, 4): (result, balance 0, balance 1, \
         total)"
    );
}

/// Which call a case makes.
#[derive(Clone, Copy, Debug)]
enum Call {
    Transfer,
    TryTransfer,
}

impl Call {
    fn request(self, from: usize, to: usize, amount: u64) -> Request {
        match self {
            Call::Transfer => Request::transfer(from, to, amount),
            Call::TryTransfer => Request::try_transfer(from, to, amount, 3),
        }
    }
}

#[rstest]
#[case::empty_account(Call::Transfer, 0, 1)]
#[case::one_short(Call::Transfer, 9, 10)]
#[case::far_too_much(Call::Transfer, 5, 1000)]
#[case::try_one_short(Call::TryTransfer, 9, 10)]
#[case::try_empty_account(Call::TryTransfer, 0, 7)]
fn insufficient_funds_is_an_error_that_changes_nothing(
    #[case] call: Call,
    #[case] balance: u64,
    #[case] amount: u64,
) {
    let initial = [balance, 100, 50];
    let request = call.request(0, 1, amount);
    let trace = new_trace();
    let bank = Arc::new(Bank::new(initial));
    let result = {
        let (bank, trace) = (Arc::clone(&bank), trace.clone());
        within_patience(
            &format!("{request} from an account holding {balance}"),
            move || request.run(&bank, &trace),
        )
        .or_fail()
    };
    let want = TransferError::InsufficientFunds {
        account: 0,
        balance,
        amount,
    };
    if result != Err(want.clone()) {
        trace.fail(
            format!(
                "account 0 holds {balance}, so {request} must fail with {want:?}, and it \
                 returned {result:?}"
            ),
            &[1],
        );
    }
    for (id, &was) in initial.iter().enumerate() {
        let now = bank.balance(id).map_err(|e| format!("{e:?}")).or_fail();
        if now != was {
            trace.fail(
                format!(
                    "{request} failed for insufficient funds, yet account {id} went from {was} \
                     to {now}: a failed transfer must change nothing (check before you move \
                     any money)"
                ),
                &[1],
            );
        }
    }
}

#[rstest]
#[case::transfer_from_0_to_0(Call::Transfer, 0, 5)]
#[case::transfer_from_2_to_2(Call::Transfer, 2, 1)]
#[case::transfer_nothing_from_1_to_1(Call::Transfer, 1, 0)]
#[case::try_transfer_from_1_to_1(Call::TryTransfer, 1, 3)]
fn a_transfer_to_the_same_account_is_an_error_not_a_deadlock(
    #[case] call: Call,
    #[case] id: usize,
    #[case] amount: u64,
) {
    let request = call.request(id, id, amount);
    let (result, balances) = within_patience(
        &format!("one thread called {request} (the same account on both sides)"),
        move || {
            let bank = Bank::new([10, 20, 30]);
            let result = request.call(&bank);
            (
                result,
                (0..3).map(|id| bank.balance(id)).collect::<Vec<_>>(),
            )
        },
    )
    .unwrap_or_else(|message| {
        panic!(
            "{message}. Locking one account's mutex twice from the same thread never returns: \
             check for the same account before locking anything"
        )
    });
    assert_eq!(
        result,
        Err(TransferError::SameAccount(id)),
        "{request}: a transfer from an account to itself must fail with SameAccount({id})"
    );
    assert_eq!(
        balances,
        [Ok(10), Ok(20), Ok(30)],
        "{request} failed, so no balance may change"
    );
}

#[rstest]
#[case::unknown_source(Request::transfer(3, 0, 1), 3)]
#[case::unknown_target(Request::transfer(0, 7, 1), 7)]
#[case::try_unknown_target(Request::try_transfer(1, 3, 1, 2), 3)]
fn an_unknown_account_is_an_error_that_changes_nothing(
    #[case] request: Request,
    #[case] unknown: usize,
) {
    let (result, balances) = within_patience(&format!("one thread called {request}"), move || {
        let bank = Bank::new([10, 20, 30]);
        let result = request.call(&bank);
        (
            result,
            (0..4).map(|id| bank.balance(id)).collect::<Vec<_>>(),
        )
    })
    .or_fail();
    assert_eq!(
        result,
        Err(TransferError::NoSuchAccount(unknown)),
        "{request} on a bank with accounts 0, 1 and 2"
    );
    assert_eq!(
        balances,
        [Ok(10), Ok(20), Ok(30), Err(TransferError::NoSuchAccount(3))],
        "{request} failed, so no balance may change; and balance(3) must say there is no \
         account 3"
    );
}

/// `threads` threads, half of them transferring `rounds` times from account `a` to `b` and the
/// other half from `b` to `a`, for every pair of neighbouring accounts.
fn opposite_directions(
    threads: usize,
    accounts: usize,
    rounds: usize,
    call: Call,
) -> Vec<Vec<Request>> {
    (0..threads)
        .map(|t| {
            let (a, b) = (t / 2 % accounts, (t / 2 + 1) % accounts);
            let (from, to) = if t % 2 == 0 { (a, b) } else { (b, a) };
            vec![call.request(from, to, 1); rounds]
        })
        .collect()
}

#[rstest]
#[case::two_threads_two_accounts(2, 2)]
#[case::four_threads_two_accounts(4, 2)]
#[case::six_threads_three_accounts(6, 3)]
#[case::eight_threads_four_accounts(8, 4)]
fn threads_transferring_in_opposite_directions_all_finish(
    #[case] threads: usize,
    #[case] accounts: usize,
) {
    // Enough money that no transfer fails: every one of them takes both locks.
    let initial = vec![1_000_000; accounts];
    let bank = Arc::new(Bank::new(initial.clone()));
    let trace = new_trace();
    let lists = opposite_directions(threads, accounts, 1000, Call::Transfer);
    run_threads(&bank, &trace, &lists).unwrap_or_else(|message| {
        panic!(
            "{threads} threads transferred between {accounts} accounts in both directions and \
             did not all finish: {message}\nLock the two accounts in one global order (lower \
             id first), whatever the direction"
        )
    });
    if let Some(failed) = trace
        .events()
        .iter()
        .find(|e| matches!(e.what, Event::Returned(_, Err(_))))
    {
        trace.fail(
            "every account held plenty, yet a transfer failed",
            &[failed.seq],
        );
    }
    check_books(&bank, &initial, &trace).or_fail();
}

#[rstest]
#[case::two_threads_two_accounts(2, 2)]
#[case::six_threads_three_accounts(6, 3)]
fn try_transfers_in_opposite_directions_all_return_and_conserve_money(
    #[case] threads: usize,
    #[case] accounts: usize,
) {
    let initial = vec![1_000_000; accounts];
    let bank = Arc::new(Bank::new(initial.clone()));
    let trace = new_trace();
    let lists = opposite_directions(threads, accounts, 2000, Call::TryTransfer);
    run_threads(&bank, &trace, &lists).unwrap_or_else(|message| {
        panic!(
            "{threads} threads called try_transfer between {accounts} accounts in both \
             directions and did not all return: {message}\ntry_transfer must never wait for a \
             lock"
        )
    });
    if let Some(failed) = trace.events().iter().find(|e| {
        matches!(&e.what, Event::Returned(_, Err(error)) if !matches!(error, TransferError::Busy { .. }))
    }) {
        trace.fail(
            "every account held plenty, so a try_transfer may only fail with Busy",
            &[failed.seq],
        );
    }
    check_books(&bank, &initial, &trace).or_fail();
}

#[test]
fn a_busy_account_makes_try_transfer_give_up_and_transfer_wait() {
    let (trace, bank, waited) = busy_account_scenario().or_fail();
    let events = trace.events();
    let seq_of = |what: &Event| events.iter().find(|e| &e.what == what).map(|e| e.seq);
    let try_req = Request::try_transfer(1, 0, 5, 3);
    let try_result = events.iter().find_map(|e| match &e.what {
        Event::Returned(r, result) if *r == try_req => Some((e.seq, result.clone())),
        _ => None,
    });
    match try_result {
        Some((_, Err(TransferError::Busy { attempts: 3 }))) => {}
        Some((seq, other)) => trace.fail(
            format!(
                "account 0 was locked by the test all along, so {try_req} must give up with \
                 Busy {{ attempts: 3 }}, and it returned {other:?}"
            ),
            &[seq],
        ),
        None => trace.fail("the try_transfer never returned", &[]),
    }
    let released = seq_of(&Event::Note("releases account 0".into()));
    let done = seq_of(&Event::Returned(waited, Ok(())));
    match (released, done) {
        (Some(released), Some(done)) if done < released => trace.fail(
            format!("{waited} finished while the test still held account 0: it must wait for it"),
            &[done, released],
        ),
        (_, None) => trace.fail(
            format!("{waited} did not succeed once account 0 was free"),
            &[],
        ),
        _ => {}
    }
    check_books(&bank, &[100, 100], &trace).or_fail();
}

#[test]
fn total_seen_during_transfers_is_always_the_whole_amount() {
    let initial = vec![1000; 3];
    let bank = Arc::new(Bank::new(initial.clone()));
    let trace = new_trace();
    let auditor = {
        let bank = Arc::clone(&bank);
        std::thread::spawn(move || (0..300).map(|_| bank.total()).collect::<Vec<_>>())
    };
    let lists = opposite_directions(4, 3, 1000, Call::Transfer);
    run_threads(&bank, &trace, &lists).or_fail();
    let totals = within_patience("the auditor summed the balances 300 times", move || {
        auditor.join()
    })
    .or_fail()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    if let Some(wrong) = totals.iter().find(|&&total| total != 3000) {
        panic!(
            "while transfers ran, total() returned {wrong} instead of 3000: it must lock every \
             account (in id order, like transfers) before summing, so it never counts a \
             transfer half done"
        );
    }
    check_books(&bank, &initial, &trace).or_fail();
}
