//! Graded traces (insta): runs whose every step is decided, compared with committed snapshots:
//! the seed's program (a child sends ten greetings and closes), and the bytes the frame format
//! puts on the wire.

use crate::harness::{Session, hex};
use pipes::FrameWriter;
use std::fmt::Write as _;

#[test]
fn the_seeds_program_ten_greetings_then_the_end_of_stream() {
    // The seed's child sends "hello 1" .. "hello 10" and closes its end; the parent receives
    // them all, and one more recv finds the pipe closed.
    let session = Session::new();
    let worker = session.spawn(&["hello", "10"]);
    let mut received = 0;
    while worker.recv_ok().is_some() {
        received += 1;
        if received > 10 {
            session.fail("the child sent ten greetings, recv gave more");
        }
    }
    let _ = worker.recv_ok();
    worker.wait_success();
    let trace = session.trace.clone();
    session.finish("the Worker");
    let text: String = trace
        .whats()
        .iter()
        .map(|event| format!("{event}\n"))
        .collect();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Ten greetings in the order sent, then Ok(None) at the end of the stream, twice, and a \
         child that exited 0.",
    );
    settings.bind(|| insta::assert_snapshot!("seed_program", text));
}

#[test]
fn the_wire_format_of_four_messages() {
    let mut wire = Vec::new();
    {
        let mut writer = FrameWriter::new(&mut wire);
        for message in [&b"hello 1"[..], b"", &[0xff, 0x00, 0x0a], &[b'x'; 300]] {
            writer
                .send(message)
                .unwrap_or_else(|error| panic!("send to a Vec failed: {error}"));
        }
        writer
            .close()
            .unwrap_or_else(|error| panic!("close of a Vec failed: {error}"));
    }
    // One line per frame: the header's four bytes, then the payload (long ones abbreviated).
    let mut text = String::new();
    let mut rest = &wire[..];
    while rest.len() >= 4 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let end = (4 + len).min(rest.len());
        let payload = &rest[4..end];
        let shown = if payload.is_empty() {
            "(empty)".to_owned()
        } else if payload.len() > 8 {
            format!("{}.. ({} bytes)", hex(&payload[..8]), payload.len())
        } else {
            hex(payload)
        };
        writeln!(text, "{} | {shown}", hex(&rest[..4])).unwrap();
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        writeln!(text, "trailing bytes: {}", hex(rest)).unwrap();
    }
    writeln!(text, "total: {} bytes", wire.len()).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Each frame: a 4-byte big-endian length, then exactly that many bytes of payload.",
    );
    settings.bind(|| insta::assert_snapshot!("wire_format", text));
}
