//! What the cases, properties and traces share: a server process started from the worker
//! binary (killed and reaped whatever happens), client processes run to completion with a
//! bounded wait, an in-process server, and a raw connection that speaks the wire protocol with
//! the suite's own framing and HMAC, to send what a well-behaved client never would.
//!
//! Every read on a connection the suite opens has a timeout of `patience()`, and every wait
//! for a process is bounded by it: a server that hangs fails the test with a sentence.

use course_testkit::process::Reaped;
use course_testkit::{Trace, patience};
use hmac::{Hmac, KeyInit, Mac};
use object_manager::{Registry, Request, Server, capitalize};
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// The worker binary: `serve`, `call`, `set`, `get`.
pub(crate) const WORKER: &str = env!("CARGO_BIN_EXE_object_manager-worker");
/// The key the suite's servers use.
pub(crate) const KEY: &[u8] = b"the course's shared secret";
/// The environment variable the worker reads its key from.
const KEY_VAR: &str = "OBJECT_MANAGER_KEY";

/// Mirrors the protocol constants, so the raw connection does not trust the learner's file.
const WELCOME: &[u8] = b"#WELCOME#";
const FAILURE: &[u8] = b"#FAILURE#";
pub(crate) const MAX_FRAME: usize = 64 * 1024;

/// A request's bytes, encoded by the suite itself (a tag byte, then each string as a 4-byte
/// big-endian length and its UTF-8), so the raw connection does not trust the learner's file.
fn encode_request(request: &Request) -> Vec<u8> {
    let (tag, strings): (u8, Vec<&str>) = match request {
        Request::Call { function, argument } => (b'C', vec![function, argument]),
        Request::Get { name } => (b'G', vec![name]),
        Request::Set { name, value } => (b'S', vec![name, value]),
    };
    let mut bytes = vec![tag];
    for string in strings {
        bytes.extend_from_slice(&(string.len() as u32).to_be_bytes());
        bytes.extend_from_slice(string.as_bytes());
    }
    bytes
}

/// A response as the suite decodes it itself: its tag and its strings, if it is one.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    Value(String),
    Missing,
    Done,
    Error(String),
}

impl Answer {
    pub(crate) fn decode(bytes: &[u8]) -> Option<Answer> {
        let (&tag, mut rest) = bytes.split_first()?;
        let count = match tag {
            b'V' | b'E' => 1,
            b'M' | b'D' => 0,
            _ => return None,
        };
        let mut strings = Vec::new();
        for _ in 0..count {
            let (len, after) = rest.split_first_chunk::<4>()?;
            let len = u32::from_be_bytes(*len) as usize;
            let string = after.get(..len)?;
            strings.push(String::from_utf8(string.to_vec()).ok()?);
            rest = &after[len..];
        }
        if !rest.is_empty() {
            return None;
        }
        let mut strings = strings.into_iter();
        Some(match tag {
            b'V' => Answer::Value(strings.next()?),
            b'E' => Answer::Error(strings.next()?),
            b'M' => Answer::Missing,
            _ => Answer::Done,
        })
    }
}

/// A trace of what the test's processes and connections did.
pub(crate) fn trace() -> Trace<String> {
    let trace = Trace::new();
    trace.name_thread("test");
    trace
}

/// `message`, then the whole trace.
pub(crate) fn fail(trace: &Trace<String>, message: impl std::fmt::Display) -> ! {
    let last = trace.len().saturating_sub(1);
    trace.fail(message, &[last])
}

/// A server process (`object_manager-worker serve`).
pub(crate) struct ServerProcess {
    child: Reaped,
    pub(crate) addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    trace: Trace<String>,
}

impl ServerProcess {
    /// Starts a server process with [`KEY`] and waits, patiently, for its address.
    pub(crate) fn start(trace: &Trace<String>) -> Self {
        let mut child = Reaped(
            Command::new(WORKER)
                .arg("serve")
                .env(KEY_VAR, String::from_utf8_lossy(KEY).as_ref())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the server process"),
        );
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        {
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0; 4096];
                while let Ok(n @ 1..) = pipe.read(&mut buf) {
                    stderr
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let mut server = ServerProcess {
            child,
            addr: "127.0.0.1:1".parse().unwrap(),
            lines,
            stderr,
            trace: trace.clone(),
        };
        let line = server.next_line("print `listening on ADDR`");
        let Some(addr) = line.strip_prefix("listening on ") else {
            fail(
                trace,
                format!("the server process printed {line:?}, expected `listening on ADDR`"),
            );
        };
        server.addr = addr.parse().unwrap_or_else(|err| {
            fail(
                trace,
                format!("the server printed the address {addr:?}, which does not parse: {err}"),
            )
        });
        if !server.addr.ip().is_loopback() || server.addr.port() == 0 {
            fail(
                trace,
                format!(
                    "the server listens on {}: it must listen on a loopback address (only \
                     processes of this machine may connect), on the port the OS picked for \
                     port 0 (Server::local_addr reports it)",
                    server.addr
                ),
            );
        }
        trace.record(format!("server process listening on {}", server.addr));
        server
    }

    fn next_line(&mut self, what: &str) -> String {
        match self.lines.recv_timeout(patience()) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => fail(
                &self.trace,
                format!("the server process did not {what} within {:?}", patience()),
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Give the stderr reader a moment to collect the panic message.
                let _ = self.child.wait_patiently();
                fail(
                    &self.trace,
                    format!(
                        "the server process ended before it could {what}; its stderr:\n{}",
                        self.stderr()
                    ),
                )
            }
        }
    }

    /// What the server process wrote on stderr so far.
    pub(crate) fn stderr(&self) -> String {
        // Without the thread id of a panic message ("thread 'main' (1234) panicked"), the same
        // failure reads the same in every test.
        let stderr = self.stderr.lock().unwrap().clone();
        let mut clean = String::with_capacity(stderr.len());
        let mut rest = stderr.as_str();
        while let Some(at) = rest.find("' (") {
            let after = &rest[at + 3..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && after[digits..].starts_with(')') {
                clean.push_str(&rest[..at + 1]);
                rest = &after[digits + 1..];
            } else {
                clean.push_str(&rest[..at + 3]);
                rest = after;
            }
        }
        clean.push_str(rest);
        clean
    }

    /// True while the server process is running.
    pub(crate) fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Fails the test if the server process has ended.
    pub(crate) fn check_alive(&mut self, after: &str) {
        if !self.alive() {
            fail(
                &self.trace,
                format!(
                    "the server process died after {after}: a bad client must cost its own \
                     connection, never the server. Its stderr:\n{}",
                    self.stderr()
                ),
            );
        }
    }

    /// Closes the server's stdin (it then shuts down) and checks that it says `stopped` and
    /// exits successfully, patiently.
    pub(crate) fn stop(&mut self) {
        drop(self.child.stdin.take());
        let line =
            self.next_line("say `stopped` after its stdin was closed (Server::shutdown returned)");
        if line != "stopped" {
            fail(
                &self.trace,
                format!("the server printed {line:?}, expected `stopped`"),
            );
        }
        match self.child.wait_patiently() {
            Some(status) if status.success() => {}
            Some(status) => fail(
                &self.trace,
                format!("the server process exited with {status}"),
            ),
            None => fail(
                &self.trace,
                "the server process did not exit after shutdown",
            ),
        }
        self.trace.record("server process stopped".to_owned());
    }
}

/// How a client process ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs a client process (`call`, `set` or `get` with `args`) with `key`, with `assert_cmd`,
/// which kills and reaps it if it has not finished within [`patience`].
pub(crate) fn client_process(trace: &Trace<String>, key: &[u8], args: &[&str]) -> Outcome {
    let output = assert_cmd::Command::new(WORKER)
        .args(args)
        .env(KEY_VAR, String::from_utf8_lossy(key).as_ref())
        .timeout(patience())
        .output()
        .expect("start a client process");
    // Only the timeout kills a client with SIGKILL.
    if output.status.signal() == Some(9) {
        fail(
            trace,
            format!(
                "the client process {args:?} did not finish within {:?}",
                patience()
            ),
        );
    }
    let outcome = Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned(),
        stderr: String::from_utf8_lossy(&output.stderr)
            .trim_end()
            .to_owned(),
    };
    trace.record(format!(
        "client process {args:?} exited {:?}, stdout {:?}, stderr {:?}",
        outcome.code, outcome.stdout, outcome.stderr
    ));
    outcome
}

/// A server in this process, offering `capitalize` and `fail` under [`KEY`].
pub(crate) fn in_process_server() -> Server {
    let mut registry = Registry::new();
    registry
        .register("capitalize", |text| Ok(capitalize(text)))
        .register("fail", |_| Err("fail always fails".to_owned()));
    Server::start("127.0.0.1:0", KEY, registry).expect("Server::start on 127.0.0.1:0")
}

/// HMAC-SHA256, computed by the suite itself.
pub(crate) fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// What a raw read got.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Got {
    Frame(Vec<u8>),
    /// End of stream (or the connection reset): the server hung up.
    Closed,
    /// Nothing within `patience()`.
    Silence,
}

impl Got {
    /// How a response reads in a trace.
    pub(crate) fn describe(&self) -> String {
        match self {
            Got::Frame(bytes) if bytes == WELCOME => "WELCOME".to_owned(),
            Got::Frame(bytes) if bytes == FAILURE => "FAILURE".to_owned(),
            Got::Frame(bytes) => match Answer::decode(bytes) {
                Some(answer) => format!("{answer:?}"),
                None => format!("a frame of {} bytes", bytes.len()),
            },
            Got::Closed => "the connection closed".to_owned(),
            Got::Silence => format!("nothing within {:?}", patience()),
        }
    }

    pub(crate) fn is_error_or_closed(&self) -> bool {
        match self {
            Got::Closed => true,
            Got::Frame(bytes) => matches!(Answer::decode(bytes), Some(Answer::Error(_))),
            Got::Silence => false,
        }
    }
}

/// A connection that speaks the protocol with the suite's own framing.
pub(crate) struct Raw {
    stream: TcpStream,
    name: String,
    trace: Trace<String>,
}

impl Raw {
    pub(crate) fn connect(trace: &Trace<String>, name: &str, addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect_timeout(&addr, patience()).unwrap_or_else(|err| {
            fail(trace, format!("{name} could not connect to {addr}: {err}"))
        });
        stream.set_read_timeout(Some(patience())).unwrap();
        stream.set_nodelay(true).unwrap();
        Raw {
            stream,
            name: name.to_owned(),
            trace: trace.clone(),
        }
    }

    /// Sends `bytes` as they are (errors ignored: the server may have hung up already).
    pub(crate) fn send_bytes(&mut self, what: &str, bytes: &[u8]) {
        self.trace.record(format!("{} sends {what}", self.name));
        let _ = self.stream.write_all(bytes);
    }

    pub(crate) fn send_frame(&mut self, what: &str, payload: &[u8]) {
        let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(payload);
        self.send_bytes(what, &bytes);
    }

    /// Ends the sending half: the server reads end-of-stream after what was sent.
    pub(crate) fn close_sending(&mut self) {
        self.trace
            .record(format!("{} closes its sending half", self.name));
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }

    /// Reads one frame, recording what came.
    pub(crate) fn receive(&mut self) -> Got {
        let got = self.read_frame();
        self.trace
            .record(format!("{} receives {}", self.name, got.describe()));
        got
    }

    fn read_frame(&mut self) -> Got {
        let mut prefix = [0; 4];
        match self.read_exactly(&mut prefix) {
            Ok(true) => {}
            Ok(false) => return Got::Closed,
            Err(got) => return got,
        }
        let len = u32::from_be_bytes(prefix) as usize;
        if len > MAX_FRAME {
            fail(
                &self.trace,
                format!(
                    "{} received a frame of {len} bytes, more than the maximum",
                    self.name
                ),
            );
        }
        let mut payload = vec![0; len];
        match self.read_exactly(&mut payload) {
            Ok(true) => Got::Frame(payload),
            Ok(false) => Got::Closed,
            Err(got) => got,
        }
    }

    /// `Ok(true)` if `buf` was filled, `Ok(false)` at end of stream.
    fn read_exactly(&mut self, buf: &mut [u8]) -> Result<bool, Got> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.stream.read(&mut buf[filled..]) {
                Ok(0) => return Ok(false),
                Ok(n) => filled += n,
                Err(err) => {
                    return Err(match err.kind() {
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                            Got::Silence
                        }
                        std::io::ErrorKind::Interrupted => continue,
                        _ => Got::Closed,
                    });
                }
            }
        }
        Ok(true)
    }

    /// Answers the challenge with `key` and returns the verdict.
    pub(crate) fn handshake(&mut self, key: &[u8]) -> Got {
        let challenge = match self.receive() {
            Got::Frame(challenge) => challenge,
            other => fail(
                &self.trace,
                format!(
                    "{} expected the server's challenge first, got {}",
                    self.name,
                    other.describe()
                ),
            ),
        };
        if challenge.len() != 32 {
            fail(
                &self.trace,
                format!(
                    "the challenge has {} bytes, the protocol says 32",
                    challenge.len()
                ),
            );
        }
        let what = if key == KEY {
            "the right answer"
        } else {
            "an answer made with a wrong key"
        };
        self.send_frame(what, &hmac(key, &challenge));
        self.receive()
    }

    /// A handshake with the right key, which must succeed.
    pub(crate) fn authenticate(&mut self) {
        let verdict = self.handshake(KEY);
        if verdict != Got::Frame(WELCOME.to_vec()) {
            fail(
                &self.trace,
                format!(
                    "{} answered the challenge with the right key, but the server answered {}, \
                     not WELCOME",
                    self.name,
                    verdict.describe()
                ),
            );
        }
    }

    /// Sends `request` and reads the response.
    pub(crate) fn request(&mut self, request: &Request) -> Got {
        self.send_frame(&format!("{request:?}"), &encode_request(request));
        self.receive()
    }
}

pub(crate) fn is_welcome(got: &Got) -> bool {
    *got == Got::Frame(WELCOME.to_vec())
}
