//! Graded properties (proptest): the frame format against its model, over random messages,
//! random byte strings and random cuts, read and written a few bytes at a time (as pipes hand
//! them out) with interruptions; then random byte strings and random message lists through a
//! real worker process. The in-memory properties run many cases; the ones that start processes
//! few.

use crate::harness::{
    Dribble, Session, Trickle, compare_replies, decode, decode_with, encode, hex, message,
    model_decode, preview, upper_message,
};
use course_testkit::proptest_config;
use pipes::{DEFAULT_MAX_FRAME, FrameReader, FrameWriter};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

/// How many bytes each read or write moves (cycling), and how often one is interrupted.
fn chunking() -> impl Strategy<Value = (Vec<usize>, Option<usize>)> {
    (vec(1usize..=9, 1..6), proptest::option::of(2usize..6))
}

/// Up to five messages of up to 300 bytes, some empty.
fn messages() -> impl Strategy<Value = Vec<Vec<u8>>> {
    vec(vec(any::<u8>(), 0..300), 0..6)
}

/// Runs `test` over `cases` cases of `strategy`, with the course's settings; `shrink: false`
/// for the properties that start processes, where a failing case (a deadlock, say) costs
/// seconds and the case itself is shown anyway.
fn run<S: Strategy>(
    cases: u32,
    shrink: bool,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut config = proptest_config(cases);
    if !shrink {
        config.max_shrink_iters = 0;
    }
    let mut runner = TestRunner::new(config);
    if let Err(error) = runner.run(&strategy, test) {
        panic!("{error}");
    }
}

#[test]
fn any_messages_round_trip_through_reads_and_writes_of_any_size() {
    run(
        128,
        true,
        (messages(), chunking(), chunking()),
        |(messages, (write_sizes, write_interrupts), (read_sizes, read_interrupts))| {
            let mut sink = Trickle::new(write_sizes, write_interrupts);
            let mut writer = FrameWriter::new(&mut sink);
            for (i, message) in messages.iter().enumerate() {
                writer
                    .send(message)
                    .map_err(|error| TestCaseError::fail(format!("send {i} failed: {error}")))?;
            }
            writer
                .close()
                .map_err(|error| TestCaseError::fail(format!("close failed: {error}")))?;
            let expected_bytes = encode(&messages);
            if sink.written != expected_bytes {
                return Err(TestCaseError::fail(format!(
                    "FrameWriter wrote {} bytes, the format says {} ({}): each frame is a 4-byte \
                     big-endian length, then the payload, and a write may take only part of \
                     what it is given (write_all loops)",
                    sink.written.len(),
                    expected_bytes.len(),
                    preview(&sink.written)
                )));
            }
            if sink.flushed != sink.written.len() {
                return Err(TestCaseError::fail(format!(
                    "only {} of the {} bytes written were flushed: send flushes, so the frame \
                     reaches the other side now",
                    sink.flushed,
                    sink.written.len()
                )));
            }
            let source = Dribble::new(&expected_bytes, read_sizes, read_interrupts);
            let outcomes = decode(source, expected_bytes.len(), DEFAULT_MAX_FRAME);
            let model = model_decode(&expected_bytes, DEFAULT_MAX_FRAME);
            if outcomes != model {
                return Err(TestCaseError::fail(format!(
                    "reading {} frames back a few bytes per read gave {outcomes:?}, expected \
                     {model:?}. One read returns what is there, not a whole frame: loop until \
                     the header and then the payload are complete, and retry a read that is \
                     Interrupted.",
                    messages.len()
                )));
            }
            Ok(())
        },
    );
}

/// The encoded length of `messages`, for messages.
fn writer_len(messages: &[Vec<u8>]) -> usize {
    messages.iter().map(|m| 4 + m.len()).sum()
}

#[test]
fn after_every_send_the_frame_has_been_flushed() {
    run(32, true, messages(), |messages| {
        let mut sink = Trickle::new(vec![1000], None);
        for (i, message) in messages.iter().enumerate() {
            {
                let mut writer = FrameWriter::new(&mut sink);
                writer
                    .send(message)
                    .map_err(|error| TestCaseError::fail(format!("send {i} failed: {error}")))?;
                // The writer is dropped here without close: what send wrote is out already.
            }
            let total = writer_len(&messages[..=i]);
            if sink.written.len() != total || sink.flushed != total {
                return Err(TestCaseError::fail(format!(
                    "after send {i}, {} bytes were written and {} flushed; the frames so far are \
                     {total} bytes and send must write and flush the whole frame",
                    sink.written.len(),
                    sink.flushed
                )));
            }
        }
        Ok(())
    });
}

/// Byte strings of every kind: random bytes; whole frames followed by random bytes; whole
/// frames cut anywhere.
fn streams() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..48),
        (messages(), vec(any::<u8>(), 0..12)).prop_map(|(messages, tail)| {
            let mut bytes = encode(&messages);
            bytes.extend(tail);
            bytes
        }),
        (messages(), any::<prop::sample::Index>()).prop_map(|(messages, cut)| {
            let bytes = encode(&messages);
            let at = cut.index(bytes.len() + 1);
            bytes[..at].to_vec()
        }),
    ]
}

/// The reader's limit: the default, or small enough that random headers hit it.
fn limits() -> impl Strategy<Value = usize> {
    prop_oneof![Just(DEFAULT_MAX_FRAME), 0usize..64, Just(300)]
}

#[test]
fn any_bytes_decode_as_the_frame_format_says_never_a_panic() {
    run(
        512,
        true,
        (streams(), limits(), chunking()),
        |(bytes, max, (sizes, interrupts))| {
            let outcomes = decode(Dribble::new(&bytes, sizes, interrupts), bytes.len(), max);
            let model = model_decode(&bytes, max);
            if outcomes != model {
                return Err(TestCaseError::fail(format!(
                    "the stream {bytes:02x?} read with a limit of {max} gave {outcomes:?}; the \
                     frame format says {model:?}. Whole frames come out as Ok(Some), an end \
                     before a header is Ok(None), an end inside a header or payload is \
                     Truncated (with how many of how many bytes), and a length over the limit \
                     is TooLarge, checked before the payload is read."
                )));
            }
            Ok(())
        },
    );
}

#[test]
fn a_stream_cut_anywhere_ends_in_a_clean_end_only_between_frames() {
    run(
        256,
        true,
        (messages(), any::<prop::sample::Index>(), chunking()),
        |(messages, cut, (sizes, interrupts))| {
            let bytes = encode(&messages);
            let at = cut.index(bytes.len() + 1);
            let cut_bytes = &bytes[..at];
            let mut reader = FrameReader::new(Dribble::new(cut_bytes, sizes, interrupts));
            let outcomes = decode_with(|| reader.recv(), cut_bytes.len() / 4 + 1);
            let model = model_decode(cut_bytes, DEFAULT_MAX_FRAME);
            if outcomes != model {
                return Err(TestCaseError::fail(format!(
                    "{} frames ({} bytes) cut after byte {at} gave {outcomes:?}; expected \
                     {model:?}: the end of a stream is clean only between two frames",
                    messages.len(),
                    bytes.len()
                )));
            }
            // At the end, the end stays the end.
            if model.last() == Some(&crate::harness::Outcome::End) {
                let again = crate::harness::Outcome::of(reader.recv());
                if again != crate::harness::Outcome::End {
                    return Err(TestCaseError::fail(format!(
                        "recv after the end of the stream gave {again:?}, not Ok(None) again"
                    )));
                }
            }
            Ok(())
        },
    );
}

#[test]
fn any_bytes_from_a_real_worker_decode_as_the_frame_format_says() {
    run(8, false, (streams(), limits()), |(bytes, max)| {
        let session = Session::new();
        let worker = session.spawn(&["raw", &hex(&bytes)]).with_max_frame(max);
        let outcomes = decode_with(|| worker.recv(), bytes.len() / 4 + 1);
        let model = model_decode(&bytes, max);
        if outcomes != model {
            return Err(TestCaseError::fail(format!(
                "the worker wrote {bytes:02x?} and exited; with a limit of {max}, recv gave \
                 {outcomes:?}, the frame format says {model:?}"
            )));
        }
        worker.wait_success();
        session.finish("the Worker");
        Ok(())
    });
}

#[test]
fn exchange_returns_every_reply_in_order_for_any_messages() {
    // Sizes from empty to three times the pipe buffer.
    let sizes = vec(prop_oneof![0usize..100, 60_000usize..200_000], 0..6);
    run(6, false, sizes, |sizes| {
        let messages: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(seed, &len)| message(seed, len))
            .collect();
        let expected: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(seed, &len)| upper_message(seed, len))
            .collect();
        let session = Session::new();
        let replies = match session.exchange(&["upper"], messages) {
            Ok(replies) => replies,
            Err(error) => {
                return Err(TestCaseError::fail(format!(
                    "exchange of messages of {sizes:?} bytes failed: {error}"
                )));
            }
        };
        compare_replies(&expected, &replies).map_err(|message| {
            TestCaseError::fail(format!("messages of {sizes:?} bytes: {message}"))
        })?;
        session.finish("exchange");
        Ok(())
    });
}
