//! An object server over TCP: named functions and a shared namespace, served to authenticated
//! clients in other processes, like Python's `BaseManager` and `SyncManager.Namespace`.
//!
//! Goal: a server process listens on a loopback address and serves each client connection on
//! a thread of its own. A client proves it knows the shared key (an HMAC challenge-response)
//! before anything it sends is run; then it calls registered functions through a proxy
//! (`client.function("capitalize").call("hello World")`) and reads and writes the attributes
//! of one namespace that every client shares. A client that sends garbage, a cut frame or an
//! oversized one gets an error and loses its connection; the server goes on serving the
//! others. Shutting the server down stops it accepting, closes every connection and joins every
//! thread it started.
//!
//! The wire protocol (every message is a frame: a 4-byte big-endian length, then that many
//! bytes, at most [`MAX_FRAME`]):
//!
//! 1. server -> client: a [`NONCE_LEN`]-byte random challenge;
//! 2. client -> server: HMAC-SHA256(key, challenge);
//! 3. server -> client: [`WELCOME`] and the session starts, or [`FAILURE`] and the server
//!    closes the connection;
//! 4. then any number of times: client -> server a [`Request`], server -> client its
//!    [`Response`] (both encoded by the code given below).
//!
//! What to build in this file:
//!
//! - `write_frame` and `read_frame`: the framing, with its maximum size and its errors;
//! - `answer` and `verify`: the HMAC, compared in constant time;
//! - `deliver_challenge` (the server's side of the handshake) and `answer_challenge` (the
//!   client's);
//! - `capitalize`, the function the seed's example serves;
//! - `Server`: `start`, the accept loop, one connection's session, `handle`, and `stop`;
//! - `Client` and its proxies.
//!
//! Chapter: `docs/src/part2/object_manager.md`.
//! Check your work with `cargo xtask check object_manager`; stuck? `cargo xtask hint
//! object_manager`.

use course_sync::{Arc, Mutex, thread};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::PoisonError;
use std::time::Duration;

/// The largest frame payload either side sends or accepts, in bytes.
pub const MAX_FRAME: usize = 64 * 1024;
/// The length of the server's random challenge, in bytes.
pub const NONCE_LEN: usize = 32;
/// The server's answer to a correct response to its challenge.
pub const WELCOME: &[u8] = b"#WELCOME#";
/// The server's answer to a wrong one, just before it closes the connection.
pub const FAILURE: &[u8] = b"#FAILURE#";
/// How long either side waits for the other's next frame before giving up on the connection.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Framing

/// Why a frame could not be read or written.
#[derive(Debug)]
pub enum FrameError {
    /// The connection failed (or a read timed out).
    Io(io::Error),
    /// A frame longer than [`MAX_FRAME`] was announced or offered.
    TooLarge {
        /// Its length.
        len: usize,
    },
    /// The connection ended in the middle of a frame.
    Truncated {
        /// Bytes the frame (or its length prefix) should have had.
        expected: usize,
        /// Bytes that came.
        got: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(err) => write!(f, "connection error: {err}"),
            FrameError::TooLarge { len } => {
                write!(
                    f,
                    "frame of {len} bytes is larger than the maximum of {MAX_FRAME}"
                )
            }
            FrameError::Truncated { expected, got } => write!(
                f,
                "connection closed in the middle of a frame ({got} of {expected} bytes)"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<io::Error> for FrameError {
    fn from(err: io::Error) -> Self {
        FrameError::Io(err)
    }
}

/// Writes `payload` as one frame: its length as 4 big-endian bytes, then the bytes.
pub fn write_frame(writer: &mut impl Write, payload: &[u8]) -> Result<(), FrameError> {
    if payload.len() > MAX_FRAME {
        return Err(FrameError::TooLarge { len: payload.len() });
    }
    // One buffer, one write: the prefix and the payload leave together.
    let mut frame = Vec::with_capacity(4 + payload.len());
    let len = u32::try_from(payload.len()).expect("MAX_FRAME fits in a u32");
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    writer.write_all(&frame)?;
    writer.flush()?;
    Ok(())
}

/// Reads one frame. `Ok(None)` if the connection ended cleanly, before a frame started.
///
/// The announced length is checked against [`MAX_FRAME`] before anything is allocated or
/// read: a peer cannot make us reserve 4 GiB, or wait for it.
pub fn read_frame(reader: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut prefix = [0; 4];
    match read_full(reader, &mut prefix)? {
        0 => return Ok(None),
        4 => {}
        got => return Err(FrameError::Truncated { expected: 4, got }),
    }
    let len = u32::from_be_bytes(prefix) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge { len });
    }
    let mut payload = vec![0; len];
    let got = read_full(reader, &mut payload)?;
    if got < len {
        return Err(FrameError::Truncated { expected: len, got });
    }
    Ok(Some(payload))
}

/// Fills `buf` from `reader` until it is full or the stream ends; returns how many bytes came.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

// ---------------------------------------------------------------------------------------------
// Messages (given: the encoding is not the point of the exercise)

/// What a client asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Run the registered function `function` on `argument`.
    Call {
        /// Its registered name.
        function: String,
        /// Its argument.
        argument: String,
    },
    /// Read the namespace attribute `name`.
    Get {
        /// The attribute.
        name: String,
    },
    /// Set the namespace attribute `name` to `value`.
    Set {
        /// The attribute.
        name: String,
        /// Its new value.
        value: String,
    },
}

/// What the server answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// A function's result, or an attribute's value.
    Value(String),
    /// The attribute asked for is not set.
    Missing,
    /// The attribute was set.
    Done,
    /// The request failed (unknown function, the function's own error, a bad request).
    Error(String),
}

/// A message that does not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "undecodable message: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

// A message is a tag byte, then its strings, each as a 4-byte big-endian length and UTF-8.

fn encode(tag: u8, strings: &[&str]) -> Vec<u8> {
    let mut bytes = vec![tag];
    for string in strings {
        let len = u32::try_from(string.len()).unwrap_or(u32::MAX);
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend_from_slice(string.as_bytes());
    }
    bytes
}

/// Splits `bytes` into its tag and exactly `count` strings.
fn decode(bytes: &[u8], count: usize) -> Result<Vec<String>, DecodeError> {
    let mut rest = bytes.get(1..).ok_or_else(|| DecodeError("empty".into()))?;
    let mut strings = Vec::with_capacity(count);
    for _ in 0..count {
        let (len, after) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| DecodeError("a string's length is cut".into()))?;
        let len = u32::from_be_bytes(*len) as usize;
        if after.len() < len {
            return Err(DecodeError("a string is cut".into()));
        }
        let (string, after) = after.split_at(len);
        let string =
            String::from_utf8(string.to_vec()).map_err(|_| DecodeError("not UTF-8".into()))?;
        strings.push(string);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(DecodeError(format!("{} bytes left over", rest.len())));
    }
    Ok(strings)
}

impl Request {
    /// The request's bytes, for a frame.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Request::Call { function, argument } => encode(b'C', &[function, argument]),
            Request::Get { name } => encode(b'G', &[name]),
            Request::Set { name, value } => encode(b'S', &[name, value]),
        }
    }

    /// The request in a frame's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        match bytes.first() {
            Some(b'C') => {
                let [function, argument] = <[String; 2]>::try_from(decode(bytes, 2)?).unwrap();
                Ok(Request::Call { function, argument })
            }
            Some(b'G') => {
                let [name] = <[String; 1]>::try_from(decode(bytes, 1)?).unwrap();
                Ok(Request::Get { name })
            }
            Some(b'S') => {
                let [name, value] = <[String; 2]>::try_from(decode(bytes, 2)?).unwrap();
                Ok(Request::Set { name, value })
            }
            Some(tag) => Err(DecodeError(format!("unknown request tag {tag:#04x}"))),
            None => Err(DecodeError("empty".into())),
        }
    }
}

impl Response {
    /// The response's bytes, for a frame.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Response::Value(value) => encode(b'V', &[value]),
            Response::Missing => encode(b'M', &[]),
            Response::Done => encode(b'D', &[]),
            Response::Error(message) => encode(b'E', &[message]),
        }
    }

    /// The response in a frame's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        match bytes.first() {
            Some(b'V') => {
                let [value] = <[String; 1]>::try_from(decode(bytes, 1)?).unwrap();
                Ok(Response::Value(value))
            }
            Some(b'M') => decode(bytes, 0).map(|_| Response::Missing),
            Some(b'D') => decode(bytes, 0).map(|_| Response::Done),
            Some(b'E') => {
                let [message] = <[String; 1]>::try_from(decode(bytes, 1)?).unwrap();
                Ok(Response::Error(message))
            }
            Some(tag) => Err(DecodeError(format!("unknown response tag {tag:#04x}"))),
            None => Err(DecodeError("empty".into())),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// What can go wrong for a client (and, inside the server, for one connection).
#[derive(Debug)]
pub enum ManagerError {
    /// The connection failed.
    Io(io::Error),
    /// A frame could not be read or written.
    Frame(FrameError),
    /// A message did not decode.
    Decode(DecodeError),
    /// The key was wrong: the server refused the connection.
    Refused,
    /// The other side closed the connection.
    Closed,
    /// The server answered the request with an error.
    Remote(String),
    /// The other side broke the protocol (an unexpected message).
    Protocol(String),
}

impl fmt::Display for ManagerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagerError::Io(err) => write!(f, "connection error: {err}"),
            ManagerError::Frame(err) => write!(f, "{err}"),
            ManagerError::Decode(err) => write!(f, "{err}"),
            ManagerError::Refused => write!(f, "authentication failed: the server refused the key"),
            ManagerError::Closed => write!(f, "the connection was closed"),
            ManagerError::Remote(message) => write!(f, "the server answered: {message}"),
            ManagerError::Protocol(message) => write!(f, "protocol error: {message}"),
        }
    }
}

impl std::error::Error for ManagerError {}

impl From<io::Error> for ManagerError {
    fn from(err: io::Error) -> Self {
        ManagerError::Io(err)
    }
}

impl From<FrameError> for ManagerError {
    fn from(err: FrameError) -> Self {
        ManagerError::Frame(err)
    }
}

impl From<DecodeError> for ManagerError {
    fn from(err: DecodeError) -> Self {
        ManagerError::Decode(err)
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication

/// HMAC-SHA256 of `challenge` under `key`: what a client that knows the key answers.
pub fn answer(key: &[u8], challenge: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(challenge);
    mac.finalize().into_bytes().into()
}

/// Whether `response` is the right answer to `challenge` under `key`.
///
/// The comparison takes the same time wherever the first wrong byte is (`verify_slice`): a
/// `==` that stops at the first difference lets an attacker find the answer byte by byte by
/// timing the refusals.
pub fn verify(key: &[u8], challenge: &[u8], response: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(challenge);
    mac.verify_slice(response).is_ok()
}

/// The server's side of the handshake: sends a fresh random challenge, checks the answer, and
/// says WELCOME or FAILURE. `Ok(true)` if the client proved it knows the key.
fn deliver_challenge(stream: &mut TcpStream, key: &[u8]) -> Result<bool, ManagerError> {
    // A fresh nonce from the operating system for every connection: an answer recorded from
    // one connection is worth nothing on the next.
    let mut challenge = [0; NONCE_LEN];
    getrandom::fill(&mut challenge)
        .map_err(|err| io::Error::other(format!("no random bytes: {err}")))?;
    write_frame(stream, &challenge)?;
    let Some(response) = read_frame(stream)? else {
        return Err(ManagerError::Closed);
    };
    if verify(key, &challenge, &response) {
        write_frame(stream, WELCOME)?;
        Ok(true)
    } else {
        write_frame(stream, FAILURE)?;
        Ok(false)
    }
}

/// The client's side: answers the server's challenge and reads its verdict.
fn answer_challenge(stream: &mut TcpStream, key: &[u8]) -> Result<(), ManagerError> {
    let challenge = read_frame(stream)?.ok_or(ManagerError::Closed)?;
    if challenge.len() != NONCE_LEN {
        return Err(ManagerError::Protocol(format!(
            "a challenge of {} bytes, expected {NONCE_LEN}",
            challenge.len()
        )));
    }
    write_frame(stream, &answer(key, &challenge))?;
    match read_frame(stream)? {
        Some(verdict) if verdict == WELCOME => Ok(()),
        Some(verdict) if verdict == FAILURE => Err(ManagerError::Refused),
        // A server that refuses may close the connection before we read its verdict.
        None => Err(ManagerError::Refused),
        Some(other) => Err(ManagerError::Protocol(format!(
            "expected WELCOME or FAILURE, got {} bytes",
            other.len()
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Functions

/// A function the server runs for its clients: an argument in, a result or an error message
/// out. `Send + Sync` because every connection thread may call it at the same time.
pub type Function = Box<dyn Fn(&str) -> Result<String, String> + Send + Sync>;

/// The named functions a server offers (given).
#[derive(Default)]
pub struct Registry {
    functions: HashMap<String, Function>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Offers `function` under `name` (replacing any function of that name).
    pub fn register<F>(&mut self, name: impl Into<String>, function: F) -> &mut Self
    where
        F: Fn(&str) -> Result<String, String> + Send + Sync + 'static,
    {
        self.functions.insert(name.into(), Box::new(function));
        self
    }

    fn get(&self, name: &str) -> Option<&Function> {
        self.functions.get(name)
    }
}

/// Python's `str.capitalize`: the first character in upper case, every other one in lower
/// case (`"hello World"` becomes `"Hello world"`).
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Server

/// What the accept loop and every connection thread share.
struct Shared {
    /// The address the server listens on, to wake the accept loop on shutdown.
    addr: SocketAddr,
    key: Vec<u8>,
    registry: Registry,
    /// The namespace's attributes. Locked only to read or write one entry: never while reading
    /// from or writing to a connection, so one slow client cannot hold up the others.
    namespace: Mutex<HashMap<String, String>>,
    /// The server's connections, and whether it is stopping (see [`Connections`]).
    connections: Mutex<Connections>,
}

/// Held under `Shared::connections`. The accept loop registers each new connection here, and
/// `begin_shutdown` sets `stopping` and closes every open one, under this same lock: so a
/// connection is either registered before shutdown began (and closed by it) or turned away.
#[derive(Default)]
struct Connections {
    stopping: bool,
    next_id: u64,
    /// A handle on each open connection's socket, for `begin_shutdown` to close.
    open: HashMap<u64, TcpStream>,
    /// The connection threads not yet joined.
    threads: Vec<thread::JoinHandle<()>>,
}

/// A running object server. [`shutdown`](Self::shutdown) (or dropping it) stops it.
pub struct Server {
    shared: Arc<Shared>,
    /// The accept loop's thread; `None` once stopped.
    acceptor: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Binds `addr` (use port 0 and let the OS pick a free port), and serves `registry` and a
    /// fresh namespace to clients that know `key`, each connection on a thread of its own.
    pub fn start(addr: impl ToSocketAddrs, key: &[u8], registry: Registry) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let shared = Arc::new(Shared {
            addr: listener.local_addr()?,
            key: key.to_vec(),
            registry,
            namespace: Mutex::new(HashMap::new()),
            connections: Mutex::new(Connections::default()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("object server: accept".into())
                .spawn(move || accept_loop(&shared, &listener))?
        };
        Ok(Server {
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The address the server listens on (with the port the OS picked).
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Stops the server: no new connection is accepted, every open one is closed, and every
    /// thread the server started has ended when this returns.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.begin_shutdown();
        // The accept loop returns once woken, and its listener is dropped with it: from then
        // on, connecting is refused.
        if acceptor.join().is_err() {
            eprintln!("object server: the accept loop panicked");
        }
        // No thread is added after `stopping` was set, so this takes them all.
        let threads = std::mem::take(&mut self.shared.lock_connections().threads);
        for connection in threads {
            if connection.join().is_err() {
                eprintln!("object server: a connection thread panicked");
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn lock_connections(&self) -> course_sync::MutexGuard<'_, Connections> {
        // A panic elsewhere while this was held leaves a consistent map: carry on.
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the server as stopping, closes every open connection (a thread blocked reading
    /// it wakes with end-of-stream), and wakes the accept loop.
    fn begin_shutdown(&self) {
        {
            let mut connections = self.lock_connections();
            connections.stopping = true;
            for stream in connections.open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // `accept` has no timeout: a connection of our own wakes it, and it then sees
        // `stopping`.
        let _ = TcpStream::connect(self.addr);
    }

    /// Answers one request. Runs functions with no lock held.
    fn handle(&self, request: Request) -> Response {
        match request {
            Request::Call { function, argument } => match self.registry.get(&function) {
                Some(function) => match function(&argument) {
                    Ok(value) => Response::Value(value),
                    Err(message) => Response::Error(message),
                },
                None => Response::Error(format!("no function named {function:?}")),
            },
            Request::Get { name } => {
                let namespace = self
                    .namespace
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                match namespace.get(&name) {
                    Some(value) => Response::Value(value.clone()),
                    None => Response::Missing,
                }
            }
            Request::Set { name, value } => {
                self.namespace
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(name, value);
                Response::Done
            }
        }
    }
}

/// Accepts connections until the server stops, each served on a thread of its own.
fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                // A connection that failed before we accepted it: not the server's problem.
                eprintln!("object server: accept failed: {err}");
                continue;
            }
        };
        let mut connections = shared.lock_connections();
        if connections.stopping {
            // Our own wake-up call, or a client that came too late: turned away.
            return;
        }
        // Threads that ended leave the list here, so it does not grow with every client.
        connections.threads.retain(|thread| !thread.is_finished());
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        let id = connections.next_id;
        connections.next_id += 1;
        let spawned = {
            let shared = Arc::clone(shared);
            thread::Builder::new()
                .name(format!("object server: connection {id}"))
                .spawn(move || {
                    if let Err(err) = serve_connection(&shared, stream) {
                        eprintln!("object server: connection {id}: {err}");
                    }
                    shared.lock_connections().open.remove(&id);
                })
        };
        match spawned {
            Ok(thread) => {
                connections.open.insert(id, handle);
                connections.threads.push(thread);
            }
            Err(err) => eprintln!("object server: no thread for connection {id}: {err}"),
        }
    }
}

/// One client's session: the handshake, then requests until the client closes, sends a bad
/// frame, or stays silent for [`READ_TIMEOUT`]. An error ends this connection only.
fn serve_connection(shared: &Shared, mut stream: TcpStream) -> Result<(), ManagerError> {
    // Every read on this connection gives up after READ_TIMEOUT: a client that stops halfway
    // through a frame costs a thread for that long, not forever.
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_nodelay(true)?;
    if !deliver_challenge(&mut stream, &shared.key)? {
        // Nothing the client sends is read, let alone run.
        return Err(ManagerError::Refused);
    }
    loop {
        let request = match read_frame(&mut stream) {
            Ok(Some(frame)) => Request::decode(&frame).map_err(ManagerError::from),
            Ok(None) => return Ok(()),
            Err(err) => Err(ManagerError::from(err)),
        };
        match request {
            Ok(request) => write_frame(&mut stream, &shared.handle(request).encode())?,
            Err(err) => {
                // Tell the client what was wrong (if it still listens), then hang up: after a
                // cut or oversized frame, the stream is no longer at a frame boundary.
                let reply = Response::Error(format!("bad request: {err}"));
                let _ = write_frame(&mut stream, &reply.encode());
                return Err(err);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Client

/// An authenticated connection to an object server.
pub struct Client {
    stream: TcpStream,
}

impl Client {
    /// Connects to the server at `addr` and proves it knows `key`.
    pub fn connect(addr: SocketAddr, key: &[u8]) -> Result<Client, ManagerError> {
        let mut stream = TcpStream::connect_timeout(&addr, READ_TIMEOUT)?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        answer_challenge(&mut stream, key)?;
        Ok(Client { stream })
    }

    /// A proxy for the server's function `name`.
    pub fn function(&mut self, name: &str) -> FunctionProxy<'_> {
        FunctionProxy {
            client: self,
            name: name.to_owned(),
        }
    }

    /// A proxy for the server's shared namespace.
    pub fn namespace(&mut self) -> NamespaceProxy<'_> {
        NamespaceProxy { client: self }
    }

    /// Sends `request` and reads its response.
    fn request(&mut self, request: &Request) -> Result<Response, ManagerError> {
        write_frame(&mut self.stream, &request.encode())?;
        let frame = read_frame(&mut self.stream)?.ok_or(ManagerError::Closed)?;
        Ok(Response::decode(&frame)?)
    }
}

/// Calls one of the server's functions, as if it were local.
pub struct FunctionProxy<'c> {
    client: &'c mut Client,
    name: String,
}

impl FunctionProxy<'_> {
    /// Runs the function on the server with `argument`; its result, or
    /// [`ManagerError::Remote`] with the server's error message.
    pub fn call(&mut self, argument: &str) -> Result<String, ManagerError> {
        let request = Request::Call {
            function: self.name.clone(),
            argument: argument.to_owned(),
        };
        match self.client.request(&request)? {
            Response::Value(value) => Ok(value),
            Response::Error(message) => Err(ManagerError::Remote(message)),
            other => Err(ManagerError::Protocol(format!("a call answered {other:?}"))),
        }
    }
}

/// Reads and writes the server's shared namespace.
pub struct NamespaceProxy<'c> {
    client: &'c mut Client,
}

impl NamespaceProxy<'_> {
    /// The attribute `name`, or `None` if no client has set it.
    pub fn get(&mut self, name: &str) -> Result<Option<String>, ManagerError> {
        let request = Request::Get {
            name: name.to_owned(),
        };
        match self.client.request(&request)? {
            Response::Value(value) => Ok(Some(value)),
            Response::Missing => Ok(None),
            Response::Error(message) => Err(ManagerError::Remote(message)),
            Response::Done => Err(ManagerError::Protocol("a get answered Done".into())),
        }
    }

    /// Sets the attribute `name` to `value`, for every client to read.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ManagerError> {
        let request = Request::Set {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        match self.client.request(&request)? {
            Response::Done => Ok(()),
            Response::Error(message) => Err(ManagerError::Remote(message)),
            other => Err(ManagerError::Protocol(format!("a set answered {other:?}"))),
        }
    }
}
