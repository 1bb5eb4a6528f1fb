//! Graded cases (rstest): server and client processes, wrong keys, bad frames, many clients at
//! once, and shutdown.

use crate::harness::{
    Answer, Got, KEY, MAX_FRAME, Raw, ServerProcess, client_process, fail, in_process_server,
    is_welcome, trace,
};
use course_testkit::{Gate, join_patiently, patience};
use object_manager::{Client, ManagerError, Request};
use rstest::rstest;
use std::net::TcpStream;
use std::sync::{Arc, mpsc};

#[test]
fn smoke_a_client_process_calls_capitalize_on_a_server_process() {
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    let addr = server.addr.to_string();
    let out = client_process(&trace, KEY, &["call", &addr, "capitalize", "hello World"]);
    if out.code != Some(0) || out.stdout != "Hello world" {
        fail(
            &trace,
            format!(
                "a client process called capitalize(\"hello World\") on the server process and \
                 got {out:?}: expected exit 0 and `Hello world` (Python's str.capitalize)"
            ),
        );
    }
    server.stop();
}

#[test]
fn a_namespace_attribute_set_by_one_process_is_read_by_another() {
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    let addr = server.addr.to_string();
    let get = |trace| client_process(trace, KEY, &["get", &addr, "item"]);
    let before = get(&trace);
    if before.code != Some(4) {
        fail(
            &trace,
            format!("`item` was never set, so get must find nothing (exit 4); got {before:?}"),
        );
    }
    for value in ["educative", "educative is awesome !"] {
        let set = client_process(&trace, KEY, &["set", &addr, "item", value]);
        if set.code != Some(0) {
            fail(
                &trace,
                format!("a client process could not set `item`: {set:?}"),
            );
        }
        let read = get(&trace);
        if read.code != Some(0) || read.stdout != value {
            fail(
                &trace,
                format!(
                    "one process set `item` to {value:?}, then another read {read:?}: the \
                     namespace is shared by every client of the server"
                ),
            );
        }
    }
    server.stop();
}

#[rstest]
#[case::wrong_key(b"not the key".as_slice())]
#[case::empty_key(b"".as_slice())]
#[case::key_with_a_byte_more(b"the course's shared secret!".as_slice())]
fn a_client_with_a_wrong_key_is_refused_and_nothing_runs(#[case] key: &[u8]) {
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    let addr = server.addr.to_string();
    let set = client_process(&trace, key, &["set", &addr, "intruder", "was here"]);
    if set.code != Some(3) {
        fail(
            &trace,
            format!(
                "a client with a wrong key tried to set `intruder`; it must be refused \
                 (Client::connect returns ManagerError::Refused, the worker exits 3), but it \
                 ended {set:?}"
            ),
        );
    }
    let get = client_process(&trace, KEY, &["get", &addr, "intruder"]);
    if get.code != Some(4) {
        fail(
            &trace,
            format!(
                "after a refused client tried to set `intruder`, a client with the right key \
                 reads it as {get:?}: nothing a client sends before it passes the challenge may run"
            ),
        );
    }
    server.stop();
}

#[test]
fn a_connection_that_fails_the_challenge_gets_nothing_run() {
    // A client that ignores the verdict and sends its request anyway.
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    let mut intruder = Raw::connect(&trace, "intruder", server.addr);
    let verdict = intruder.handshake(b"a guess");
    if is_welcome(&verdict) {
        fail(
            &trace,
            "the server answered WELCOME to an answer made with the wrong key: it must check \
             the answer against HMAC(key, challenge) and refuse it",
        );
    }
    let after = intruder.request(&Request::Set {
        name: "intruder".into(),
        value: "was here".into(),
    });
    if matches!(&after, Got::Frame(bytes) if Answer::decode(bytes) == Some(Answer::Done)) {
        fail(
            &trace,
            "the server ran a Set from a connection that failed the challenge",
        );
    }
    let mut client = Client::connect(server.addr, KEY).unwrap_or_else(|err| {
        fail(
            &trace,
            format!("a client with the right key could not connect: {err}"),
        )
    });
    let seen = client.namespace().get("intruder");
    trace.record(format!(
        "a client with the right key reads `intruder`: {seen:?}"
    ));
    if !matches!(seen, Ok(None)) {
        fail(
            &trace,
            "a connection that failed the challenge got its Set run: nothing may run for it",
        );
    }
    server.check_alive("a failed challenge");
    server.stop();
}

/// The bad things a connection can send, after (or instead of) a correct handshake.
fn send_bad(raw: &mut Raw, case: &str) {
    match case {
        "garbage_request" => raw.send_frame("a frame of garbage", b"\xff\x00 not a request \x01"),
        "empty_frame" => raw.send_frame("an empty frame", b""),
        "truncated_frame" => {
            let mut bytes = 100u32.to_be_bytes().to_vec();
            bytes.extend_from_slice(b"only ten b");
            raw.send_bytes("a frame announcing 100 bytes, then 10", &bytes);
            raw.close_sending();
        }
        "truncated_prefix" => {
            raw.send_bytes("2 bytes of a length prefix", &[0, 0]);
            raw.close_sending();
        }
        "oversized_frame" => raw.send_bytes(
            "a length prefix announcing MAX_FRAME + 1 bytes (and nothing after it)",
            &(MAX_FRAME as u32 + 1).to_be_bytes(),
        ),
        "huge_frame" => raw.send_bytes("a length prefix announcing 4 GiB", &u32::MAX.to_be_bytes()),
        other => unreachable!("no case {other}"),
    }
}

#[rstest]
#[case::garbage_request("garbage_request", true)]
#[case::empty_frame("empty_frame", true)]
#[case::truncated_frame("truncated_frame", true)]
#[case::truncated_prefix("truncated_prefix", true)]
#[case::oversized_frame("oversized_frame", true)]
#[case::huge_frame("huge_frame", true)]
#[case::oversized_answer_to_the_challenge("oversized_frame", false)]
#[case::truncated_answer_to_the_challenge("truncated_frame", false)]
fn a_bad_frame_ends_only_its_own_connection(#[case] case: &str, #[case] authenticated: bool) {
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    // A client connected before the bad one, which must not notice anything.
    let mut bystander = Client::connect(server.addr, KEY).unwrap_or_else(|err| {
        fail(
            &trace,
            format!("a client with the right key could not connect: {err}"),
        )
    });
    trace.record("bystander connected".to_owned());
    let mut bad = Raw::connect(&trace, "bad client", server.addr);
    if authenticated {
        bad.authenticate();
    } else {
        match bad.receive() {
            Got::Frame(_) => {}
            other => fail(
                &trace,
                format!("expected the challenge, got {}", other.describe()),
            ),
        }
    }
    send_bad(&mut bad, case);
    let answer = bad.receive();
    if !answer.is_error_or_closed() {
        fail(
            &trace,
            format!(
                "after the bad client's {case}, it received {}: the server must answer a bad \
                 frame with an Error response or by closing the connection, at once (an \
                 oversized frame is refused from its length prefix, without waiting for its \
                 bytes)",
                answer.describe()
            ),
        );
    }
    if answer != Got::Closed {
        // After the error, the server hangs up.
        let next = bad.receive();
        if next != Got::Closed {
            fail(
                &trace,
                format!(
                    "after answering the bad client's {case} with an error, the server must \
                     close that connection; the next read got {}",
                    next.describe()
                ),
            );
        }
    }
    server.check_alive(&format!("a {case}"));
    let result = bystander.function("capitalize").call("still THERE?");
    trace.record(format!("bystander calls capitalize: {result:?}"));
    if result.as_deref().ok() != Some("Still there?") {
        fail(
            &trace,
            format!(
                "after another connection's {case}, a client connected before it got {result:?}"
            ),
        );
    }
    let mut newcomer = Client::connect(server.addr, KEY).unwrap_or_else(|err| {
        fail(
            &trace,
            format!("after a {case}, a new client could not connect: {err}"),
        )
    });
    let result = newcomer.function("capitalize").call("NEW");
    trace.record(format!("newcomer calls capitalize: {result:?}"));
    if result.as_deref().ok() != Some("New") {
        fail(
            &trace,
            format!("after a {case}, a new client's call got {result:?}"),
        );
    }
    server.stop();
}

#[test]
fn ten_clients_times_a_hundred_calls_are_all_correct() {
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    let addr = server.addr;
    let start = Arc::new(Gate::new());
    let (sender, results) = mpsc::channel();
    let clients: Vec<_> = (0..10)
        .map(|c| {
            let (start, sender, trace) = (Arc::clone(&start), sender.clone(), trace.clone());
            std::thread::spawn(move || {
                trace.name_thread(format!("client {c}"));
                start.pass("the start of the clients");
                let outcome = (|| -> Result<usize, String> {
                    let mut client = Client::connect(addr, KEY).map_err(|e| format!("connect: {e}"))?;
                    let mut capitalize = client.function("capitalize");
                    for i in 0..100 {
                        let argument = format!("client {c} CALL {i}");
                        let want = format!("Client {c} call {i}");
                        let got = capitalize.call(&argument).map_err(|e| format!("call {i}: {e}"))?;
                        if got != want {
                            return Err(format!("call {i}: capitalize({argument:?}) returned {got:?}, expected {want:?}"));
                        }
                    }
                    Ok(100)
                })();
                trace.record(format!("finished: {outcome:?}"));
                let _ = sender.send(outcome);
            })
        })
        .collect();
    drop(sender);
    start.open();
    for _ in 0..10 {
        match results.recv_timeout(patience() * 2) {
            Ok(Ok(_)) => {}
            Ok(Err(message)) => fail(&trace, format!("10 clients x 100 calls at once: {message}")),
            Err(_) => fail(
                &trace,
                format!(
                    "10 clients x 100 calls did not all finish within {:?}",
                    patience() * 2
                ),
            ),
        }
    }
    for client in clients {
        let _ = join_patiently(client);
    }
    server.stop();
}

#[test]
fn the_server_serves_a_second_client_while_the_first_stays_connected() {
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    let mut first = Client::connect(server.addr, KEY)
        .unwrap_or_else(|err| fail(&trace, format!("the first client could not connect: {err}")));
    trace.record("first client connected, and stays connected, idle".to_owned());
    let addr = server.addr;
    let (sender, result) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = Client::connect(addr, KEY)
            .and_then(|mut client| client.function("capitalize").call("second"));
        let _ = sender.send(outcome);
    });
    match result.recv_timeout(patience()) {
        Ok(Ok(got)) if got == "Second" => {
            trace.record("second client called capitalize: Second".to_owned());
        }
        Ok(other) => fail(&trace, format!("the second client got {other:?}")),
        Err(_) => fail(
            &trace,
            format!(
                "while a first client stayed connected, a second client could not connect and \
                 call within {:?}: the server must serve each connection on a thread of its \
                 own, not one connection at a time",
                patience()
            ),
        ),
    }
    let again = first.function("capitalize").call("first");
    if again.as_deref().ok() != Some("First") {
        fail(&trace, format!("the first client's call got {again:?}"));
    }
    server.stop();
}

#[test]
fn unknown_and_failing_functions_are_remote_errors_and_the_session_goes_on() {
    let trace = trace();
    let mut server = ServerProcess::start(&trace);
    let mut client = Client::connect(server.addr, KEY)
        .unwrap_or_else(|err| fail(&trace, format!("connect: {err}")));
    for name in ["no_such_function", "fail"] {
        let result = client.function(name).call("x");
        trace.record(format!("call {name}: {result:?}"));
        if !matches!(result, Err(ManagerError::Remote(_))) {
            fail(
                &trace,
                format!(
                    "calling {name} must give ManagerError::Remote with the server's message; got {result:?}"
                ),
            );
        }
    }
    let result = client.function("capitalize").call("after errors");
    if result.as_deref().ok() != Some("After errors") {
        fail(
            &trace,
            format!("after two remote errors, the same client's call got {result:?}"),
        );
    }
    server.stop();
}

#[test]
fn after_shutdown_the_server_accepts_nobody_and_its_clients_are_closed() {
    let trace = trace();
    let server = in_process_server();
    let addr = server.local_addr();
    let mut client =
        Client::connect(addr, KEY).unwrap_or_else(|err| fail(&trace, format!("connect: {err}")));
    trace.record(format!("a client connected to the server at {addr}"));
    let (sender, done) = mpsc::channel();
    std::thread::spawn(move || {
        server.shutdown();
        let _ = sender.send(());
    });
    if done.recv_timeout(patience()).is_err() {
        fail(
            &trace,
            format!(
                "Server::shutdown did not return within {:?} while a client was connected: it \
                 must wake the accept loop, close the open connections and join their threads",
                patience()
            ),
        );
    }
    trace.record("Server::shutdown returned".to_owned());
    let call = client.function("capitalize").call("anyone?");
    trace.record(format!("the connected client calls: {call:?}"));
    if call.is_ok() {
        fail(
            &trace,
            "after shutdown, a client connected before it still got an answer: shutdown closes every connection",
        );
    }
    match TcpStream::connect_timeout(&addr, patience()) {
        Err(_) => {}
        Ok(_) => fail(
            &trace,
            format!(
                "after shutdown returned, a connection to {addr} was accepted: the listener \
                 must be closed by then"
            ),
        ),
    }
}
