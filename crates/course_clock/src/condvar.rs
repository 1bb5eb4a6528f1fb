//! `Condvar`: a condition variable whose timed waits go through a [`Clock`].

use crate::virtual_clock::Wake;
use crate::{Clock, Instant, Kind};
use course_sync::{Mutex, MutexGuard};
use std::sync::{LockResult, PoisonError};
use std::time::Duration;

/// A condition variable that waits on a [`Clock`]'s time.
///
/// Use it as you would `std::sync::Condvar`, with two differences: it is made from a clock, and
/// each wait takes the mutex as well as its guard (a virtual wait must release the guard and
/// later lock the mutex again itself).
///
/// On the system clock a wait is a plain `std` wait. On a virtual clock a waiter registers its
/// deadline with the clock while it still holds your lock, and only then releases it: a
/// `notify_*` or a clock advance that comes after your condition check always reaches it.
/// Untimed waits are registered too, so a test can see that your thread is asleep.
///
/// Like every condition variable it may wake without a notify (here, when the clock moves
/// for someone else on the system clock, or spuriously): always wait in a loop that re-checks
/// your condition.
pub struct Condvar {
    clock: Clock,
    imp: Imp,
}

enum Imp {
    #[cfg(not(course_loom))]
    System(course_sync::Condvar),
    Virtual(u64),
}

/// Whether a timed wait returned because its deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the deadline had passed when the wait returned. It may be true even though a
    /// notify also arrived: re-check your condition either way.
    pub fn timed_out(self) -> bool {
        self.0
    }
}

type TimedWait<'a, T> = LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>;

impl Condvar {
    /// A condition variable whose waits use `clock`.
    pub fn new(clock: &Clock) -> Self {
        let imp = match &clock.kind {
            #[cfg(not(course_loom))]
            Kind::System { .. } => Imp::System(course_sync::Condvar::new()),
            Kind::Virtual(shared) => Imp::Virtual(shared.new_condvar()),
        };
        Condvar {
            clock: clock.clone(),
            imp,
        }
    }

    /// The clock this condition variable waits on.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Wakes one thread waiting on this condition variable, if there is one.
    pub fn notify_one(&self) {
        match (&self.imp, &self.clock.kind) {
            #[cfg(not(course_loom))]
            (Imp::System(condvar), _) => condvar.notify_one(),
            (Imp::Virtual(id), Kind::Virtual(shared)) => shared.notify(*id, false),
            #[cfg(not(course_loom))]
            (Imp::Virtual(_), Kind::System { .. }) => unreachable!("condvar built from its clock"),
        }
    }

    /// Wakes every thread waiting on this condition variable.
    pub fn notify_all(&self) {
        match (&self.imp, &self.clock.kind) {
            #[cfg(not(course_loom))]
            (Imp::System(condvar), _) => condvar.notify_all(),
            (Imp::Virtual(id), Kind::Virtual(shared)) => shared.notify(*id, true),
            #[cfg(not(course_loom))]
            (Imp::Virtual(_), Kind::System { .. }) => unreachable!("condvar built from its clock"),
        }
    }

    /// Releases `guard` (of `mutex`), blocks until notified, and locks `mutex` again.
    ///
    /// # Panics
    ///
    /// If `guard` does not belong to `mutex`.
    pub fn wait<'a, T>(
        &self,
        mutex: &'a Mutex<T>,
        guard: MutexGuard<'a, T>,
    ) -> LockResult<MutexGuard<'a, T>> {
        match self.wait_inner(mutex, guard, None) {
            Ok((guard, _)) => Ok(guard),
            Err(poisoned) => Err(PoisonError::new(poisoned.into_inner().0)),
        }
    }

    /// Releases `guard` (of `mutex`), blocks until notified or until the clock reaches
    /// `deadline`, and locks `mutex` again. Returns at once, still holding the lock, if
    /// `deadline` has already passed.
    ///
    /// # Panics
    ///
    /// If `guard` does not belong to `mutex`.
    pub fn wait_until<'a, T>(
        &self,
        mutex: &'a Mutex<T>,
        guard: MutexGuard<'a, T>,
        deadline: Instant,
    ) -> TimedWait<'a, T> {
        self.wait_inner(mutex, guard, Some(deadline))
    }

    /// Like [`wait_until`](Self::wait_until), with the deadline `timeout` from now.
    pub fn wait_timeout<'a, T>(
        &self,
        mutex: &'a Mutex<T>,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> TimedWait<'a, T> {
        let deadline = self.clock.now() + timeout;
        self.wait_inner(mutex, guard, Some(deadline))
    }

    fn wait_inner<'a, T>(
        &self,
        mutex: &'a Mutex<T>,
        guard: MutexGuard<'a, T>,
        deadline: Option<Instant>,
    ) -> TimedWait<'a, T> {
        check_guard_of(mutex);
        match (&self.imp, &self.clock.kind) {
            #[cfg(not(course_loom))]
            (Imp::System(condvar), _) => self.wait_system(condvar, guard, deadline),
            (Imp::Virtual(id), Kind::Virtual(shared)) => {
                // `block` drops the guard only after registering this waiter with the clock.
                let mut guard = Some(guard);
                let Some(wake) = shared.block(*id, deadline, || drop(guard.take())) else {
                    let guard = guard.expect("block returned early, before releasing the guard");
                    return Ok((guard, WaitTimeoutResult(true)));
                };
                let timed_out = WaitTimeoutResult(wake == Wake::TimedOut);
                match mutex.lock() {
                    Ok(guard) => Ok((guard, timed_out)),
                    Err(poisoned) => Err(PoisonError::new((poisoned.into_inner(), timed_out))),
                }
            }
            #[cfg(not(course_loom))]
            (Imp::Virtual(_), Kind::System { .. }) => unreachable!("condvar built from its clock"),
        }
    }

    #[cfg(not(course_loom))]
    fn wait_system<'a, T>(
        &self,
        condvar: &course_sync::Condvar,
        guard: MutexGuard<'a, T>,
        deadline: Option<Instant>,
    ) -> TimedWait<'a, T> {
        let Some(deadline) = deadline else {
            return match condvar.wait(guard) {
                Ok(guard) => Ok((guard, WaitTimeoutResult(false))),
                Err(poisoned) => Err(PoisonError::new((
                    poisoned.into_inner(),
                    WaitTimeoutResult(false),
                ))),
            };
        };
        let left = deadline.saturating_duration_since(self.clock.now());
        if left.is_zero() {
            return Ok((guard, WaitTimeoutResult(true)));
        }
        let (result, poisoned) = match condvar.wait_timeout(guard, left) {
            Ok((guard, _)) => (guard, false),
            Err(poisoned) => (poisoned.into_inner().0, true),
        };
        let timed_out = WaitTimeoutResult(self.clock.now() >= deadline);
        if poisoned {
            Err(PoisonError::new((result, timed_out)))
        } else {
            Ok((result, timed_out))
        }
    }
}

/// Panics unless the calling thread holds `mutex` (the guard passed with it must be its own).
fn check_guard_of<T>(mutex: &Mutex<T>) {
    // Under loom a try_lock is one more step to explore; the check is for learners' runs.
    #[cfg(not(course_loom))]
    if let Ok(_unlocked) = mutex.try_lock() {
        panic!(
            "Condvar::wait*: the guard passed is not a guard of the mutex passed with it; \
             pass the mutex you locked to get the guard"
        );
    }
    #[cfg(course_loom)]
    let _ = mutex;
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condvar")
            .field("clock", &self.clock)
            .finish()
    }
}
