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
    // No `process_group`, no `setsid`: a child in a group of its own would outlive a Ctrl-C,
    // and the test runner's kill at a time limit would miss it.
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

/// Runs one child of `program` per entry of `jobs`, all at the same time, and collects them.
///
/// Returns every child's stdout and status in the order of `jobs`, or the error of the first
/// child in that order that could not be started or failed. Every child started has been waited
/// for when this returns, whatever it returns.
pub fn run_all(program: &Path, jobs: &[Vec<String>]) -> Result<Vec<Finished>, SpawnError> {
    // Start every child before waiting for any: from here on they all run at the same time.
    let mut children = Vec::with_capacity(jobs.len());
    for (index, args) in jobs.iter().enumerate() {
        match start(program, args) {
            Ok(child) => children.push(child),
            Err(source) => {
                // A `Child` that is dropped is neither killed nor waited for: the children
                // already running would outlive this call, then linger as zombies.
                stop_all(children);
                return Err(SpawnError::Start { index, source });
            }
        }
    }

    // Collect them in order. Waiting for child 0 first costs nothing: the others run
    // meanwhile, and one that is done early waits in the kernel, its output in its pipes (or
    // blocked writing more) until we get to it. None of them waits for another.
    //
    // `wait_with_output` reads stdout and stderr *together* (it polls both pipes) until both
    // are closed, then waits for the child: it never blocks on one pipe while the child is
    // blocked writing the other, and it always reaps. The outputs are collected into a `Vec`
    // of results, not a `Result` of a `Vec` (which would stop at the first error): every
    // child is waited for before any result is looked at, so an early failure cannot make us
    // skip, and leak, the children after it.
    let outputs: Vec<io::Result<Output>> =
        children.into_iter().map(Child::wait_with_output).collect();

    // Only now report: the first error in the order of `jobs`, or every child's result.
    outputs
        .into_iter()
        .enumerate()
        .map(|(index, output)| finish(index, output))
        .collect()
}

/// Turns child `index`'s collected output into its result.
fn finish(index: usize, output: io::Result<Output>) -> Result<Finished, SpawnError> {
    let output = output.map_err(|source| SpawnError::Collect { index, source })?;
    // `success()` is "exited with code 0". A child killed by a signal has no code at all, and
    // is a failure too.
    if output.status.success() {
        Ok(Finished {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            status: output.status,
        })
    } else {
        Err(SpawnError::Failed {
            index,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// The error path while starting: kills the children already started (their results would be
/// thrown away) and waits for each, so none is left running or a zombie.
fn stop_all(children: Vec<Child>) {
    for mut child in children {
        // Killing a child that already exited is harmless: it is ours until waited for, so its
        // pid cannot have been reused. Both calls can fail only for a child that was already
        // waited for, and nobody else waits for these: the errors are ignored.
        let _ = child.kill();
        let _ = child.wait();
    }
}
