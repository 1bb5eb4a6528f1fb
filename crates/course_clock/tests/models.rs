//! Loom models of the clock-aware condition variable: no wakeup is lost between a notify, a
//! clock advance and a wait, in any interleaving. Built only with `--cfg course_loom`.
#![cfg(course_loom)]

use course_clock::{Condvar, Instant, VirtualClock};
use course_sync::{Arc, Mutex, thread};

/// A waiter checks a flag under the lock and waits for it; a notifier sets it and notifies.
/// However the two interleave, the waiter ends (loom reports a deadlock otherwise).
#[test]
fn notify_racing_an_untimed_wait_is_never_lost() {
    course_sync::model(|| {
        let clock = VirtualClock::new().clock();
        let state = Arc::new((Mutex::new(false), Condvar::new(&clock)));
        let notifier = {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                *state.0.lock().unwrap() = true;
                state.1.notify_one();
            })
        };
        let (flag, cv) = &*state;
        let mut set = flag.lock().unwrap();
        while !*set {
            set = cv.wait(flag, set).unwrap();
        }
        drop(set);
        notifier.join().unwrap();
    });
}

/// A timed waiter and a clock advance to its deadline, racing: the waiter always wakes, and
/// reports a timeout exactly when its deadline passed.
#[test]
fn advance_racing_a_timed_wait_is_never_lost() {
    course_sync::model(|| {
        let virtual_clock = VirtualClock::new();
        let clock = virtual_clock.clock();
        let state = Arc::new((Mutex::new(()), Condvar::new(&clock)));
        let waiter = {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                let (lock, cv) = &*state;
                let guard = lock.lock().unwrap();
                let (_guard, result) = cv.wait_until(lock, guard, Instant::from_secs(1)).unwrap();
                result.timed_out()
            })
        };
        virtual_clock.advance_to(Instant::from_secs(1));
        assert!(
            waiter.join().unwrap(),
            "woke before its deadline without a notify"
        );
    });
}

/// A notify and an advance racing the same timed wait: the waiter wakes exactly once, and the
/// test thread that waits for it to block sees it blocked before either wakes it.
#[test]
fn notify_and_advance_together_wake_a_timed_waiter_once() {
    course_sync::model(|| {
        let virtual_clock = VirtualClock::new();
        let clock = virtual_clock.clock();
        let state = Arc::new((Mutex::new(false), Condvar::new(&clock)));
        let waiter = {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                let (flag, cv) = &*state;
                let mut set = flag.lock().unwrap();
                while !*set {
                    let (guard, result) = cv.wait_until(flag, set, Instant::from_secs(1)).unwrap();
                    set = guard;
                    if result.timed_out() {
                        break;
                    }
                }
            })
        };
        virtual_clock.wait_until_blocked(1);
        let notifier = {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                *state.0.lock().unwrap() = true;
                state.1.notify_all();
            })
        };
        virtual_clock.advance_to(Instant::from_secs(1));
        notifier.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(virtual_clock.blocked(), 0);
    });
}
