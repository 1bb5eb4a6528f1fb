//! Graded loom models: every interleaving of a few threads taking and returning permits. Built
//! only with `RUSTFLAGS="--cfg course_loom"`; a lost wakeup shows as a deadlock loom reports,
//! too many holders as a failed assertion.

use course_clock::VirtualClock;
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};
use semaphore::Semaphore;

#[test]
fn three_threads_sharing_two_permits_twice_never_exceed_two_holders_and_all_finish() {
    model(|| {
        let clock = VirtualClock::new();
        let semaphore = Arc::new(Semaphore::with_clock(2, clock.clock()));
        let holders = Arc::new(AtomicUsize::new(0));
        let work = {
            let (semaphore, holders) = (Arc::clone(&semaphore), Arc::clone(&holders));
            move || {
                // Twice: a thread that gives its permit back and asks again at once competes
                // with the waiter it just woke.
                for _ in 0..2 {
                    let permit = semaphore.acquire();
                    let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
                    assert!(
                        now <= 2,
                        "{now} threads held a permit at once, but the semaphore has 2: never \
                         more holders than permits"
                    );
                    holders.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                }
            }
        };
        let others: Vec<_> = (0..2)
            .map(|_| {
                let work = work.clone();
                thread::spawn(work)
            })
            .collect();
        work();
        for other in others {
            other.join().expect("a thread panicked");
        }
        assert_eq!(
            semaphore.available_permits(),
            2,
            "every permit was given back, so both must be free"
        );
    });
}

#[test]
fn a_permit_returned_while_another_thread_goes_to_sleep_wakes_it() {
    model(|| {
        let clock = VirtualClock::new();
        let semaphore = Arc::new(Semaphore::with_clock(1, clock.clock()));
        let held = semaphore.acquire();
        let waiter = {
            let semaphore = Arc::clone(&semaphore);
            // It may find the permit held and sleep, or find it back already: either way it
            // must get it (loom reports a deadlock if it sleeps forever).
            thread::spawn(move || drop(semaphore.acquire()))
        };
        drop(held);
        waiter.join().expect("the waiter panicked");
        assert_eq!(semaphore.available_permits(), 1);
    });
}
