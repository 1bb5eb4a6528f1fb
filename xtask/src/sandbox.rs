//! The cell a graded test runs in when grading submissions: its own session (so all of its
//! descendants can be found and killed), resource limits against fork and memory bombs, no core
//! dumps, and, where the OS allows it, its own network namespace with nothing but loopback.
//!
//! The limits are set in the child between fork and exec (`pre_exec`), so only
//! async-signal-safe calls happen there; everything they need is computed before the fork.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

use serde::Serialize;

/// Resource limits of one test process and everything it starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Address space per process, in bytes (a memory bomb fails its allocation instead of
    /// taking the machine).
    pub(crate) address_space: u64,
    /// Largest file a test may write, in bytes.
    pub(crate) file_size: u64,
    /// Processes and threads of this user at once (not enforced for root, which the session
    /// kill and the final sweep cover).
    pub(crate) processes: u64,
}

/// How a test's network is cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Network {
    /// `unshare(CLONE_NEWNET)`: a namespace of its own, loopback only (needs CAP_SYS_ADMIN).
    Namespace,
    /// An unprivileged user namespace first, then the network namespace inside it.
    UserNamespace { uid: u32, gid: u32 },
    /// Not cut off.
    Shared,
}

/// The isolation every test of a submission gets, found once by [`Sandbox::probe`].
#[derive(Debug, Clone)]
pub(crate) struct Sandbox {
    limits: Limits,
    network: Network,
    /// Why the network could not be cut off, if it could not.
    network_problem: Option<String>,
}

/// What the report says about isolation.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IsolationReport {
    /// "cut off (own network namespace, loopback only)", or why not.
    pub(crate) network: String,
    /// The resource limits, in words.
    pub(crate) limits: String,
}

impl Limits {
    /// The grader's defaults: 4 GiB of address space, 64 MiB files, and room for 4096 more
    /// processes and threads than this user runs now.
    pub(crate) fn default_for_grading() -> Limits {
        Limits {
            address_space: 4 << 30,
            file_size: 64 << 20,
            processes: user_tasks().saturating_add(4096),
        }
    }
}

impl Sandbox {
    /// Finds out which isolation this machine allows, by starting `true` under each in turn.
    pub(crate) fn probe(limits: Limits) -> Sandbox {
        let mut problems = Vec::new();
        // SAFETY: getuid/getgid have no preconditions and cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        for network in [Network::Namespace, Network::UserNamespace { uid, gid }] {
            let sandbox = Sandbox {
                limits,
                network,
                network_problem: None,
            };
            let mut command = Command::new("true");
            sandbox.apply(&mut command);
            match command.status() {
                Ok(status) if status.success() => return sandbox,
                Ok(status) => problems.push(format!("{network:?}: `true` exited with {status}")),
                Err(err) => problems.push(format!("{}: {err}", network.describe())),
            }
        }
        Sandbox {
            limits,
            network: Network::Shared,
            network_problem: Some(problems.join("; ")),
        }
    }

    /// What the report says about this sandbox.
    pub(crate) fn report(&self) -> IsolationReport {
        let network = match (&self.network, &self.network_problem) {
            (Network::Shared, Some(why)) => format!("NOT cut off: {why}"),
            (Network::Shared, None) => "NOT cut off".to_string(),
            (network, _) => format!("cut off ({}, loopback only)", network.describe()),
        };
        let mib = |bytes: u64| bytes >> 20;
        IsolationReport {
            network,
            limits: format!(
                "each test in its own session, killed with all its descendants when it ends; \
                 address space {} MiB per process; files up to {} MiB; at most {} processes \
                 of this user{}; no core dumps",
                mib(self.limits.address_space),
                mib(self.limits.file_size),
                self.limits.processes,
                // SAFETY: geteuid has no preconditions and cannot fail.
                if unsafe { libc::geteuid() } == 0 {
                    " (not enforced for root)"
                } else {
                    ""
                },
            ),
        }
    }

    /// Makes `command` start in this sandbox: a new session, the limits, the network cut.
    /// The child's pid is then its session id and its process group id.
    pub(crate) fn apply(&self, command: &mut Command) {
        let limits = self.limits;
        let network = self.network;
        // Computed before the fork: the child may not allocate.
        let maps = match network {
            Network::UserNamespace { uid, gid } => Some((
                format!("{uid} {uid} 1\n").into_bytes(),
                format!("{gid} {gid} 1\n").into_bytes(),
            )),
            _ => None,
        };
        let closure = move || -> io::Result<()> {
            // SAFETY: between fork and exec only async-signal-safe system calls are made
            // (setsid, setrlimit, unshare, open, write, close, socket, ioctl), on memory that
            // was allocated before the fork and is only read here.
            unsafe {
                if libc::setsid() < 0 {
                    return Err(io::Error::last_os_error());
                }
                set_limit(libc::RLIMIT_CORE, 0)?;
                set_limit(libc::RLIMIT_FSIZE, limits.file_size)?;
                set_limit(libc::RLIMIT_AS, limits.address_space)?;
                set_limit(libc::RLIMIT_NPROC, limits.processes)?;
                match network {
                    Network::Shared => {}
                    Network::Namespace => {
                        if libc::unshare(libc::CLONE_NEWNET) < 0 {
                            return Err(io::Error::last_os_error());
                        }
                        loopback_up()?;
                    }
                    Network::UserNamespace { .. } => {
                        if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) < 0 {
                            return Err(io::Error::last_os_error());
                        }
                        let (uid_map, gid_map) = maps.as_ref().expect("maps computed above");
                        write_file(c"/proc/self/setgroups", b"deny")?;
                        write_file(c"/proc/self/uid_map", uid_map)?;
                        write_file(c"/proc/self/gid_map", gid_map)?;
                        loopback_up()?;
                    }
                }
            }
            Ok(())
        };
        // SAFETY: the closure only makes async-signal-safe calls (see above).
        unsafe {
            command.pre_exec(closure);
        }
    }
}

impl Network {
    fn describe(self) -> &'static str {
        match self {
            Network::Namespace => "own network namespace",
            Network::UserNamespace { .. } => "own user and network namespace",
            Network::Shared => "shared network",
        }
    }
}

/// Lowers the soft and hard limit of `resource` to `value`, never raising either.
///
/// # Safety
/// Async-signal-safe: it only calls getrlimit and setrlimit.
unsafe fn set_limit(resource: LimitResource, value: u64) -> io::Result<()> {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `current` is a valid rlimit to write into.
    if unsafe { libc::getrlimit(resource, &mut current) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let value = value as libc::rlim_t;
    let wanted = libc::rlimit {
        rlim_cur: current.rlim_cur.min(value),
        rlim_max: current.rlim_max.min(value),
    };
    // SAFETY: `wanted` is a valid rlimit; lowering a limit needs no privilege.
    if unsafe { libc::setrlimit(resource, &wanted) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type LimitResource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type LimitResource = libc::c_int;

/// Writes `bytes` to the file at `path` in one write.
///
/// # Safety
/// Async-signal-safe: open, write and close only.
unsafe fn write_file(path: &std::ffi::CStr, bytes: &[u8]) -> io::Result<()> {
    // SAFETY: `path` is NUL-terminated.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `bytes` is valid for `bytes.len()` bytes; `fd` is open.
    let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    let error = io::Error::last_os_error();
    // SAFETY: `fd` is open and ours.
    unsafe { libc::close(fd) };
    if written < 0 || written as usize != bytes.len() {
        return Err(error);
    }
    Ok(())
}

/// Brings the loopback interface of the current network namespace up, so tests can still
/// listen on and connect to 127.0.0.1.
///
/// # Safety
/// Async-signal-safe: socket, ioctl and close only.
unsafe fn loopback_up() -> io::Result<()> {
    // SAFETY: plain system calls on a socket this function owns; `request` is a valid,
    // zero-initialised ifreq with a NUL-terminated name.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut request: libc::ifreq = std::mem::zeroed();
        for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *byte as libc::c_char;
        }
        let mut result = libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut request);
        if result == 0 {
            request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            result = libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &request);
        }
        let error = io::Error::last_os_error();
        libc::close(fd);
        if result < 0 {
            return Err(error);
        }
    }
    Ok(())
}

/// Processes and threads this user runs now (0 if /proc cannot tell).
fn user_tasks() -> u64 {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut tasks = 0u64;
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(path.join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|value| value.parse::<u64>().ok())
        };
        if field("Uid:") == Some(u64::from(uid)) {
            tasks += field("Threads:").unwrap_or(1);
        }
    }
    tasks
}

/// Kills every process of session `sid`: the test and whatever it started, even a child that
/// left the test's process group (only a process that started a session of its own escapes;
/// [`sweep_orphans`] gets those).
pub(crate) fn kill_session(sid: u32) {
    if sid <= 1 {
        return;
    }
    crate::procs::kill_group(sid);
    for pid in processes() {
        if session_of(pid) == Some(sid) {
            // SAFETY: kill(2) has no memory-safety preconditions; `pid` > 1 (a listed
            // process of a test's session, never ours: we are not in that session).
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

/// Makes this process the reaper of its orphaned descendants, so a process that escaped its
/// test's session is re-parented to us, where [`sweep_orphans`] finds it.
pub(crate) fn adopt_orphans() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) has no memory-safety preconditions.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Kills and reaps every child of this process. Call it only when no test and no build is
/// running: whatever is left then escaped a test.
pub(crate) fn sweep_orphans() -> usize {
    let children = crate::procs::children();
    for &pid in &children {
        // SAFETY: kill(2) has no memory-safety preconditions; `pid` is our child.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
    }
    for &pid in &children {
        let mut status = 0;
        // SAFETY: waitpid on our own child with a valid status pointer.
        unsafe {
            libc::waitpid(pid as libc::pid_t, &mut status, 0);
        }
    }
    children.len()
}

/// The pids in /proc.
fn processes() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .collect()
}

/// The session of `pid`, from /proc/PID/stat (field 6).
fn session_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: skip past it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sandboxed_child_leads_its_own_session_and_has_the_limits() {
        let sandbox = Sandbox::probe(Limits {
            address_space: 1 << 30,
            file_size: 1 << 20,
            processes: user_tasks() + 4096,
        });
        let mut command = Command::new("sh");
        command.args(["-c", "ulimit -c; ulimit -f; cat /proc/self/stat"]);
        sandbox.apply(&mut command);
        let output = command.output().expect("sh runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("0"), "core dumps off: {text}");
        // `ulimit -f` counts 512-byte blocks in POSIX sh: 1 MiB is 2048 of them.
        assert_eq!(lines.next(), Some("2048"), "file size limit: {text}");
        let stat = lines.next().expect("stat line");
        let rest = &stat[stat.rfind(')').unwrap() + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (pgrp, session) = (fields[2], fields[3]);
        assert_eq!(pgrp, session, "the child's group is its session: {stat}");
        assert_ne!(
            session_of(std::process::id()).map(|s| s.to_string()),
            Some(session.to_string()),
            "the child left our session"
        );
    }

    #[test]
    fn the_network_probe_says_what_it_found() {
        let sandbox = Sandbox::probe(Limits::default_for_grading());
        let report = sandbox.report();
        assert!(
            report.network.starts_with("cut off") || report.network.starts_with("NOT cut off"),
            "{report:?}"
        );
        if sandbox.network != Network::Shared {
            // Inside, the only interface is loopback (/proc/self/net is per namespace).
            let mut command = Command::new("cat");
            command.arg("/proc/self/net/dev");
            sandbox.apply(&mut command);
            let output = command.output().expect("cat runs");
            let text = String::from_utf8_lossy(&output.stdout);
            let interfaces: Vec<&str> = text
                .lines()
                .skip(2)
                .filter_map(|line| line.split(':').next())
                .map(str::trim)
                .collect();
            assert_eq!(interfaces, ["lo"], "only loopback: {text}");
        }
    }
}
