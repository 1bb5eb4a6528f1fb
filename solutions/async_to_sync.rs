//! Async to sync: turn an executor that calls back later into one whose `execute` returns only
//! after the callback ran.
//!
//! Goal: [`AsyncExecutor`] (given, complete) runs its work on a thread of its own and then calls
//! the callback it was handed, while `execute` has long returned. Build [`SyncExecutor`] on top
//! of it: its `execute` hands the callback to the asynchronous executor and then waits until
//! that very callback has finished. Every call waits for its own callback, however many calls
//! came before, and however many threads call at once.
//!
//! What to build in this file:
//!
//! - `Completion`: the shared "this call is finished" state of one call, and its `wait`;
//! - `SyncExecutor::execute`: hand a wrapped callback to the asynchronous executor, then wait;
//! - `Signal`'s `Drop`: report the end of the call, even if the callback never ran.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite sees that your caller is asleep, and
//! lets loom try every interleaving.
//!
//! Chapter: `docs/src/part5/async_to_sync.md`.
//! Check your work with `cargo xtask check async_to_sync`; stuck? `cargo xtask hint
//! async_to_sync`.

use course_clock::{Clock, Condvar};
use course_sync::{Arc, Mutex, thread};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;

/// The work an [`AsyncExecutor`] does before it calls back. (Boxed inside the `Arc`: loom's
/// `Arc` cannot hold an unsized `dyn Fn` directly.)
type Work = Arc<Box<dyn Fn() + Send + Sync + 'static>>;

/// Given: runs its work on a new thread, then calls the callback, on that thread. `execute`
/// returns at once. Dropping the executor waits for every thread it started.
pub struct AsyncExecutor {
    work: Work,
    /// The threads started so far, joined by `Drop`.
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
}

impl AsyncExecutor {
    /// An executor whose work does nothing.
    pub fn new() -> Self {
        Self::with_work(|| ())
    }

    /// An executor that runs `work` before each callback (the seed sleeps there).
    pub fn with_work(work: impl Fn() + Send + Sync + 'static) -> Self {
        AsyncExecutor {
            work: Arc::new(Box::new(work)),
            threads: Mutex::new(Vec::new()),
        }
    }

    /// Starts a thread that runs the work and then `callback`, and returns without waiting.
    pub fn execute<F>(&self, callback: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let work = Arc::clone(&self.work);
        // Nobody waits for this thread but `Drop`: whoever needs to know that the callback
        // finished must be told by the callback itself.
        let handle = thread::spawn(move || {
            work();
            callback();
        });
        self.threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(handle);
    }
}

impl Drop for AsyncExecutor {
    fn drop(&mut self) {
        let threads = std::mem::take(
            self.threads
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for handle in threads {
            // A thread whose work or callback panicked has reported it already; Drop must not
            // panic in turn.
            let _ = handle.join();
        }
    }
}

impl Default for AsyncExecutor {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a synchronous call ended without its callback finishing normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecuteError {
    /// The callback panicked (the panic was reported on the executor's thread).
    CallbackPanicked,
    /// The executor dropped the callback without calling it.
    CallbackNotRun,
}

impl fmt::Display for ExecuteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecuteError::CallbackPanicked => f.write_str("the callback panicked"),
            ExecuteError::CallbackNotRun => f.write_str("the callback was never called"),
        }
    }
}

impl std::error::Error for ExecuteError {}

/// Runs callbacks through an [`AsyncExecutor`], and returns from `execute` only after the
/// callback finished.
pub struct SyncExecutor {
    inner: AsyncExecutor,
    clock: Clock,
}

impl SyncExecutor {
    /// A synchronous executor over `inner`, waiting on the system clock.
    pub fn new(inner: AsyncExecutor) -> Self {
        Self::with_clock(inner, Clock::system())
    }

    /// A synchronous executor over `inner` whose waits go through `clock`.
    pub fn with_clock(inner: AsyncExecutor, clock: Clock) -> Self {
        SyncExecutor { inner, clock }
    }

    /// Runs `callback` through the asynchronous executor, and returns once it has finished.
    ///
    /// # Errors
    ///
    /// If the callback panicked, or the executor dropped it without calling it.
    pub fn execute<F>(&self, callback: F) -> Result<(), ExecuteError>
    where
        F: FnOnce() + Send + 'static,
    {
        // A fresh completion for every call: this call waits for its own callback and nobody
        // else's. A flag shared by all calls would be true already on the second call, or be
        // set by another caller's callback.
        let completion = Arc::new(Completion::new(&self.clock));
        let signal = Signal {
            completion: Arc::clone(&completion),
            outcome: Err(ExecuteError::CallbackNotRun),
        };
        self.inner.execute(move || {
            let mut signal = signal;
            // Catch a panic so that it is reported to the caller instead of leaving it waiting;
            // nothing the caller relies on is shared with the callback, so unwind safety is
            // asserted soundly.
            signal.outcome = panic::catch_unwind(AssertUnwindSafe(callback))
                .map_err(|_| ExecuteError::CallbackPanicked);
            // `signal` is dropped here, after the callback: that is what wakes the caller.
        });
        completion.wait()
    }
}

/// The end of one call, shared by its caller and its callback.
struct Completion {
    /// `None` while the callback has not finished; then how it ended. Written once, by the
    /// callback's thread, under the lock; read by the caller under the lock.
    outcome: Mutex<Option<Result<(), ExecuteError>>>,
    /// The caller waits here for `outcome`; notified once, when it is set.
    finished: Condvar,
}

impl Completion {
    fn new(clock: &Clock) -> Self {
        Completion {
            outcome: Mutex::new(None),
            finished: Condvar::new(clock),
        }
    }

    /// Blocks until the outcome is set, and returns it.
    fn wait(&self) -> Result<(), ExecuteError> {
        let mut outcome = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        // A loop, not a single wait: the outcome may be set before we first look (the callback
        // was quick), and a wait may return spuriously.
        loop {
            if let Some(outcome) = *outcome {
                return outcome;
            }
            outcome = self
                .finished
                .wait(&self.outcome, outcome)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Travels with the callback; dropping it reports the call finished with `outcome`. Being a
/// guard, it reports even when the executor drops the callback without calling it.
struct Signal {
    completion: Arc<Completion>,
    outcome: Result<(), ExecuteError>,
}

impl Drop for Signal {
    fn drop(&mut self) {
        let mut outcome = self
            .completion
            .outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *outcome = Some(self.outcome);
        // Under the lock: the caller either has not looked yet (and will see the outcome) or is
        // registered as waiting (and this wakes it). There is only one waiter.
        self.completion.finished.notify_one();
    }
}
