//! Graded loom models: every interleaving of an owner that locks twice with another thread
//! that locks or tries to. Built only with `RUSTFLAGS="--cfg course_loom"`; a lock that frees
//! itself early shows as two threads inside at once, one that deadlocks or loses a wake-up as
//! loom's deadlock report.

use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};
use reentrant_lock::ReentrantLock;

/// How many threads are inside the critical section: the value the lock protects is a counter
/// of its occupants, checked by whoever enters.
type Room = ReentrantLock<AtomicUsize>;

/// Enters the room through `lock`'s guard, checking nobody else is in.
fn enter(room: &AtomicUsize, who: &str) {
    // SeqCst: the check is about the order loom chose, not about publishing data.
    let inside = room.fetch_add(1, Ordering::SeqCst);
    assert_eq!(
        inside, 0,
        "{who} got the lock while another thread was inside: mutual exclusion broken"
    );
}

fn leave(room: &AtomicUsize) {
    room.fetch_sub(1, Ordering::SeqCst);
}

#[test]
fn an_owner_locking_twice_and_another_thread_are_never_inside_together() {
    model(|| {
        let lock = Arc::new(Room::new(AtomicUsize::new(0)));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let guard = lock.lock();
                enter(&guard, "the other thread");
                leave(&guard);
            })
        };
        let outer = lock.lock();
        {
            let inner = lock.lock();
            enter(&inner, "the owner");
        }
        // The inner guard is gone, the outer one is not: the owner is still inside.
        thread::yield_now();
        assert_eq!(
            outer.load(Ordering::SeqCst),
            1,
            "the owner dropped its inner guard and another thread got in while the outer \
             guard was alive: the lock is free only once every guard is gone"
        );
        leave(&outer);
        drop(outer);
        other.join().unwrap();
    });
}

#[test]
fn try_lock_from_another_thread_never_enters_while_the_owner_is_inside() {
    model(|| {
        let lock = Arc::new(Room::new(AtomicUsize::new(0)));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                if let Some(guard) = lock.try_lock() {
                    enter(&guard, "the other thread's try_lock()");
                    leave(&guard);
                }
            })
        };
        let outer = lock.lock();
        let inner = lock.try_lock().expect(
            "the owner's try_lock() returned None while it held the lock: the owner must get \
             it again at once",
        );
        enter(&inner, "the owner");
        drop(inner);
        leave(&outer);
        drop(outer);
        other.join().unwrap();
    });
}
