//! A bounded blocking queue: `put` waits while the queue is full, `take` waits while it is
//! empty, and `close` lets every waiter go.
//!
//! Goal: many producers and many consumers share one queue of at most `capacity` items. Items
//! come out in the order they went in. A producer that finds the queue full sleeps until a
//! consumer makes room; a consumer that finds it empty sleeps until a producer puts something.
//! Nobody spins, and nobody sleeps while the thing it waits for is there.
//!
//! What to build in this file:
//!
//! - `BlockingQueue::with_clock`: the shared state and one condition variable per condition;
//! - `put`, `try_put`, `put_timeout`: add an item, waiting for room (or not, or for a while);
//! - `take`, `try_take`, `take_timeout`: remove the oldest item, waiting for one;
//! - `close`: refuse further puts, and wake everyone who waits;
//! - `len`: how many items are queued.
//!
//! Wait only through `course_clock::Condvar`, made from the clock you are given, and lock only
//! `course_sync` mutexes: that is how the graded suite times out your waits on a virtual clock
//! and lets loom try every interleaving.
//!
//! Chapter: `docs/src/part5/blocking_queue.md`.
//! Check your work with `cargo xtask check blocking_queue`; stuck? `cargo xtask hint
//! blocking_queue`.

use course_clock::{Clock, Condvar, Instant};
use course_sync::{Mutex, MutexGuard};
use std::collections::VecDeque;
use std::fmt;
use std::sync::PoisonError;
use std::time::Duration;

/// Why an item could not be put; the item comes back with the error.
#[derive(Debug, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue stayed full (at once for `try_put`, for the whole timeout for `put_timeout`).
    Full(T),
    /// The queue is closed: it accepts nothing any more.
    Closed(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::Closed(item) => item,
        }
    }
}

/// Why no item could be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakeError {
    /// The queue stayed empty (at once for `try_take`, for the whole timeout for
    /// `take_timeout`).
    Empty,
    /// The queue is closed and everything put before was taken: nothing will ever come.
    Closed,
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("the queue is full"),
            PutError::Closed(_) => f.write_str("the queue is closed"),
        }
    }
}

impl fmt::Display for TakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TakeError::Empty => f.write_str("the queue is empty"),
            TakeError::Closed => f.write_str("the queue is closed and drained"),
        }
    }
}

/// A first-in first-out queue of at most `capacity` items, shared by reference between
/// threads (wrap it in an `Arc` to share it with spawned threads).
pub struct BlockingQueue<T> {
    /// Protects the items and the closed flag: every check of "full", "empty" or "closed" and
    /// the change that follows it happen under this one lock, so no one can slip in between.
    state: Mutex<State<T>>,
    /// Producers wait here for room. Notified when an item is taken (room for one producer)
    /// and at close (all of them).
    not_full: Condvar,
    /// Consumers wait here for an item. Notified when an item is put (one consumer) and at
    /// close (all of them).
    not_empty: Condvar,
    clock: Clock,
}

/// Everything behind the lock.
struct State<T> {
    /// Oldest first; never longer than `capacity`.
    items: VecDeque<T>,
    capacity: usize,
    /// Set once by `close`.
    closed: bool,
}

impl<T> State<T> {
    fn is_full(&self) -> bool {
        self.items.len() >= self.capacity
    }
}

impl<T> BlockingQueue<T> {
    /// An empty queue of at most `capacity` items, timing out on the system clock.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0: such a queue could never hold an item.
    pub fn new(capacity: usize) -> Self {
        Self::with_clock(capacity, Clock::system())
    }

    /// An empty queue of at most `capacity` items whose timed waits use `clock`.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0.
    pub fn with_clock(capacity: usize, clock: Clock) -> Self {
        assert!(
            capacity > 0,
            "a blocking queue needs a capacity of at least 1"
        );
        BlockingQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                capacity,
                closed: false,
            }),
            not_full: Condvar::new(&clock),
            not_empty: Condvar::new(&clock),
            clock,
        }
    }

    /// The most items the queue holds.
    pub fn capacity(&self) -> usize {
        self.lock().capacity
    }

    /// How many items are queued now.
    pub fn len(&self) -> usize {
        // Only a snapshot: other threads may change it as soon as the lock is released.
        self.lock().items.len()
    }

    /// True if no item is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Puts `item` at the back, waiting as long as the queue is full.
    ///
    /// # Errors
    ///
    /// `PutError::Closed(item)` if the queue is closed, before or while waiting.
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_until(item, None)
    }

    /// Puts `item` at the back if there is room now.
    ///
    /// # Errors
    ///
    /// `PutError::Full(item)` if the queue is full, `PutError::Closed(item)` if it is closed.
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_until(item, Some(Instant::ZERO))
    }

    /// Puts `item` at the back, waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// `PutError::Full(item)` if the queue was still full when the timeout ran out,
    /// `PutError::Closed(item)` if it is closed.
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        let deadline = self.clock.now() + timeout;
        self.put_until(item, Some(deadline))
    }

    /// Removes and returns the item at the front, waiting as long as the queue is empty.
    ///
    /// # Errors
    ///
    /// `TakeError::Closed` once the queue is closed and empty.
    pub fn take(&self) -> Result<T, TakeError> {
        self.take_until(None)
    }

    /// Removes and returns the item at the front if there is one now.
    ///
    /// # Errors
    ///
    /// `TakeError::Empty` if the queue is empty, `TakeError::Closed` if it is also closed.
    pub fn try_take(&self) -> Result<T, TakeError> {
        self.take_until(Some(Instant::ZERO))
    }

    /// Removes and returns the item at the front, waiting at most `timeout` for one.
    ///
    /// # Errors
    ///
    /// `TakeError::Empty` if the queue was still empty when the timeout ran out,
    /// `TakeError::Closed` once it is closed and empty.
    pub fn take_timeout(&self, timeout: Duration) -> Result<T, TakeError> {
        let deadline = self.clock.now() + timeout;
        self.take_until(Some(deadline))
    }

    /// Closes the queue: every later put fails, takes drain what is left and then fail, and
    /// every thread waiting in `put` or `take` wakes up to see it. Closing twice is harmless.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        // Everyone must re-check, not just one: a closed queue lets every waiter go. Notify
        // while holding the lock, so a thread that checked `closed` just before is already
        // registered as waiting.
        self.not_full.notify_all();
        self.not_empty.notify_all();
        drop(state);
    }

    /// True once `close` was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// `put`, giving up at `deadline` (`None`: never).
    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutError<T>> {
        let mut state = self.lock();
        // `while`, not `if`: being woken only means "look again". Another producer may have
        // filled the room first, or the wake-up was a timeout or spurious.
        loop {
            if state.closed {
                return Err(PutError::Closed(item));
            }
            if !state.is_full() {
                break;
            }
            state = match deadline {
                None => self
                    .not_full
                    .wait(&self.state, state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    if self.clock.now() >= deadline {
                        return Err(PutError::Full(item));
                    }
                    self.not_full
                        .wait_until(&self.state, state, deadline)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        state.items.push_back(item);
        // One item arrived: one consumer can take it. Consumers are the only ones waiting on
        // `not_empty`, so the one woken is always someone who can make progress.
        self.not_empty.notify_one();
        Ok(())
    }

    /// `take`, giving up at `deadline` (`None`: never).
    fn take_until(&self, deadline: Option<Instant>) -> Result<T, TakeError> {
        let mut state = self.lock();
        loop {
            // Drain before reporting closed: items put before `close` are still delivered.
            if let Some(item) = state.items.pop_front() {
                // One slot freed: one producer can use it.
                self.not_full.notify_one();
                return Ok(item);
            }
            if state.closed {
                return Err(TakeError::Closed);
            }
            state = match deadline {
                None => self
                    .not_empty
                    .wait(&self.state, state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    if self.clock.now() >= deadline {
                        return Err(TakeError::Empty);
                    }
                    self.not_empty
                        .wait_until(&self.state, state, deadline)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code panics while holding the lock with the state half-changed (a push or a pop
        // is one step), so a poisoned lock still guards a consistent queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
