//! Known-wrong variant: `delay_overwritten`. The entry keeps its due time in its `delay` field
//! (as the seed's action object is reused to carry the time it is due), and the executor sleeps
//! for `delay` counted from now: it adds the current time twice. Only an executor that looks at
//! the head at t=0 gets it right; an action the executor considers at t > 0 runs late. In the
//! seed's run C still runs at t=1s, but B, due at t=2s, gets a wake-up at t=1s + 2s = 3s.
//!
//! Caught by `cases::a_delay_counts_from_when_the_action_was_added` (the cases added at t > 0
//! with a delay: "the executor sleeps until t=5.000s, but A ... is pending"), by both traces and
//! by the sequential-model property.

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
        // WRONG: the delay field now holds the due time (as time since the clock's start).
        let delay = self.shared.clock.now().since_start().saturating_add(delay);
        let seq = state.next_seq;
        state.next_seq += 1;
        state.queue.push(Entry {
            delay,
            seq,
            action: Box::new(action),
        });
        // The executor may be asleep until a later due time, or with no deadline at all while the
        // queue was empty: wake it so it looks at the new head. We still hold the lock, so it is
        // either already registered as waiting (and this wakes it) or has not yet looked at the
        // queue (and will see the entry when it does): the wake-up cannot fall in between.
        self.shared.wakeup.notify_one();
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
    /// The due time, as time since the clock's start (WRONG: named and used as a delay).
    delay: Duration,
    /// Registration order: breaks ties between actions due at the same instant.
    seq: u64,
    action: Action,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // `BinaryHeap` is a max-heap: compare backwards, so that the earliest due time, and
        // among equal due times the earliest registration, is the greatest entry. The heap alone
        // keeps no insertion order for equal keys; `seq` is what makes ties run in order.
        (other.delay, other.seq).cmp(&(self.delay, self.seq))
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
        if Instant::from_duration(head.delay) > now {
            // The earliest action is not due: sleep until it is, or until an add (maybe of an
            // earlier action) or `Drop` wakes us.
            // WRONG: `delay` holds the due time already; waiting that long *from now* adds the
            // current time a second time.
            let delay = head.delay;
            state = shared
                .wakeup
                .wait_timeout(&shared.state, state, delay)
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
