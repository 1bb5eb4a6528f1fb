//! A linearizability checker for small recorded histories.
//!
//! Threads record each operation they perform on a shared object with a [`History`]: the
//! invocation just before the call, the response just after it. Every event takes the next
//! number of one global sequence, so "operation A returned before operation B was invoked" is
//! a fact of the recording. [`check`] then searches (Wing & Gong backtracking, memoised on the
//! set of operations already placed and the model's state) for one sequential order of all the
//! operations that
//!
//! - respects real time: an operation that returned before another was invoked comes first;
//! - is accepted by a sequential [`Model`]: replaying the operations in that order on the model
//!   gives back exactly the results the threads saw.
//!
//! If there is none, the history is not linearizable and the message quotes it. The search is
//! exponential in the worst case: it is meant for histories of about 10 to 20 operations.

use std::collections::HashSet;
use std::fmt::{Debug, Write as _};
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// A sequential specification: the state of the object, and what each operation does to it.
///
/// An operation that would block in the sequential object (a `put` on a full bounded queue)
/// should return a result no thread can have observed (say `Blocked`): then it is never placed
/// at that point of the order.
pub trait Model: Clone + Eq + Hash {
    /// An operation, with its arguments.
    type Op: Debug;
    /// What an operation returns.
    type Ret: Debug + PartialEq;
    /// Performs `op` on the state and returns its result.
    fn apply(&mut self, op: &Self::Op) -> Self::Ret;
}

/// One completed operation of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<O, R> {
    /// Who performed it (for messages).
    pub thread: String,
    pub op: O,
    pub ret: R,
    /// Sequence number of the invocation.
    pub invoked: usize,
    /// Sequence number of the response; greater than `invoked`.
    pub returned: usize,
}

/// A shared recorder of operations. Clones record into the same history.
#[derive(Debug)]
pub struct History<O, R> {
    inner: Arc<Mutex<Recording<O, R>>>,
}

#[derive(Debug)]
struct Recording<O, R> {
    next: usize,
    done: Vec<Operation<O, R>>,
}

impl<O, R> Clone for History<O, R> {
    fn clone(&self) -> Self {
        History {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<O, R> Default for History<O, R> {
    fn default() -> Self {
        History {
            inner: Arc::new(Mutex::new(Recording {
                next: 0,
                done: Vec::new(),
            })),
        }
    }
}

impl<O, R> History<O, R> {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    fn tick(&self) -> usize {
        let mut recording = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = recording.next;
        recording.next += 1;
        seq
    }

    /// Records the invocation of `op` by `thread`, runs `call`, records its response `ret`,
    /// and returns it. Only operations that return are recorded.
    pub fn call(&self, thread: &str, op: O, call: impl FnOnce() -> R) -> R
    where
        R: Clone,
    {
        let invoked = self.tick();
        let ret = call();
        let mut recording = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let returned = recording.next;
        recording.next += 1;
        recording.done.push(Operation {
            thread: thread.to_owned(),
            op,
            ret: ret.clone(),
            invoked,
            returned,
        });
        ret
    }

    /// The completed operations, in the order they returned.
    pub fn operations(&self) -> Vec<Operation<O, R>>
    where
        O: Clone,
        R: Clone,
    {
        let recording = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        recording.done.clone()
    }
}

/// Renders `history` one operation a line, sorted by invocation: `[3..7] P1 Put(2) -> Ok`.
pub fn render<O: Debug, R: Debug>(history: &[Operation<O, R>]) -> String {
    let mut sorted: Vec<&Operation<O, R>> = history.iter().collect();
    sorted.sort_by_key(|operation| operation.invoked);
    let mut out = String::new();
    for operation in sorted {
        let _ = writeln!(
            out,
            "  [{:>3}..{:>3}] {} {:?} -> {:?}",
            operation.invoked, operation.returned, operation.thread, operation.op, operation.ret
        );
    }
    out
}

/// Most operations a history may have (the search keeps the placed set in a `u64`).
pub const MAX_OPERATIONS: usize = 64;

/// Searches for a linearization of `history` from the model state `initial`.
///
/// Returns the indices of `history` in a linearization order, or a message quoting the history
/// if none exists.
///
/// # Panics
///
/// If the history has more than [`MAX_OPERATIONS`] operations, or an operation returned before
/// it was invoked.
pub fn check<M: Model>(
    initial: &M,
    history: &[Operation<M::Op, M::Ret>],
) -> Result<Vec<usize>, String> {
    assert!(
        history.len() <= MAX_OPERATIONS,
        "the linearizability checker takes at most {MAX_OPERATIONS} operations, not {}",
        history.len()
    );
    assert!(
        history.iter().all(|op| op.invoked < op.returned),
        "an operation of the history returned before it was invoked"
    );
    let mut search = Search {
        history,
        failed: HashSet::new(),
        order: Vec::with_capacity(history.len()),
        deepest: Vec::new(),
    };
    if search.place(0, initial.clone()) {
        return Ok(search.order);
    }
    let mut message = format!(
        "the history of {} operations is not linearizable: no sequential order that respects \
         real time (an operation that returned before another was invoked comes first) gives \
         every operation the result it returned.\nhistory ([invoked..returned] thread \
         operation -> result):\n{}",
        history.len(),
        render(history)
    );
    let _ = write!(
        message,
        "the longest order that works places {} of them:",
        search.deepest.len()
    );
    for &i in &search.deepest {
        let _ = write!(message, " {:?}->{:?};", history[i].op, history[i].ret);
    }
    Err(message)
}

struct Search<'h, M: Model> {
    history: &'h [Operation<M::Op, M::Ret>],
    /// (placed set, state) pairs from which no linearization of the rest exists.
    failed: HashSet<(u64, M)>,
    order: Vec<usize>,
    deepest: Vec<usize>,
}

impl<M: Model> Search<'_, M> {
    fn place(&mut self, placed: u64, state: M) -> bool {
        let n = self.history.len();
        if self.order.len() == n {
            return true;
        }
        if self.order.len() > self.deepest.len() {
            self.deepest = self.order.clone();
        }
        if self.failed.contains(&(placed, state.clone())) {
            return false;
        }
        // An operation may come next only if it was invoked before every unplaced operation
        // returned: otherwise some unplaced operation finished entirely before it began.
        let first_return = (0..n)
            .filter(|&i| placed & (1 << i) == 0)
            .map(|i| self.history[i].returned)
            .min()
            .expect("some operation is unplaced");
        for i in 0..n {
            let operation = &self.history[i];
            if placed & (1 << i) != 0 || operation.invoked > first_return {
                continue;
            }
            let mut next = state.clone();
            if next.apply(&operation.op) != operation.ret {
                continue;
            }
            self.order.push(i);
            if self.place(placed | (1 << i), next) {
                return true;
            }
            self.order.pop();
        }
        self.failed.insert((placed, state));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A register: writes store, reads return the value.
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct Register(u32);

    #[derive(Clone, Debug)]
    enum Op {
        Write(u32),
        Read,
    }

    impl Model for Register {
        type Op = Op;
        type Ret = Option<u32>;
        fn apply(&mut self, op: &Op) -> Option<u32> {
            match op {
                Op::Write(v) => {
                    self.0 = *v;
                    None
                }
                Op::Read => Some(self.0),
            }
        }
    }

    fn op(
        thread: &str,
        op: Op,
        ret: Option<u32>,
        invoked: usize,
        returned: usize,
    ) -> Operation<Op, Option<u32>> {
        Operation {
            thread: thread.to_owned(),
            op,
            ret,
            invoked,
            returned,
        }
    }

    #[test]
    fn overlapping_operations_may_take_effect_in_either_order() {
        // The read overlaps the write and sees the new value: the write goes first.
        let history = [
            op("A", Op::Write(1), None, 0, 3),
            op("B", Op::Read, Some(1), 1, 2),
        ];
        assert_eq!(check(&Register(0), &history), Ok(vec![0, 1]));
        // Or sees the old one: the read goes first.
        let history = [
            op("A", Op::Write(1), None, 0, 3),
            op("B", Op::Read, Some(0), 1, 2),
        ];
        assert_eq!(check(&Register(0), &history), Ok(vec![1, 0]));
    }

    #[test]
    fn a_stale_read_after_the_write_returned_is_rejected() {
        let history = [
            op("A", Op::Write(1), None, 0, 1),
            op("B", Op::Read, Some(0), 2, 3),
        ];
        let message = check(&Register(0), &history).expect_err("not linearizable");
        assert!(message.contains("not linearizable"), "{message}");
        assert!(message.contains("B Read -> Some(0)"), "{message}");
    }

    #[test]
    fn recorded_histories_keep_real_time_order() {
        let history = History::new();
        let register = Mutex::new(Register(0));
        std::thread::scope(|scope| {
            for t in 0..3u32 {
                let (history, register) = (history.clone(), &register);
                scope.spawn(move || {
                    for k in 0..3 {
                        let value = t * 10 + k;
                        history.call(&format!("T{t}"), Op::Write(value), || {
                            register.lock().unwrap().apply(&Op::Write(value))
                        });
                        history.call(&format!("T{t}"), Op::Read, || {
                            register.lock().unwrap().apply(&Op::Read)
                        });
                    }
                });
            }
        });
        let operations = history.operations();
        assert_eq!(operations.len(), 18);
        check(&Register(0), &operations).unwrap_or_else(|message| panic!("{message}"));
    }
}
