//! A thread pool: a fixed set of worker threads runs submitted tasks, and each `submit` hands
//! back a future that tells how the task is doing and what it produced.
//!
//! Goal: `ThreadPool::new(max_workers)` starts `max_workers` threads. `submit(task)` queues the
//! task and returns a `TaskFuture` at once; some idle worker runs it. Through the future anyone
//! can see whether the task is pending, running or done, wait for its result (for ever, or for
//! a while), cancel it while it has not started, and register callbacks that run exactly once
//! when it is done. A task that panics does not take its worker down: its future holds the
//! panic's message as an error. `map` runs a function over many items and gives the results
//! back in input order. `shutdown` refuses new tasks and, if asked to wait, lets the queued
//! ones finish and joins the workers; dropping the pool does the same.
//!
//! What to build in this file:
//!
//! - `ThreadPool::with_clock`: the shared queue, and the worker threads running `work`;
//! - `submit`: queue a job that runs the task and completes its future; `map` on top of it;
//! - `shutdown` (and `Drop`): stop taking tasks, wake the workers, join them;
//! - `work`: a worker's loop;
//! - the future's state machine: `start`, `finish`, `cancel`, the waits behind `result` and
//!   `result_timeout`, and `add_done_callback`;
//! - `MapResults`: yield the results in input order; cancel what is left when dropped.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, lock only
//! `course_sync` mutexes and spawn only `course_sync` threads: that is how the graded suite sees
//! your idle workers asleep on a virtual clock, times out `result_timeout` instantly, and lets
//! loom try every interleaving of a future's life.
//!
//! Chapter: `docs/src/part3/thread_pool.md`.
//! Check your work with `cargo xtask check thread_pool`; stuck? `cargo xtask hint thread_pool`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Arc, Mutex, MutexGuard, thread};
use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;
use std::time::Duration;

/// Why a task has no value to give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// The task was cancelled before it started; it never ran.
    Cancelled,
    /// The task panicked; this is the panic's message.
    Panicked(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("the task was cancelled before it started"),
            TaskError::Panicked(message) => write!(f, "the task panicked: {message}"),
        }
    }
}

impl std::error::Error for TaskError {}

/// The pool was shut down: it accepts no more tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownError;

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot submit a task: the pool was shut down")
    }
}

impl std::error::Error for ShutdownError {}

/// What a worker runs: the task, wrapped with the bookkeeping of its future.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A callback waiting for its future to be done.
type Callback<T> = Box<dyn FnOnce(&TaskFuture<T>) + Send + 'static>;

/// A fixed set of worker threads running submitted tasks, first submitted first started.
///
/// Dropping the pool is `shutdown(true)`: the tasks already submitted still run, and the drop
/// returns once every worker has ended.
pub struct ThreadPool {
    shared: Arc<Shared>,
    /// The worker threads. TODO: who joins them, and what should a second `shutdown(true)`,
    /// called while the first is still joining, wait for?
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
    /// The workers' ids, to recognise a call made from one of the pool's own tasks.
    worker_ids: Vec<thread::ThreadId>,
}

/// What the handle and the workers share.
struct Shared {
    /// TODO: what does this lock protect, and when must it *not* be held?
    queue: Mutex<Queue>,
    /// TODO: who waits here, and who notifies it (one waiter, or all)?
    work: Condvar,
    clock: Clock,
}

/// Everything behind the queue's lock.
struct Queue {
    /// Submitted jobs, oldest first. A cancelled task's job stays here; its worker skips it.
    jobs: VecDeque<Job>,
    /// Set once, by `shutdown`: no more submissions; workers end when the queue is empty.
    shutdown: bool,
}

impl ThreadPool {
    /// A pool of `max_workers` threads whose futures time out on the system clock.
    ///
    /// # Panics
    ///
    /// If `max_workers` is 0: such a pool could never run a task.
    pub fn new(max_workers: usize) -> Self {
        Self::with_clock(max_workers, Clock::system())
    }

    /// A pool of `max_workers` threads whose waits (idle workers, `result_timeout`) use `clock`.
    ///
    /// # Panics
    ///
    /// If `max_workers` is 0.
    pub fn with_clock(max_workers: usize, clock: Clock) -> Self {
        // TODO: refuse 0 workers; build the `Shared` state (an empty queue, the condition
        // variable made with `Condvar::new(&clock)`); spawn `max_workers` threads with
        // `thread::Builder` (name them), each running `work` on its own `Arc` of it; keep the
        // handles and their ids (`handle.thread().id()`).
        todo!("ThreadPool::with_clock")
    }

    /// How many worker threads the pool has: the most tasks that run at once.
    pub fn max_workers(&self) -> usize {
        self.worker_ids.len()
    }

    /// Queues `task` and returns its future at once. Fails once the pool is shut down.
    pub fn submit<F, T>(&self, task: F) -> Result<TaskFuture<T>, ShutdownError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // TODO: make a pending future (`TaskFuture::new`) and a `Job` holding a clone of it and
        // the task. The job: `start` the future (skip the task if it was cancelled), run the
        // task so that a panic becomes `TaskError::Panicked` with its message instead of ending
        // the worker (`panic::catch_unwind`, `panic_message`), then `finish` the future.
        //
        // TODO: under the queue's lock, refuse if the pool is shut down, push the job, and wake
        // one idle worker. Why check the flag and push under the same lock?
        todo!("ThreadPool::submit")
    }

    /// Submits `f(item)` for every item, in order, and returns the results in the same order:
    /// the `k`-th result is `f` of the `k`-th item, however the tasks' finishing order goes.
    ///
    /// Every task is queued before this returns; the iterator waits for each result in turn.
    /// Dropping the iterator cancels the tasks that have not started.
    pub fn map<I, F, R>(&self, f: F, items: I) -> Result<MapResults<R>, ShutdownError>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> R + Send + Sync + 'static,
        R: Send + 'static,
    {
        // TODO: share `f` between the tasks (an `Arc`), submit one task per item, and keep
        // their futures in input order in a `MapResults`. If a submit fails, the tasks already
        // queued should not run for nothing.
        todo!("ThreadPool::map")
    }

    /// Stops the pool taking tasks. With `wait`, also returns only once every task submitted
    /// before has finished (or was cancelled) and every worker has ended.
    ///
    /// Tasks already queued run either way (cancel their futures to stop them). Calling it
    /// again is harmless. Called with `wait` from one of the pool's own tasks, it does not wait:
    /// that worker cannot wait for its own end.
    pub fn shutdown(&self, wait: bool) {
        // TODO: set the flag under the lock and wake every idle worker. Then, with `wait` (and
        // unless this thread is one of the workers), join the workers.
        todo!("ThreadPool::shutdown")
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // TODO: dropping the pool is `shutdown(true)`.
        //
        // (No `todo!()` here: a panic in `drop` while a test is already failing aborts the
        // whole test run.)
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("max_workers", &self.max_workers())
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // No user code runs under this lock (tasks run after the pop, outside it), so the
        // queue is consistent even if a panic poisoned it; recovering keeps Drop from panicking.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A worker thread: takes the oldest job, runs it outside the lock, and sleeps when there is
/// none. Ends once the pool is shut down and the queue is empty.
fn work(shared: &Shared) {
    // TODO: loop: under the lock, pop the oldest job; if there is none, return if the pool is
    // shut down, or else wait on `shared.work` and look again. Then release the lock and run
    // the job. Why jobs before the flag, and why must every wait be followed by a fresh look?
    todo!("the worker loop")
}

/// The future of one submitted task: a handle on its state, cheap to clone (clones share it).
///
/// This is not a `std::future::Future`: nothing polls it. It is a blocking handle, like
/// Python's `concurrent.futures.Future`: `result` puts the calling thread to sleep until the
/// task is done.
pub struct TaskFuture<T> {
    inner: Arc<Inner<T>>,
}

/// What every handle on one future shares.
struct Inner<T> {
    /// TODO: what does this lock protect? Which transitions happen under it, and what must
    /// never run while it is held?
    state: Mutex<FutureState<T>>,
    /// TODO: who waits here, and who notifies it (one waiter, or all)?
    changed: Condvar,
    clock: Clock,
}

/// Everything behind a future's lock.
struct FutureState<T> {
    stage: Stage<T>,
    /// Callbacks added before the future was done, in the order they were added. Taken (and
    /// run) exactly once, by the transition to done; empty ever after.
    callbacks: Vec<Callback<T>>,
}

/// Where a task is in its life. The outcome lives inside `Done`, so "done without a result"
/// cannot be written down.
enum Stage<T> {
    /// Queued, not started: the only stage in which `cancel` succeeds.
    Pending,
    /// A worker is running it.
    Running,
    /// Finished with a value or a panic, or cancelled (`Err(TaskError::Cancelled)`).
    Done(Result<T, TaskError>),
}

impl<T> Clone for TaskFuture<T> {
    fn clone(&self) -> Self {
        TaskFuture {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for TaskFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match &self.lock().stage {
            Stage::Pending => "pending",
            Stage::Running => "running",
            Stage::Done(Ok(_)) => "done",
            Stage::Done(Err(TaskError::Cancelled)) => "cancelled",
            Stage::Done(Err(TaskError::Panicked(_))) => "panicked",
        };
        write!(f, "TaskFuture({stage})")
    }
}

impl<T> TaskFuture<T> {
    /// A pending future whose waits use `clock`.
    fn new(clock: &Clock) -> Self {
        // TODO: an `Inner` at `Stage::Pending` with no callbacks, its condition variable made
        // from `clock`.
        todo!("TaskFuture::new")
    }

    /// True once the task finished (with a value or a panic) or was cancelled.
    pub fn done(&self) -> bool {
        todo!("TaskFuture::done")
    }

    /// True while a worker runs the task.
    pub fn running(&self) -> bool {
        todo!("TaskFuture::running")
    }

    /// True if the task was cancelled (it never ran).
    pub fn cancelled(&self) -> bool {
        todo!("TaskFuture::cancelled")
    }

    /// Cancels the task if it has not started: returns true if it is now cancelled (also when it
    /// already was), false if it is running or finished (it then runs to its end).
    ///
    /// A successful cancel makes the future done and runs its callbacks, on this thread.
    pub fn cancel(&self) -> bool {
        // TODO: under the lock: which stages can be cancelled, and why not a running task?
        // A successful cancel is a transition to done: wake the waiters, take the callbacks,
        // and run them once the lock is released.
        todo!("TaskFuture::cancel")
    }

    /// Waits until the task is done and returns a copy of its value, or why there is none.
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        // TODO: `wait_done` with no deadline, then a clone of the `outcome`.
        todo!("TaskFuture::result")
    }

    /// Like [`result`](Self::result), but waits at most `timeout` (on the pool's clock):
    /// `None` if the task was not done by then (it goes on; ask again later).
    pub fn result_timeout(&self, timeout: Duration) -> Option<Result<T, TaskError>>
    where
        T: Clone,
    {
        // TODO: `wait_done` until `deadline_after(timeout)`.
        todo!("TaskFuture::result_timeout")
    }

    /// Waits until the task is done and returns its error: `None` if it returned a value.
    pub fn error(&self) -> Option<TaskError> {
        // TODO: like `result`, keeping only the error (no `T: Clone` needed).
        todo!("TaskFuture::error")
    }

    /// Runs `callback` with this future once it is done, exactly once.
    ///
    /// Added before the task is done, it runs on the thread that completes it: the worker, or
    /// the thread that cancels it. Added after, it runs at once, on this thread, before this
    /// returns. Callbacks run in the order they were added, never under the future's lock, so
    /// they may call `result`, `done` or `submit`. A callback's panic is caught (the default
    /// hook prints it) and does not stop the callbacks after it.
    pub fn add_done_callback<F>(&self, callback: F)
    where
        F: FnOnce(&TaskFuture<T>) + Send + 'static,
    {
        // TODO: under the lock: not done yet, keep it in the list for whoever completes the
        // future. Done already: who would ever run a callback pushed now?
        todo!("TaskFuture::add_done_callback")
    }

    /// Pending -> running, for the worker that popped the job. False if the task was
    /// cancelled meanwhile: then it must not run.
    fn start(&self) -> bool {
        // TODO: the transition, under the lock.
        todo!("TaskFuture::start")
    }

    /// Running -> done with `outcome`: wakes every waiter, then runs the callbacks.
    fn finish(&self, outcome: Result<T, TaskError>) {
        // TODO: under the lock, store the outcome (in the same step as the stage: why?), wake
        // the waiters and take the callbacks; run the callbacks after releasing the lock.
        todo!("TaskFuture::finish")
    }

    /// Runs `callbacks` in order, each with its panic caught.
    fn run_callbacks(&self, callbacks: Vec<Callback<T>>) {
        // TODO: call each with `self`; a panicking callback must not stop the ones after it.
        todo!("TaskFuture::run_callbacks")
    }

    /// Waits until the future is done, or until `deadline` (`None`: for ever). Returns the
    /// locked state if done, `None` at the deadline.
    fn wait_done(&self, deadline: Option<Instant>) -> Option<MutexGuard<'_, FutureState<T>>> {
        // TODO: loop under the lock: done, return the guard; no deadline, `wait`; a deadline
        // passed, `None`; else `wait_until` the deadline. Look at the stage again after every
        // wake-up.
        todo!("TaskFuture::wait_done")
    }

    /// The instant `timeout` from now on the pool's clock; a timeout too long to represent
    /// saturates (the wait then never times out).
    fn deadline_after(&self, timeout: Duration) -> Instant {
        let now = self.inner.clock.now().since_start();
        Instant::from_duration(now.saturating_add(timeout))
    }

    fn lock(&self) -> MutexGuard<'_, FutureState<T>> {
        // Only `T::clone` (in `result`) runs user code under this lock, and it changes nothing:
        // the state is consistent even if a panic poisoned the lock.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The outcome of a future known to be done.
fn outcome<T>(state: &FutureState<T>) -> &Result<T, TaskError> {
    match &state.stage {
        Stage::Done(outcome) => outcome,
        Stage::Pending | Stage::Running => unreachable!("the caller waited until done"),
    }
}

/// The message a panic was started with: `panic!("...")` gives a `&str` or a `String`.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    // TODO: `payload.downcast_ref::<&str>()`, then `::<String>()`; something fixed for any
    // other payload (`std::panic::panic_any(42)`).
    todo!("panic_message")
}

/// The results of [`ThreadPool::map`], in input order: each `next` waits for its own task.
///
/// Dropping it cancels the tasks that have not started yet.
pub struct MapResults<R> {
    /// The futures of the tasks whose results were not handed out yet, in input order.
    futures: VecDeque<TaskFuture<R>>,
}

impl<R: Clone> Iterator for MapResults<R> {
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        // TODO: the result of the front future, even if later ones are done first.
        todo!("MapResults::next")
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.futures.len(), Some(self.futures.len()))
    }
}

impl<R: Clone> ExactSizeIterator for MapResults<R> {}

impl<R> Drop for MapResults<R> {
    fn drop(&mut self) {
        // TODO: cancel the futures not handed out (those not started yet need not run).
        //
        // (No `todo!()` here: see `ThreadPool`'s `Drop`.)
    }
}

impl<R> fmt::Debug for MapResults<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapResults")
            .field("left", &self.futures.len())
            .finish()
    }
}
