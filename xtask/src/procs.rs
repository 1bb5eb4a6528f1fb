//! Child process groups: every test runs in its own group, which is killed as a whole when the
//! test ends, times out, or when this tool is interrupted (Ctrl-C), so no stray process survives.

use std::sync::Once;
use std::sync::atomic::{AtomicI32, Ordering};

/// Process groups currently running tests; 0 marks a free slot. Read by the signal handler,
/// so it is a fixed array of atomics (no allocation, no lock).
static GROUPS: [AtomicI32; 256] = [const { AtomicI32::new(0) }; 256];

/// Lets a closed stdout end this tool quietly (`cargo xtask list | head`), as other
/// command-line tools do, instead of panicking at the next print. The tool never writes to a
/// child's stdin, so no other pipe can raise the signal.
pub(crate) fn exit_quietly_on_closed_stdout() {
    // SAFETY: signal(2) with SIG_DFL installs no handler and has no memory-safety
    // preconditions; it is called first thing in `main`, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Kills every process in the group `pgid` (best effort: the group may already be gone).
pub(crate) fn kill_group(pgid: u32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    if pgid <= 1 {
        return; // never signal our own group or every process
    }
    // SAFETY: kill(2) has no memory-safety preconditions; a negative pid names a process group
    // (ours is never passed: it was checked above to be a child's own group, pgid > 1).
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Remembers a running group so an interrupt kills it; forget it with [`unregister`].
pub(crate) fn register(pgid: u32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    for slot in &GROUPS {
        if slot
            .compare_exchange(0, pgid, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
    }
}

pub(crate) fn unregister(pgid: u32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    for slot in &GROUPS {
        if slot
            .compare_exchange(pgid, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
    }
}

extern "C" fn on_interrupt(signal: libc::c_int) {
    // Only async-signal-safe calls here: atomic loads, kill(2) and _exit(2).
    for slot in &GROUPS {
        let pgid = slot.load(Ordering::Acquire);
        if pgid > 1 {
            // SAFETY: kill(2) is async-signal-safe and has no memory-safety preconditions.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
    // SAFETY: _exit(2) is async-signal-safe; it ends the process without running destructors.
    unsafe { libc::_exit(128 + signal) }
}

/// Installs the Ctrl-C / SIGTERM handler that kills the registered test groups before exiting.
/// Tests run in their own process groups, so the terminal's Ctrl-C does not reach them.
pub(crate) fn kill_groups_on_interrupt() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: the handler only makes async-signal-safe calls (see `on_interrupt`).
            unsafe {
                libc::signal(signal, handler);
            }
        }
    });
}

/// The pids of this process's children, live or zombie (each thread lists the children it
/// forked itself).
pub(crate) fn children() -> Vec<u32> {
    let mut pids = Vec::new();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let list = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            pids.extend(
                list.split_whitespace()
                    .filter_map(|pid| pid.parse::<u32>().ok()),
            );
        }
    }
    pids.sort_unstable();
    pids.dedup();
    pids
}
