//! Graded loom models: every interleaving of two threads incrementing the same counter twice
//! each. Built only with `RUSTFLAGS="--cfg course_loom"`; a lost update shows as a final count
//! below 4, or as two increments that returned the same value.

use crate::kinds::{Counter, Kind};
use course_sync::{Arc, model, thread};

/// Two threads, two increments each, on a fresh counter of `kind`: in every interleaving the
/// count ends at 4 and the four increments returned 1, 2, 3 and 4.
fn two_threads_two_increments(kind: Kind) {
    model(move || {
        let counter: Arc<Box<dyn Counter>> = Arc::new(kind.make());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || [counter.increment(), counter.increment()])
            })
            .collect();
        let mut returned: Vec<u64> = threads
            .into_iter()
            .flat_map(|thread| thread.join().expect("an incrementing thread panicked"))
            .collect();
        let count = counter.get();
        returned.sort_unstable();
        assert_eq!(
            count, 4,
            "{kind}: two threads incremented twice each, but the count is {count} (the \
             increments returned {returned:?}): in this interleaving an increment was lost, \
             because one thread read the count and the other wrote it before the first wrote \
             back. The read, the add and the write must be one indivisible step"
        );
        assert_eq!(
            returned,
            [1, 2, 3, 4],
            "{kind}: the four increments must return 1, 2, 3 and 4, each once"
        );
    });
}

#[test]
fn mutex_counter_loses_no_update_in_any_interleaving() {
    two_threads_two_increments(Kind::Mutex);
}

#[test]
fn atomic_counter_loses_no_update_in_any_interleaving() {
    two_threads_two_increments(Kind::Atomic);
}
