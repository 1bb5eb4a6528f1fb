//! Graded loom models: every interleaving of two transfers in opposite directions. Built only
//! with `RUSTFLAGS="--cfg course_loom"`; a deadlock (each thread holding one account and
//! waiting for the other's) shows as loom's deadlock report.
//!
//! `try_transfer` has no model here: loom 0.7 reports false deadlocks around `Mutex::try_lock`
//! (tokio-rs/loom#376), so it is checked with real threads in `cases` and `properties`.

use bank_transfer::Bank;
use course_sync::{Arc, model, thread};

#[test]
fn two_opposite_transfers_never_deadlock_and_conserve_money() {
    model(|| {
        let bank = Arc::new(Bank::new([10, 10]));
        let other = {
            let bank = Arc::clone(&bank);
            thread::spawn(move || bank.transfer(1, 0, 3))
        };
        let mine = bank.transfer(0, 1, 5);
        let theirs = other.join().unwrap();
        assert_eq!(
            (mine, theirs),
            (Ok(()), Ok(())),
            "transfer(0 -> 1, 5) and transfer(1 -> 0, 3) between accounts holding 10 each must \
             both succeed"
        );
        assert_eq!(
            (bank.balance(0), bank.balance(1)),
            (Ok(8), Ok(12)),
            "after transfer(0 -> 1, 5) and transfer(1 -> 0, 3) from 10 and 10"
        );
    });
}

#[test]
fn three_transfers_around_a_cycle_never_deadlock() {
    model(|| {
        let bank = Arc::new(Bank::new([5, 5, 5]));
        let others: Vec<_> = [(1, 2), (2, 0)]
            .into_iter()
            .map(|(from, to)| {
                let bank = Arc::clone(&bank);
                thread::spawn(move || bank.transfer(from, to, 1))
            })
            .collect();
        let mine = bank.transfer(0, 1, 1);
        for other in others {
            assert_eq!(other.join().unwrap(), Ok(()));
        }
        assert_eq!(mine, Ok(()));
        assert_eq!(
            bank.total(),
            15,
            "three transfers around a cycle changed the total"
        );
    });
}
