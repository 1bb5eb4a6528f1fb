//! What the cases, properties and traces share: a [`Scenario`] is one lock on a virtual clock
//! (so the test can see who is asleep in it) and a trace of who arrived, entered and left.
//! Actors are threads that take the lock and stay inside until the test lets them leave.

use course_clock::VirtualClock;
use course_testkit::{Gate, Latch, Trace, join_patiently, patience};
use rw_lock::RwLock;
use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Readers share the lock; a writer holds it alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Reader,
    Writer,
}

/// What an actor did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// About to call `read` or `write`.
    Arrives,
    /// Holds its guard (recorded while holding it).
    In,
    /// About to drop its guard (recorded while still holding it).
    Out,
}

/// One trace event: `reader R1 in`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) who: String,
    pub(crate) role: Role,
    pub(crate) step: Step,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = match self.role {
            Role::Reader => "reader",
            Role::Writer => "writer",
        };
        let step = match self.step {
            Step::Arrives => "arrives",
            Step::In => "in",
            Step::Out => "out",
        };
        write!(f, "{role} {} {step}", self.who)
    }
}

/// A lock around a counter on a fresh virtual clock, and the trace of everyone who used it.
pub(crate) struct Scenario {
    pub(crate) clock: VirtualClock,
    pub(crate) lock: Arc<RwLock<u64>>,
    pub(crate) trace: Trace<Event>,
}

/// A thread that takes the lock, records that it is in, and leaves when [`leave`](Self::leave)
/// is called.
pub(crate) struct Actor {
    pub(crate) name: String,
    entered: Arc<Latch>,
    gate: Arc<Gate>,
    handle: Option<JoinHandle<()>>,
}

impl Scenario {
    pub(crate) fn new() -> Self {
        let clock = VirtualClock::new();
        let lock = Arc::new(RwLock::with_clock(0, &clock.clock()));
        Scenario {
            clock,
            lock,
            trace: Trace::new(),
        }
    }

    /// Starts an actor: it records that it arrives, takes the lock as `role` (a writer adds one
    /// to the counter), records that it is in, and stays in until told to leave.
    pub(crate) fn spawn(&self, name: &str, role: Role) -> Actor {
        let entered = Arc::new(Latch::new(1));
        let gate = Arc::new(Gate::new());
        let handle = {
            let (lock, trace) = (Arc::clone(&self.lock), self.trace.clone());
            let (entered, gate, who) = (Arc::clone(&entered), Arc::clone(&gate), name.to_owned());
            std::thread::spawn(move || {
                trace.name_thread(who.clone());
                let event = |step| Event {
                    who: who.clone(),
                    role,
                    step,
                };
                trace.record(event(Step::Arrives));
                match role {
                    Role::Reader => {
                        let guard = lock.read();
                        trace.record(event(Step::In));
                        entered.count_down();
                        gate.hold();
                        let _ = *guard;
                        trace.record(event(Step::Out));
                    }
                    Role::Writer => {
                        let mut guard = lock.write();
                        trace.record(event(Step::In));
                        entered.count_down();
                        gate.hold();
                        *guard += 1;
                        trace.record(event(Step::Out));
                    }
                }
            })
        };
        Actor {
            name: name.to_owned(),
            entered,
            gate,
            handle: Some(handle),
        }
    }

    /// `message`, followed by the part of the trace around the events `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// The sequence number of `who`'s `step`, if it happened.
    pub(crate) fn seq_of(&self, who: &str, step: Step) -> Option<usize> {
        self.trace
            .events()
            .into_iter()
            .find(|event| event.what.who == who && event.what.step == step)
            .map(|event| event.seq)
    }

    /// Waits until `threads` threads are asleep in the lock. `what` says who should be, and why.
    pub(crate) fn wait_asleep(
        &self,
        threads: usize,
        actor: &Actor,
        why: &str,
    ) -> Result<(), String> {
        // Whichever comes first: the thread asleep in the lock, or the thread inside. Looking in
        // short slices only decides how soon a wrong lock is reported, never the verdict.
        let give_up = std::time::Instant::now() + patience();
        while std::time::Instant::now() < give_up {
            if self
                .clock
                .wait_until_blocked_for(threads, Duration::from_millis(5))
            {
                return Ok(());
            }
            if let Some(seq) = self.seq_of(&actor.name, Step::In) {
                return Err(self.failure(format!("{} got in, but {why}", actor.name), &[seq]));
            }
        }
        Err(self.failure(
            format!(
                "{} neither got in nor went to sleep in the lock within {:?} ({why}): does it \
                 spin, or wait outside the Condvar made from the lock's clock?",
                actor.name,
                patience()
            ),
            &[],
        ))
    }

    /// Checks the whole trace: never a writer with anyone else inside.
    pub(crate) fn check_exclusion(&self) -> Result<(), String> {
        let events = self.trace.events();
        let mut inside: Vec<(String, Role, usize)> = Vec::new();
        for event in &events {
            let e = &event.what;
            match e.step {
                Step::Arrives => {}
                Step::In => {
                    let clash = inside
                        .iter()
                        .find(|(_, role, _)| e.role == Role::Writer || *role == Role::Writer);
                    if let Some((other, _, since)) = clash {
                        return Err(self.failure(
                            format!(
                                "{} entered while {other} was inside: a writer must hold the \
                                 lock alone, with no reader and no other writer",
                                e.who
                            ),
                            &[*since, event.seq],
                        ));
                    }
                    inside.push((e.who.clone(), e.role, event.seq));
                }
                Step::Out => inside.retain(|(who, _, _)| *who != e.who),
            }
        }
        Ok(())
    }
}

impl Actor {
    /// Waits until the actor holds the lock; `why` says why it should by now.
    pub(crate) fn wait_in(&self, s: &Scenario, why: &str) -> Result<(), String> {
        if self.entered.wait_patiently() {
            return Ok(());
        }
        Err(s.failure(
            format!(
                "{} did not get in within {:?}, but {why} (deadlock or lost wakeup suspected)",
                self.name,
                patience()
            ),
            &[],
        ))
    }

    /// Lets the actor leave, and waits until its thread has ended.
    pub(crate) fn leave(mut self, s: &Scenario) -> Result<(), String> {
        self.gate.open();
        let handle = self.handle.take().expect("an actor leaves once");
        match join_patiently(handle) {
            Some(Ok(())) => Ok(()),
            Some(Err(_)) => Err(s.failure(format!("{}'s thread panicked", self.name), &[])),
            None => Err(s.failure(
                format!(
                    "{} did not finish within {:?} of being let out (deadlock or lost wakeup \
                     suspected)",
                    self.name,
                    patience()
                ),
                &[],
            )),
        }
    }
}

impl Drop for Actor {
    fn drop(&mut self) {
        // A failed test drops its actors without joining them: open their gates so they do not
        // wait for the test's whole patience.
        self.gate.open();
    }
}

pub(crate) use course_testkit::OrFail;
