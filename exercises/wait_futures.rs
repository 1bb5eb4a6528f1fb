//! Waiting on many futures: `wait` returns once enough of a set of tasks has completed (all of
//! them, the first one, or the first failure), and `as_completed` hands the tasks out in the
//! order they complete.
//!
//! Goal: other threads complete tasks at any moment and in any order. A thread that calls
//! `wait` or iterates `as_completed` sleeps until a completion changes what it should do, and
//! not a moment longer: no polling, no sleeping "a little" and looking again. It sleeps on one
//! condition variable that every completion of every task it watches notifies, and gives up at
//! its deadline, measured on the clock it is given.
//!
//! Given, finished (the part marked PROVIDED, which you use and do not change):
//!
//! - `Task<T, E>`: a future that any thread completes once, with `complete(Ok(..))` or
//!   `complete(Err(..))`;
//! - `Task::watch`: installs a listener that the completing thread calls, or reports that the
//!   task has already completed; `Watch`: removes its listener when dropped.
//!
//! What to build in this file:
//!
//! - `Waiter`: what one call of `wait` (or one `AsCompleted`) knows about its tasks, behind one
//!   lock, and the one condition variable that every completion notifies;
//! - `wait`: block until `ReturnWhen` is satisfied or the timeout runs out, then split the
//!   tasks into done and not done;
//! - `as_completed` and `AsCompleted::next`: hand out the tasks one at a time, in completion
//!   order, and report a timeout.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite times your waits on a virtual clock and
//! lets loom try every interleaving of a completion with your waiter.
//!
//! Chapter: `docs/src/part3/wait_futures.md`.
//! Check your work with `cargo xtask check wait_futures`; stuck? `cargo xtask hint
//! wait_futures`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Arc, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::fmt;
use std::iter::FusedIterator;
use std::sync::PoisonError;
use std::time::Duration;

// =============================================================================================
// PROVIDED: the task type. Finished code that your part uses: read it, do not change it (the
// graded suite relies on exactly this behaviour).
// =============================================================================================

/// How a task completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Completion {
    /// Completed with `Ok`: it has a result.
    Succeeded,
    /// Completed with `Err`: it failed (in Python, it raised an exception).
    Failed,
}

impl Completion {
    fn of<T, E>(outcome: &Result<T, E>) -> Completion {
        match outcome {
            Ok(_) => Completion::Succeeded,
            Err(_) => Completion::Failed,
        }
    }
}

/// A listener installed by [`Task::watch`]: called once, with how the task completed.
type Listener = Box<dyn FnOnce(Completion) + Send>;

/// A future: the outcome of some work, `Ok(T)` or `Err(E)`, that some thread provides once,
/// with [`complete`](Task::complete).
///
/// A `Task` is a handle: clones share one task (wrap nothing in an `Arc`, clone it).
pub struct Task<T, E> {
    core: Arc<Core<T, E>>,
}

struct Core<T, E> {
    /// Protects the outcome and the listeners together. A listener is either installed while
    /// the outcome is not set yet, and then `complete` calls it, or refused because the outcome
    /// is set (`watch` returns `Watched::Done`): never installed too late to be called.
    state: Mutex<TaskState<T, E>>,
}

struct TaskState<T, E> {
    /// `None` until `complete`; set once.
    outcome: Option<Result<T, E>>,
    /// Installed by `watch`, removed by `Watch::drop` or taken (to be called) by `complete`.
    listeners: Vec<(u64, Listener)>,
    /// The id of the last listener installed.
    last_id: u64,
}

/// What [`Task::watch`] did.
#[must_use = "a Watch removes its listener when dropped, and Done is a completion to record"]
pub enum Watched<T, E> {
    /// The task had already completed, like this: the listener was not installed (and will
    /// never be called).
    Done(Completion),
    /// The listener is installed: the thread that completes the task calls it. Dropping the
    /// [`Watch`] removes it.
    Watching(Watch<T, E>),
}

/// An installed listener. Dropping it removes the listener from its task.
///
/// A listener may still run just after its `Watch` is dropped: when the task completed at the
/// same moment, the completing thread may already have taken it to call it.
#[must_use = "dropping a Watch removes its listener at once"]
pub struct Watch<T, E> {
    task: Task<T, E>,
    id: u64,
}

impl<T, E> Task<T, E> {
    /// A task that has not completed yet.
    pub fn new() -> Self {
        Task {
            core: Arc::new(Core {
                state: Mutex::new(TaskState {
                    outcome: None,
                    listeners: Vec::new(),
                    last_id: 0,
                }),
            }),
        }
    }

    /// Completes the task with `outcome`, then calls every installed listener, on this thread,
    /// in the order they were installed. When `complete` returns, every listener has run.
    ///
    /// # Panics
    ///
    /// If the task has already completed: a task completes once.
    pub fn complete(&self, outcome: Result<T, E>) {
        let mut state = self.lock();
        if state.outcome.is_some() {
            drop(state);
            panic!("Task::complete: this task has already completed (a task completes once)");
        }
        let completion = Completion::of(&outcome);
        state.outcome = Some(outcome);
        let listeners = std::mem::take(&mut state.listeners);
        // The listeners run after the lock is released: they are someone else's code, which
        // may take its own locks or look at this task again. Anyone who installs a listener
        // from now on sees the outcome and gets `Watched::Done` instead.
        drop(state);
        for (_, listener) in listeners {
            listener(completion);
        }
    }

    /// How the task completed, or `None` while it has not.
    pub fn completion(&self) -> Option<Completion> {
        self.lock().outcome.as_ref().map(Completion::of)
    }

    /// True once the task has completed, either way.
    pub fn is_done(&self) -> bool {
        self.completion().is_some()
    }

    /// A copy of the outcome, or `None` while the task has not completed. Never blocks.
    pub fn result(&self) -> Option<Result<T, E>>
    where
        T: Clone,
        E: Clone,
    {
        self.lock().outcome.clone()
    }

    /// Installs `listener`, to be called once, by the thread that completes this task, with
    /// how it completed. If the task has already completed, installs nothing and says how.
    ///
    /// Deciding "already done" and installing happen under the task's lock, in one step: a
    /// completion cannot fall between them.
    pub fn watch<F>(&self, listener: F) -> Watched<T, E>
    where
        F: FnOnce(Completion) + Send + 'static,
    {
        let mut state = self.lock();
        if let Some(outcome) = &state.outcome {
            return Watched::Done(Completion::of(outcome));
        }
        state.last_id += 1;
        let id = state.last_id;
        state.listeners.push((id, Box::new(listener)));
        Watched::Watching(Watch {
            task: self.clone(),
            id,
        })
    }

    /// How many listeners are installed now (a finished `wait` must leave none behind).
    pub fn watchers(&self) -> usize {
        self.lock().listeners.len()
    }

    fn lock(&self) -> MutexGuard<'_, TaskState<T, E>> {
        // Nothing panics while holding this lock (listeners run after it is released), so a
        // poisoned lock still guards a consistent task.
        self.core
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T, E> Clone for Task<T, E> {
    fn clone(&self) -> Self {
        Task {
            core: Arc::clone(&self.core),
        }
    }
}

impl<T, E> Default for Task<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, E> fmt::Debug for Task<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Task")
            .field("completion", &state.outcome.as_ref().map(Completion::of))
            .field("watchers", &state.listeners.len())
            .finish()
    }
}

impl<T, E> Drop for Watch<T, E> {
    fn drop(&mut self) {
        let mut state = self.task.lock();
        state.listeners.retain(|(id, _)| *id != self.id);
    }
}

impl<T, E> fmt::Debug for Watch<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch").field("id", &self.id).finish()
    }
}

// =============================================================================================
// YOUR PART: wait and as_completed.
// =============================================================================================

/// When [`wait`] returns (Python's `return_when`). Whatever the choice, it also returns when
/// every task has completed, and when its timeout runs out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// When every task has completed, successfully or not.
    AllCompleted,
    /// When any task has completed.
    FirstCompleted,
    /// When any task has failed; if none fails, when every task has completed.
    FirstException,
}

/// What [`wait`] returns: positions in the slice of tasks it was given, in ascending order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// The tasks that had completed when `wait` returned.
    pub done: Vec<usize>,
    /// The others.
    pub not_done: Vec<usize>,
}

/// What [`AsCompleted`] yields when its timeout runs out before every task has completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedOut {
    /// The positions of the tasks that had not completed by then, in ascending order.
    pub pending: Vec<usize>,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out with {} task(s) not completed: {:?}",
            self.pending.len(),
            self.pending
        )
    }
}

impl std::error::Error for TimedOut {}

/// Blocks until the tasks satisfy `return_when`, or until `timeout` has passed on `clock`
/// (`None`: no limit), and says which of them had completed by then.
///
/// Returns at once if they satisfy it already (an empty slice always does). A zero timeout
/// never blocks.
pub fn wait<T, E>(
    clock: &Clock,
    tasks: &[Task<T, E>],
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> Split {
    // TODO: compute the deadline (once: why not at every wake-up?). Make a `Waiter` and
    // install its listeners on every task with `Waiter::watch_all`, *before* deciding anything.
    //
    // TODO: then, under the waiter's lock, loop: satisfied? stop. Otherwise sleep (until the
    // deadline, if there is one) and decide again; time up? stop with what you have.
    //
    // TODO: return the split; the listeners go when the `Watch`es are dropped.
    todo!("wait")
}

/// An iterator over the positions of `tasks` in the order they complete, giving up when
/// `timeout` has passed on `clock` (`None`: no limit), counted from this call.
///
/// Tasks already complete at the call come first, in the order of `tasks`. The others come as
/// they complete. If the timeout runs out first, the iterator yields one `Err(TimedOut)`
/// naming the tasks still pending, and then ends.
pub fn as_completed<T, E>(
    clock: &Clock,
    tasks: &[Task<T, E>],
    timeout: Option<Duration>,
) -> AsCompleted<T, E> {
    // TODO: the same start as `wait`, here at the call (not at the first `next`): the deadline,
    // a `Waiter`, its listeners on every task. Which order will the completions be recorded in?
    todo!("as_completed")
}

/// What [`as_completed`] returns: yields `Ok(position)` for each task as it completes, or one
/// `Err(TimedOut)` at the deadline. Dropping it removes its listeners from the tasks.
pub struct AsCompleted<T, E> {
    waiter: Arc<Waiter>,
    /// TODO: counted from when? (Compare with Python, whose generator starts at the first
    /// `next`.)
    deadline: Option<Instant>,
    /// How many positions were handed out.
    yielded: usize,
    /// Set when the iterator has ended (every task handed out, or timed out).
    finished: bool,
    /// TODO: what happens to the listeners when these are dropped?
    watches: Vec<Watch<T, E>>,
}

impl<T, E> Iterator for AsCompleted<T, E> {
    type Item = Result<usize, TimedOut>;

    fn next(&mut self) -> Option<Self::Item> {
        // TODO: ended already? None. Otherwise, under the waiter's lock, loop: a recorded
        // completion not handed out yet? Hand out the oldest. Everything handed out? End.
        // Otherwise sleep until the deadline; time up? End with `Err(TimedOut)` naming the
        // tasks still pending.
        todo!("AsCompleted::next")
    }
}

impl<T, E> FusedIterator for AsCompleted<T, E> {}

impl<T, E> AsCompleted<T, E> {
    /// Ends the iteration: nothing more will be yielded, so the listeners can go now rather
    /// than when the iterator is dropped.
    fn end(&mut self) {
        // TODO: remember that it ended, and drop the watches.
        todo!("AsCompleted::end")
    }
}

impl<T, E> fmt::Debug for AsCompleted<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("deadline", &self.deadline)
            .field("yielded", &self.yielded)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// `clock.now() + timeout`, or `None` (no deadline) without a timeout or when it is too far
/// away to write down.
fn deadline_after(clock: &Clock, timeout: Option<Duration>) -> Option<Instant> {
    // TODO: `Duration::checked_add` on `clock.now().since_start()`, then
    // `Instant::from_duration`.
    todo!("deadline_after")
}

/// What one `wait` call, or one `AsCompleted`, knows about its tasks, and where it sleeps.
struct Waiter {
    /// TODO: what does this lock protect, and why must a listener's record and the waiting
    /// thread's decision both happen under it?
    seen: Mutex<Seen>,
    /// TODO: who waits here, and who notifies it?
    changed: Condvar,
    clock: Clock,
}

/// Everything behind the waiter's lock.
struct Seen {
    /// By position: how each task completed, or `None` while it has not (as far as this waiter
    /// knows).
    completions: Vec<Option<Completion>>,
    /// Positions in the order their completion was recorded and not yet handed out by
    /// `as_completed` (`wait` does not use it).
    arrivals: VecDeque<usize>,
    /// How many entries of `completions` are `Some`.
    completed: usize,
    /// How many of them are `Failed`.
    failed: usize,
}

impl Waiter {
    /// A waiter for `tasks` tasks, none known to be complete yet.
    fn new(clock: &Clock, tasks: usize) -> Arc<Waiter> {
        // TODO: nothing known yet; the condition variable made from `clock`.
        todo!("Waiter::new")
    }

    /// Installs a listener on every task, recording at once the tasks that had already
    /// completed. Returns the installed listeners: keep them while waiting.
    fn watch_all<T, E>(waiter: &Arc<Waiter>, tasks: &[Task<T, E>]) -> Vec<Watch<T, E>> {
        // TODO: for each task, a listener that records its position (it owns a clone of the
        // `Arc`). What must you do when `watch` says the task is done already? And why not ask
        // `is_done` first and install a listener only on the tasks still pending?
        todo!("Waiter::watch_all")
    }

    /// Records that the task at `index` completed, and wakes the waiting thread to decide
    /// again. Called by listeners, on the completing thread, and for tasks done already.
    fn record(&self, index: usize, completion: Completion) {
        // TODO: under the lock, record it once (the counts, the arrival order), then notify.
        todo!("Waiter::record")
    }

    /// Sleeps until notified, or until `deadline` if there is one. `Err` (with the guard) if
    /// the deadline has already passed: time is up, nothing was waited for.
    fn sleep<'a>(
        &'a self,
        seen: MutexGuard<'a, Seen>,
        deadline: Option<Instant>,
    ) -> Result<MutexGuard<'a, Seen>, MutexGuard<'a, Seen>> {
        // TODO: `wait` without a deadline, `wait_until` with one; never sleep a little and
        // look again.
        todo!("Waiter::sleep")
    }

    fn lock(&self) -> MutexGuard<'_, Seen> {
        // No code panics while holding this lock with `Seen` half-updated, so a poisoned lock
        // still guards a consistent record.
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Seen {
    /// True when a waiter with `return_when` may return.
    fn satisfies(&self, return_when: ReturnWhen) -> bool {
        // TODO: when does every mode end? When does each one end early?
        todo!("Seen::satisfies")
    }

    /// The positions known complete, and the others.
    fn split(&self) -> Split {
        // TODO: both in ascending order.
        todo!("Seen::split")
    }

    /// The positions not known complete.
    fn pending(&self) -> Vec<usize> {
        self.split().not_done
    }
}
