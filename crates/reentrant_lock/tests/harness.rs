//! What the cases and traces share: an [`Actor`] is a thread of its own that locks, re-locks,
//! tries and unlocks one shared [`ReentrantLock`] on the test's command, records each step in a
//! trace, and answers within [`patience`]. The test thread never takes the lock itself, so a
//! lock that deadlocks (a plain mutex locked twice by its owner) fails the test with a sentence
//! instead of hanging it.

use course_testkit::{Trace, patience};
use reentrant_lock::{ReentrantLock, ReentrantLockGuard};
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;

/// The value the lock protects in every test: a `Cell`, which is `Send` but not `Sync`, so a
/// lock that hands it to one thread at a time is what makes sharing it sound.
pub(crate) type Shared = Arc<ReentrantLock<Cell<u32>>>;

/// What the trace records. `depth` counts the guards the thread holds (after locking, before
/// unlocking).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// About to call `lock()`.
    Calls,
    /// `lock()` returned: the thread now holds `depth` guards.
    Locked { depth: usize },
    /// `try_lock()` returned a guard: the thread now holds `depth` guards.
    TryLocked { depth: usize },
    /// `try_lock()` returned `None`.
    Refused,
    /// About to drop its guard number `depth` (its innermost).
    Unlocking { depth: usize },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Calls => write!(f, "calls lock()"),
            Event::Locked { depth } => write!(f, "locked (holds {depth})"),
            Event::TryLocked { depth } => write!(f, "try_lock() got it (holds {depth})"),
            Event::Refused => write!(f, "try_lock() refused"),
            Event::Unlocking { depth } => write!(f, "drops guard {depth}"),
        }
    }
}

/// What the test asks an actor to do.
enum Command {
    /// Lock (again), then answer.
    Lock,
    /// Answer at once, then lock (again), then answer a second time.
    LockInBackground,
    /// Try to lock; answer whether it got a guard.
    TryLock,
    /// Drop the innermost guard, then answer.
    Unlock,
}

/// A thread that holds guards of one lock and acts on the test's commands.
pub(crate) struct Actor {
    name: String,
    trace: Trace<Event>,
    commands: Option<Sender<Command>>,
    replies: Receiver<bool>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Actor {
    /// A thread named `name` in `trace`, working on `lock`.
    pub(crate) fn spawn(name: &str, lock: &Shared, trace: &Trace<Event>) -> Actor {
        let (commands, inbox) = mpsc::channel::<Command>();
        let (outbox, replies) = mpsc::channel();
        let (lock, their_trace, their_name) = (Arc::clone(lock), trace.clone(), name.to_owned());
        let handle = thread::spawn(move || {
            their_trace.name_thread(their_name);
            act(&lock, &their_trace, &inbox, &outbox);
        });
        Actor {
            name: name.to_owned(),
            trace: trace.clone(),
            commands: Some(commands),
            replies,
            handle: Some(handle),
        }
    }

    fn send(&self, command: Command) {
        // The actor may have died (a panic in the code under test): `reply` says so.
        let _ = self.commands.as_ref().expect("actor stopped").send(command);
    }

    /// Waits for the actor's answer to what it was asked to `doing`.
    fn reply(&self, doing: &str) -> Result<bool, String> {
        match self.replies.recv_timeout(patience()) {
            Ok(answer) => Ok(answer),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "{} {doing} and was still at it after {:?}: deadlock suspected\ntrace:\n{}",
                self.name,
                patience(),
                self.trace.excerpt(&[])
            )),
            Err(RecvTimeoutError::Disconnected) => Err(format!(
                "{} panicked while it {doing} (its panic message is printed above)\ntrace:\n{}",
                self.name,
                self.trace.excerpt(&[])
            )),
        }
    }

    /// Locks (again) and waits for `lock()` to return.
    pub(crate) fn lock(&self) -> Result<(), String> {
        self.send(Command::Lock);
        self.reply("called lock()").map(drop)
    }

    /// Starts a `lock()` that may block: returns once the actor has recorded that it calls
    /// `lock()`. [`finish_lock`](Self::finish_lock) waits for it to return.
    pub(crate) fn start_lock(&self) -> Result<(), String> {
        self.send(Command::LockInBackground);
        self.reply("was about to call lock()").map(drop)
    }

    /// Waits for the `lock()` started by [`start_lock`](Self::start_lock) to return.
    pub(crate) fn finish_lock(&self) -> Result<(), String> {
        self.reply("called lock()").map(drop)
    }

    /// Calls `try_lock()`; true if it got a guard (which the actor keeps).
    pub(crate) fn try_lock(&self) -> Result<bool, String> {
        self.send(Command::TryLock);
        self.reply("called try_lock()")
    }

    /// Drops the actor's innermost guard.
    pub(crate) fn unlock(&self) -> Result<(), String> {
        self.send(Command::Unlock);
        self.reply("dropped a guard").map(drop)
    }
}

impl Drop for Actor {
    fn drop(&mut self) {
        // Closing the command channel ends the actor, which drops the guards it still holds.
        // Join it only if it is not stuck, which would hang the test.
        self.commands = None;
        if let Some(handle) = self.handle.take()
            && handle.is_finished()
        {
            let _ = handle.join();
        }
    }
}

/// The actor's loop: obey commands until the test drops the actor.
fn act(lock: &Shared, trace: &Trace<Event>, inbox: &Receiver<Command>, outbox: &Sender<bool>) {
    let mut guards: Vec<ReentrantLockGuard<'_, Cell<u32>>> = Vec::new();
    for command in inbox {
        let answer = match command {
            Command::Lock | Command::LockInBackground => {
                trace.record(Event::Calls);
                if matches!(command, Command::LockInBackground) {
                    let _ = outbox.send(true);
                }
                guards.push(lock.lock());
                trace.record(Event::Locked {
                    depth: guards.len(),
                });
                true
            }
            Command::TryLock => match lock.try_lock() {
                Some(guard) => {
                    guards.push(guard);
                    trace.record(Event::TryLocked {
                        depth: guards.len(),
                    });
                    true
                }
                None => {
                    trace.record(Event::Refused);
                    false
                }
            },
            Command::Unlock => {
                trace.record(Event::Unlocking {
                    depth: guards.len(),
                });
                drop(
                    guards
                        .pop()
                        .expect("the test unlocked an actor holding no guard"),
                );
                true
            }
        };
        if outbox.send(answer).is_err() {
            break;
        }
    }
}

/// A fresh lock holding 0, and a trace in which the test thread is named.
pub(crate) fn setup() -> (Shared, Trace<Event>) {
    let trace = Trace::new();
    trace.name_thread("test");
    (Arc::new(ReentrantLock::new(Cell::new(0))), trace)
}

pub(crate) use course_testkit::OrFail;
