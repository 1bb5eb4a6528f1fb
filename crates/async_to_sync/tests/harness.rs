//! What the cases, properties and traces share: a [`Scenario`] (a synchronous executor whose
//! waits go through a virtual clock, so the test can see that a caller is asleep), callers on
//! threads of their own, and callbacks that can be held at a gate.

use async_to_sync::{AsyncExecutor, ExecuteError, SyncExecutor};
use course_clock::{Condvar, VirtualClock};
use course_sync::Mutex;
use course_testkit::{Gate, Latch, Trace, join_patiently, patience};
use std::fmt;
use std::sync::{Arc, PoisonError};

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The caller is about to call `execute` with callback `call`.
    Called(String),
    /// Callback `call` started.
    CallbackStarted(String),
    /// Callback `call` is about to return.
    CallbackFinished(String),
    /// `execute` for callback `call` returned.
    Returned(String, Result<(), ExecuteError>),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Called(call) => write!(f, "execute({call}) called"),
            Event::CallbackStarted(call) => write!(f, "callback {call} started"),
            Event::CallbackFinished(call) => write!(f, "callback {call} finished"),
            Event::Returned(call, result) => write!(f, "execute({call}) returned {result:?}"),
        }
    }
}

/// A synchronous executor on a virtual clock, with a trace.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) executor: Arc<SyncExecutor>,
    pub(crate) trace: Trace<Event>,
    /// Where callers sleep after `execute` returned, until the end of the test: on the clock,
    /// so that "every caller is asleep" covers both a caller still waiting in `execute` and one
    /// that already returned.
    parking: Arc<Parking>,
}

struct Parking {
    released: Mutex<bool>,
    wake: Condvar,
}

impl Scenario {
    pub(crate) fn new() -> Self {
        let clock = VirtualClock::new();
        let executor = Arc::new(SyncExecutor::with_clock(
            AsyncExecutor::new(),
            clock.clock(),
        ));
        let trace = Trace::new();
        trace.name_thread("test");
        let parking = Arc::new(Parking {
            released: Mutex::new(false),
            wake: Condvar::new(&clock.clock()),
        });
        Scenario {
            clock,
            executor,
            trace,
            parking,
        }
    }

    /// The callback `call`: records that it started, counts `started` down, waits at `gate`
    /// (if any), records that it finished.
    pub(crate) fn callback(
        &self,
        call: &str,
        started: Arc<Latch>,
        gate: Option<Arc<Gate>>,
    ) -> impl FnOnce() + Send + 'static {
        let (trace, call) = (self.trace.clone(), call.to_owned());
        move || {
            trace.name_thread(format!("callback {call}"));
            trace.record(Event::CallbackStarted(call.clone()));
            started.count_down();
            if let Some(gate) = gate {
                gate.pass(&format!("the test to let callback {call} finish"));
            }
            trace.record(Event::CallbackFinished(call));
        }
    }

    /// Calls `execute` with callback `call` on this thread, recording the call and the return.
    pub(crate) fn execute_here(&self, call: &str) -> Result<(), ExecuteError> {
        self.trace.record(Event::Called(call.to_owned()));
        let started = Arc::new(Latch::new(1));
        let result = self.executor.execute(self.callback(call, started, None));
        self.trace.record(Event::Returned(call.to_owned(), result));
        result
    }

    /// Starts a thread named `caller` that calls `execute` with callback `call`, held at the
    /// returned gate until the test opens it; the thread then parks on the clock.
    pub(crate) fn spawn_held(&self, caller: &str, call: &str) -> Caller {
        let (gate, started) = (Arc::new(Gate::new()), Arc::new(Latch::new(1)));
        let callback = self.callback(call, Arc::clone(&started), Some(Arc::clone(&gate)));
        let (trace, executor, parking) = (
            self.trace.clone(),
            Arc::clone(&self.executor),
            Arc::clone(&self.parking),
        );
        let (caller_name, call_name) = (caller.to_owned(), call.to_owned());
        let returned = Arc::new(Latch::new(1));
        let handle = {
            let returned = Arc::clone(&returned);
            std::thread::spawn(move || {
                trace.name_thread(caller_name);
                trace.record(Event::Called(call_name.clone()));
                let result = executor.execute(callback);
                trace.record(Event::Returned(call_name, result));
                returned.count_down();
                let mut released = parking
                    .released
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                while !*released {
                    released = parking
                        .wake
                        .wait(&parking.released, released)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                result
            })
        };
        Caller {
            call: call.to_owned(),
            gate,
            started,
            returned,
            handle: Some(handle),
        }
    }

    /// Waits until `caller`'s callback has started (it is then held at its gate).
    pub(crate) fn wait_for_callback(&self, caller: &Caller) {
        if !caller.started.wait_patiently() {
            self.trace.fail(
                format!(
                    "callback {} did not start within {:?}: execute must hand the callback to \
                     the asynchronous executor",
                    caller.call,
                    patience()
                ),
                &[],
            );
        }
    }

    /// Waits until `threads` callers are asleep on the clock (in `execute`, or parked after it).
    pub(crate) fn settle(&self, threads: usize, what: &str) {
        if !self.clock.wait_until_blocked_for(threads, patience()) {
            self.trace.fail(
                format!(
                    "{what}: expected {threads} caller(s) asleep, but after {:?} only {} were. \
                     A caller must wait for its callback on a course_clock::Condvar (not spin, \
                     not std::thread::sleep)",
                    patience(),
                    self.clock.blocked()
                ),
                &[],
            );
        }
    }

    /// The sequence number of the first event matching `matches`.
    pub(crate) fn position(&self, matches: impl Fn(&Event) -> bool) -> Option<usize> {
        self.trace
            .events()
            .into_iter()
            .find(|event| matches(&event.what))
            .map(|event| event.seq)
    }

    /// Fails unless `caller`'s `execute` has not returned yet: its callback is still held.
    pub(crate) fn check_still_waiting(&self, caller: &Caller) {
        let returned =
            self.position(|e| matches!(e, Event::Returned(call, _) if *call == caller.call));
        if let Some(seq) = returned {
            let started = self
                .position(|e| *e == Event::CallbackStarted(caller.call.clone()))
                .into_iter();
            self.trace.fail(
                format!(
                    "execute({}) returned while its callback was still running (the test was \
                     holding it): execute must return only after its own callback finished",
                    caller.call
                ),
                &started.chain([seq]).collect::<Vec<_>>(),
            );
        }
    }

    /// Lets `caller`'s callback finish, waits for its `execute` to return, and checks that it
    /// returned after its callback finished.
    pub(crate) fn release(&self, caller: &Caller) {
        caller.gate.open();
        if !caller.returned.wait_patiently() {
            self.trace.fail(
                format!(
                    "execute({}) did not return within {:?} after its callback finished: the \
                     callback must wake its caller (set the flag under the lock, then notify)",
                    caller.call,
                    patience()
                ),
                &[],
            );
        }
        self.check_callback_before_return(&caller.call);
    }

    /// Checks that callback `call` finished before `execute(call)` returned.
    pub(crate) fn check_callback_before_return(&self, call: &str) {
        let finished = self.position(|e| *e == Event::CallbackFinished(call.to_owned()));
        let returned = self.position(|e| matches!(e, Event::Returned(c, _) if c == call));
        match (finished, returned) {
            (Some(finished), Some(returned)) if finished < returned => {}
            (_, Some(returned)) => self.trace.fail(
                format!(
                    "execute({call}) returned before its callback finished: execute must \
                     return only after its own callback ran"
                ),
                &[returned],
            ),
            (_, None) => self
                .trace
                .fail(format!("execute({call}) has not returned"), &[]),
        }
    }

    /// Lets every parked caller go and joins `callers`, returning their results.
    pub(crate) fn finish(&self, callers: Vec<Caller>) -> Vec<Result<(), ExecuteError>> {
        *self
            .parking
            .released
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.parking.wake.notify_all();
        callers
            .into_iter()
            .map(|mut caller| {
                caller.gate.open();
                let handle = caller.handle.take().expect("joined once");
                match join_patiently(handle) {
                    Some(Ok(result)) => result,
                    Some(Err(_)) => self
                        .trace
                        .fail(format!("the caller of {} panicked", caller.call), &[]),
                    None => self.trace.fail(
                        format!("the caller of {} never returned from execute", caller.call),
                        &[],
                    ),
                }
            })
            .collect()
    }
}

/// A caller thread started by [`Scenario::spawn_held`].
pub(crate) struct Caller {
    call: String,
    gate: Arc<Gate>,
    started: Arc<Latch>,
    returned: Arc<Latch>,
    handle: Option<std::thread::JoinHandle<Result<(), ExecuteError>>>,
}

impl Drop for Caller {
    fn drop(&mut self) {
        // A failed test may leave the callback held: let it go, so its thread can end.
        self.gate.open();
    }
}
