//! An event loop from scratch: a single-threaded executor for std's futures, with tasks, join
//! handles, timers and `gather`, that sleeps whenever it has nothing to do.
//!
//! Goal: `EventLoop::block_on(future)` runs `future` to completion on the calling thread, and
//! with it every task spawned through a `Handle`. Futures are polled only when they have been
//! woken: a `Waker` (which any thread may call) puts its future's id on the ready queue and
//! unparks the loop. `Handle::sleep` is a future completed by the loop's own timer heap, so a
//! thousand sleeping tasks cost no thread at all. When no future is ready, the loop parks on a
//! condition variable: until the earliest timer is due, or until a waker calls it. It never
//! spins.
//!
//! What to build in this file:
//!
//! - `TaskWaker`'s `Wake`: queue the future's id and unpark the loop, from any thread;
//! - `EventLoop::block_on`: the loop itself (fire due timers, poll what is ready, park);
//! - `Handle::spawn` and `JoinHandle`: a task that starts at once, and a future of its result
//!   (a panic in the task comes out as a `JoinError`);
//! - `Handle::sleep` and `Sleep`: a future that registers its deadline with the loop;
//! - `gather`: a future of many futures' outputs, in the order the futures were given.
//!
//! Use only `std`'s `Future`, `Context`, `Waker` and `Wake`: no async runtime crate. Lock only
//! `course_sync` mutexes and park only on a `course_clock::Condvar` made from the loop's clock:
//! that is how the graded suite runs your loop on a virtual clock ("url3 finishes at exactly
//! t = 1 s", checked instantly) and lets loom try every interleaving of a wake with a park.
//!
//! Chapter: `docs/src/part4/event_loop.md`.
//! Check your work with `cargo xtask check event_loop`; stuck? `cargo xtask hint event_loop`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables, unused_mut)]

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Arc, Mutex, MutexGuard};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashSet, VecDeque};
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::PoisonError;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Which future a wake-up is for: [`MAIN`] is `block_on`'s, the others are spawned tasks.
type TaskId = u64;

/// The id of the future passed to `block_on`.
const MAIN: TaskId = 0;

/// A single-threaded executor: runs one future to completion with [`block_on`], and every
/// task [`spawn`]ed meanwhile.
///
/// It is not `Send`: its tasks need not be either, and they are only ever polled on the thread
/// that calls `block_on`. Wakers are `Send` and may be called from any thread.
///
/// Tasks still pending when `block_on` returns stay on the loop and run during the next
/// `block_on`; dropping the loop drops them unfinished.
///
/// [`block_on`]: EventLoop::block_on
/// [`spawn`]: Handle::spawn
pub struct EventLoop {
    inner: Rc<Inner>,
}

/// What the futures running on a loop use to reach it: spawn tasks, start timers, read the
/// clock. Cheap to clone; not `Send` (it belongs to the loop's thread).
#[derive(Clone)]
pub struct Handle {
    inner: Rc<Inner>,
}

/// The loop's state. Everything but `shared` is touched only by the loop's thread, so plain
/// `Cell`s and `RefCell`s do: a borrow is never held while a future is polled.
struct Inner {
    clock: Clock,
    /// What wakers, on any thread, share with the loop.
    shared: Arc<Shared>,
    /// Spawned tasks not finished yet. TODO: why take a task out of the map while polling it?
    tasks: RefCell<BTreeMap<TaskId, TaskSlot>>,
    /// Pending sleeps; the greatest entry (see `Timer`'s `Ord`) is the earliest.
    timers: RefCell<BinaryHeap<Timer>>,
    /// The id of the next task spawned (ids start after `MAIN`).
    next_task: Cell<TaskId>,
    /// The sequence number of the next timer registered: breaks ties between equal deadlines.
    next_timer: Cell<u64>,
    /// True while `block_on` runs, to refuse a nested `block_on`.
    running: Cell<bool>,
}

/// The part of the loop that other threads reach, through wakers.
struct Shared {
    /// TODO: what does this lock protect, and what must the loop do under it before parking?
    ready: Mutex<Ready>,
    /// The loop parks on it; every wake-up notifies it. Make it from the loop's clock.
    unpark: Condvar,
}

/// The ready queue: the ids of the futures woken since the loop last took it, each once, in the
/// order they were woken. The set makes "once" cost nothing: finding out whether an id is
/// already queued by scanning the queue would make waking n tasks cost n² (a hundred thousand
/// spawned tasks, each woken once, would scan five billion ids).
#[derive(Default)]
struct Ready {
    order: VecDeque<TaskId>,
    /// The ids in `order`.
    queued: HashSet<TaskId>,
}

impl Ready {
    /// Queues `id` last, unless it is queued already.
    fn push_back(&mut self, id: TaskId) {
        if self.queued.insert(id) {
            self.order.push_back(id);
        }
    }

    /// Queues `id` first, unless it is queued already.
    fn push_front(&mut self, id: TaskId) {
        if self.queued.insert(id) {
            self.order.push_front(id);
        }
    }

    fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Takes every queued id, in order, leaving the queue empty.
    fn take(&mut self) -> VecDeque<TaskId> {
        self.queued.clear();
        std::mem::take(&mut self.order)
    }
}

/// A spawned task as the loop keeps it: the future, and the waker it is polled with.
struct TaskSlot {
    /// The task's future, wrapped by `run_task` so its output or its panic reaches its
    /// `JoinHandle`.
    future: Pin<Box<dyn Future<Output = ()>>>,
    /// TODO: why make one waker per task, once, rather than a new one at every poll?
    waker: Waker,
}

/// The waker of one future of the loop.
struct TaskWaker {
    id: TaskId,
    shared: Arc<Shared>,
}

// `Waker::from` takes a `std::sync::Arc`, so the waker itself is one (also in loom builds: it
// only counts references). Everything it shares with the loop is in `shared`, made of
// `course_sync` types that loom does see.
impl Wake for TaskWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        // TODO: put `self.id` on the ready queue (`Ready::push_back` keeps it there once), then
        // unpark the loop. This may run on
        // any thread, while the loop is parked or about to park: what must you hold while you
        // notify, so that the wake-up cannot be lost?
        todo!("TaskWaker::wake_by_ref")
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Ready> {
        // Nothing panics while the queue is locked, so a poisoned lock still guards a
        // consistent queue.
        self.ready.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl EventLoop {
    /// An event loop on the system clock.
    pub fn new() -> Self {
        // TODO: a loop on `Clock::system()`.
        todo!("EventLoop::new")
    }

    /// An event loop whose timers and parking use `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        // TODO: build `Shared` (an empty ready queue, the condition variable made with
        // `Condvar::new(&clock)`) and `Inner` (no tasks, no timers, task ids after `MAIN`).
        todo!("EventLoop::with_clock")
    }

    /// A handle on this loop, for the futures it runs: move a clone into each.
    pub fn handle(&self) -> Handle {
        // TODO: a `Handle` sharing this loop's `Inner`.
        todo!("EventLoop::handle")
    }

    /// Runs `future` to completion on this thread, running the spawned tasks alongside, and
    /// returns its output as soon as it has one.
    ///
    /// A panic in `future` itself comes out of `block_on`; a panic in a spawned task comes
    /// out of that task's `JoinHandle`.
    ///
    /// # Panics
    ///
    /// If called from inside a future this loop is running (the loop is already busy).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        // TODO: refuse a nested call (`running`), pin the future, make its waker (id `MAIN`) and
        // wake it once, so that the first turn polls it. Then loop, one turn at a time:
        // - fire the timers that are due (`Inner::fire_due_timers`);
        // - take every id woken so far, parking if there is none (`Inner::wait_for_ready`);
        // - poll each of them once: `MAIN` is `future` (return its output when it is ready),
        //   any other id is a task (`Inner::poll_task`).
        // Poll nothing that was not woken. And when `future` is ready in the middle of a turn,
        // what happens to the wake-ups of the tasks not polled yet?
        todo!("EventLoop::block_on")
    }
}

impl Default for EventLoop {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        // TODO: tasks hold handles on the loop, and the loop holds the tasks: break that cycle
        // by taking the tasks and timers out of the loop and dropping them.
        //
        // (No `todo!()` here: a panic in `drop` while a test is already failing aborts the
        // whole test run.)
    }
}

/// Sets a flag back to false when dropped, also when unwinding from a panic.
struct ResetOnDrop<'a>(&'a Cell<bool>);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl Inner {
    fn waker(&self, id: TaskId) -> Waker {
        // TODO: a `Waker` from a `std::sync::Arc<TaskWaker>` (see `Waker::from`).
        todo!("Inner::waker")
    }

    /// Wakes every sleep whose deadline has come, earliest first, ties in registration order.
    fn fire_due_timers(&self) {
        // TODO: pop the timers due by the clock's `now`, and wake their wakers (after the
        // borrow of `timers` ends: a waker is arbitrary code).
        todo!("Inner::fire_due_timers")
    }

    /// Takes every id woken so far. If there is none, parks until a waker is called or the
    /// earliest timer is due (then returns nothing: the next turn fires it).
    fn wait_for_ready(&self) -> VecDeque<TaskId> {
        // TODO: under the `ready` lock, in a loop: if the queue has ids, take them all; if the
        // earliest timer is due, return nothing; otherwise park on `unpark`: `wait_until` the
        // earliest deadline, or `wait` with no deadline if there is no timer. Why a loop?
        todo!("Inner::wait_for_ready")
    }

    /// Polls the task `id` once, if it still exists; keeps it if it is still pending.
    fn poll_task(&self, id: TaskId) {
        // TODO: take the task out of `tasks`, poll it with its own waker, put it back if it is
        // still pending. An id whose task has finished is not found: nothing to do.
        todo!("Inner::poll_task")
    }
}

impl Handle {
    /// Starts `future` as a task of the loop and returns a handle to its output.
    ///
    /// The task is scheduled at once, like a Python `asyncio.create_task`: it runs as soon as
    /// the loop gets to it, whether or not anyone awaits the handle. Dropping the handle
    /// detaches the task; it still runs.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // TODO: a shared `JoinState` for the task and its handle; a new id and its waker; the
        // task (`run_task`) in `tasks`; then wake it, so the loop polls it on its next turn.
        todo!("Handle::spawn")
    }

    /// A future that completes once `duration` has passed on the loop's clock, counted from
    /// this call. It needs the loop that made it: await it in a future that loop runs.
    pub fn sleep(&self, duration: Duration) -> Sleep {
        // TODO: the deadline is the clock's `now` plus `duration`. Nothing is registered yet:
        // that is the first poll's job.
        todo!("Handle::sleep")
    }

    /// The current time on the loop's clock.
    pub fn now(&self) -> Instant {
        // TODO: read the loop's clock.
        todo!("Handle::now")
    }
}

/// The task around a spawned future: polls it, catching a panic, and hands its output (or the
/// panic) to the join handle, waking whoever awaits it.
fn run_task<F>(future: F, slot: Rc<RefCell<JoinState<F::Output>>>) -> impl Future<Output = ()>
where
    F: Future,
{
    let mut future = Box::pin(future);
    poll_fn(move |cx| {
        // TODO: poll `future` inside `std::panic::catch_unwind`. Pending: stay pending. Ready
        // or panicked: store `Ok(output)` or `Err(JoinError::from_panic(..))` in the slot, take
        // the stored waker and wake it (after the borrow ends), and return Ready.
        todo!("run_task")
    })
}

/// What a task and its join handle share.
struct JoinState<T> {
    /// The task's result, once it has one, until the handle takes it.
    output: Option<Result<T, JoinError>>,
    /// The waker of the future awaiting the handle, stored at its last poll.
    waker: Option<Waker>,
}

/// A future of a spawned task's result: `Ok(output)`, or `Err(JoinError)` if the task
/// panicked.
///
/// Awaiting it does not start anything (the task is already running) and dropping it does not
/// stop the task.
pub struct JoinHandle<T> {
    slot: Rc<RefCell<JoinState<T>>>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // TODO: the output, if the task has finished. Otherwise Pending, but not before doing
        // what will get this future polled again. What is it?
        todo!("JoinHandle::poll")
    }
}

/// A spawned task panicked; its panic message is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinError {
    message: String,
}

impl JoinError {
    fn from_panic(payload: &(dyn Any + Send)) -> Self {
        // TODO: a panic's payload is a `&str` or a `String` (`payload.downcast_ref`), or
        // something else.
        todo!("JoinError::from_panic")
    }

    /// The message the task panicked with.
    pub fn panic_message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task panicked: {}", self.message)
    }
}

impl std::error::Error for JoinError {}

/// A pending sleep, as the loop's timer heap keeps it.
struct Timer {
    deadline: Instant,
    /// Registration order: breaks ties between equal deadlines.
    seq: u64,
    waker: Waker,
}

impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        // TODO: `BinaryHeap` pops the *greatest* entry first, and the loop wants the earliest
        // deadline first, ties broken by registration order.
        todo!("Timer::cmp")
    }
}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Timer {}

/// The future [`Handle::sleep`] returns.
///
/// It does not block anything: its first poll puts its deadline and its waker on the loop's
/// timer heap and returns `Pending`, and the loop wakes it when its clock gets there.
pub struct Sleep {
    inner: Rc<Inner>,
    deadline: Instant,
    /// The waker registered with the timer heap, if any.
    registered: Option<Waker>,
}

impl Sleep {
    /// When this sleep ends, on the loop's clock.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // TODO: Ready once the clock has reached the deadline. Otherwise push a `Timer` (the
        // deadline, the next timer sequence number, this waker) and return Pending. Never
        // wait here: the whole loop would wait with you. And a second poll before the
        // deadline: does it need a second timer?
        todo!("Sleep::poll")
    }
}

/// A future that runs all of `futures` concurrently, inside the task that awaits it, and
/// completes with their outputs in the order the futures were given (not the order they
/// finished), like Python's `asyncio.gather`.
pub fn gather<F>(futures: impl IntoIterator<Item = F>) -> Gather<F>
where
    F: Future,
{
    // TODO: box (and so pin) each future, with an empty output slot for each.
    todo!("gather")
}

/// The future [`gather`] returns.
pub struct Gather<F: Future> {
    /// The futures not finished yet, in input order; `None` once finished.
    running: Vec<Option<Pin<Box<F>>>>,
    /// Outputs by input position, filled in as each future finishes.
    outputs: Vec<Option<F::Output>>,
}

// Nothing inside is ever pinned in place: each future is boxed (pinned on the heap), and the
// outputs are plain values. So a `Gather` may move between polls whatever `F` is.
impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // TODO: poll every future still running (they all share `cx`); store each output at
        // its future's position. Ready with all the outputs, in input order, once every future
        // has finished.
        todo!("Gather::poll")
    }
}
