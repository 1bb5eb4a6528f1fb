//! Starting processes: run N children of one program at the same time, collect each one's
//! output and exit status, report a failing child with its stderr, and reap every child.
//!
//! Goal: `run_all(program, jobs)` starts one child process of `program` per entry of `jobs`
//! (that entry is its argument list) and returns every child's stdout and exit status, in the
//! order of `jobs`, or the error of the first child in that order that could not be started or
//! did not exit successfully.
//!
//! The rules:
//!
//! - every child is started before any is waited for, so they all run at the same time;
//! - a child's stdout and stderr are read together: a child blocked writing the pipe nobody
//!   reads never finishes;
//! - a failed child is an error that carries its exit status and what it wrote on stderr;
//! - whatever `run_all` returns, every child it started has been waited for: none is left
//!   running, none is left a zombie. If a later child cannot be started, the ones already
//!   running are killed, then waited for;
//! - the children stay in the caller's process group, so whoever stops the group (Ctrl-C at a
//!   terminal, the course's test runner at a time limit) stops them too.
//!
//! What to build in this file:
//!
//! - `start`: the `Command` for one child, with its streams set up;
//! - `run_all`: start them all, then collect and reap them all, then report;
//! - `finish`: turn one child's collected output into a result;
//! - `stop_all`: the error path while starting, which must not leak the children already started.
//!
//! The graded suite passes the path of its worker binary as `program` (a library never guesses
//! where binaries live), and checks that the children really run at the same time: they meet
//! at a rendezvous that a one-at-a-time version never reaches.
//!
//! Chapter: `docs/src/part2/spawn_process.md`.
//! Check your work with `cargo xtask check spawn_process`; stuck? `cargo xtask hint
//! spawn_process`.

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

use std::error::Error;
use std::fmt;
use std::io;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};

/// What a child that exited successfully left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// Everything it wrote on stdout (invalid UTF-8 replaced by U+FFFD).
    pub stdout: String,
    /// How it exited (a success, or it would be an error).
    pub status: ExitStatus,
}

/// Why `run_all` failed, naming the child by its index in `jobs`.
#[derive(Debug)]
pub enum SpawnError {
    /// The child could not be started (no such program, not executable, out of processes).
    Start { index: usize, source: io::Error },
    /// Its output could not be collected, or it could not be waited for.
    Collect { index: usize, source: io::Error },
    /// It ran, and exited unsuccessfully (a non-zero code, or killed by a signal).
    Failed {
        index: usize,
        status: ExitStatus,
        /// Everything it wrote on stderr: usually the reason.
        stderr: String,
    },
}

impl SpawnError {
    /// The index in `jobs` of the child this error is about.
    pub fn index(&self) -> usize {
        match self {
            SpawnError::Start { index, .. }
            | SpawnError::Collect { index, .. }
            | SpawnError::Failed { index, .. } => *index,
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Start { index, source } => {
                write!(f, "child {index} could not be started: {source}")
            }
            SpawnError::Collect { index, source } => {
                write!(f, "child {index}'s output could not be collected: {source}")
            }
            SpawnError::Failed {
                index,
                status,
                stderr,
            } => write!(f, "child {index} failed ({status}): {}", stderr.trim_end()),
        }
    }
}

impl Error for SpawnError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SpawnError::Start { source, .. } | SpawnError::Collect { source, .. } => Some(source),
            SpawnError::Failed { .. } => None,
        }
    }
}

/// Starts one child of `program` with `args`.
///
/// Its stdout and stderr are pipes to us, so we can collect them; its stdin is /dev/null, so
/// it can neither read the terminal nor wait for input nobody will send. The child stays in our
/// process group: whoever kills the group (a terminal's Ctrl-C, the course's test runner) kills
/// it with us.
fn start(program: &Path, args: &[String]) -> io::Result<Child> {
    // TODO: a `Command` for `program` with `args`. Set up its three streams: which ones must
    // be pipes to the parent so `run_all` can collect them, and what should stdin be, so the
    // child can neither read the terminal nor wait for input nobody sends? Do not put the
    // child in a process group of its own: why not?
    todo!("start one child")
}

/// Runs one child of `program` per entry of `jobs`, all at the same time, and collects them.
///
/// Returns every child's stdout and status in the order of `jobs`, or the error of the first
/// child in that order that could not be started or failed. Every child started has been waited
/// for when this returns, whatever it returns.
pub fn run_all(program: &Path, jobs: &[Vec<String>]) -> Result<Vec<Finished>, SpawnError> {
    // TODO: start every child (with `start`) before waiting for any. If one cannot be started,
    // do not leak the ones already running: see `stop_all`. (What does dropping a `Child` do
    // to its process?)
    //
    // TODO: collect every child: its stdout and stderr, read *together* (a child blocked
    // writing one pipe while you wait on the other never finishes), then its exit status.
    // Which `Child` method does both and always waits? Wait for every child before looking at
    // any result: returning at the first failure would leave the children after it unwaited.
    //
    // TODO: only then report: the first error in the order of `jobs`, or all the results.
    todo!("run every job at the same time")
}

/// Turns child `index`'s collected output into its result.
fn finish(index: usize, output: io::Result<Output>) -> Result<Finished, SpawnError> {
    // TODO: an I/O error is `Collect`; an unsuccessful status (a non-zero code, or killed by a
    // signal, which has no code) is `Failed` with the child's stderr; otherwise `Finished`.
    todo!("turn one output into a result")
}

/// The error path while starting: kills the children already started (their results would be
/// thrown away) and waits for each, so none is left running or a zombie.
fn stop_all(children: Vec<Child>) {
    // TODO: kill each child and wait for it, so none is left running or a zombie. Both calls
    // can fail only in ways you may ignore here: which?
    todo!("stop and reap the children already started")
}
