//! Known-wrong variant: `add_without_notify`. `add_action` pushes the new action but does not
//! notify the condition variable. An executor asleep with no deadline (the queue was empty)
//! never learns of the action; one asleep until a later action's due time sleeps straight past
//! the new, earlier one. This is the wake-up the seed's text is about ("the execution thread
//! would need to wake up and reset itself"): forgetting it is a lost wakeup.
//!
//! Caught by `cases::an_earlier_action_added_while_the_executor_waits_for_a_later_one_runs_on_time`
//! (every case: "the executor sleeps until t=10.000s, but Earlier ... is pending"), and under
//! loom by both models (`add_action_racing_the_executors_first_wait_loses_no_wakeup` finds the
//! interleaving where the executor was already waiting with no deadline).

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Arc, Mutex, MutexGuard, thread};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;
use std::time::Duration;

/// A queued callback.
type Action = Box<dyn FnOnce() + Send + 'static>;

/// Runs actions after a delay, one at a time, on a thread of its own.
///
/// Dropping the executor stops that thread and waits for it; actions that are not due yet are
/// dropped without running.
pub struct DeferredCallbackExecutor {
    shared: Arc<Shared>,
    /// The executor thread. `Drop` takes it to join it.
    executor: Option<thread::JoinHandle<()>>,
}

impl DeferredCallbackExecutor {
    /// An executor on the system clock.
    pub fn new() -> Self {
        Self::with_clock(Clock::system())
    }

    /// An executor whose due times and waits use `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: BinaryHeap::new(),
                next_seq: 0,
                shutdown: false,
            }),
            wakeup: Condvar::new(&clock),
            clock,
        });
        // The thread owns a second handle on the shared state; `Drop` tells it to stop through
        // `shutdown` and then joins it.
        let executor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("deferred-callback executor".to_owned())
                .spawn(move || run(&shared))
                .expect("failed to spawn the executor thread")
        };
        DeferredCallbackExecutor {
            shared,
            executor: Some(executor),
        }
    }

    /// Runs `action` on the executor thread once `delay` has passed, counted from this call.
    ///
    /// Returns at once, even while a callback is running (callbacks may call it too).
    pub fn add_action<F>(&self, delay: Duration, action: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let mut state = self.shared.lock();
        // Read the clock while holding the lock: the order in which callers get the lock is the
        // order of registration, and under the lock it is also the order of their sequence
        // numbers and (for equal delays) of their due times. A delay too long to represent
        // saturates: the action then never comes due.
        let due =
            Instant::from_duration(self.shared.clock.now().since_start().saturating_add(delay));
        let seq = state.next_seq;
        state.next_seq += 1;
        state.queue.push(Entry {
            due,
            seq,
            action: Box::new(action),
        });
        // WRONG: no notify. An executor asleep until a later due time, or with no deadline at
        // all, does not look at the queue again before that deadline, if ever.
        // Unlocking here (dropping `state`) releases the push; the executor's next lock of
        // `state` acquires it.
    }
}

impl Default for DeferredCallbackExecutor {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DeferredCallbackExecutor {
    fn drop(&mut self) {
        // Set the flag and notify under the lock, as `add_action` does: the executor reads the
        // flag under the lock at the top of each pass, so it either sees it there or is already
        // waiting, and then the notify wakes it. Only the executor thread ever waits on `wakeup`;
        // `notify_all` states the intent: whoever waits, stop waiting.
        let mut state = self.shared.lock();
        state.shutdown = true;
        self.shared.wakeup.notify_all();
        drop(state);

        let Some(executor) = self.executor.take() else {
            return;
        };
        if executor.thread().id() == thread::current().id() {
            // A callback dropped the last handle, so this *is* the executor thread: joining it
            // would wait for ourselves forever. When the callback returns, the loop sees
            // `shutdown` and the thread ends on its own (the handle is dropped: detached).
            return;
        }
        // The thread's loop does not panic and catches its callbacks' panics, so `join` fails
        // only if a queued action's destructor panicked. Drop must not panic in turn (that
        // aborts if we are already unwinding), so the error is dropped.
        let _ = executor.join();
        // The queued actions that never came due are dropped with `shared`, right after this,
        // unrun.
    }
}

/// What the executor thread and the handle share.
struct Shared {
    /// Protects the queue and the shutdown flag. Held only for short updates; never while a
    /// callback runs, so a callback may call `add_action` (or just take long) without blocking
    /// anyone.
    state: Mutex<State>,
    /// Wakes the executor thread: when an action is added, and at shutdown. Made from `clock`,
    /// so timed waits follow that clock's time.
    wakeup: Condvar,
    clock: Clock,
}

/// Everything behind the lock.
struct State {
    /// Actions not run yet; the greatest entry (see `Entry`'s `Ord`) is the next to run.
    queue: BinaryHeap<Entry>,
    /// The sequence number of the next registration.
    next_seq: u64,
    /// Set once by `Drop`; the executor thread ends when it sees it.
    shutdown: bool,
}

/// One queued action.
struct Entry {
    due: Instant,
    /// Registration order: breaks ties between actions due at the same instant.
    seq: u64,
    action: Action,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // `BinaryHeap` is a max-heap: compare backwards, so that the earliest due time, and
        // among equal due times the earliest registration, is the greatest entry. The heap alone
        // keeps no insertion order for equal keys; `seq` is what makes ties run in order.
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// The executor thread: runs due actions, and sleeps in between.
fn run(shared: &Shared) {
    let mut state = shared.lock();
    // Each pass looks at the state afresh, under the lock. Every wait below is followed by
    // another pass, because a wake-up only means "look again": it may come from an add, from
    // shutdown, from the deadline, or from nothing at all (spuriously).
    loop {
        if state.shutdown {
            return;
        }
        let now = shared.clock.now();
        let Some(head) = state.queue.peek() else {
            // Nothing queued: sleep with no deadline until `add_action` or `Drop` notifies.
            // The wait releases the lock once this thread is registered as waiting, and
            // re-acquires it before returning.
            state = shared
                .wakeup
                .wait(&shared.state, state)
                .unwrap_or_else(PoisonError::into_inner);
            continue;
        };
        if head.due > now {
            // The earliest action is not due: sleep until it is, or until an add (maybe of an
            // earlier action) or `Drop` wakes us. Wait *until* the instant, not *for* a duration
            // computed from `now`: time may have moved since we read it.
            let due = head.due;
            state = shared
                .wakeup
                .wait_until(&shared.state, state, due)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            continue;
        }
        let entry = state
            .queue
            .pop()
            .expect("the queue has a head: it was just peeked");
        // Release the lock before running the callback: it may call `add_action`, which takes
        // the lock, or run long while other threads add actions. Entries pushed meanwhile are
        // acquired when we lock again below.
        drop(state);
        // A panicking callback must not kill the executor thread (every later action would be
        // lost). Nothing the callback could break is shared with it, so asserting unwind safety
        // is sound. The default panic hook has already reported the panic.
        let _ = panic::catch_unwind(AssertUnwindSafe(entry.action));
        state = shared.lock();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing can panic while the lock is held (callbacks run outside it), so the state is
        // consistent even if the lock was poisoned; recovering keeps `Drop` from panicking.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
