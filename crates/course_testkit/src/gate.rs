//! Gates and latches: force an order between threads without sleeping.
//!
//! A [`Gate`] holds threads until a test opens it ("the callback may finish now"). A [`Latch`]
//! lets a test wait until something has happened a number of times ("both workers started").
//! Every wait is bounded by [`patience`](crate::patience) and fails with the event it was
//! waiting for, so a learner's deadlock reads as a sentence rather than as a hung test.

use std::sync::{Condvar, Mutex, PoisonError};

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
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
