//! Child processes in the Part 2 suites: which children this test process still has (so a
//! test can say "every child was reaped"), and a guard that kills and reaps a child the test
//! started itself, even when the test fails half-way.
//!
//! The graded runner gives each test its own process and kills the test's whole process group
//! when it ends, so nothing outlives a graded test. These helpers make the suites clean under a
//! plain `cargo test` too, and let a test grade the learner's own reaping.

use std::process::Child;
use std::time::Instant;

/// The pids of this process's children, live or zombie (a zombie is a child that exited and
/// was never waited for: it stays a child until someone reaps it).
///
/// On Linux, read from every process's own `/proc/PID/stat`, whose parent field is this
/// process's id whichever of its threads started the child: so a child whose spawning thread
/// has just ended is counted too (the per-thread lists in `/proc/self/task/*/children` can
/// miss it while it passes to another thread).
///
/// Exact when the test runs in its own process, as under `cargo xtask check`; under a plain
/// `cargo test`, tests running in parallel threads see each other's children (run with
/// `--test-threads=1`).
pub fn children() -> Vec<u32> {
    let mut pids = Vec::new();
    #[cfg(target_os = "linux")]
    {
        let me = std::process::id();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            pids.extend(
                entries
                    .flatten()
                    .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
                    .filter(|&pid| stat(pid).is_some_and(|stat| stat.parent == me)),
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let me = std::process::id().to_string();
        if let Ok(out) = std::process::Command::new("ps")
            .args(["-A", "-o", "pid=,ppid="])
            .output()
        {
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let mut fields = line.split_whitespace();
                if let (Some(pid), Some(ppid)) = (fields.next(), fields.next()) {
                    if ppid == me {
                        pids.extend(pid.parse::<u32>().ok());
                    }
                }
            }
        }
    }
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// A process's state and parent, from `/proc/PID/stat`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The state letter: `R` running, `S` sleeping, `Z` zombie (exited, never waited for), ...
    pub state: String,
    /// The parent's pid.
    pub parent: u32,
}

/// The state and parent of process `pid`, from `/proc/PID/stat`; `None` if there is no such
/// process (or no `/proc`).
pub fn stat(pid: u32) -> Option<Stat> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the parenthesised command name, which may contain spaces and
    // parentheses: the last `)` ends it.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.to_owned();
    let parent = fields.next()?.parse().ok()?;
    Some(Stat { state, parent })
}

/// Why a child is still there: its state letter and command line, from `/proc` where there
/// is one ("Z" is a zombie: exited, never waited for).
pub fn describe(pid: u32) -> String {
    let state = stat(pid).map_or_else(|| "?".to_owned(), |stat| stat.state);
    let command = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .split('\0')
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let what = if state == "Z" {
        "zombie: exited, never waited for"
    } else {
        "still running"
    };
    format!("pid {pid} ({what}) {command}")
}

/// Fails the test if this process has children that were not there in `before` (from
/// [`children`], taken before the code under test ran): every child the learner started must
/// have been waited for by the time `what` returned.
#[track_caller]
pub fn assert_all_reaped(before: &[u32], what: &str) {
    let left: Vec<u32> = children()
        .into_iter()
        .filter(|pid| !before.contains(pid))
        .collect();
    if !left.is_empty() {
        let list: Vec<String> = left.iter().map(|&pid| describe(pid)).collect();
        panic!(
            "{what} returned, but {} child process(es) it started were never waited for:\n  {}\n\
             Call wait() (or wait_with_output()) on every Child, also on the error paths: an \
             exited child stays a zombie until its parent waits for it.",
            left.len(),
            list.join("\n  ")
        );
    }
}

/// A child the test started itself: killed and reaped when the guard drops, so a failing
/// assertion never leaves it running.
#[derive(Debug)]
pub struct Reaped(pub Child);

impl Reaped {
    /// Waits up to [`crate::patience`] for the child to exit on its own; `None` if it did not
    /// (the guard still kills it when dropped).
    pub fn wait_patiently(&mut self) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + crate::patience();
        loop {
            match self.0.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => {
                    // Polling a child's exit is the one wait std offers with a bound; it is
                    // test code, and each poll is a cheap waitpid(WNOHANG).
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                _ => return None,
            }
        }
    }
}

impl std::ops::Deref for Reaped {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        // Killing an exited child is harmless (it is still ours until waited for).
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    // One test, so no other test of this crate spawns children while it counts them.
    #[test]
    fn unwaited_children_are_reported_and_reaped_ones_are_not() {
        let before = children();
        let mut child = Command::new("true").spawn().expect("spawn true");
        let pid = child.id();
        // Exited or not, it is our child until waited for.
        assert!(children().contains(&pid));
        #[cfg(target_os = "linux")]
        assert_eq!(stat(pid).map(|s| s.parent), Some(std::process::id()));
        let caught = std::panic::catch_unwind(|| assert_all_reaped(&before, "spawning true"));
        assert!(caught.is_err(), "a child never waited for must be reported");
        child.wait().expect("wait");
        assert!(!children().contains(&pid));
        assert_all_reaped(&before, "the test");

        // A child whose spawning thread has ended is still this process's child.
        let mut orphan = std::thread::spawn(|| Command::new("sleep").arg("30").spawn())
            .join()
            .expect("the spawning thread")
            .expect("spawn sleep");
        assert!(children().contains(&orphan.id()));
        orphan.kill().expect("kill");
        orphan.wait().expect("wait");

        let sleeper = Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let pid = sleeper.id();
        drop(Reaped(sleeper));
        assert!(!children().contains(&pid));
    }
}
