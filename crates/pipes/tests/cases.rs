//! Graded cases (rstest): conversations with the course's worker process through the learner's
//! `Worker` and `exchange`, each checked for what came back, how the stream ended, how the
//! worker exited, and that every child was reaped. Each call runs under the harness's watch:
//! a pipe deadlock fails the test with a diagnosis instead of hanging it.

use crate::harness::{
    Outcome, PIPE_BUFFER, Session, compare_replies, decode_with, encode, hex, message, upper,
    upper_message,
};
use pipes::{DEFAULT_MAX_FRAME, FramePart, PipeError, Worker, exchange};
use rstest::rstest;
use std::process::Command;

#[test]
fn smoke_one_message_goes_to_the_worker_and_comes_back_upper_cased() {
    let session = Session::new();
    let worker = session.spawn(&["upper"]);
    worker.send_ok(b"hello");
    match worker.recv_ok() {
        Some(reply) if reply == b"HELLO" => {}
        other => session.fail(format!(
            "the worker answers \"hello\" with \"HELLO\"; recv gave {other:?}"
        )),
    }
    worker.close_ok();
    if worker.recv_ok().is_some() {
        session.fail("after close, the worker has nothing more to say: recv must give Ok(None)");
    }
    worker.wait_success();
    session.finish("the Worker");
}

/// How the test talks to the worker.
#[derive(Clone, Copy, Debug)]
enum Pattern {
    /// Send one, receive its reply, ten times.
    PingPong,
    /// Send all ten (they fit in the pipe), then receive all ten.
    SendAllThenReceiveAll,
    /// Through `exchange`.
    Exchange,
}

#[rstest]
fn ten_messages_come_back_in_order(
    #[values(Pattern::PingPong, Pattern::SendAllThenReceiveAll, Pattern::Exchange)]
    pattern: Pattern,
) {
    let messages: Vec<Vec<u8>> = (1..=10)
        .map(|i| format!("message {i} of ten").into_bytes())
        .collect();
    let expected: Vec<Vec<u8>> = messages.iter().map(|m| upper(m)).collect();
    let session = Session::new();
    let replies = match pattern {
        Pattern::PingPong | Pattern::SendAllThenReceiveAll => {
            let worker = session.spawn(&["upper"]);
            let mut replies = Vec::new();
            for message in &messages {
                worker.send_ok(message);
                if let Pattern::PingPong = pattern {
                    replies.extend(worker.recv_ok());
                }
            }
            if let Pattern::SendAllThenReceiveAll = pattern {
                for _ in &messages {
                    replies.extend(worker.recv_ok());
                }
            }
            worker.close_ok();
            if let Some(extra) = worker.recv_ok() {
                session.fail(format!(
                    "after ten replies and the close, recv gave one more message ({} bytes): a \
                     frame was split, or a reply read twice",
                    extra.len()
                ));
            }
            worker.wait_success();
            replies
        }
        Pattern::Exchange => match session.exchange(&["upper"], messages.clone()) {
            Ok(replies) => replies,
            Err(error) => session.fail(format!("exchange failed: {error}")),
        },
    };
    compare_replies(&expected, &replies).unwrap_or_else(|message| {
        session.fail(format!(
            "the ten replies must be the ten messages upper-cased, in the order sent: {message}"
        ))
    });
    session.finish("the ten messages");
}

#[rstest]
fn messages_larger_than_the_pipe_buffer_go_both_ways_without_deadlock(
    #[values(PIPE_BUFFER, PIPE_BUFFER + 1, 1024 * 1024, 4 * 1024 * 1024)] size: usize,
) {
    // Three of them: more than the two pipes and the worker's buffer hold together, so a
    // parent that does not read while it writes cannot finish writing.
    let messages: Vec<Vec<u8>> = (0..3).map(|seed| message(seed, size)).collect();
    let expected: Vec<Vec<u8>> = (0..3).map(|seed| upper_message(seed, size)).collect();
    let session = Session::new();
    let replies = match session.exchange(&["upper"], messages) {
        Ok(replies) => replies,
        Err(error) => session.fail(format!(
            "exchange of three {size}-byte messages failed: {error}. The worker answers every \
             byte with a byte: every reply is a whole frame of the same size."
        )),
    };
    compare_replies(&expected, &replies)
        .unwrap_or_else(|message| session.fail(format!("three {size}-byte messages: {message}")));
    session.finish("exchange");
}

#[test]
fn a_worker_that_says_far_more_than_it_hears_is_read_while_it_talks() {
    // Ten short messages, each answered 3000 times: the replies (about 600 KB) fill the
    // worker's stdout long before it ends, and it ends only once they are read.
    const COPIES: usize = 3000;
    let messages: Vec<Vec<u8>> = (1..=10).map(|i| format!("echo {i}").into_bytes()).collect();
    let session = Session::new();
    let replies = match session.exchange(&["repeat", &COPIES.to_string()], messages.clone()) {
        Ok(replies) => replies,
        Err(error) => session.fail(format!("exchange failed: {error}")),
    };
    let expected: Vec<Vec<u8>> = messages
        .iter()
        .flat_map(|m| std::iter::repeat_n(upper(m), COPIES))
        .collect();
    compare_replies(&expected, &replies).unwrap_or_else(|message| {
        session.fail(format!(
            "each message comes back {COPIES} times, upper-cased, in order: {message}"
        ))
    });
    session.finish("exchange");
}

#[test]
fn closing_the_workers_stdin_gives_it_the_end_of_stream() {
    let session = Session::new();
    let worker = session.spawn(&["upper"]);
    let messages: [&[u8]; 3] = [b"one", b"", b"three"];
    for message in messages {
        worker.send_ok(message);
    }
    worker.close_ok();
    // After the close, the worker answers what it got, reads the end of its input, and
    // closes its stdout by exiting: the replies, then the end of stream.
    let mut replies = Vec::new();
    while let Some(reply) = worker.recv_ok() {
        replies.push(reply);
        if replies.len() > messages.len() {
            session.fail("more replies than messages");
        }
    }
    let expected: Vec<Vec<u8>> = messages.iter().map(|m| upper(m)).collect();
    compare_replies(&expected, &replies)
        .unwrap_or_else(|message| session.fail(format!("after the close: {message}")));
    match worker.send(b"too late") {
        Err(PipeError::Closed) => {}
        other => session.fail(format!(
            "send after close must be Err(PipeError::Closed), not {other:?}"
        )),
    }
    if let Err(error) = worker.close() {
        session.fail(format!("closing twice is harmless, but it failed: {error}"));
    }
    worker.wait_success();
    session.finish("the Worker");
}

#[rstest]
fn the_end_of_the_workers_stdout_is_none_and_stays_none(#[values(0, 3)] hellos: usize) {
    let session = Session::new();
    let worker = session.spawn(&["hello", &hellos.to_string()]);
    for i in 1..=hellos {
        match worker.recv_ok() {
            Some(greeting) if greeting == format!("hello {i}").as_bytes() => {}
            other => session.fail(format!("expected \"hello {i}\", recv gave {other:?}")),
        }
    }
    // The worker has exited: its stdout is closed. Every recv from now on is the clean end.
    for _ in 0..3 {
        if let Some(extra) = worker.recv_ok() {
            session.fail(format!(
                "the worker sent {hellos} frame(s) and exited, yet recv gave another ({} bytes)",
                extra.len()
            ));
        }
    }
    worker.wait_success();
    session.finish("the Worker");
}

#[rstest]
#[case::header_cut_after_two_bytes(
    vec![0, 0],
    vec![Outcome::Truncated { part: FramePart::Header, got: 2, expected: 4 }]
)]
#[case::payload_cut_after_three_of_ten_bytes(
    vec![0, 0, 0, 10, b'a', b'b', b'c'],
    vec![Outcome::Truncated { part: FramePart::Payload, got: 3, expected: 10 }]
)]
#[case::a_whole_frame_then_a_cut_header(
    vec![0, 0, 0, 2, b'o', b'k', 0, 0, 0],
    vec![
        Outcome::Frame(b"ok".to_vec()),
        Outcome::Truncated { part: FramePart::Header, got: 3, expected: 4 },
    ]
)]
#[case::garbage_text_is_a_huge_header(
    b"garbage!".to_vec(),
    vec![Outcome::TooLarge { len: 0x6761_7262, max: DEFAULT_MAX_FRAME }]
)]
fn a_truncated_or_garbage_frame_from_the_worker_is_an_error_not_a_panic_or_a_hang(
    #[case] bytes: Vec<u8>,
    #[case] expected: Vec<Outcome>,
) {
    let session = Session::new();
    let worker = session.spawn(&["raw", &hex(&bytes)]);
    let outcomes = decode_with(|| worker.recv(), 4);
    if outcomes != expected {
        session.fail(format!(
            "the worker wrote {bytes:02x?} and exited; recv must give {expected:?}, and gave \
             {outcomes:?}"
        ));
    }
    worker.wait_success();
    session.finish("the Worker");
}

#[rstest]
#[case::one_byte_over_the_limit(1025, Outcome::TooLarge { len: 1025, max: 1024 })]
#[case::exactly_the_limit(1024, Outcome::Frame(vec![b'x'; 1024]))]
fn a_frame_over_the_limit_is_refused_before_it_is_read(
    #[case] len: usize,
    #[case] expected: Outcome,
) {
    // A whole, honest frame: only its length decides.
    let bytes = encode(&[vec![b'x'; len]]);
    let session = Session::new();
    let with_limit = session.spawn(&["raw", &hex(&bytes)]).with_max_frame(1024);
    let first = Outcome::of(with_limit.recv());
    if first != expected {
        session.fail(format!(
            "with a limit of 1024 bytes, a frame announcing {len} bytes must give {expected:?}, \
             not {first:?}: the length in a header comes from the other side, so check it \
             against the limit before it sizes anything"
        ));
    }
    with_limit.wait_success();
    session.finish("the Worker");
}

#[test]
fn a_header_of_four_gigabytes_is_refused_without_allocating_it() {
    let session = Session::new();
    let worker = session.spawn(&["raw", "ffffffff"]);
    let first = Outcome::of(worker.recv());
    let expected = Outcome::TooLarge {
        len: u64::from(u32::MAX),
        max: DEFAULT_MAX_FRAME,
    };
    if first != expected {
        session.fail(format!(
            "a header announcing 4294967295 bytes must give {expected:?} with the default \
             limit, not {first:?}"
        ));
    }
    worker.wait_success();
    session.finish("the Worker");
}

#[test]
fn a_message_over_the_limit_is_refused_and_nothing_of_it_is_sent() {
    let session = Session::new();
    let worker = session.spawn(&["upper"]).with_max_frame(1024);
    match worker.send(&[b'y'; 1025]) {
        Err(PipeError::TooLarge {
            len: 1025,
            max: 1024,
        }) => {}
        other => session.fail(format!(
            "send of 1025 bytes with a limit of 1024 must be Err(TooLarge {{ len: 1025, max: \
             1024 }}), not {other:?}"
        )),
    }
    // Nothing of it was written: the next message is the first frame the worker sees.
    worker.send_ok(b"fits");
    match worker.recv_ok() {
        Some(reply) if reply == b"FITS" => {}
        other => session.fail(format!(
            "after a refused send, the stream must still be whole frames: the worker answers \
             \"fits\" with \"FITS\", recv gave {other:?}"
        )),
    }
    worker.close_ok();
    let _ = worker.recv_ok();
    worker.wait_success();
    session.finish("the Worker");
}

#[test]
fn sending_to_a_worker_that_has_exited_is_an_error_not_a_panic() {
    let session = Session::new();
    let worker = session.spawn(&["exit", "0"]);
    // More than the pipe holds: the write cannot complete without a reader, and the reader is
    // gone, so it fails with a broken pipe.
    match worker.send(&vec![b'z'; 4 * PIPE_BUFFER]) {
        Err(PipeError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => session.fail(format!(
            "sending to a worker that exited without reading must be Err(PipeError::Io(..)) \
             with ErrorKind::BrokenPipe, not {other:?}"
        )),
    }
    if let Some(extra) = worker.recv_ok() {
        session.fail(format!(
            "the worker exited without a word, yet recv gave {} bytes",
            extra.len()
        ));
    }
    worker.wait_success();
    session.finish("the Worker");
}

#[test]
fn exchange_reports_a_worker_that_fails() {
    let session = Session::new();
    let messages = vec![b"first".to_vec(), b"second".to_vec()];
    match session.exchange(&["upper-then-fail", "2"], messages) {
        Err(PipeError::Failed(status)) if status.code() == Some(3) => {}
        other => session.fail(format!(
            "the worker answered both messages, then exited with status 3: exchange must \
             return Err(PipeError::Failed(status 3)), not {other:?}"
        )),
    }
    session.finish("exchange");
}

#[test]
fn a_program_that_cannot_start_is_a_spawn_error() {
    let session = Session::new();
    let spawned = session.step("Worker::spawn", || {
        Worker::spawn(&mut Command::new("/nonexistent/pipes-worker")).map(|_| ())
    });
    if !matches!(spawned, Err(PipeError::Spawn(_))) {
        session.fail(format!(
            "Worker::spawn of a program that does not exist must be Err(PipeError::Spawn(..)), \
             not {spawned:?}"
        ));
    }
    let exchanged = session.step("exchange", || {
        exchange(&mut Command::new("/nonexistent/pipes-worker"), &[b"hi"])
    });
    if !matches!(exchanged, Err(PipeError::Spawn(_))) {
        session.fail(format!(
            "exchange with a program that does not exist must be Err(PipeError::Spawn(..)), \
             not {exchanged:?}"
        ));
    }
    session.finish("Worker::spawn");
}

#[test]
fn a_worker_dropped_without_wait_is_killed_and_reaped() {
    let session = Session::new();
    let worker = session.spawn(&["upper"]);
    worker.send_ok(b"still running");
    let _ = worker.recv_ok();
    worker.drop_worker();
    session.finish("dropping the Worker");
}
