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
    /// The worker threads. The first `shutdown(true)` joins them, holding this lock meanwhile so
    /// that a second one waits for the same drain instead of returning early.
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
    /// The workers' ids, to recognise a call made from one of the pool's own tasks.
    worker_ids: Vec<thread::ThreadId>,
}

/// What the handle and the workers share.
struct Shared {
    /// Protects the queue and the shutdown flag. Held only to push, pop or flip the flag: never
    /// while a task runs.
    queue: Mutex<Queue>,
    /// Idle workers wait here for a job. Notified once per submitted job, and (all of them) at
    /// shutdown.
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
        assert!(max_workers > 0, "a thread pool needs at least one worker");
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                shutdown: false,
            }),
            work: Condvar::new(&clock),
            clock,
        });
        // All the workers start now and live until shutdown: a fixed pool. Each owns a handle
        // on the shared state; `shutdown` reaches them through the flag and the condvar.
        let workers: Vec<_> = (0..max_workers)
            .map(|i| {
                let shared = Arc::clone(&shared);
                thread::Builder::new()
                    .name(format!("pool worker {i}"))
                    .spawn(move || work(&shared))
                    .expect("failed to spawn a worker thread")
            })
            .collect();
        let worker_ids = workers.iter().map(|worker| worker.thread().id()).collect();
        ThreadPool {
            shared,
            workers: Mutex::new(workers),
            worker_ids,
        }
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
        let future = TaskFuture::new(&self.shared.clock);
        let handle = future.clone();
        let job: Job = Box::new(move || {
            // Pending -> running, unless it was cancelled while it sat in the queue.
            if !handle.start() {
                return;
            }
            // A panic must not unwind through the worker: it would end the thread (the pool
            // would lose a worker for good) and leave the future running for ever. Catch it and
            // make it the future's error. Nothing the task could leave half-changed is shared
            // with this code, so asserting unwind safety is sound. The default panic hook has
            // already printed the panic.
            let outcome = panic::catch_unwind(AssertUnwindSafe(task))
                .map_err(|payload| TaskError::Panicked(panic_message(&*payload)));
            handle.finish(outcome);
        });
        let mut queue = self.shared.lock();
        // Check the flag and push under one lock: a shutdown either came first (refused here)
        // or comes after the push (and the workers drain the queue before they end).
        if queue.shutdown {
            return Err(ShutdownError);
        }
        queue.jobs.push_back(job);
        // One job: one idle worker can run it. Only idle workers wait on `work`, so whoever is
        // woken can take it; notifying under the lock means a worker that has just seen the
        // queue empty is already registered as waiting and gets this wake-up.
        self.shared.work.notify_one();
        Ok(future)
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
        let f = Arc::new(f);
        let mut results = MapResults {
            futures: VecDeque::new(),
        };
        for item in items {
            let f = Arc::clone(&f);
            // On an error, `results` is dropped here, which cancels the tasks already queued.
            results.futures.push_back(self.submit(move || f(item))?);
        }
        Ok(results)
    }

    /// Stops the pool taking tasks. With `wait`, also returns only once every task submitted
    /// before has finished (or was cancelled) and every worker has ended.
    ///
    /// Tasks already queued run either way (cancel their futures to stop them). Calling it
    /// again is harmless. Called with `wait` from one of the pool's own tasks, it does not wait:
    /// that worker cannot wait for its own end.
    pub fn shutdown(&self, wait: bool) {
        // Set the flag and notify under the lock: a worker reads the flag under the lock before
        // it waits, so it either sees it or is already waiting and gets this wake-up. Every
        // idle worker must look again, so all of them are woken.
        let mut queue = self.shared.lock();
        queue.shutdown = true;
        self.shared.work.notify_all();
        drop(queue);

        if !wait || self.worker_ids.contains(&thread::current().id()) {
            return;
        }
        // A worker ends only once the queue is empty and the flag is set, so joining them all
        // is waiting for the drain. The workers never take this lock: holding it while joining
        // cannot deadlock, and a concurrent `shutdown(true)` waits here for the same drain.
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        for worker in workers.drain(..) {
            // A worker catches its tasks' panics, so it ends normally; a join error could only
            // come from a panic in a job's bookkeeping, and shutdown (run by Drop) must not panic
            // in turn.
            let _ = worker.join();
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Dropping is shutting down and waiting: the tasks already queued still run, and no
        // worker outlives the pool (unless it is dropped from one of its own tasks: then that
        // worker ends by itself once the queue is empty, see `shutdown`).
        self.shutdown(true);
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
    loop {
        let job = {
            let mut queue = shared.lock();
            // A wake-up only means "look again": another worker may have taken the job first,
            // or the wake-up was the shutdown, or spurious. So: check, wait, check again.
            loop {
                // Jobs first: a shut-down pool still runs what was submitted before.
                if let Some(job) = queue.jobs.pop_front() {
                    break job;
                }
                if queue.shutdown {
                    return;
                }
                queue = shared
                    .work
                    .wait(&shared.queue, queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        // The lock is released (the guard went out of scope above) before the job runs: other
        // workers take jobs and callers submit while this task runs.
        job();
    }
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
    /// Protects the stage and the callbacks: every transition (pending -> running -> done,
    /// pending -> cancelled) and every "is it done yet?" that decides what to do happen under
    /// this one lock. Never held while a task or a callback runs.
    state: Mutex<FutureState<T>>,
    /// Threads in `result`, `result_timeout` and `error` wait here for the future to be done.
    /// Notified (all of them) by the transition to done.
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
        // Pending, with no callbacks: from here only the job that `submit` queues (`start`,
        // `finish`) and `cancel` move it on.
        TaskFuture {
            inner: Arc::new(Inner {
                state: Mutex::new(FutureState {
                    stage: Stage::Pending,
                    callbacks: Vec::new(),
                }),
                changed: Condvar::new(clock),
                clock: clock.clone(),
            }),
        }
    }

    /// True once the task finished (with a value or a panic) or was cancelled.
    pub fn done(&self) -> bool {
        matches!(self.lock().stage, Stage::Done(_))
    }

    /// True while a worker runs the task.
    pub fn running(&self) -> bool {
        matches!(self.lock().stage, Stage::Running)
    }

    /// True if the task was cancelled (it never ran).
    pub fn cancelled(&self) -> bool {
        matches!(self.lock().stage, Stage::Done(Err(TaskError::Cancelled)))
    }

    /// Cancels the task if it has not started: returns true if it is now cancelled (also when it
    /// already was), false if it is running or finished (it then runs to its end).
    ///
    /// A successful cancel makes the future done and runs its callbacks, on this thread.
    pub fn cancel(&self) -> bool {
        let mut state = self.lock();
        match state.stage {
            Stage::Pending => {}
            Stage::Done(Err(TaskError::Cancelled)) => return true,
            // A running task cannot be stopped from outside: a thread is not interrupted in the
            // middle of its work. Reporting success here would be a lie: it goes on running and
            // its result would be thrown away.
            Stage::Running | Stage::Done(_) => return false,
        }
        // Pending -> done (cancelled), under the lock: the worker that later pops this job
        // sees it in `start` and skips the task.
        state.stage = Stage::Done(Err(TaskError::Cancelled));
        self.inner.changed.notify_all();
        let callbacks = mem::take(&mut state.callbacks);
        drop(state);
        self.run_callbacks(callbacks);
        true
    }

    /// Waits until the task is done and returns a copy of its value, or why there is none.
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        // The clone is made while the lock is held (the guard lives to the end of the
        // function): a copy for this caller, the original stays for everyone else.
        let state = self
            .wait_done(None)
            .expect("a wait without a deadline ends done");
        outcome(&state).clone()
    }

    /// Like [`result`](Self::result), but waits at most `timeout` (on the pool's clock):
    /// `None` if the task was not done by then (it goes on; ask again later).
    pub fn result_timeout(&self, timeout: Duration) -> Option<Result<T, TaskError>>
    where
        T: Clone,
    {
        // `None` at the deadline: the task goes on, and a later call may still get its result.
        let deadline = self.deadline_after(timeout);
        let state = self.wait_done(Some(deadline))?;
        Some(outcome(&state).clone())
    }

    /// Waits until the task is done and returns its error: `None` if it returned a value.
    pub fn error(&self) -> Option<TaskError> {
        // Only the error is cloned, so this works for any `T`.
        let state = self
            .wait_done(None)
            .expect("a wait without a deadline ends done");
        outcome(&state).as_ref().err().cloned()
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
        let mut state = self.lock();
        if let Stage::Done(_) = state.stage {
            // Done already: the list was taken and will never be looked at again, so a callback
            // pushed now would never run. Run it here instead, once we let go of the lock.
            drop(state);
            self.run_callbacks(vec![Box::new(callback)]);
            return;
        }
        // Not done: the transition to done cannot happen while we hold the lock, and it takes
        // the list under this lock, so it will find this callback there.
        state.callbacks.push(Box::new(callback));
    }

    /// Pending -> running, for the worker that popped the job. False if the task was
    /// cancelled meanwhile: then it must not run.
    fn start(&self) -> bool {
        // Under the lock: a `cancel` racing this either comes first (the task is then skipped)
        // or finds the task running (and fails). Never both, never neither.
        let mut state = self.lock();
        match state.stage {
            Stage::Pending => {
                state.stage = Stage::Running;
                true
            }
            _ => false,
        }
    }

    /// Running -> done with `outcome`: wakes every waiter, then runs the callbacks.
    fn finish(&self, outcome: Result<T, TaskError>) {
        let mut state = self.lock();
        // The outcome goes in with the stage, in one step under the lock: whoever sees "done"
        // sees the result with it.
        state.stage = Stage::Done(outcome);
        // Everyone waiting for this future can go on, so all of them are woken. Notifying under
        // the lock: a thread that has just seen "not done" is already registered as waiting.
        self.inner.changed.notify_all();
        // Take the callbacks under the lock, in the same step as the transition: a callback
        // added from now on sees "done" and runs itself (see `add_done_callback`).
        let callbacks = mem::take(&mut state.callbacks);
        drop(state);
        // Outside the lock: a callback may call `result` or `done` (which take this lock), or
        // take long, without blocking anyone else.
        self.run_callbacks(callbacks);
    }

    /// Runs `callbacks` in order, each with its panic caught.
    fn run_callbacks(&self, callbacks: Vec<Callback<T>>) {
        for callback in callbacks {
            // A panicking callback must not stop the callbacks after it, nor (on a worker) end
            // the worker. It shares nothing with this loop that it could leave half-changed.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| callback(self)));
        }
    }

    /// Waits until the future is done, or until `deadline` (`None`: for ever). Returns the
    /// locked state if done, `None` at the deadline.
    fn wait_done(&self, deadline: Option<Instant>) -> Option<MutexGuard<'_, FutureState<T>>> {
        let mut state = self.lock();
        // A wake-up only means "look again": check the stage after every one.
        loop {
            if let Stage::Done(_) = state.stage {
                return Some(state);
            }
            state = match deadline {
                None => self
                    .inner
                    .changed
                    .wait(&self.inner.state, state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    // Checked after the stage: a task done at the very instant of the deadline
                    // still gives its result.
                    if self.inner.clock.now() >= deadline {
                        return None;
                    }
                    self.inner
                        .changed
                        .wait_until(&self.inner.state, state, deadline)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
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
    // `panic!` with a literal message carries a `&'static str`, with a formatted one a
    // `String`; `std::panic::panic_any` can carry anything at all.
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a payload that is not a message".to_owned()
    }
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
        // Input order, whatever the completion order: the front future is waited for even if
        // every later one is done already.
        let future = self.futures.pop_front()?;
        Some(future.result())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.futures.len(), Some(self.futures.len()))
    }
}

impl<R: Clone> ExactSizeIterator for MapResults<R> {}

impl<R> Drop for MapResults<R> {
    fn drop(&mut self) {
        // Nobody can read these results any more: the tasks not started need not run. (A
        // running one goes on; its result is dropped with its future.)
        for future in &self.futures {
            future.cancel();
        }
    }
}

impl<R> fmt::Debug for MapResults<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapResults")
            .field("left", &self.futures.len())
            .finish()
    }
}
