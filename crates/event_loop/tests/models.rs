//! Graded loom models: every interleaving of a waker called on another thread with the loop
//! deciding to park. Built only with `RUSTFLAGS="--cfg course_loom"`. A lost wake-up leaves the
//! loop parked for ever with every other thread finished, which loom reports as a deadlock.
//!
//! Each model is the smallest that can lose the wake-up: one other thread, one wake. The loop
//! polls its future (which leaves its waker in a shared slot), finds nothing ready, and parks;
//! the other thread sets the flag and calls the waker at any point of that.

use course_clock::VirtualClock;
use course_sync::{Arc, Mutex, model, thread};
use event_loop::EventLoop;
use std::future::{Future, poll_fn};
use std::task::{Poll, Waker};
use std::time::Duration;

/// A flag another thread sets, and the waker of the future waiting for it.
#[derive(Default)]
struct Signal {
    state: Mutex<(bool, Option<Waker>)>,
}

/// Ready once `signal` is set; leaves its waker in `signal` otherwise.
fn wait(signal: &Arc<Signal>) -> impl Future<Output = ()> + use<> {
    let signal = Arc::clone(signal);
    poll_fn(move |cx| {
        let mut state = signal.state.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    })
}

/// Sets `signal` and calls the waker left in it, if any, from the calling thread.
fn fire(signal: &Signal) {
    let waker = {
        let mut state = signal.state.lock().unwrap();
        state.0 = true;
        state.1.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Another thread that fires `signal`.
fn other_thread(signal: &Arc<Signal>) -> thread::JoinHandle<()> {
    let signal = Arc::clone(signal);
    thread::spawn(move || fire(&signal))
}

#[test]
fn a_wake_from_another_thread_racing_the_loops_park_is_never_lost() {
    model(|| {
        let clock = VirtualClock::new();
        let event_loop = EventLoop::with_clock(clock.clock());
        let signal = Arc::new(Signal::default());
        let other = other_thread(&signal);
        // Deadlock here (in some interleaving) = the loop parked after the wake-up was lost.
        event_loop.block_on(wait(&signal));
        other.join().unwrap();
    });
}

#[test]
fn a_wake_of_a_spawned_task_from_another_thread_is_never_lost() {
    model(|| {
        let clock = VirtualClock::new();
        let event_loop = EventLoop::with_clock(clock.clock());
        let handle = event_loop.handle();
        let signal = Arc::new(Signal::default());
        let other = other_thread(&signal);
        let task = handle.spawn(wait(&signal));
        event_loop
            .block_on(task)
            .expect("the task waiting for the other thread does not panic");
        other.join().unwrap();
    });
}

#[test]
fn a_wake_from_another_thread_racing_a_park_until_a_timer_is_never_lost() {
    model(|| {
        let clock = VirtualClock::new();
        let event_loop = EventLoop::with_clock(clock.clock());
        let handle = event_loop.handle();
        // A timer far away: the loop parks until it, and nobody moves virtual time, so only the
        // other thread's wake-up can end the park.
        let sleeper = handle.sleep(Duration::from_secs(100));
        drop(handle.spawn(sleeper));
        let signal = Arc::new(Signal::default());
        let other = other_thread(&signal);
        event_loop.block_on(wait(&signal));
        other.join().unwrap();
    });
}
