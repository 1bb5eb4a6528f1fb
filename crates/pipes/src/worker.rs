//! `pipes-worker MODE [ARG]`: the child process of the `pipes` exercise (course code; it does
//! not call the library, so it is the same known-good peer whatever implementation the parent
//! runs).
//!
//! It speaks the exercise's frame format on its stdin and stdout: a 4-byte big-endian length N,
//! then N bytes of payload. It never allocates a frame: it copies payloads through a small
//! buffer, so it also streams frames far larger than any limit.
//!
//! | mode                | what it does                                                                |
//! |---------------------|-----------------------------------------------------------------------------|
//! | `upper`             | answers each frame with a frame of the same length, ASCII upper-cased, written *while* it reads (a streaming filter, like `tr`): a reply is on its way before the message has fully arrived; exits 0 at a clean end of stdin |
//! | `upper-then-fail N` | like `upper` for N frames, then exits with status 3 without reading on      |
//! | `repeat K`          | answers each frame with K copies of it, upper-cased (it says far more than it hears) |
//! | `hello N`           | the seed's child: sends N frames `hello 1` ... `hello N`, then exits 0, never reading stdin |
//! | `raw HEX`           | writes the bytes HEX spells (any bytes, frames or not), then exits 0         |
//! | `exit CODE`         | exits at once with CODE, reading nothing                                     |
//!
//! The worker applies back-pressure as a real filter does: while its stdout is full it stops
//! reading its stdin. So a parent that writes a large message without reading the replies
//! meanwhile deadlocks with it, as it would with any program that streams.
//!
//! Ends of stream: a stdin that ends between two frames is the parent's close, and the
//! worker exits 0 (in the answering modes). A stdin that ends inside a frame is a broken
//! message: the worker says so on stderr and exits 2. A stdout that nobody reads any more (a
//! broken pipe) ends it with status 3. Bad arguments: status 64.

use std::io::{self, Read, Write};
use std::process::ExitCode;

/// The size of the copy buffer: payloads go through it, so the worker holds at most this much
/// of a message at a time.
const CHUNK: usize = 8 * 1024;

/// Why the worker stops early.
enum Stop {
    /// Stdin ended inside a frame: `got` of the `expected` bytes of its header or payload.
    Truncated {
        part: &'static str,
        got: usize,
        expected: usize,
    },
    /// Reading stdin or writing stdout failed (typically: the parent closed our stdout).
    Io(io::Error),
}

impl From<io::Error> for Stop {
    fn from(error: io::Error) -> Self {
        Stop::Io(error)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["upper"] => answer(usize::MAX, 1, 0),
        ["upper-then-fail", frames] => match frames.parse() {
            Ok(frames) => answer(frames, 1, 3),
            Err(_) => return usage(&args),
        },
        ["repeat", copies] => match copies.parse() {
            Ok(copies) => answer(usize::MAX, copies, 0),
            Err(_) => return usage(&args),
        },
        ["hello", count] => match count.parse::<u32>() {
            Ok(count) => hello(count),
            Err(_) => return usage(&args),
        },
        ["raw", hex] => match decode_hex(hex) {
            Some(bytes) => raw(&bytes),
            None => return usage(&args),
        },
        ["exit", code] => match code.parse::<u8>() {
            Ok(code) => return ExitCode::from(code),
            Err(_) => return usage(&args),
        },
        _ => return usage(&args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(Stop::Truncated {
            part,
            got,
            expected,
        }) => {
            eprintln!(
                "pipes-worker: stdin ended inside a frame ({got} of the {expected} bytes of its \
                 {part}): the parent closed in the middle of a message"
            );
            ExitCode::from(2)
        }
        Err(Stop::Io(error)) => {
            // A parent that stopped reading is not worth a complaint: it knows.
            if error.kind() != io::ErrorKind::BrokenPipe {
                eprintln!("pipes-worker: {error}");
            }
            ExitCode::from(3)
        }
    }
}

fn usage(args: &[&str]) -> ExitCode {
    eprintln!(
        "usage: pipes-worker upper | upper-then-fail N | repeat K | hello N | raw HEX | exit CODE \
         (got {args:?})"
    );
    ExitCode::from(64)
}

/// Reads until `buf` is full or stdin ends; returns how many bytes arrived.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// The answering modes: for each of the first `frames` frames, `copies` upper-cased copies.
/// With one copy the reply streams; with more, the frame is held (it is small in the tests that
/// use it) and written `copies` times. Returns `exit_after` once `frames` frames are answered,
/// 0 at a clean end of stdin.
fn answer(frames: usize, copies: usize, exit_after: u8) -> Result<u8, Stop> {
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    let mut chunk = vec![0u8; CHUNK];
    for _ in 0..frames {
        let mut header = [0u8; 4];
        match read_full(&mut input, &mut header)? {
            0 => return Ok(0),
            4 => {}
            got => {
                return Err(Stop::Truncated {
                    part: "header",
                    got,
                    expected: 4,
                });
            }
        }
        let len = u32::from_be_bytes(header) as usize;
        if copies == 1 {
            // Stream: the reply's header goes out first, then each chunk as soon as it is read.
            output.write_all(&header)?;
            output.flush()?;
            let mut done = 0;
            while done < len {
                let want = (len - done).min(CHUNK);
                let got = read_full(&mut input, &mut chunk[..want])?;
                if got < want {
                    return Err(Stop::Truncated {
                        part: "payload",
                        got: done + got,
                        expected: len,
                    });
                }
                chunk[..got].make_ascii_uppercase();
                output.write_all(&chunk[..got])?;
                output.flush()?;
                done += got;
            }
        } else {
            let mut payload = Vec::new();
            let got = (&mut input).take(len as u64).read_to_end(&mut payload)?;
            if got < len {
                return Err(Stop::Truncated {
                    part: "payload",
                    got,
                    expected: len,
                });
            }
            payload.make_ascii_uppercase();
            for _ in 0..copies {
                output.write_all(&header)?;
                output.write_all(&payload)?;
            }
            output.flush()?;
        }
    }
    Ok(exit_after)
}

/// The seed's child: `count` greetings, then the end of its stdout (it exits).
fn hello(count: u32) -> Result<u8, Stop> {
    let mut output = io::stdout().lock();
    for i in 1..=count {
        let payload = format!("hello {i}");
        output.write_all(&(payload.len() as u32).to_be_bytes())?;
        output.write_all(payload.as_bytes())?;
    }
    output.flush()?;
    Ok(0)
}

/// Writes `bytes` as they are: the suite's way of sending the parent anything at all.
fn raw(bytes: &[u8]) -> Result<u8, Stop> {
    let mut output = io::stdout().lock();
    output.write_all(bytes)?;
    output.flush()?;
    Ok(0)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
        .collect()
}
