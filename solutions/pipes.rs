//! Framed messages over a child's pipes: a length-prefixed frame format on a byte stream, a
//! `Worker` that talks to a child process through its stdin and stdout, and `exchange`, which
//! writes and reads at the same time so that no message size can deadlock it.
//!
//! Goal: the parent and a child process send each other whole messages, in order, in both
//! directions, of any size up to a limit; either side ends the conversation by closing its end,
//! and the other side sees a clean end of stream; a broken stream is an error, never a panic or
//! a hang; every child is waited for.
//!
//! The frame format (`crates/pipes/src/worker.rs` speaks it too):
//!
//! | bytes | meaning                                                   |
//! |-------|-----------------------------------------------------------|
//! | 4     | the payload's length N, an unsigned big-endian integer    |
//! | N     | the payload                                               |
//!
//! A stream is a sequence of whole frames and may end only between two of them:
//!
//! - the end of the stream before the first byte of a header is the clean end: `Ok(None)`;
//! - an end inside a header or a payload is `PipeError::Truncated`, saying which part was cut,
//!   how many bytes of it arrived and how many were announced;
//! - a header announcing more than the reader's limit is `PipeError::TooLarge`, refused before
//!   anything is allocated for it (a garbage header would otherwise ask for up to 4 GiB);
//! - the writer refuses to send a payload over its limit (`TooLarge`, nothing written).
//!
//! What to build in this file:
//!
//! - `FrameWriter`: `send` (header, payload, flush), `flush`, `close`; dropping it closes too;
//! - `FrameReader`: `recv`, which loops over short reads (a pipe hands out whatever has
//!   arrived, not whole frames) and is retried after `ErrorKind::Interrupted`;
//! - `Worker`: a child with piped stdin and stdout (and no process group of its own):
//!   `spawn`, `send`, `recv`, `close` (the child then reads end of stream), `wait`, and a drop
//!   that kills and reaps a child nobody waited for;
//! - `exchange`: sends every message from one thread while the calling thread reads the
//!   replies, so that a reply filling the child's stdout while a message still fills its stdin
//!   cannot block both processes.
//!
//! Chapter: `docs/src/part2/pipes.md`.
//! Check your work with `cargo xtask check pipes`; stuck? `cargo xtask hint pipes`.

use course_sync::thread;
use std::fmt;
use std::io::{self, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};

/// The length of a frame header: a big-endian `u32`.
pub const HEADER_LEN: usize = 4;

/// The largest payload a reader accepts and a writer sends unless told otherwise: 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// The part of a frame the stream ended in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FramePart {
    Header,
    Payload,
}

/// What can go wrong talking over pipes.
#[derive(Debug)]
pub enum PipeError {
    /// The child program could not be started.
    Spawn(io::Error),
    /// Reading or writing a pipe failed (a broken pipe: the other side is gone).
    Io(io::Error),
    /// A frame of `len` bytes, over the limit `max`: announced by a header (`recv`) or asked
    /// for (`send`).
    TooLarge { len: u64, max: usize },
    /// The stream ended inside a frame's `part`: `got` of its `expected` bytes arrived.
    Truncated {
        part: FramePart,
        got: usize,
        expected: usize,
    },
    /// `send` after `close`: the stream to the child is closed.
    Closed,
    /// The child exited unsuccessfully.
    Failed(ExitStatus),
}

impl fmt::Display for PipeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipeError::Spawn(source) => write!(f, "cannot start the child: {source}"),
            PipeError::Io(source) => write!(f, "pipe: {source}"),
            PipeError::TooLarge { len, max } => {
                write!(f, "a frame of {len} bytes is over the limit of {max}")
            }
            PipeError::Truncated {
                part,
                got,
                expected,
            } => write!(
                f,
                "the stream ended inside a frame's {}: {got} of {expected} bytes",
                match part {
                    FramePart::Header => "header",
                    FramePart::Payload => "payload",
                }
            ),
            PipeError::Closed => write!(f, "send after close"),
            PipeError::Failed(status) => write!(f, "the child ended with {status}"),
        }
    }
}

impl std::error::Error for PipeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PipeError::Spawn(source) | PipeError::Io(source) => Some(source),
            _ => None,
        }
    }
}

impl From<io::Error> for PipeError {
    fn from(source: io::Error) -> Self {
        PipeError::Io(source)
    }
}

/// Writes frames to a byte stream. Dropping it drops the stream, which for a pipe is the
/// close: the reader at the other end then reads the end of the stream.
#[derive(Debug)]
pub struct FrameWriter<W: Write> {
    inner: W,
    max_frame: usize,
}

impl<W: Write> FrameWriter<W> {
    /// A writer onto `inner` with the limit [`DEFAULT_MAX_FRAME`].
    pub fn new(inner: W) -> Self {
        FrameWriter {
            inner,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }

    /// The same writer with another limit (at most `u32::MAX`, what a header can say).
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.max_frame = max_frame;
        self
    }

    /// Sends `payload` as one frame and flushes it. Over the limit: `TooLarge`, and nothing is
    /// written, so the stream stays a sequence of whole frames.
    pub fn send(&mut self, payload: &[u8]) -> Result<(), PipeError> {
        // The header cannot say more than u32::MAX, whatever the limit says.
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|&len| len as usize <= self.max_frame)
            .ok_or(PipeError::TooLarge {
                len: payload.len() as u64,
                max: self.max_frame,
            })?;
        // write_all loops over short writes (a pipe takes what fits) and retries after
        // Interrupted. The flush hands the frame to the stream now: the reader may be waiting
        // for exactly this message before it says anything.
        self.inner.write_all(&len.to_be_bytes())?;
        self.inner.write_all(payload)?;
        self.inner.flush()?;
        Ok(())
    }

    /// Hands anything buffered to the stream. Flushing is not closing: the reader still waits
    /// for more.
    pub fn flush(&mut self) -> Result<(), PipeError> {
        self.inner.flush()?;
        Ok(())
    }

    /// Flushes and closes: the stream is dropped here, and the reader sees its end after the
    /// last frame.
    pub fn close(mut self) -> Result<(), PipeError> {
        self.inner.flush()?;
        drop(self);
        Ok(())
    }
}

/// Reads frames from a byte stream.
#[derive(Debug)]
pub struct FrameReader<R: Read> {
    inner: R,
    max_frame: usize,
}

impl<R: Read> FrameReader<R> {
    /// A reader from `inner` with the limit [`DEFAULT_MAX_FRAME`].
    pub fn new(inner: R) -> Self {
        FrameReader {
            inner,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }

    /// The same reader with another limit.
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.max_frame = max_frame;
        self
    }

    /// The next frame's payload; `Ok(None)` at the clean end of the stream (and again at every
    /// call after it). An end inside a frame is `Truncated`; a header over the limit is
    /// `TooLarge`.
    pub fn recv(&mut self) -> Result<Option<Vec<u8>>, PipeError> {
        // One `read` returns whatever has arrived: one byte of a header, half a payload. A
        // frame is complete only once we have looped until every byte it announced is here.
        let mut header = [0u8; HEADER_LEN];
        match read_full(&mut self.inner, &mut header)? {
            0 => return Ok(None),
            HEADER_LEN => {}
            got => {
                return Err(PipeError::Truncated {
                    part: FramePart::Header,
                    got,
                    expected: HEADER_LEN,
                });
            }
        }
        let len = u32::from_be_bytes(header);
        // The length comes from the other side: check it before it sizes anything. A header
        // of garbage is a length like 0x6761_7262 (1.7 GB).
        if len as usize > self.max_frame {
            return Err(PipeError::TooLarge {
                len: u64::from(len),
                max: self.max_frame,
            });
        }
        let expected = len as usize;
        // The buffer grows as the bytes arrive (a liar header costs nothing), and the limit
        // bounds it. `read_to_end` on `take` loops over short reads and Interrupted for us.
        let mut payload = Vec::with_capacity(expected.min(64 * 1024));
        let got = (&mut self.inner)
            .take(u64::from(len))
            .read_to_end(&mut payload)?;
        if got < expected {
            return Err(PipeError::Truncated {
                part: FramePart::Payload,
                got,
                expected,
            });
        }
        Ok(Some(payload))
    }
}

/// Reads until `buf` is full or the stream ends; returns how many bytes arrived (fewer than
/// `buf.len()` only at the end of the stream). Retries after `Interrupted`, as `read_exact`
/// does; unlike `read_exact`, it says how much arrived, which tells a clean end (0) from a cut.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// A child process, killed and reaped when dropped unless it was waited for already.
#[derive(Debug)]
struct KillOnDrop(Child);

impl KillOnDrop {
    /// Waits for the child to exit. Waiting again returns the status saved the first time.
    fn wait(&mut self) -> Result<ExitStatus, PipeError> {
        Ok(self.0.wait()?)
    }

    /// Ends the child now (a no-op if it was already waited for).
    fn kill(&mut self) {
        // Killing an exited child that is not yet reaped is harmless: it is still ours.
        let _ = self.0.kill();
    }
}

impl Drop for KillOnDrop {
    /// No child outlives its owner, not even as a zombie: kill it (in case it still runs),
    /// then reap it. After a successful `wait` both are no-ops.
    fn drop(&mut self) {
        self.kill();
        let _ = self.0.wait();
    }
}

/// A child process and the two pipes the parent talks to it through: frames go to its stdin
/// and come from its stdout. Its stderr stays the parent's.
///
/// Dropping a `Worker` closes both pipes, then kills and reaps the child (fields drop in
/// order: the pipes first, so a child that was about to exit on its own end of input can).
#[derive(Debug)]
pub struct Worker {
    /// Our end of its stdin; `None` once `close` closed it.
    sender: Option<FrameWriter<ChildStdin>>,
    /// Our end of its stdout, buffered: a header is four bytes, not four system calls.
    receiver: FrameReader<BufReader<ChildStdout>>,
    process: KillOnDrop,
}

impl Worker {
    /// Starts `command` with its stdin and stdout piped to us, with the limit
    /// [`DEFAULT_MAX_FRAME`] both ways.
    pub fn spawn(command: &mut Command) -> Result<Worker, PipeError> {
        // No process group or session of its own: the child must die with ours.
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(PipeError::Spawn)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both pipes were requested");
        };
        Ok(Worker {
            sender: Some(FrameWriter::new(stdin)),
            receiver: FrameReader::new(BufReader::new(stdout)),
            process: KillOnDrop(child),
        })
    }

    /// The same worker with another frame limit, both ways.
    pub fn with_max_frame(mut self, max_frame: usize) -> Self {
        self.sender = self.sender.map(|sender| sender.with_max_frame(max_frame));
        self.receiver = self.receiver.with_max_frame(max_frame);
        self
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.process.0.id()
    }

    /// Sends one message to the child. It blocks while the child's stdin is full: sending a
    /// large message to a child that answers as it reads needs someone reading meanwhile (see
    /// [`exchange`]).
    pub fn send(&mut self, payload: &[u8]) -> Result<(), PipeError> {
        self.sender.as_mut().ok_or(PipeError::Closed)?.send(payload)
    }

    /// The child's next message; `Ok(None)` once it closed its stdout (or exited).
    pub fn recv(&mut self) -> Result<Option<Vec<u8>>, PipeError> {
        self.receiver.recv()
    }

    /// Closes the child's stdin: after the messages already sent, it reads the end of its
    /// input. Closing twice is harmless.
    pub fn close(&mut self) -> Result<(), PipeError> {
        // Taking the writer out of the Option and consuming it drops our ChildStdin: that, not
        // a flush, is what the child sees as the end of its input.
        match self.sender.take() {
            Some(sender) => sender.close(),
            None => Ok(()),
        }
    }

    /// Closes both pipes and waits for the child to exit. Call it once `recv` returned
    /// `Ok(None)`: a child that still had something to say finds its stdout closed.
    pub fn wait(self) -> Result<ExitStatus, PipeError> {
        let Worker {
            sender,
            receiver,
            mut process,
        } = self;
        // Closing our read end too means the child can never block on a full stdout while we
        // wait: its next write fails and it ends.
        drop(sender);
        drop(receiver);
        process.wait()
    }
}

/// Starts `command`, sends it every message of `messages` and then the end of its input, and
/// returns every message it sent back, in order, once it closed its stdout and exited
/// successfully.
///
/// The messages are written from a thread of their own while the calling thread reads the
/// replies: with a child that answers as it reads, the replies fill its stdout while the
/// messages fill its stdin, and a parent that did one after the other would wait forever on
/// a child waiting for it.
///
/// Errors, in this order: a reply that is not a frame; the child's unsuccessful exit; a
/// message that could not be sent. The child is reaped on every path.
pub fn exchange<M>(command: &mut Command, messages: &[M]) -> Result<Vec<Vec<u8>>, PipeError>
where
    M: AsRef<[u8]> + Sync,
{
    let mut worker = Worker::spawn(command)?;
    let sender = worker.sender.take().expect("a new worker's stdin is open");
    let (sent, received) = thread::scope(|scope| {
        // The writer owns the ChildStdin: when it returns, on success or error, the pipe is
        // dropped and the child reads the end of its input.
        let writer = scope.spawn(move || {
            let mut sender = sender;
            for message in messages {
                sender.send(message.as_ref())?;
            }
            sender.close()
        });
        let mut replies = Vec::new();
        let received = loop {
            match worker.receiver.recv() {
                Ok(Some(reply)) => replies.push(reply),
                Ok(None) => break Ok(replies),
                Err(error) => break Err(error),
            }
        };
        if received.is_err() {
            // Nobody reads the child any more, so it may block on its stdout and the writer on
            // its stdin. Kill it: the writer's next write fails and the scope can end.
            worker.process.kill();
        }
        let sent = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (sent, received)
    });
    let status = worker.wait()?;
    let replies = received?;
    if !status.success() {
        return Err(PipeError::Failed(status));
    }
    sent?;
    Ok(replies)
}
