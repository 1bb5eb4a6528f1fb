//! Gates and latches: force an order between threads without sleeping.
//!
//! A [`Gate`] holds threads until a test opens it ("the callback may finish now"). A [`Latch`]
//! lets a test wait until something has happened a number of times ("both workers started").
//! Every wait is bounded by [`patience`](crate::patience) and fails with the event it was
//! waiting for, so a learner's deadlock reads as a sentence rather than as a hung test.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// A gate that blocks every thread that [`pass`](Gate::pass)es it until it is opened.
#[derive(Debug, Default)]
pub struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens the gate for good: current and future callers of `pass` go through.
    pub fn open(&self) {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.opened.notify_all();
    }

    /// Blocks until the gate is open. Fails the test, naming `what` it waited for, if nobody
    /// opens it within [`patience`](crate::patience).
    pub fn pass(&self, what: &str) {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let (open, _) = self
            .opened
            .wait_timeout_while(open, crate::patience(), |open| !*open)
            .unwrap_or_else(PoisonError::into_inner);
        assert!(
            *open,
            "gave up waiting for {what}: the gate was never opened"
        );
    }

    /// Blocks until the gate is open, or quietly goes on after four times
    /// [`patience`](crate::patience). For a thread the test keeps inside something (a lock, a
    /// room): if the test fails waiting for something else, this thread must not give up first
    /// and unblock the very thing the test is reporting about.
    pub fn hold(&self) {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .opened
            .wait_timeout_while(open, crate::patience() * 4, |open| !*open)
            .unwrap_or_else(PoisonError::into_inner);
    }

    /// True once the gate is open.
    pub fn is_open(&self) -> bool {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A countdown: [`wait`](Latch::wait) returns once [`count_down`](Latch::count_down) was called
/// `count` times.
#[derive(Debug)]
pub struct Latch {
    left: Mutex<usize>,
    reached: Condvar,
}

impl Latch {
    /// A latch that opens after `count` count-downs.
    pub fn new(count: usize) -> Self {
        Latch {
            left: Mutex::new(count),
            reached: Condvar::new(),
        }
    }

    /// Records one occurrence. Extra count-downs after zero are ignored.
    pub fn count_down(&self) {
        let mut left = self.left.lock().unwrap_or_else(PoisonError::into_inner);
        *left = left.saturating_sub(1);
        if *left == 0 {
            self.reached.notify_all();
        }
    }

    /// How many count-downs are still missing.
    pub fn left(&self) -> usize {
        *self.left.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until the count reaches zero, or returns false after [`patience`](crate::patience).
    pub fn wait_patiently(&self) -> bool {
        let left = self.left.lock().unwrap_or_else(PoisonError::into_inner);
        let (left, _) = self
            .reached
            .wait_timeout_while(left, crate::patience(), |left| *left > 0)
            .unwrap_or_else(PoisonError::into_inner);
        *left == 0
    }

    /// Blocks until the count reaches zero. Fails the test, naming `what` it waited for, if
    /// that takes longer than [`patience`](crate::patience).
    pub fn wait(&self, what: &str) {
        assert!(
            self.wait_patiently(),
            "gave up after {:?} waiting for {what} ({} count-down(s) missing): deadlock or lost \
             wakeup suspected",
            crate::patience(),
            self.left()
        );
    }
}

/// Counts its latch down when dropped: when the closure holding it is dropped, when its thread
/// unwinds, or (held by [`on_thread_exit`]) when its thread ends.
#[derive(Debug)]
pub struct CountDownOnDrop(pub Arc<Latch>);

impl Drop for CountDownOnDrop {
    fn drop(&mut self) {
        self.0.count_down();
    }
}

thread_local! {
    /// What [`on_thread_exit`] registered on this thread.
    static ON_THREAD_EXIT: RefCell<Vec<CountDownOnDrop>> = const { RefCell::new(Vec::new()) };
}

/// Counts `latch` down when the calling thread ends. Call it from code that runs on the thread
/// to watch (a callback, a closure handed to the code under test).
///
/// Thread-locals are destroyed before a join of their thread returns, so once the owner of a
/// thread claims to have joined it, the latch must already be at zero: that is how a test
/// checks "no thread outlives the call" or "drop joins its thread" without sleeping.
pub fn on_thread_exit(latch: Arc<Latch>) {
    ON_THREAD_EXIT.with(|watches| watches.borrow_mut().push(CountDownOnDrop(latch)));
}

/// Joins `handle`, or gives up and returns `None` after [`patience`](crate::patience), leaving
/// the thread running: a join that would hang fails the test with a sentence instead.
pub fn join_patiently<T>(handle: std::thread::JoinHandle<T>) -> Option<std::thread::Result<T>> {
    let give_up = std::time::Instant::now() + crate::patience();
    while !handle.is_finished() {
        if std::time::Instant::now() >= give_up {
            return None;
        }
        // `is_finished` cannot be waited on; a 1 ms nap bounds the cost of asking.
        std::thread::park_timeout(std::time::Duration::from_millis(1));
    }
    Some(handle.join())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn gate_holds_threads_until_opened() {
        let gate = Arc::new(Gate::new());
        let passed = Arc::new(Latch::new(1));
        let handle = {
            let (gate, passed) = (Arc::clone(&gate), Arc::clone(&passed));
            thread::spawn(move || {
                gate.pass("the test to open the gate");
                passed.count_down();
            })
        };
        assert_eq!(passed.left(), 1);
        gate.open();
        passed.wait("the thread to pass the gate");
        handle.join().unwrap();
    }

    #[test]
    fn a_thread_exit_watch_fires_before_the_join_returns() {
        let exited = Arc::new(Latch::new(1));
        let watch = Arc::clone(&exited);
        let handle = thread::spawn(move || on_thread_exit(watch));
        assert!(join_patiently(handle).is_some_and(|joined| joined.is_ok()));
        assert_eq!(exited.left(), 0);
    }

    #[test]
    fn latch_counts_down_from_many_threads() {
        let latch = Arc::new(Latch::new(3));
        thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| latch.count_down());
            }
        });
        latch.wait("three count-downs");
    }
}
