//! Transfers between accounts that each sit behind their own lock, without deadlock.
//!
//! Goal: a `Bank` holds accounts, each balance behind its own mutex, so transfers between
//! different pairs of accounts run in parallel. `transfer(from, to, amount)` moves money from
//! one account to another atomically: nobody ever sees the money in both accounts or in
//! neither, the total never changes, and a transfer that cannot happen (an unknown account, the
//! same account twice, not enough money) is an error that changes nothing. Any number of
//! threads may transfer in any directions at once and they all finish: no deadlock.
//!
//! A transfer needs both accounts' locks. Two threads that take them in argument order,
//! `transfer(a, b)` and `transfer(b, a)`, can each get their first lock and then wait forever
//! for the other's. The cure here is lock ordering: every thread takes the two locks in one
//! global order (by account id), so no cycle of waiting threads can form.
//!
//! `try_transfer` takes the other road: it never waits for a lock while holding one. It tries
//! both, and if either is busy it lets go of everything, backs off a little (a random amount,
//! so two threads doing the same thing do not keep colliding in step: live-lock), and tries
//! again, a bounded number of times.
//!
//! What to build in this file:
//!
//! - `Bank::new`, `len`, `balance`, `total`, `lock_account`: the accounts and reading them;
//! - `transfer`: check the request, lock both accounts in id order, move the money;
//! - `try_transfer`: try-lock both, back off and retry, give up with `Busy`.
//!
//! Lock only `course_sync` mutexes, and yield with `course_sync::thread::yield_now`: that is how
//! the graded suite lets loom try every interleaving of two opposite transfers.
//!
//! Chapter: `docs/src/part1/bank_transfer.md`.
//! Check your work with `cargo xtask check bank_transfer`; stuck? `cargo xtask hint
//! bank_transfer`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_mut, unused_variables)]

use course_sync::{Mutex, MutexGuard, thread};
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{PoisonError, TryLockError};

/// An account's number: its index in the bank, and its place in the lock order.
pub type AccountId = usize;

/// Why a transfer did not happen. In every case, no balance changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferError {
    /// There is no account with this id.
    NoSuchAccount(AccountId),
    /// `from` and `to` are the same account. (Moving money to where it already is would be a
    /// harmless no-op, but it is almost always a bug in the caller: we say so.)
    SameAccount(AccountId),
    /// `from` holds less than `amount`.
    InsufficientFunds {
        account: AccountId,
        balance: u64,
        amount: u64,
    },
    /// `try_transfer` found an account busy on each of its `attempts` and gave up.
    Busy { attempts: u32 },
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::NoSuchAccount(id) => write!(f, "there is no account {id}"),
            TransferError::SameAccount(id) => {
                write!(f, "cannot transfer from account {id} to itself")
            }
            TransferError::InsufficientFunds {
                account,
                balance,
                amount,
            } => write!(f, "account {account} holds {balance}, less than {amount}"),
            TransferError::Busy { attempts } => {
                write!(f, "the accounts were busy on all {attempts} attempts")
            }
        }
    }
}

impl std::error::Error for TransferError {}

/// A set of accounts, each behind its own lock. Share it between threads with an `Arc`.
pub struct Bank {
    /// Account `id` is `accounts[id]`. Each mutex protects one balance; the lock order is the
    /// order of this vector (lower id first), for every thread that holds two at once.
    accounts: Vec<Mutex<u64>>,
}

/// One account, locked: see [`Bank::lock_account`].
pub struct AccountGuard<'a> {
    balance: MutexGuard<'a, u64>,
}

impl AccountGuard<'_> {
    /// The account's balance, which cannot change while this guard lives.
    pub fn balance(&self) -> u64 {
        *self.balance
    }
}

impl Bank {
    /// A bank with one account per initial balance, numbered from 0.
    pub fn new(balances: impl IntoIterator<Item = u64>) -> Self {
        // TODO: one lock per account. Why not one lock for the whole bank?
        todo!("Bank::new")
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        todo!("Bank::len")
    }

    /// True if the bank has no accounts.
    pub fn is_empty(&self) -> bool {
        todo!("Bank::is_empty")
    }

    /// Account `id`'s balance now.
    pub fn balance(&self, id: AccountId) -> Result<u64, TransferError> {
        // TODO: one lock, held for a read.
        todo!("Bank::balance")
    }

    /// The sum of all balances, read as one consistent snapshot: every account is locked, in id
    /// order (the same order transfers use, so this cannot deadlock with them), before the sum
    /// is taken, so no transfer is half-counted.
    pub fn total(&self) -> u64 {
        // TODO: lock every account before summing. In which order, and why not one at a time?
        todo!("Bank::total")
    }

    /// Locks account `id` until the guard is dropped (an audit, say): transfers touching it
    /// wait meanwhile. Do not transfer from the same thread while holding a guard: the transfer
    /// would wait for this very guard.
    pub fn lock_account(&self, id: AccountId) -> Result<AccountGuard<'_>, TransferError> {
        // TODO: check the id, then lock that account's mutex.
        todo!("Bank::lock_account")
    }

    /// Moves `amount` from `from` to `to`, waiting for both accounts as long as it takes.
    /// Deadlock-free: every thread locks the lower account id first.
    pub fn transfer(
        &self,
        from: AccountId,
        to: AccountId,
        amount: u64,
    ) -> Result<(), TransferError> {
        // TODO: check the request before locking anything (what happens if `from == to`?).
        //
        // TODO: lock both accounts. In which order? Think of `transfer(0, 1)` and
        // `transfer(1, 0)` running at the same time.
        //
        // TODO: with both guards held, move the money (`move_money`).
        todo!("Bank::transfer")
    }

    /// Like [`transfer`](Self::transfer), but never waits for a lock while holding another:
    /// tries both, and if either is busy releases what it holds, backs off, and tries again, at
    /// most `attempts` times in all. `Err(Busy)` if it never got both.
    pub fn try_transfer(
        &self,
        from: AccountId,
        to: AccountId,
        amount: u64,
        attempts: u32,
    ) -> Result<(), TransferError> {
        // TODO: check the request, as `transfer` does.
        //
        // TODO: up to `attempts` times: try-lock both accounts; with both, move the money; if
        // either is busy, let go of everything and `back_off` before the next try. Does the
        // order of the two try-locks matter here?
        //
        // TODO: out of attempts: `Busy`.
        todo!("Bank::try_transfer")
    }

    /// Checks that `id` is an account.
    fn check(&self, id: AccountId) -> Result<(), TransferError> {
        // TODO: `NoSuchAccount` unless `id` is in range.
        todo!("Bank::check")
    }

    /// Checks a transfer's accounts: both exist, and they differ. Locking the same mutex twice
    /// from one thread would deadlock (std's `Mutex` is not re-entrant), so this must come
    /// before any locking.
    fn check_pair(&self, from: AccountId, to: AccountId) -> Result<(), TransferError> {
        // TODO: both exist, and they differ.
        todo!("Bank::check_pair")
    }

    /// Locks account `id` (which exists). A balance is a plain number, consistent whenever its
    /// lock is free (the money moves only after every check passed, and the moves cannot
    /// panic), so a lock poisoned by some other panic still guards a good value: take it.
    fn lock(&self, id: AccountId) -> MutexGuard<'_, u64> {
        // TODO: lock it; what to do with a poisoned lock?
        todo!("Bank::lock")
    }

    /// Locks account `id` if it is free right now.
    fn try_lock(&self, id: AccountId) -> Option<MutexGuard<'_, u64>> {
        // TODO: `try_lock` says `WouldBlock` when someone holds it, `Poisoned` when a holder
        // panicked.
        todo!("Bank::try_lock")
    }
}

/// Moves `amount` between two locked balances, or changes nothing and says why.
fn move_money(
    from: AccountId,
    mut source: MutexGuard<'_, u64>,
    mut target: MutexGuard<'_, u64>,
    amount: u64,
) -> Result<(), TransferError> {
    // TODO: `InsufficientFunds` if the source holds less than `amount`, changing nothing;
    // otherwise subtract from one and add to the other.
    todo!("move_money")
}

/// Waits a little before retry number `attempt + 1`: a random number of yields below
/// `2^(attempt + 1)` (capped), so colliding threads drift apart instead of retrying in step.
fn back_off(attempt: u32) {
    // TODO: yield (`thread::yield_now`) a random number of times below a limit that grows
    // with `attempt`. (`RandomState::new().hash_one(attempt)` is a random number without a
    // crate.) Why random, and not a fixed number?
    todo!("back_off")
}
