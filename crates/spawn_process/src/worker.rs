//! The child process of the `spawn_process` suite: fixed course code, which does not call the
//! library (so it runs the same whatever the learner's file holds). The tests pass its path to
//! the learner's `run_all`, with one of these argument lists per child:
//!
//! - `square N`: prints `N * N` on stdout, exits 0.
//! - `fail CODE MESSAGE`: prints a line on stdout and `MESSAGE` on stderr, exits with `CODE`.
//! - `abort MESSAGE`: prints `MESSAGE` on stderr and aborts (killed by SIGABRT: no exit code).
//! - `chatter BYTES`: writes `BYTES` bytes on stderr, `BYTES` on stdout, then `BYTES` more on
//!   stderr, and exits 0.
//! - `meet DIR INDEX COUNT PATIENCE_MS`: a rendezvous of `COUNT` children (below).
//! - `hold`: waits to be killed (below).
//! - `whoami`: prints `pid P ppid Q pgid G` (its pid, its parent's, its process group), exits 0.
//!
//! `chatter` deadlocks with a parent that reads one stream to its end before the other, in
//! either order, or that waits for the child before reading: once `BYTES` is more than a pipe
//! holds (64 KiB on Linux), the child blocks writing the stream nobody reads.
//!
//! `meet` is a cross-process rendezvous in the directory `DIR`. The child creates
//! `DIR/arrived-INDEX`, then waits until `COUNT` such files exist and prints `met INDEX`. Only
//! children that run at the same time all get there. A child that has waited `PATIENCE_MS`
//! milliseconds in vain gives up: it creates `DIR/abandoned`, says on stderr how many had
//! arrived, and exits 3. A child that finds `DIR/abandoned` gives up at once, so a parent that
//! starts its children one at a time gets a failure after one patience, never a hang.
//!
//! `hold` never finishes by itself: it waits until it is killed, or until its parent is gone
//! (then nobody can wait for it anyway), or a minute has passed (a bound for runs by hand).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["square", n] => {
            let n: u64 = n.parse().expect("square: N must be a number");
            println!("{}", n * n);
            ExitCode::SUCCESS
        }
        ["fail", code, message] => {
            let code: u8 = code.parse().expect("fail: CODE must be 0-255");
            println!("about to fail");
            eprintln!("{message}");
            ExitCode::from(code)
        }
        ["abort", message] => {
            eprintln!("{message}");
            std::process::abort();
        }
        ["chatter", bytes] => {
            let bytes: usize = bytes.parse().expect("chatter: BYTES must be a number");
            // A write that fails means the parent closed the pipe: nobody reads any more.
            let written = write_bytes(&mut io::stderr().lock(), b'e', bytes)
                .and_then(|()| write_bytes(&mut io::stdout().lock(), b'o', bytes))
                .and_then(|()| write_bytes(&mut io::stderr().lock(), b'e', bytes));
            if written.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            }
        }
        ["meet", dir, index, count, patience_ms] => {
            let count: usize = count.parse().expect("meet: COUNT must be a number");
            let patience = Duration::from_millis(
                patience_ms
                    .parse()
                    .expect("meet: PATIENCE_MS must be a number"),
            );
            meet(Path::new(dir), index, count, patience)
        }
        ["hold"] => hold(),
        ["whoami"] => {
            let pid = std::process::id();
            let ppid = std::os::unix::process::parent_id();
            match process_group_of(pid) {
                Some(pgid) => {
                    println!("pid {pid} ppid {ppid} pgid {pgid}");
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!("spawn_process-worker: cannot find my own process group");
                    ExitCode::from(70)
                }
            }
        }
        _ => {
            eprintln!("spawn_process-worker: unknown arguments {args:?}");
            ExitCode::from(64)
        }
    }
}

/// Writes `total` bytes `byte` to `out`, a page at a time, and flushes.
fn write_bytes(out: &mut impl Write, byte: u8, total: usize) -> io::Result<()> {
    let chunk = [byte; 4096];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len());
        out.write_all(&chunk[..n])?;
        left -= n;
    }
    out.flush()
}

/// Arrives at the rendezvous in `dir` and waits, bounded by `patience`, for `count` arrivals.
fn meet(dir: &Path, index: &str, count: usize, patience: Duration) -> ExitCode {
    let abandoned = dir.join("abandoned");
    std::fs::write(dir.join(format!("arrived-{index}")), b"").expect("meet: cannot arrive");
    let deadline = Instant::now() + patience;
    loop {
        if abandoned.exists() {
            eprintln!(
                "child {index} arrived at the rendezvous after another child had given up \
                 waiting there: the children before it had not run at the same time as it"
            );
            return ExitCode::from(3);
        }
        let arrived = std::fs::read_dir(dir)
            .expect("meet: cannot list the rendezvous")
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().starts_with("arrived-"))
            .count();
        if arrived >= count {
            println!("met {index}");
            return ExitCode::SUCCESS;
        }
        if Instant::now() >= deadline {
            let _ = std::fs::write(&abandoned, b"");
            eprintln!(
                "child {index} waited {patience:?} at the rendezvous, but only {arrived} of the \
                 {count} children had started: the others were not running at the same time"
            );
            return ExitCode::from(3);
        }
        // The other children are separate processes, so there is nothing to block on but the
        // directory: look again shortly. This is the child's own bounded wait, not a test
        // ordering threads by sleeping.
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits until killed, or until the parent is gone, or for at most a minute.
fn hold() -> ExitCode {
    let parent = std::os::unix::process::parent_id();
    let bound = Instant::now() + Duration::from_secs(60);
    // When the parent dies, the child is handed to another process (init, or a subreaper),
    // and its parent id changes.
    while std::os::unix::process::parent_id() == parent && Instant::now() < bound {
        std::thread::sleep(Duration::from_millis(10));
    }
    ExitCode::from(4)
}

/// The process group of `pid`: from `/proc` where there is one, else from `ps`.
fn process_group_of(pid: u32) -> Option<u32> {
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // After the parenthesised command name (which may hold spaces): state, ppid, pgrp.
        let after = stat.rsplit_once(')')?.1;
        return after.split_whitespace().nth(2)?.parse().ok();
    }
    let out = std::process::Command::new("ps")
        .args(["-o", "pgid=", "-p", &pid.to_string()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}
