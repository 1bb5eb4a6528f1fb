//! The line protocol between a pool and its worker processes (course code: every
//! implementation, the worker program and the graded suite share it).
//!
//! One line per message, on the worker's stdin (parent to worker) and stdout (worker to
//! parent). The worker answers every line it gets, in order, before it reads the next one:
//!
//! | parent sends     | worker answers                   | meaning                                       |
//! |------------------|----------------------------------|-----------------------------------------------|
//! | `init A B ...`   | `ready PID`                      | run the initializer with arguments `A B ...`  |
//! | `square N`       | `ok PID INITS V`                 | `V` is N² (wrapping)                          |
//! | `spin N`         | `ok PID INITS V`                 | busy work, no sleeping: `V` is [`spin`]`(N)`  |
//! | `recall I`       | `ok PID INITS V`, or `err ...`   | `V` is the initializer's argument number `I`  |
//! | `meet PATH TAG`  | `ok PID INITS TAG`, or `err ...` | a rendezvous (below)                          |
//! | `crash`          | nothing: it exits with status 70 | it dies in the middle of the task             |
//! | `stop`           | `bye PID`, then it exits 0       | the worker is retired                         |
//!
//! `PID` is the worker's process id and `INITS` how many times this worker process has run the
//! initializer so far: 1 in every answer when the pool has an initializer, 0 when it has none.
//! A failed task answers `err PID INITS MESSAGE...` and the worker lives on. Anything that is
//! not a line of this protocol ends the worker with status 2; a stdin closed before `stop`
//! ends it with status 3.
//!
//! `meet PATH TAG` is how the graded suite holds a task in the middle of its run: the worker
//! connects to the Unix socket `PATH`, sends `TAG PID`, and waits for the test to answer `go`
//! (or to hang up, and the task fails). So a test knows which tasks are running at a given
//! moment, and decides when each may finish, without ever sleeping.
//!
//! `crash` stands for a segmentation fault in native code, an out-of-memory kill, an `abort`:
//! the process is gone, with no answer and no chance to clean up.

use std::fmt;
use std::path::PathBuf;

/// The status a worker exits with when it runs [`Task::Crash`].
pub const CRASH_STATUS: i32 = 70;

/// The line that retires a worker: it answers `bye PID` and exits with status 0.
pub const STOP: &str = "stop";

/// A task, as the worker program knows it: Python's `func` and `args` in one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Square the number.
    Square(u64),
    /// Busy work: [`spin`] rounds of arithmetic, no sleeping.
    Spin(u64),
    /// Answer the initializer's argument with this index (a task error if there is none).
    Recall(usize),
    /// Meet the test at the Unix socket `socket`, say `tag`, and wait until the test says
    /// `go`; the value is `tag`.
    Meet {
        /// The socket the test listens on.
        socket: PathBuf,
        /// Which task this is, for the test.
        tag: u64,
    },
    /// Die in the middle of the task: exit with [`CRASH_STATUS`], no answer.
    Crash,
}

impl Task {
    /// The line that asks a worker to run this task (without the newline).
    ///
    /// # Panics
    ///
    /// If a [`Task::Meet`] socket path is not UTF-8 or holds whitespace: a line protocol
    /// cannot carry it.
    pub fn line(&self) -> String {
        match self {
            Task::Square(n) => format!("square {n}"),
            Task::Spin(n) => format!("spin {n}"),
            Task::Recall(index) => format!("recall {index}"),
            Task::Meet { socket, tag } => {
                let path = socket
                    .to_str()
                    .filter(|path| !path.is_empty() && !path.contains(char::is_whitespace))
                    .unwrap_or_else(|| {
                        panic!("a meet socket path must be UTF-8 without whitespace: {socket:?}")
                    });
                format!("meet {path} {tag}")
            }
            Task::Crash => "crash".to_owned(),
        }
    }

    /// The task a line asks for (the worker's side of [`Task::line`]).
    pub fn parse(line: &str) -> Result<Task, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |text: &str| {
            text.parse::<u64>()
                .map_err(|_| format!("{text:?} is not a number in {line:?}"))
        };
        match words.as_slice() {
            ["square", n] => Ok(Task::Square(number(n)?)),
            ["spin", n] => Ok(Task::Spin(number(n)?)),
            ["recall", index] => {
                Ok(Task::Recall(index.parse().map_err(|_| {
                    format!("{index:?} is not an index in {line:?}")
                })?))
            }
            ["meet", path, tag] => Ok(Task::Meet {
                socket: PathBuf::from(path),
                tag: number(tag)?,
            }),
            ["crash"] => Ok(Task::Crash),
            _ => Err(format!("not a task: {line:?}")),
        }
    }
}

impl fmt::Display for Task {
    /// Short, for messages: `square 5`, `meet 2` (without the socket path).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Task::Meet { tag, .. } => write!(f, "meet {tag}"),
            other => f.write_str(&other.line()),
        }
    }
}

/// The line that runs the initializer with `args` (Python's `initargs`) in a fresh worker.
pub fn init_line(args: &[u64]) -> String {
    let mut line = String::from("init");
    for arg in args {
        line.push(' ');
        line.push_str(&arg.to_string());
    }
    line
}

/// What a worker answered for a task that succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The process id of the worker that ran the task.
    pub pid: u32,
    /// How many times that worker had run the initializer when it ran the task.
    pub inits: u32,
    /// The task's result.
    pub value: u64,
}

/// A line a worker sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `ready PID`: the initializer ran.
    Ready {
        /// The worker's process id.
        pid: u32,
    },
    /// `ok PID INITS VALUE`: the task succeeded.
    Done(Answer),
    /// `err PID INITS MESSAGE...`: the task failed; the worker lives on.
    Failed {
        /// The worker's process id.
        pid: u32,
        /// How many times it had run the initializer.
        inits: u32,
        /// Why the task failed.
        message: String,
    },
    /// `bye PID`: the worker was stopped and exits now.
    Bye {
        /// The worker's process id.
        pid: u32,
    },
}

impl Reply {
    /// The line for this reply (without the newline).
    pub fn line(&self) -> String {
        match self {
            Reply::Ready { pid } => format!("ready {pid}"),
            Reply::Done(Answer { pid, inits, value }) => format!("ok {pid} {inits} {value}"),
            Reply::Failed {
                pid,
                inits,
                message,
            } => format!("err {pid} {inits} {}", message.replace('\n', " ")),
            Reply::Bye { pid } => format!("bye {pid}"),
        }
    }

    /// The reply a line says (the parent's side of [`Reply::line`]; surrounding whitespace,
    /// such as the newline, is ignored).
    pub fn parse(line: &str) -> Result<Reply, String> {
        let bad = || format!("not a reply of the protocol: {line:?}");
        let mut words = line.split_whitespace();
        let kind = words.next().ok_or_else(bad)?;
        let pid: u32 = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
        match kind {
            "ready" | "bye" if words.next().is_none() => Ok(if kind == "ready" {
                Reply::Ready { pid }
            } else {
                Reply::Bye { pid }
            }),
            "ok" => {
                let inits = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
                let value = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
                if words.next().is_some() {
                    return Err(bad());
                }
                Ok(Reply::Done(Answer { pid, inits, value }))
            }
            "err" => {
                let inits = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
                Ok(Reply::Failed {
                    pid,
                    inits,
                    message: words.collect::<Vec<_>>().join(" "),
                })
            }
            _ => Err(bad()),
        }
    }
}

/// The busy work of [`Task::Spin`]: `rounds` steps of a xorshift generator, so a task can
/// keep a worker's CPU busy for as long as a test wants without sleeping, and its result can
/// be checked.
pub fn spin(rounds: u64) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ rounds;
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}
