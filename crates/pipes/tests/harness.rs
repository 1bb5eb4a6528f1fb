//! What the cases, properties and traces share.
//!
//! - A [`Session`] runs each call into the learner's code on a thread of its own and records
//!   in one trace what was sent, received, closed and waited for. A call that has not returned
//!   within [`patience`] is diagnosed from `/proc`: if the parent and the worker are blocked
//!   writing to each other (a pipe deadlock), or both blocked reading (the worker waits for an
//!   end of input that never comes), the test fails at once with an explanation and the
//!   worker is killed. Any other hang is left to the runner's time limit (`timed_out`), which
//!   kills the test's whole process group, the workers included: they never leave it.
//! - [`Remote`] is a learner's [`Worker`] driven through a session.
//! - [`Outcome`], [`decode_with`] and [`model_decode`]: what a reader makes of a byte stream,
//!   and what the documented frame format says it must make of it.
//! - [`Dribble`] and [`Trickle`]: a reader and a writer that move a few bytes per call, and are
//!   sometimes interrupted, as pipes are.

use course_testkit::process::{assert_all_reaped, children, describe};
use course_testkit::{Trace, join_patiently, patience};
use pipes::{FramePart, FrameReader, PipeError, Worker};
use std::fmt;
use std::io::{self, Read, Write};
use std::process::{Command, ExitStatus};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The worker program the tests start (see `crates/pipes/src/worker.rs` for its modes).
pub(crate) const WORKER: &str = env!("CARGO_BIN_EXE_pipes-worker");

/// The capacity of a pipe on Linux unless someone changed it.
pub(crate) const PIPE_BUFFER: usize = 64 * 1024;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Spawned(String),
    SpawnFailed(String),
    Sent(String),
    SendFailed(String),
    Received(String),
    EndOfStream,
    RecvFailed(String),
    Closed,
    CloseFailed(String),
    Exited(String),
    WaitFailed(String),
    Dropped,
    Exchange { worker: String, messages: String },
    Exchanged(String),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Spawned(mode) => write!(f, "Worker::spawn(pipes-worker {mode}) -> Ok"),
            Event::SpawnFailed(error) => write!(f, "Worker::spawn -> Err({error})"),
            Event::Sent(message) => write!(f, "send({message}) -> Ok"),
            Event::SendFailed(error) => write!(f, "send -> Err({error})"),
            Event::Received(message) => write!(f, "recv -> Ok(Some({message}))"),
            Event::EndOfStream => write!(f, "recv -> Ok(None)"),
            Event::RecvFailed(error) => write!(f, "recv -> Err({error})"),
            Event::Closed => write!(f, "close -> Ok"),
            Event::CloseFailed(error) => write!(f, "close -> Err({error})"),
            Event::Exited(status) => write!(f, "wait -> Ok({status})"),
            Event::WaitFailed(error) => write!(f, "wait -> Err({error})"),
            Event::Dropped => write!(f, "the Worker was dropped"),
            Event::Exchange { worker, messages } => {
                write!(f, "exchange(pipes-worker {worker}, {messages}) called")
            }
            Event::Exchanged(result) => write!(f, "exchange returned {result}"),
        }
    }
}

/// A short, readable picture of a message: quoted text when it is short and printable, its
/// length and first bytes otherwise.
pub(crate) fn preview(bytes: &[u8]) -> String {
    let printable = bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    if bytes.len() <= 24 && printable {
        format!("{:?}", String::from_utf8_lossy(bytes))
    } else {
        let head: String = bytes[..bytes.len().min(8)]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let more = if bytes.len() > 8 { ".." } else { "" };
        format!("<{} bytes: {head}{more}>", bytes.len())
    }
}

/// A picture of a list of messages.
pub(crate) fn previews(messages: &[Vec<u8>]) -> String {
    if messages.len() <= 3 {
        let parts: Vec<String> = messages.iter().map(|m| preview(m)).collect();
        format!("[{}]", parts.join(", "))
    } else {
        let total: usize = messages.iter().map(Vec::len).sum();
        format!("[{} messages, {total} bytes in all]", messages.len())
    }
}

/// Why a call is stuck, from what the blocked processes and threads are waiting in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stuck {
    /// The worker is blocked writing its stdout and a thread of ours is blocked writing.
    BothWriting,
    /// The worker is blocked reading its stdin and a thread of ours is blocked reading.
    BothReading,
}

/// One test's calls into the learner's code, the trace of them, and the children that were
/// there before (so the test can say which children it left).
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) trace: Trace<Event>,
    before: Arc<Vec<u32>>,
}

impl Session {
    pub(crate) fn new() -> Session {
        let trace = Trace::new();
        trace.name_thread("test");
        Session {
            trace,
            before: Arc::new(children()),
        }
    }

    /// Fails the test with `message` and the whole trace.
    pub(crate) fn fail(&self, message: impl fmt::Display) -> ! {
        let all: Vec<usize> = (0..self.trace.len()).collect();
        self.trace.fail(message, &all)
    }

    /// The children started since the session began.
    fn new_children(&self) -> Vec<u32> {
        children()
            .into_iter()
            .filter(|pid| !self.before.contains(pid))
            .collect()
    }

    /// Checks that every child the learner's code started was waited for.
    pub(crate) fn finish(self, what: &str) {
        assert_all_reaped(&self.before, what);
    }

    /// Runs `call` (the learner's code) on a thread of its own and returns what it returned,
    /// or fails the test with a diagnosis if it is stuck on a pipe (see the module header).
    pub(crate) fn step<T: Send + 'static>(
        &self,
        what: &str,
        call: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let handle = std::thread::Builder::new()
            .name(format!("learner: {what}"))
            .spawn(call)
            .expect("start a thread for the call");
        let started = Instant::now();
        loop {
            if handle.is_finished() {
                return handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
            let waited = started.elapsed();
            if waited < patience() {
                // `is_finished` cannot be waited on; a 1 ms nap bounds the cost of asking.
                std::thread::park_timeout(Duration::from_millis(1));
                continue;
            }
            if let Some(stuck) = self.stuck() {
                let message = self.explain(what, stuck);
                // Killing the workers breaks their pipes: the stuck call fails and returns,
                // and the learner's code can reap them.
                self.kill_new_children();
                let _ = join_patiently(handle);
                self.fail(message);
            }
            if waited > patience() * 10 {
                // Only under a plain `cargo test`: the runner's time limit ends it long before.
                let left: Vec<String> = self.new_children().into_iter().map(describe).collect();
                self.kill_new_children();
                self.fail(format!(
                    "{what} did not return within {:?}; children: {left:?}",
                    patience() * 10
                ));
            }
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }

    /// A stuck state that lasts: seen five times in a row, 50 ms apart, while the workers
    /// moved no byte (their read and write counters in `/proc/PID/io` stand still). A slow but
    /// correct program moves bytes; a deadlocked one cannot.
    fn stuck(&self) -> Option<Stuck> {
        let first = self.look()?;
        for _ in 0..4 {
            std::thread::park_timeout(Duration::from_millis(50));
            if self.look().as_ref() != Some(&first) {
                return None;
            }
        }
        Some(first.0)
    }

    /// What the workers and our threads are blocked in right now (Linux: `/proc/*/wchan`),
    /// with the workers' byte counters.
    fn look(&self) -> Option<(Stuck, Vec<String>)> {
        let pids = self.new_children();
        let theirs: Vec<String> = pids
            .iter()
            .map(|pid| read_proc(&format!("/proc/{pid}/wchan")))
            .collect();
        let progress: Vec<String> = pids
            .iter()
            .map(|pid| {
                read_proc(&format!("/proc/{pid}/io"))
                    .lines()
                    .filter(|line| line.starts_with("rchar") || line.starts_with("wchar"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let ours: Vec<String> = std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .flatten()
                    .map(|task| read_proc(&task.path().join("wchan").to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
        let writing = |states: &[String]| states.iter().any(|s| s.contains("pipe_write"));
        let reading = |states: &[String]| states.iter().any(|s| s.contains("pipe_read"));
        let stuck = if writing(&theirs) && writing(&ours) {
            Stuck::BothWriting
        } else if reading(&theirs) && reading(&ours) && !writing(&ours) {
            Stuck::BothReading
        } else {
            return None;
        };
        Some((stuck, progress))
    }

    fn explain(&self, what: &str, stuck: Stuck) -> String {
        let waited = patience();
        match stuck {
            Stuck::BothWriting => format!(
                "deadlock: {what} did not return within {waited:?}, and both processes are \
                 blocked writing. Your code is writing to the worker's stdin, which is full \
                 because the worker is not reading it; the worker is writing its replies to its \
                 stdout, which is full because nobody reads it. A pipe holds about 64 KiB, and \
                 this worker answers while it reads, as any streaming program may: a parent \
                 that does not read while it writes (it writes everything first, or waits for \
                 the child to exit first) waits forever on a child that waits for it. Read the \
                 replies on one thread while another writes the messages. (The worker was \
                 killed to end the test.)"
            ),
            Stuck::BothReading => format!(
                "{what} did not return within {waited:?}: your code waits for the worker's next \
                 message while the worker waits for more input on its stdin. It has answered \
                 everything it got, and it ends only once it reads the end of its input, which \
                 comes when the parent's ChildStdin is dropped (flushing is not closing). (The \
                 worker was killed to end the test.)"
            ),
        }
    }

    fn kill_new_children(&self) {
        #[cfg(target_os = "linux")]
        for pid in self.new_children() {
            let Ok(raw) = libc::pid_t::try_from(pid) else {
                continue;
            };
            // SAFETY: kill(2) has no memory-safety preconditions. `raw` is a child of this
            // process that nobody has reaped (it is listed as our child), so the pid cannot
            // have been reused by another process.
            unsafe { libc::kill(raw, libc::SIGKILL) };
        }
    }

    /// Starts the worker in `args` through the learner's `Worker::spawn`, and checks that it
    /// stays in our process group.
    pub(crate) fn spawn(&self, args: &[&str]) -> Remote {
        let mode = args.join(" ");
        let owned: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let spawned = self.step("Worker::spawn", move || {
            Worker::spawn(Command::new(WORKER).args(&owned))
        });
        let worker = match spawned {
            Ok(worker) => worker,
            Err(error) => {
                self.trace.record(Event::SpawnFailed(error.to_string()));
                self.fail(format!(
                    "Worker::spawn(pipes-worker {mode}) failed ({error}): the program exists \
                     and starts"
                ));
            }
        };
        self.trace.record(Event::Spawned(mode));
        let pid = worker.id();
        if !self.new_children().contains(&pid) {
            self.fail(format!(
                "Worker::id() says {pid}, which is not a child of this process: it must be the \
                 id of the child that spawn started"
            ));
        }
        check_same_process_group(pid).unwrap_or_else(|message| self.fail(message));
        Remote {
            session: self.clone(),
            worker: Arc::new(Mutex::new(Some(worker))),
        }
    }

    /// Runs the learner's `exchange` with the worker in `args`, recording the call and what it
    /// returned, and checks that the child was reaped when it returned.
    pub(crate) fn exchange(
        &self,
        args: &[&str],
        messages: Vec<Vec<u8>>,
    ) -> Result<Vec<Vec<u8>>, PipeError> {
        self.trace.record(Event::Exchange {
            worker: args.join(" "),
            messages: previews(&messages),
        });
        let owned: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let before = children();
        let result = self.step("exchange", move || {
            pipes::exchange(Command::new(WORKER).args(&owned), &messages)
        });
        self.trace.record(Event::Exchanged(match &result {
            Ok(replies) => format!("Ok({})", previews(replies)),
            Err(error) => format!("Err({error})"),
        }));
        assert_all_reaped(&before, "exchange");
        result
    }
}

/// A small `/proc` file ("" if it cannot be read): `wchan`, the kernel's name for what a task
/// is blocked in, or `io`, a process's byte counters.
fn read_proc(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The process group of `pid` (Linux: the fifth field of `/proc/PID/stat`).
fn process_group(pid: &str) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: count fields after it.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(2).map(str::to_owned)
}

fn check_same_process_group(pid: u32) -> Result<(), String> {
    match (process_group("self"), process_group(&pid.to_string())) {
        (Some(ours), Some(theirs)) if ours != theirs => Err(format!(
            "the worker (pid {pid}) runs in process group {theirs}, not in ours ({ours}): a \
             child must stay in its parent's group, so that killing a stuck test's group kills \
             it too. Do not give it a group or session of its own."
        )),
        _ => Ok(()),
    }
}

/// A learner's `Worker`, driven through a [`Session`]: each call runs on a thread of its own,
/// and is recorded with what it returned.
pub(crate) struct Remote {
    session: Session,
    worker: Arc<Mutex<Option<Worker>>>,
}

impl Remote {
    fn call<T: Send + 'static>(
        &self,
        what: &str,
        call: impl FnOnce(&mut Worker) -> T + Send + 'static,
    ) -> T {
        let worker = Arc::clone(&self.worker);
        self.session.step(what, move || {
            let mut guard = worker.lock().unwrap_or_else(PoisonError::into_inner);
            call(guard.as_mut().expect("the worker is still there"))
        })
    }

    /// The learner's `Worker::with_max_frame`, applied to the worker in place.
    pub(crate) fn with_max_frame(self, max_frame: usize) -> Remote {
        let worker = Arc::clone(&self.worker);
        self.session.step("Worker::with_max_frame", move || {
            let mut guard = worker.lock().unwrap_or_else(PoisonError::into_inner);
            let taken = guard.take().expect("the worker is still there");
            *guard = Some(taken.with_max_frame(max_frame));
        });
        self
    }

    pub(crate) fn send(&self, message: &[u8]) -> Result<(), PipeError> {
        let owned = message.to_vec();
        let result = self.call("Worker::send", move |worker| worker.send(&owned));
        self.session.trace.record(match &result {
            Ok(()) => Event::Sent(preview(message)),
            Err(error) => Event::SendFailed(error.to_string()),
        });
        result
    }

    /// Sends `message`, failing the test if that fails.
    pub(crate) fn send_ok(&self, message: &[u8]) {
        if let Err(error) = self.send(message) {
            self.session.fail(format!(
                "send({}) failed: {error}; the worker is running and reading",
                preview(message)
            ));
        }
    }

    pub(crate) fn recv(&self) -> Result<Option<Vec<u8>>, PipeError> {
        let result = self.call("Worker::recv", Worker::recv);
        self.session.trace.record(match &result {
            Ok(Some(message)) => Event::Received(preview(message)),
            Ok(None) => Event::EndOfStream,
            Err(error) => Event::RecvFailed(error.to_string()),
        });
        result
    }

    /// Receives, failing the test on an error.
    pub(crate) fn recv_ok(&self) -> Option<Vec<u8>> {
        self.recv().unwrap_or_else(|error| {
            self.session.fail(format!(
                "recv failed ({error}) although the worker sent only whole frames"
            ))
        })
    }

    pub(crate) fn close(&self) -> Result<(), PipeError> {
        let result = self.call("Worker::close", Worker::close);
        self.session.trace.record(match &result {
            Ok(()) => Event::Closed,
            Err(error) => Event::CloseFailed(error.to_string()),
        });
        result
    }

    /// Closes, failing the test on an error.
    pub(crate) fn close_ok(&self) {
        if let Err(error) = self.close() {
            self.session.fail(format!(
                "close failed ({error}) while the worker was reading"
            ));
        }
    }

    pub(crate) fn wait(self) -> Result<ExitStatus, PipeError> {
        let worker = Arc::clone(&self.worker);
        let result = self.session.step("Worker::wait", move || {
            let taken = worker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .expect("the worker is still there");
            taken.wait()
        });
        self.session.trace.record(match &result {
            Ok(status) => Event::Exited(status.to_string()),
            Err(error) => Event::WaitFailed(error.to_string()),
        });
        result
    }

    /// Waits, failing the test unless the worker exited successfully: it exits 0 only after a
    /// clean end of its input, or after sending what it had to send.
    pub(crate) fn wait_success(self) {
        let session = self.session.clone();
        match self.wait() {
            Ok(status) if status.success() => {}
            Ok(status) => session.fail(format!(
                "the worker ended with {status}, not 0: it exits 0 only when its input ended \
                 between two frames (status 2: its stdin ended inside a frame, so a frame was \
                 sent in part; status 3: its stdout was closed while it still had replies to \
                 write)"
            )),
            Err(error) => session.fail(format!("wait failed: {error}")),
        }
    }

    /// Drops the learner's `Worker` (on a thread of its own: a drop may block too).
    pub(crate) fn drop_worker(self) {
        let worker = Arc::clone(&self.worker);
        self.session.step("dropping the Worker", move || {
            drop(worker.lock().unwrap_or_else(PoisonError::into_inner).take());
        });
        self.session.trace.record(Event::Dropped);
    }
}

/// What one `recv` gave, in terms the model can give too.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Frame(Vec<u8>),
    End,
    TooLarge {
        len: u64,
        max: usize,
    },
    Truncated {
        part: FramePart,
        got: usize,
        expected: usize,
    },
    /// Another error, or a reader that would not stop.
    Other(String),
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Frame(payload) => write!(f, "Ok(Some({}))", preview(payload)),
            Outcome::End => write!(f, "Ok(None)"),
            Outcome::TooLarge { len, max } => {
                write!(f, "Err(TooLarge {{ len: {len}, max: {max} }})")
            }
            Outcome::Truncated {
                part,
                got,
                expected,
            } => write!(
                f,
                "Err(Truncated {{ part: {part:?}, got: {got}, expected: {expected} }})"
            ),
            Outcome::Other(what) => write!(f, "{what}"),
        }
    }
}

impl Outcome {
    pub(crate) fn of(result: Result<Option<Vec<u8>>, PipeError>) -> Outcome {
        match result {
            Ok(Some(payload)) => Outcome::Frame(payload),
            Ok(None) => Outcome::End,
            Err(PipeError::TooLarge { len, max }) => Outcome::TooLarge { len, max },
            Err(PipeError::Truncated {
                part,
                got,
                expected,
            }) => Outcome::Truncated {
                part,
                got,
                expected,
            },
            Err(error) => Outcome::Other(format!("Err({error:?})")),
        }
    }

    fn is_last(&self) -> bool {
        !matches!(self, Outcome::Frame(_))
    }
}

/// Calls `recv` until it gives the end of the stream or an error (at most `bound` frames:
/// a reader that makes up frames forever is stopped there).
pub(crate) fn decode_with(
    mut recv: impl FnMut() -> Result<Option<Vec<u8>>, PipeError>,
    bound: usize,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    loop {
        let outcome = Outcome::of(recv());
        let last = outcome.is_last();
        outcomes.push(outcome);
        if last {
            return outcomes;
        }
        if outcomes.len() > bound {
            outcomes.push(Outcome::Other(format!(
                "<more than {bound} frames from a stream that cannot hold that many>"
            )));
            return outcomes;
        }
    }
}

/// Decodes `bytes` with the learner's `FrameReader` (limit `max`), reading through `source`.
pub(crate) fn decode(source: impl Read, bytes_len: usize, max: usize) -> Vec<Outcome> {
    let mut reader = FrameReader::new(source).with_max_frame(max);
    decode_with(|| reader.recv(), bytes_len / pipes::HEADER_LEN + 1)
}

/// What the frame format says a reader with limit `max` makes of `bytes`: the whole frames,
/// then the clean end, or the first broken frame.
pub(crate) fn model_decode(bytes: &[u8], max: usize) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut rest = bytes;
    loop {
        if rest.is_empty() {
            outcomes.push(Outcome::End);
            return outcomes;
        }
        if rest.len() < 4 {
            outcomes.push(Outcome::Truncated {
                part: FramePart::Header,
                got: rest.len(),
                expected: 4,
            });
            return outcomes;
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
        if len as usize > max {
            outcomes.push(Outcome::TooLarge {
                len: u64::from(len),
                max,
            });
            return outcomes;
        }
        let body = &rest[4..];
        if body.len() < len as usize {
            outcomes.push(Outcome::Truncated {
                part: FramePart::Payload,
                got: body.len(),
                expected: len as usize,
            });
            return outcomes;
        }
        outcomes.push(Outcome::Frame(body[..len as usize].to_vec()));
        rest = &body[len as usize..];
    }
}

/// The frame format's encoding of `messages`.
pub(crate) fn encode(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for message in messages {
        bytes.extend_from_slice(&(message.len() as u32).to_be_bytes());
        bytes.extend_from_slice(message);
    }
    bytes
}

/// Hex digits of `bytes`, as the worker's `raw` mode takes them.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader over `data` that hands out at most `sizes[i]` bytes at its i-th read (cycling),
/// and fails every `interrupt_every`-th read with `Interrupted`, as a pipe read cut by a
/// signal does.
pub(crate) struct Dribble<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    interrupt_every: Option<usize>,
    calls: usize,
}

impl<'a> Dribble<'a> {
    pub(crate) fn new(data: &'a [u8], sizes: Vec<usize>, interrupt_every: Option<usize>) -> Self {
        assert!(sizes.iter().all(|&size| size > 0));
        Dribble {
            data,
            sizes,
            interrupt_every,
            calls: 0,
        }
    }
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self
            .interrupt_every
            .is_some_and(|every| self.calls.is_multiple_of(every))
        {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let size = self.sizes[self.calls % self.sizes.len()];
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// A writer that takes at most `sizes[i]` bytes at its i-th write (cycling), fails every
/// `interrupt_every`-th write with `Interrupted`, and remembers how much had been written at
/// its last flush.
pub(crate) struct Trickle {
    pub(crate) written: Vec<u8>,
    pub(crate) flushed: usize,
    sizes: Vec<usize>,
    interrupt_every: Option<usize>,
    calls: usize,
}

impl Trickle {
    pub(crate) fn new(sizes: Vec<usize>, interrupt_every: Option<usize>) -> Self {
        assert!(sizes.iter().all(|&size| size > 0));
        Trickle {
            written: Vec::new(),
            flushed: 0,
            sizes,
            interrupt_every,
            calls: 0,
        }
    }
}

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self
            .interrupt_every
            .is_some_and(|every| self.calls.is_multiple_of(every))
        {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let n = self.sizes[self.calls % self.sizes.len()].min(buf.len());
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushed = self.written.len();
        Ok(())
    }
}

/// A message of `len` bytes with lower-case letters, digits and other bytes in it, different
/// for each `seed`: the worker upper-cases the ASCII letters and nothing else. It repeats a
/// block of 1021 bytes (a prime: no chunk or pipe boundary falls at the same place in two
/// blocks), so even a 4 MiB message is made in a few copies.
pub(crate) fn message(seed: usize, len: usize) -> Vec<u8> {
    repeat_block(&block(seed), len)
}

/// What the `upper` worker answers to `message(seed, len)`, made the same fast way.
pub(crate) fn upper_message(seed: usize, len: usize) -> Vec<u8> {
    repeat_block(&upper(&block(seed)), len)
}

fn block(seed: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789 \n\x00\xff\xe9ABC";
    (0..1021)
        .map(|i| ALPHABET[(i * 7 + seed * 13 + i / 97) % ALPHABET.len()])
        .collect()
}

fn repeat_block(block: &[u8], len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        let take = (len - bytes.len()).min(block.len());
        bytes.extend_from_slice(&block[..take]);
    }
    bytes
}

/// What the `upper` worker answers to `message`.
pub(crate) fn upper(message: &[u8]) -> Vec<u8> {
    message.to_ascii_uppercase()
}

/// Checks that `replies` are `expected`, one for one, saying how they differ if not.
pub(crate) fn compare_replies(expected: &[Vec<u8>], replies: &[Vec<u8>]) -> Result<(), String> {
    for (i, (want, got)) in expected.iter().zip(replies).enumerate() {
        if want != got {
            let at = want
                .iter()
                .zip(got)
                .position(|(a, b)| a != b)
                .unwrap_or(want.len().min(got.len()));
            let hint = if got.len() < want.len() {
                " A reply shorter than what the worker sent is a frame returned before all of it \
                 had arrived: one read returns what is in the pipe, not a whole frame; loop \
                 until the frame's length is reached."
            } else {
                ""
            };
            return Err(format!(
                "reply {i} is wrong: expected {}, got {} (they differ from byte {at}).{hint}",
                preview(want),
                preview(got)
            ));
        }
    }
    if expected.len() != replies.len() {
        return Err(format!(
            "expected {} replies, got {}",
            expected.len(),
            replies.len()
        ));
    }
    Ok(())
}
