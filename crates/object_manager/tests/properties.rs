//! Graded properties (proptest): frames round-trip and any cut is an error; capitalize agrees
//! with Python's; the namespace behaves like one map for every client.

use crate::harness::{KEY, in_process_server};
use course_testkit::proptest_config;
use object_manager::{Client, FrameError, MAX_FRAME, capitalize, read_frame, write_frame};
use proptest::prelude::*;
use std::collections::HashMap;

proptest! {
    #![proptest_config(proptest_config(32))]

    /// Frames written one after another are read back one by one, then a clean end.
    #[test]
    fn frames_read_back_as_they_were_written(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..6)
    ) {
        let mut wire = Vec::new();
        for payload in &payloads {
            write_frame(&mut wire, payload).unwrap_or_else(|err| panic!("write_frame: {err}"));
        }
        let mut reader = wire.as_slice();
        for payload in &payloads {
            let got = read_frame(&mut reader).unwrap_or_else(|err| panic!("read_frame: {err}"));
            prop_assert_eq!(got.as_ref(), Some(payload), "frames must come back in order, unchanged");
        }
        prop_assert!(matches!(read_frame(&mut reader), Ok(None)), "after the last frame, a clean end is Ok(None)");
    }

    /// A stream cut anywhere inside a frame is `Truncated`, never a panic, never a frame.
    #[test]
    fn a_frame_cut_anywhere_is_truncated(
        payload in prop::collection::vec(any::<u8>(), 0..300),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut wire = Vec::new();
        write_frame(&mut wire, &payload).unwrap();
        let cut = 1 + cut.index(wire.len() - 1);
        let got = read_frame(&mut &wire[..cut]);
        prop_assert!(
            matches!(got, Err(FrameError::Truncated { .. })),
            "a frame of {} bytes cut after {} bytes must read as Truncated, got {:?}", wire.len(), cut, got
        );
    }

    /// No frame longer than MAX_FRAME is written or read.
    #[test]
    fn frames_over_the_maximum_are_refused(extra in 1usize..1000) {
        let payload = vec![7u8; MAX_FRAME + extra];
        prop_assert!(matches!(write_frame(&mut Vec::new(), &payload), Err(FrameError::TooLarge { .. })), "write_frame of MAX_FRAME + {} bytes", extra);
        let announced = ((MAX_FRAME + extra) as u32).to_be_bytes();
        prop_assert!(matches!(read_frame(&mut announced.as_slice()), Err(FrameError::TooLarge { .. })), "read_frame of a prefix announcing MAX_FRAME + {} bytes", extra);
    }

    /// Python's str.capitalize on ASCII text: the first character upper case, the rest lower.
    #[test]
    fn capitalize_agrees_with_python(text in "[a-zA-Z0-9 !]{0,20}") {
        let mut want = String::new();
        for (i, c) in text.chars().enumerate() {
            want.push(if i == 0 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
        }
        prop_assert_eq!(capitalize(&text), want);
    }
}

proptest! {
    #![proptest_config(proptest_config(8))]

    /// Sets and gets, each on a fresh connection, behave like one map: every client sees the
    /// last value any client set.
    #[test]
    fn the_namespace_is_one_map_for_every_client(
        ops in prop::collection::vec((0usize..3, prop::option::of("[a-z]{0,6}")), 1..16)
    ) {
        let server = in_process_server();
        let mut model: HashMap<String, String> = HashMap::new();
        for (step, (name, value)) in ops.into_iter().enumerate() {
            let name = format!("attribute{name}");
            let mut client = Client::connect(server.local_addr(), KEY)
                .unwrap_or_else(|err| panic!("step {step}: connect: {err}"));
            match value {
                Some(value) => {
                    client.namespace().set(&name, &value).unwrap_or_else(|err| panic!("set: {err}"));
                    model.insert(name, value);
                }
                None => {
                    let got = client.namespace().get(&name).unwrap_or_else(|err| panic!("get: {err}"));
                    prop_assert_eq!(got.as_ref(), model.get(&name), "step {}: get({}) must return the last value any client set", step, name);
                }
            }
        }
        server.shutdown();
    }
}
