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
        // One lock per account, so transfers between disjoint pairs never wait for each other.
        Bank {
            accounts: balances.into_iter().map(Mutex::new).collect(),
        }
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// True if the bank has no accounts.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Account `id`'s balance now.
    pub fn balance(&self, id: AccountId) -> Result<u64, TransferError> {
        // One lock, held for a read: no ordering question.
        Ok(self.lock_account(id)?.balance())
    }

    /// The sum of all balances, read as one consistent snapshot: every account is locked, in id
    /// order (the same order transfers use, so this cannot deadlock with them), before the sum
    /// is taken, so no transfer is half-counted.
    pub fn total(&self) -> u64 {
        let guards: Vec<MutexGuard<'_, u64>> = (0..self.len()).map(|id| self.lock(id)).collect();
        guards.iter().map(|balance| **balance).sum()
    }

    /// Locks account `id` until the guard is dropped (an audit, say): transfers touching it
    /// wait meanwhile. Do not transfer from the same thread while holding a guard: the transfer
    /// would wait for this very guard.
    pub fn lock_account(&self, id: AccountId) -> Result<AccountGuard<'_>, TransferError> {
        self.check(id)?;
        Ok(AccountGuard {
            balance: self.lock(id),
        })
    }

    /// Moves `amount` from `from` to `to`, waiting for both accounts as long as it takes.
    /// Deadlock-free: every thread locks the lower account id first.
    pub fn transfer(
        &self,
        from: AccountId,
        to: AccountId,
        amount: u64,
    ) -> Result<(), TransferError> {
        self.check_pair(from, to)?;
        // Lock ordering: whatever the direction, the lower id is locked first. A cycle of
        // threads each holding one account and waiting for the next would need some thread to
        // hold a higher id while waiting for a lower one, which nobody does.
        let (first, second) = (from.min(to), from.max(to));
        let first_guard = self.lock(first);
        let second_guard = self.lock(second);
        let (source, target) = if from == first {
            (first_guard, second_guard)
        } else {
            (second_guard, first_guard)
        };
        // Both balances are locked: check and move under the locks, so nobody sees half of it.
        move_money(from, source, target, amount)
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
        self.check_pair(from, to)?;
        for attempt in 0..attempts {
            // No lock is waited for, so the order does not matter for deadlock: argument order.
            if let Some(source) = self.try_lock(from)
                && let Some(target) = self.try_lock(to)
            {
                return move_money(from, source, target, amount);
            }
            // Whatever was locked is released by now (guards dropped at the end of the `if`).
            // Back off before the next try, for a random number of yields that grows with the
            // attempt: two threads colliding in step would otherwise retry in step and collide
            // again and again (live-lock); the randomness (jitter) breaks the symmetry.
            if attempt + 1 < attempts {
                back_off(attempt);
            }
        }
        Err(TransferError::Busy { attempts })
    }

    /// Checks that `id` is an account.
    fn check(&self, id: AccountId) -> Result<(), TransferError> {
        if id < self.len() {
            Ok(())
        } else {
            Err(TransferError::NoSuchAccount(id))
        }
    }

    /// Checks a transfer's accounts: both exist, and they differ. Locking the same mutex twice
    /// from one thread would deadlock (std's `Mutex` is not re-entrant), so this must come
    /// before any locking.
    fn check_pair(&self, from: AccountId, to: AccountId) -> Result<(), TransferError> {
        self.check(from)?;
        self.check(to)?;
        if from == to {
            return Err(TransferError::SameAccount(from));
        }
        Ok(())
    }

    /// Locks account `id` (which exists). A balance is a plain number, consistent whenever its
    /// lock is free (the money moves only after every check passed, and the moves cannot
    /// panic), so a lock poisoned by some other panic still guards a good value: take it.
    fn lock(&self, id: AccountId) -> MutexGuard<'_, u64> {
        self.accounts[id]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks account `id` if it is free right now.
    fn try_lock(&self, id: AccountId) -> Option<MutexGuard<'_, u64>> {
        match self.accounts[id].try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

/// Moves `amount` between two locked balances, or changes nothing and says why.
fn move_money(
    from: AccountId,
    mut source: MutexGuard<'_, u64>,
    mut target: MutexGuard<'_, u64>,
    amount: u64,
) -> Result<(), TransferError> {
    // Check first, then change both: an error leaves both balances as they were.
    if *source < amount {
        return Err(TransferError::InsufficientFunds {
            account: from,
            balance: *source,
            amount,
        });
    }
    // Money is conserved, so the target cannot overflow unless the bank held more than
    // `u64::MAX` in all; saturating would hide that, checking says it.
    let credited = target
        .checked_add(amount)
        .expect("the bank's total money overflowed u64");
    *source -= amount;
    *target = credited;
    Ok(())
}

/// Waits a little before retry number `attempt + 1`: a random number of yields below
/// `2^(attempt + 1)` (capped), so colliding threads drift apart instead of retrying in step.
fn back_off(attempt: u32) {
    let limit = 1u64 << (attempt + 1).min(6);
    // `RandomState` is seeded randomly for each thread: a source of jitter without a crate.
    let yields = RandomState::new().hash_one(attempt) % limit;
    for _ in 0..yields {
        thread::yield_now();
    }
}
