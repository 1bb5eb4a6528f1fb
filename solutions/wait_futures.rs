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
    // The deadline is fixed once, at the call: a wake-up for a completion that does not decide
    // anything must not push it back.
    let deadline = deadline_after(clock, timeout);
    let waiter = Waiter::new(clock, tasks.len());
    // Listeners first, decision second: from here on every completion is recorded, either now
    // (the task was already done) or by its listener.
    let watches = Waiter::watch_all(&waiter, tasks);
    let mut seen = waiter.lock();
    while !seen.satisfies(return_when) {
        match waiter.sleep(seen, deadline) {
            Ok(again) => seen = again,
            // Time is up: return what we have.
            Err(time_up) => {
                seen = time_up;
                break;
            }
        }
    }
    let split = seen.split();
    drop(seen);
    // Removes our listeners, as Python removes its waiter from every future.
    drop(watches);
    split
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
    // Everything happens here, at the call (Python's generator would wait for the first
    // `next`): the clock starts now, and completions from now on are recorded in their order.
    let deadline = deadline_after(clock, timeout);
    let waiter = Waiter::new(clock, tasks.len());
    let watches = Waiter::watch_all(&waiter, tasks);
    AsCompleted {
        waiter,
        deadline,
        yielded: 0,
        finished: false,
        watches,
    }
}

/// What [`as_completed`] returns: yields `Ok(position)` for each task as it completes, or one
/// `Err(TimedOut)` at the deadline. Dropping it removes its listeners from the tasks.
pub struct AsCompleted<T, E> {
    waiter: Arc<Waiter>,
    /// When to give up; fixed at the call of `as_completed`.
    deadline: Option<Instant>,
    /// How many positions were handed out.
    yielded: usize,
    /// Set when the iterator has ended (every task handed out, or timed out).
    finished: bool,
    /// Keep the listeners installed while the iterator lives.
    watches: Vec<Watch<T, E>>,
}

impl<T, E> Iterator for AsCompleted<T, E> {
    type Item = Result<usize, TimedOut>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let mut seen = self.waiter.lock();
        let ending = loop {
            // A completion already recorded comes out first, even at the deadline.
            if let Some(index) = seen.arrivals.pop_front() {
                self.yielded += 1;
                return Some(Ok(index));
            }
            if self.yielded == seen.completions.len() {
                drop(seen);
                break None;
            }
            match self.waiter.sleep(seen, self.deadline) {
                Ok(again) => seen = again,
                Err(time_up) => {
                    break Some(Err(TimedOut {
                        pending: time_up.pending(),
                    }));
                }
            }
        };
        self.end();
        ending
    }
}

impl<T, E> FusedIterator for AsCompleted<T, E> {}

impl<T, E> AsCompleted<T, E> {
    /// Ends the iteration: nothing more will be yielded, so the listeners can go now rather
    /// than when the iterator is dropped.
    fn end(&mut self) {
        self.finished = true;
        self.watches.clear();
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
    let timeout = timeout?;
    let since_start = clock.now().since_start().checked_add(timeout)?;
    Some(Instant::from_duration(since_start))
}

/// What one `wait` call, or one `AsCompleted`, knows about its tasks, and where it sleeps.
struct Waiter {
    /// Protects everything this waiter knows. Each listener records its task's completion
    /// under it, and the waiting thread decides and goes to sleep under it: a completion is
    /// either recorded before the decision or notifies a thread that is already asleep.
    seen: Mutex<Seen>,
    /// The one condition variable every completion notifies. One thread waits on it (the
    /// caller of `wait`, or of `next`), so `notify_one` wakes the right one.
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
        Arc::new(Waiter {
            seen: Mutex::new(Seen {
                completions: vec![None; tasks],
                arrivals: VecDeque::with_capacity(tasks),
                completed: 0,
                failed: 0,
            }),
            changed: Condvar::new(clock),
            clock: clock.clone(),
        })
    }

    /// Installs a listener on every task, recording at once the tasks that had already
    /// completed. Returns the installed listeners: keep them while waiting.
    fn watch_all<T, E>(waiter: &Arc<Waiter>, tasks: &[Task<T, E>]) -> Vec<Watch<T, E>> {
        let mut watches = Vec::with_capacity(tasks.len());
        for (index, task) in tasks.iter().enumerate() {
            let listener = {
                let waiter = Arc::clone(waiter);
                move |completion| waiter.record(index, completion)
            };
            // `watch` decides "already done?" and installs in one step, under the task's lock.
            // Looking at the task first (`is_done`) and installing afterwards would lose a
            // completion that falls in between: no listener was there to call.
            match task.watch(listener) {
                Watched::Watching(watch) => watches.push(watch),
                // No listener will ever be called for this one: record it now.
                Watched::Done(completion) => waiter.record(index, completion),
            }
        }
        watches
    }

    /// Records that the task at `index` completed, and wakes the waiting thread to decide
    /// again. Called by listeners, on the completing thread, and for tasks done already.
    fn record(&self, index: usize, completion: Completion) {
        let mut seen = self.lock();
        if seen.completions[index].is_none() {
            seen.completions[index] = Some(completion);
            seen.completed += 1;
            if completion == Completion::Failed {
                seen.failed += 1;
            }
            seen.arrivals.push_back(index);
        }
        // Under the lock, so the change and the notify reach a waiter that is either still
        // before its decision (it will see the change) or already asleep (it gets the notify).
        self.changed.notify_one();
        drop(seen);
    }

    /// Sleeps until notified, or until `deadline` if there is one. `Err` (with the guard) if
    /// the deadline has already passed: time is up, nothing was waited for.
    fn sleep<'a>(
        &'a self,
        seen: MutexGuard<'a, Seen>,
        deadline: Option<Instant>,
    ) -> Result<MutexGuard<'a, Seen>, MutexGuard<'a, Seen>> {
        match deadline {
            None => Ok(self
                .changed
                .wait(&self.seen, seen)
                .unwrap_or_else(PoisonError::into_inner)),
            Some(deadline) if self.clock.now() >= deadline => Err(seen),
            // A wake-up at the deadline comes back here as Ok: the caller checks its condition
            // first (a completion at the deadline still counts), then calls again and gets Err.
            Some(deadline) => Ok(self
                .changed
                .wait_until(&self.seen, seen, deadline)
                .unwrap_or_else(PoisonError::into_inner)
                .0),
        }
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
        // Every mode ends when everything has completed (also for no tasks at all).
        if self.completed == self.completions.len() {
            return true;
        }
        match return_when {
            ReturnWhen::AllCompleted => false,
            ReturnWhen::FirstCompleted => self.completed > 0,
            // Successes alone never end it early: without a failure it is AllCompleted.
            ReturnWhen::FirstException => self.failed > 0,
        }
    }

    /// The positions known complete, and the others.
    fn split(&self) -> Split {
        let mut split = Split::default();
        for (index, completion) in self.completions.iter().enumerate() {
            match completion {
                Some(_) => split.done.push(index),
                None => split.not_done.push(index),
            }
        }
        split
    }

    /// The positions not known complete.
    fn pending(&self) -> Vec<usize> {
        self.split().not_done
    }
}
