//! Graded traces (insta): one session on the wire, seen by a client that speaks the protocol
//! itself. The order is unique: challenge, answer, verdict, then each request and its response.

use crate::harness::{Raw, in_process_server, trace};
use object_manager::Request;

#[test]
fn one_session_on_the_wire() {
    let trace = trace();
    let server = in_process_server();
    let mut client = Raw::connect(&trace, "client", server.local_addr());
    client.authenticate();
    client.request(&Request::Call {
        function: "capitalize".into(),
        argument: "hello World".into(),
    });
    client.request(&Request::Get {
        name: "item".into(),
    });
    client.request(&Request::Set {
        name: "item".into(),
        value: "educative".into(),
    });
    client.request(&Request::Get {
        name: "item".into(),
    });
    drop(client);
    server.shutdown();
    let mut rendered = String::new();
    for event in trace.events() {
        rendered.push_str(&event.what);
        rendered.push('\n');
    }
    insta::assert_snapshot!(rendered);
}
