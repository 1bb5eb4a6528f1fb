//! The clock's own tests: virtual time, the clock-aware condition variable, and the system
//! clock's plain timed waits.
#![cfg(not(course_loom))]

use course_clock::{Clock, Condvar, Instant, VirtualClock};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(5);

/// A flag behind a mutex and the condition variable that announces it.
struct Flag {
    set: Mutex<bool>,
    cv: Condvar,
}

impl Flag {
    fn new(clock: &Clock) -> Arc<Self> {
        Arc::new(Flag {
            set: Mutex::new(false),
            cv: Condvar::new(clock),
        })
    }

    /// Waits for the flag until `deadline`; returns the flag and whether the wait timed out.
    fn wait_until(&self, deadline: Instant) -> (bool, bool) {
        let mut set = self.set.lock().unwrap();
        while !*set {
            let (guard, result) = self.cv.wait_until(&self.set, set, deadline).unwrap();
            set = guard;
            if result.timed_out() {
                return (*set, true);
            }
        }
        (true, false)
    }

    fn raise(&self) {
        *self.set.lock().unwrap() = true;
        self.cv.notify_one();
    }
}

#[test]
fn smoke_virtual_time_stands_still_until_advanced() {
    let virtual_clock = VirtualClock::new();
    let clock = virtual_clock.clock();
    assert_eq!(clock.now(), Instant::ZERO);
    virtual_clock.advance(Duration::from_millis(1500));
    assert_eq!(clock.now(), Instant::from_millis(1500));
    assert!(clock.is_virtual());
}

#[test]
fn timed_wait_times_out_exactly_at_its_deadline() {
    let virtual_clock = VirtualClock::new();
    let flag = Flag::new(&virtual_clock.clock());
    let waiter = {
        let (flag, clock) = (Arc::clone(&flag), virtual_clock.clock());
        thread::spawn(move || (flag.wait_until(Instant::from_secs(3)), clock.now()))
    };
    assert!(virtual_clock.wait_until_blocked_for(1, PATIENCE));
    assert_eq!(virtual_clock.next_deadline(), Some(Instant::from_secs(3)));
    // Advancing short of the deadline wakes nobody.
    virtual_clock.advance(Duration::from_secs(2));
    assert_eq!(virtual_clock.blocked(), 1);
    assert_eq!(
        virtual_clock.advance_to_next_deadline(),
        Some(Instant::from_secs(3))
    );
    assert_eq!(
        waiter.join().unwrap(),
        ((false, true), Instant::from_secs(3))
    );
}

#[test]
fn notify_wakes_a_timed_waiter_before_its_deadline() {
    let virtual_clock = VirtualClock::new();
    let flag = Flag::new(&virtual_clock.clock());
    let waiter = {
        let flag = Arc::clone(&flag);
        thread::spawn(move || flag.wait_until(Instant::from_secs(10)))
    };
    assert!(virtual_clock.wait_until_blocked_for(1, PATIENCE));
    flag.raise();
    assert_eq!(waiter.join().unwrap(), (true, false));
    assert_eq!(virtual_clock.now(), Instant::ZERO);
}

#[test]
fn a_passed_deadline_returns_at_once_still_holding_the_lock() {
    let virtual_clock = VirtualClock::new();
    virtual_clock.advance(Duration::from_secs(5));
    let flag = Flag::new(&virtual_clock.clock());
    assert_eq!(flag.wait_until(Instant::from_secs(4)), (false, true));
    assert_eq!(virtual_clock.stats().waits, 0);
}

#[test]
fn notify_one_wakes_exactly_one_waiter_the_longest_waiting() {
    let virtual_clock = VirtualClock::new();
    let clock = virtual_clock.clock();
    let state = Arc::new((Mutex::new(Vec::new()), Condvar::new(&clock)));
    let waiters: Vec<_> = (0..2)
        .map(|id| {
            let state = Arc::clone(&state);
            let handle = thread::spawn(move || {
                let (woken, cv) = &*state;
                let mut guard = woken.lock().unwrap();
                guard = cv.wait(woken, guard).unwrap();
                guard.push(id);
            });
            // Waiter 0 is blocked before waiter 1 starts: a known order of arrival.
            assert!(virtual_clock.wait_until_blocked_for(id + 1, PATIENCE));
            handle
        })
        .collect();
    state.1.notify_one();
    let mut waiters = waiters.into_iter();
    waiters.next().unwrap().join().unwrap();
    assert_eq!(*state.0.lock().unwrap(), [0]);
    assert_eq!(
        virtual_clock.blocked(),
        1,
        "notify_one woke more than one waiter"
    );
    state.1.notify_all();
    waiters.next().unwrap().join().unwrap();
    assert_eq!(*state.0.lock().unwrap(), [0, 1]);
}

#[test]
fn sleepers_wake_in_deadline_order_as_time_jumps() {
    let virtual_clock = VirtualClock::new();
    let mut sleepers: Vec<_> = [3, 1, 2]
        .into_iter()
        .map(|secs| {
            let clock = virtual_clock.clock();
            let handle = thread::spawn(move || {
                clock.sleep(Duration::from_secs(secs));
                clock.now()
            });
            (secs, handle)
        })
        .collect();
    sleepers.sort_by_key(|(secs, _)| *secs);
    for (left, (secs, sleeper)) in (1..=3).rev().zip(sleepers) {
        assert!(virtual_clock.wait_until_blocked_for(left, PATIENCE));
        assert_eq!(
            virtual_clock.advance_to_next_deadline(),
            Some(Instant::from_secs(secs))
        );
        // Only this sleeper was due: the others are still blocked.
        assert_eq!(sleeper.join().unwrap(), Instant::from_secs(secs));
        assert_eq!(virtual_clock.blocked(), left - 1);
    }
    assert_eq!(virtual_clock.advance_to_next_deadline(), None);
    assert_eq!(virtual_clock.stats().timed_out, 3);
}

#[test]
#[should_panic(expected = "not a guard of the mutex")]
fn waiting_with_another_mutexs_guard_panics() {
    let clock = VirtualClock::new().clock();
    let (a, b) = (Mutex::new(()), Mutex::new(()));
    let cv = Condvar::new(&clock);
    let guard = a.lock().unwrap();
    drop(cv.wait(&b, guard));
}

#[test]
#[should_panic(expected = "cannot go back in time")]
fn a_virtual_clock_never_goes_back() {
    let virtual_clock = VirtualClock::new();
    virtual_clock.advance(Duration::from_secs(2));
    virtual_clock.advance_to(Instant::from_secs(1));
}

#[test]
fn system_clock_waits_for_real_and_never_returns_early() {
    let clock = Clock::system();
    let flag = Flag::new(&clock);
    let deadline = clock.now() + Duration::from_millis(20);
    assert_eq!(flag.wait_until(deadline), (false, true));
    assert!(clock.now() >= deadline);

    let waiter = {
        let flag = Arc::clone(&flag);
        let deadline = clock.now() + PATIENCE;
        thread::spawn(move || flag.wait_until(deadline))
    };
    flag.raise();
    assert!(waiter.join().unwrap().0);
}
