//! Graded loom models: every interleaving of a few readers and writers. Built only with
//! `RUSTFLAGS="--cfg course_loom"`. The threads count themselves in and out with atomics, so
//! a writer that overlaps anyone fails an assertion, and loom reports a thread that never
//! wakes as a deadlock.

use course_clock::VirtualClock;
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};
use rw_lock::RwLock;

/// Who is inside, counted by the model itself (SeqCst: one order for all of them).
#[derive(Default)]
struct Inside {
    readers: AtomicUsize,
    writers: AtomicUsize,
}

fn read(lock: &RwLock<u64>, inside: &Inside) -> u64 {
    let guard = lock.read();
    inside.readers.fetch_add(1, Ordering::SeqCst);
    assert_eq!(
        inside.writers.load(Ordering::SeqCst),
        0,
        "a reader got in while a writer was inside"
    );
    let value = *guard;
    inside.readers.fetch_sub(1, Ordering::SeqCst);
    value
}

fn write(lock: &RwLock<u64>, inside: &Inside) {
    let mut guard = lock.write();
    assert_eq!(
        inside.writers.fetch_add(1, Ordering::SeqCst),
        0,
        "two writers were inside at once"
    );
    assert_eq!(
        inside.readers.load(Ordering::SeqCst),
        0,
        "a writer got in while a reader was inside"
    );
    *guard += 1;
    inside.writers.fetch_sub(1, Ordering::SeqCst);
}

#[test]
fn a_reader_and_a_writer_never_overlap_and_both_finish() {
    model(|| {
        let clock = VirtualClock::new();
        let lock = Arc::new(RwLock::with_clock(0, &clock.clock()));
        let inside = Arc::new(Inside::default());
        let writer = {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            thread::spawn(move || write(&lock, &inside))
        };
        let seen = read(&lock, &inside);
        assert!(seen <= 1);
        writer.join().unwrap();
        assert_eq!(read(&lock, &inside), 1, "the write was lost");
    });
}

#[test]
fn two_writers_and_a_reader_never_overlap_and_all_finish() {
    model(|| {
        let clock = VirtualClock::new();
        let lock = Arc::new(RwLock::with_clock(0, &clock.clock()));
        let inside = Arc::new(Inside::default());
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
                thread::spawn(move || write(&lock, &inside))
            })
            .collect();
        read(&lock, &inside);
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(*lock.read(), 2, "a write was lost");
    });
}
