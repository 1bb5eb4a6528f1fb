//! The pipes benchmark: framed messages per second through a child process (the course's
//! `pipes-worker upper`, which answers each frame with the same bytes upper-cased), as round
//! trips with `Worker` and as a stream with `exchange`; against the same frames written by
//! hand on `std` (`BufWriter` + `read_exact`), and against two threads and `std::sync::mpsc`
//! (what the round trip costs without a process boundary).

use crate::subject::{Worker, exchange};
use course_bench::{Bench, Role, Settings, black_box};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

fn upper() -> Command {
    let mut command = Command::new(worker());
    command.arg("upper");
    command
}

fn worker() -> PathBuf {
    course_bench::worker("pipes-worker")
}

/// One frame by hand: a big-endian `u32` length, then the payload; flushed.
fn write_frame(out: &mut impl Write, payload: &[u8]) {
    out.write_all(&(payload.len() as u32).to_be_bytes())
        .expect("the child reads");
    out.write_all(payload).expect("the child reads");
}

/// One frame by hand, into `buf`.
fn read_frame(input: &mut impl Read, buf: &mut Vec<u8>) {
    let mut header = [0u8; 4];
    input.read_exact(&mut header).expect("a header");
    buf.resize(u32::from_be_bytes(header) as usize, 0);
    input.read_exact(buf).expect("a payload");
}

/// A stream of `count` (full, quick) frames of `size` bytes each, timed per `per`.
#[derive(Clone, Copy)]
struct Stream {
    group: &'static str,
    per: &'static str,
    count: (usize, usize),
    /// Bytes per message (a 1-MiB message is one "MiB").
    size: usize,
}

const STREAMS: [Stream; 2] = [
    Stream {
        group: "stream 10,000 64-byte messages, child started each time",
        per: "message",
        count: (10_000, 100),
        size: 64,
    },
    Stream {
        group: "stream 64 1-MiB messages, child started each time",
        per: "MiB",
        count: (64, 4),
        size: 1 << 20,
    },
];

fn messages(s: &Settings, stream: Stream) -> Vec<Vec<u8>> {
    let count = s.pick(stream.count.0, stream.count.1);
    (0..count)
        .map(|i| vec![b'a' + (i % 26) as u8; stream.size])
        .collect()
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    let group = "round trip of one 64-byte message";
    bench.case(group, "Worker::send + recv", me, |s| {
        let mut child = Worker::spawn(&mut upper()).expect("the worker starts");
        let message = [b'x'; 64];
        let stat = s.time("round trip", 1, |n| {
            let began = Instant::now();
            for _ in 0..n {
                child.send(&message).expect("the child reads");
                black_box(child.recv().expect("a frame").expect("a reply"));
            }
            began.elapsed()
        });
        child.close().expect("close");
        while let Ok(Some(_)) = child.recv() {}
        child.wait().expect("the worker exits");
        stat
    });
    if bench.baselines() {
        bench.case(
            group,
            "std by hand: BufWriter + read_exact",
            Role::Baseline,
            |s| {
                let mut child = upper()
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("the worker starts");
                let mut to = BufWriter::new(child.stdin.take().expect("piped"));
                let mut from = BufReader::new(child.stdout.take().expect("piped"));
                let (message, mut reply) = ([b'x'; 64], Vec::new());
                let stat = s.time("round trip", 1, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        write_frame(&mut to, &message);
                        to.flush().expect("the child reads");
                        read_frame(&mut from, &mut reply);
                        black_box(&reply);
                    }
                    began.elapsed()
                });
                drop(to);
                drop(from);
                child.wait().expect("the worker exits");
                stat
            },
        );
        bench.case(
            group,
            "no process: a thread and two std mpsc channels",
            Role::Baseline,
            |s| {
                let (to_tx, to_rx) = mpsc::channel::<Vec<u8>>();
                let (from_tx, from_rx) = mpsc::channel::<Vec<u8>>();
                let echo = std::thread::spawn(move || {
                    for mut message in to_rx {
                        message.make_ascii_uppercase();
                        if from_tx.send(message).is_err() {
                            break;
                        }
                    }
                });
                let stat = s.time("round trip", 1, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        to_tx.send(vec![b'x'; 64]).expect("the echo thread runs");
                        black_box(from_rx.recv().expect("a reply"));
                    }
                    began.elapsed()
                });
                drop(to_tx);
                echo.join().expect("the echo thread ends");
                stat
            },
        );
    }

    for stream in STREAMS {
        bench.case(stream.group, "exchange", me, move |s| {
            let messages = messages(s, stream);
            let ops = messages.len() as u64;
            s.time(stream.per, ops, |n| {
                let began = Instant::now();
                for _ in 0..n {
                    let replies = exchange(&mut upper(), &messages).expect("the exchange");
                    assert_eq!(replies.len(), messages.len(), "one reply per message");
                    black_box(replies);
                }
                began.elapsed()
            })
        });
        if !bench.baselines() {
            continue;
        }
        bench.case(
            stream.group,
            "std by hand: a writer thread, BufReader",
            Role::Baseline,
            move |s| {
                let messages = messages(s, stream);
                let ops = messages.len() as u64;
                s.time(stream.per, ops, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        let mut child = upper()
                            .stdin(Stdio::piped())
                            .stdout(Stdio::piped())
                            .spawn()
                            .expect("the worker starts");
                        let stdin = child.stdin.take().expect("piped");
                        let mut from = BufReader::new(child.stdout.take().expect("piped"));
                        std::thread::scope(|scope| {
                            let messages = &messages;
                            scope.spawn(move || {
                                let mut to = BufWriter::new(stdin);
                                for message in messages {
                                    write_frame(&mut to, message);
                                }
                                to.flush().expect("the child reads");
                            });
                            let mut reply = Vec::new();
                            for _ in messages {
                                read_frame(&mut from, &mut reply);
                                black_box(&reply);
                            }
                        });
                        drop(from);
                        child.wait().expect("the worker exits");
                    }
                    began.elapsed()
                })
            },
        );
    }
}
