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

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_mut, unused_variables)]

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
    // TODO: refuse a payload over MAX_FRAME (TooLarge); otherwise write the length as 4
    // big-endian bytes and the payload, in one buffer, and flush.
    todo!("write_frame")
}

/// Reads one frame. `Ok(None)` if the connection ended cleanly, before a frame started.
///
/// The announced length is checked against [`MAX_FRAME`] before anything is allocated or
/// read: a peer cannot make us reserve 4 GiB, or wait for it.
pub fn read_frame(reader: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    // TODO: read the 4-byte prefix (end of stream before its first byte: Ok(None); after
    // some of it: Truncated), check the length against MAX_FRAME *before* allocating, then
    // read exactly that many bytes (end of stream before: Truncated).
    todo!("read_frame")
}

/// Fills `buf` from `reader` until it is full or the stream ends; returns how many bytes came.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    // TODO: `read` until `buf` is full or a read returns 0; retry on Interrupted.
    todo!("read_full")
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
    // TODO: HMAC-SHA256 with `Hmac::<Sha256>::new_from_slice(key)`, `update`, `finalize`.
    todo!("answer")
}

/// Whether `response` is the right answer to `challenge` under `key`.
///
/// The comparison takes the same time wherever the first wrong byte is (`verify_slice`): a
/// `==` that stops at the first difference lets an attacker find the answer byte by byte by
/// timing the refusals.
pub fn verify(key: &[u8], challenge: &[u8], response: &[u8]) -> bool {
    // TODO: recompute the HMAC and compare with `verify_slice`. Why not `==`?
    todo!("verify")
}

/// The server's side of the handshake: sends a fresh random challenge, checks the answer, and
/// says WELCOME or FAILURE. `Ok(true)` if the client proved it knows the key.
fn deliver_challenge(stream: &mut TcpStream, key: &[u8]) -> Result<bool, ManagerError> {
    // TODO: NONCE_LEN fresh bytes from `getrandom::fill`, sent as a frame; read the answer;
    // WELCOME and Ok(true) if it verifies, FAILURE and Ok(false) if not.
    todo!("deliver_challenge")
}

/// The client's side: answers the server's challenge and reads its verdict.
fn answer_challenge(stream: &mut TcpStream, key: &[u8]) -> Result<(), ManagerError> {
    // TODO: read the challenge (NONCE_LEN bytes, or a Protocol error), send `answer(key, ..)`,
    // then read the verdict: WELCOME is Ok, FAILURE (or a closed connection) is Refused.
    todo!("answer_challenge")
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
    // TODO: `char::to_uppercase` on the first character, `char::to_lowercase` on the rest
    // (each may give more than one character).
    todo!("capitalize")
}

// ---------------------------------------------------------------------------------------------
// Server

/// What the accept loop and every connection thread share.
struct Shared {
    /// The address the server listens on, to wake the accept loop on shutdown.
    addr: SocketAddr,
    key: Vec<u8>,
    registry: Registry,
    /// The namespace's attributes. TODO: for how long may this lock be held? Ever while
    /// reading from or writing to a connection?
    namespace: Mutex<HashMap<String, String>>,
    /// The server's connections, and whether it is stopping (see [`Connections`]).
    connections: Mutex<Connections>,
}

/// Held under `Shared::connections`. TODO: why must registering a new connection and setting
/// `stopping` happen under the same lock? (What if a connection is accepted while the server
/// shuts down?)
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
        // TODO: bind, build the `Shared` state (with the listener's local address), and spawn
        // the accept loop on a thread of its own.
        todo!("Server::start")
    }

    /// The address the server listens on (with the port the OS picked).
    pub fn local_addr(&self) -> SocketAddr {
        // TODO
        todo!("Server::local_addr")
    }

    /// Stops the server: no new connection is accepted, every open one is closed, and every
    /// thread the server started has ended when this returns.
    pub fn shutdown(mut self) {
        // TODO: stop, once (Drop stops too).
        todo!("Server::shutdown")
    }

    fn stop(&mut self) {
        // TODO: only the first call does anything (the acceptor handle is taken). Begin the
        // shutdown, join the accept loop, then join every connection thread.
        todo!("Server::stop")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // TODO: stop the server. (No `todo!()` here: a panic in `drop` while a test is already
        // failing aborts the whole test process.)
    }
}

impl Shared {
    fn lock_connections(&self) -> course_sync::MutexGuard<'_, Connections> {
        // TODO: lock `connections`. What should a poisoned lock do here?
        todo!("Shared::lock_connections")
    }

    /// Marks the server as stopping, closes every open connection (a thread blocked reading
    /// it wakes with end-of-stream), and wakes the accept loop.
    fn begin_shutdown(&self) {
        // TODO: under the connections lock, set `stopping` and shut down every open stream; then
        // wake the accept loop, which is blocked in `accept`: how?
        todo!("Shared::begin_shutdown")
    }

    /// Answers one request. Runs functions with no lock held.
    fn handle(&self, request: Request) -> Response {
        // TODO: Call runs the registered function (unknown: Response::Error); Get and Set read
        // and write the namespace. Which lock is held while a function runs?
        todo!("Shared::handle")
    }
}

/// Accepts connections until the server stops, each served on a thread of its own.
fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    // TODO: for each accepted stream: under the connections lock, turn it away (and return)
    // if the server is stopping; otherwise register a clone of the stream and spawn a thread
    // running `serve_connection`, which unregisters the connection when it ends.
    todo!("accept_loop")
}

/// One client's session: the handshake, then requests until the client closes, sends a bad
/// frame, or stays silent for [`READ_TIMEOUT`]. An error ends this connection only.
fn serve_connection(shared: &Shared, mut stream: TcpStream) -> Result<(), ManagerError> {
    // TODO: set READ_TIMEOUT; run the handshake (a failed one ends the connection before
    // anything is read); then answer requests until the client hangs up. A bad frame or
    // request: answer Response::Error, and end this connection only.
    todo!("serve_connection")
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
        // TODO: connect (with a timeout), set READ_TIMEOUT, answer the challenge.
        todo!("Client::connect")
    }

    /// A proxy for the server's function `name`.
    pub fn function(&mut self, name: &str) -> FunctionProxy<'_> {
        // TODO
        todo!("Client::function")
    }

    /// A proxy for the server's shared namespace.
    pub fn namespace(&mut self) -> NamespaceProxy<'_> {
        // TODO
        todo!("Client::namespace")
    }

    /// Sends `request` and reads its response.
    fn request(&mut self, request: &Request) -> Result<Response, ManagerError> {
        // TODO: one frame out, one frame in (end of stream: Closed).
        todo!("Client::request")
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
        // TODO: send a Call; Value is the result, Error is ManagerError::Remote.
        todo!("FunctionProxy::call")
    }
}

/// Reads and writes the server's shared namespace.
pub struct NamespaceProxy<'c> {
    client: &'c mut Client,
}

impl NamespaceProxy<'_> {
    /// The attribute `name`, or `None` if no client has set it.
    pub fn get(&mut self, name: &str) -> Result<Option<String>, ManagerError> {
        // TODO: send a Get; Value is Some, Missing is None.
        todo!("NamespaceProxy::get")
    }

    /// Sets the attribute `name` to `value`, for every client to read.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ManagerError> {
        // TODO: send a Set; Done is Ok.
        todo!("NamespaceProxy::set")
    }
}
