//! `process_pool-worker`: the worker process a pool starts (course code; it speaks the line
//! protocol of `process_pool::protocol` and calls nothing else of the library, so it is the
//! same program whatever implementation the parent runs).
//!
//! It reads one line at a time from stdin and answers each on stdout before reading the next.
//! Its state is what the initializer left (the arguments it was given, and how many times it
//! ran): every answer reports it, so the graded suite can tell whether the initializer ran once
//! in this process, never, or once per task.

use process_pool::protocol::{Answer, CRASH_STATUS, Reply, Task, spin};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// How long a `meet` waits for the test's `go` before the task fails. The test always answers
/// or hangs up (which ends the wait at once); this only bounds a worker whose test is stuck.
const MEET_PATIENCE: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let pid = std::process::id();
    let stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    // The initializer's state: its arguments, and how many times it ran in this process.
    let mut init_args: Vec<u64> = Vec::new();
    let mut inits: u32 = 0;
    for line in stdin.lines() {
        let Ok(line) = line else {
            return ExitCode::from(3);
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words.as_slice() {
            ["init", args @ ..] => match args.iter().map(|arg| arg.parse()).collect() {
                Ok(args) => {
                    init_args = args;
                    inits += 1;
                    Reply::Ready { pid }
                }
                Err(_) => return protocol_error(&line),
            },
            ["stop"] => {
                // A parent that stopped reading gets the goodbye nowhere; still exit cleanly.
                let bye = Reply::Bye { pid }.line();
                let _ = writeln!(stdout, "{bye}").and_then(|()| stdout.flush());
                return ExitCode::SUCCESS;
            }
            _ => match Task::parse(&line) {
                Ok(task) => run(&task, pid, inits, &init_args),
                Err(_) => return protocol_error(&line),
            },
        };
        if writeln!(stdout, "{}", reply.line())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // The parent closed our stdout: nobody is listening any more.
            return ExitCode::from(3);
        }
    }
    // The parent closed our stdin without `stop`: it is gone or killed us off; so do we.
    ExitCode::from(3)
}

/// Runs one task and says how it went.
fn run(task: &Task, pid: u32, inits: u32, init_args: &[u64]) -> Reply {
    let value = match task {
        Task::Square(n) => Ok(n.wrapping_mul(*n)),
        Task::Spin(rounds) => Ok(spin(*rounds)),
        Task::Recall(index) => init_args.get(*index).copied().ok_or_else(|| {
            format!(
                "recall {index}: the initializer got {} argument(s){}",
                init_args.len(),
                if inits == 0 {
                    " (it never ran in this worker)"
                } else {
                    ""
                }
            )
        }),
        Task::Meet { socket, tag } => meet(socket, *tag, pid),
        Task::Crash => {
            // Gone mid-task, with no answer: what a segfault or an OOM kill looks like from
            // the parent. (Nothing is flushed or unwound; stdout holds nothing unsent.)
            std::process::exit(CRASH_STATUS);
        }
    };
    match value {
        Ok(value) => Reply::Done(Answer { pid, inits, value }),
        Err(message) => Reply::Failed {
            pid,
            inits,
            message,
        },
    }
}

/// The rendezvous: tell the test "task `tag` is running in process `pid`", then wait for its
/// `go`.
fn meet(socket: &Path, tag: u64, pid: u32) -> Result<u64, String> {
    let fail = |what: &str, error: io::Error| {
        format!(
            "meet {tag}: {what} the rendezvous at {}: {error}",
            socket.display()
        )
    };
    let mut stream = UnixStream::connect(socket).map_err(|e| fail("cannot reach", e))?;
    writeln!(stream, "{tag} {pid}").map_err(|e| fail("cannot write to", e))?;
    stream
        .set_read_timeout(Some(MEET_PATIENCE))
        .map_err(|e| fail("cannot wait at", e))?;
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .map_err(|e| fail("gave up waiting at", e))?;
    if answer.trim() == "go" {
        Ok(tag)
    } else {
        Err(format!("meet {tag}: the test called the rendezvous off"))
    }
}

fn protocol_error(line: &str) -> ExitCode {
    eprintln!("process_pool-worker: not a message of the protocol: {line:?}");
    ExitCode::from(2)
}
