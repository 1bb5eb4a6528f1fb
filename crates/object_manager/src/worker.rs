//! `object_manager-worker`: the server and client processes of the exercise.
//!
//! Course code that the learner does not edit, but it runs the learner's library. The key is
//! read from the environment variable `OBJECT_MANAGER_KEY` (a command line is visible to every
//! user in `ps`; an environment is not).
//!
//! - `serve`: starts a `Server` on 127.0.0.1 with a port the OS picks, offering `capitalize`
//!   and `fail` (which always fails); prints `listening on ADDR` on stdout; serves until its
//!   stdin is closed, then shuts the server down, prints `stopped` and exits 0.
//! - `call ADDR FUNCTION ARGUMENT`: prints the function's result.
//! - `set ADDR NAME VALUE`: sets a namespace attribute.
//! - `get ADDR NAME`: prints the attribute's value, or exits 4 if it is not set.
//!
//! A client whose key is refused exits 3; any other error exits 1. Errors go to stderr.

use object_manager::{Client, ManagerError, Registry, Server, capitalize};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let key = std::env::var("OBJECT_MANAGER_KEY").unwrap_or_default();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["serve"] => serve(key.as_bytes()),
        ["call", addr, function, argument] => client(addr, &key, |client| {
            let result = client.function(function).call(argument)?;
            println!("{result}");
            Ok(ExitCode::SUCCESS)
        }),
        ["set", addr, name, value] => client(addr, &key, |client| {
            client.namespace().set(name, value)?;
            Ok(ExitCode::SUCCESS)
        }),
        ["get", addr, name] => client(addr, &key, |client| match client.namespace().get(name)? {
            Some(value) => {
                println!("{value}");
                Ok(ExitCode::SUCCESS)
            }
            None => Ok(ExitCode::from(4)),
        }),
        _ => Err(format!(
            "usage: object_manager-worker serve | call ADDR FUNCTION ARGUMENT | set ADDR NAME \
             VALUE | get ADDR NAME (got {args:?})"
        )),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("object_manager-worker: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(key: &[u8]) -> Result<ExitCode, String> {
    let mut registry = Registry::new();
    registry
        .register("capitalize", |text| Ok(capitalize(text)))
        .register("fail", |_| Err("fail always fails".to_owned()));
    let server = Server::start("127.0.0.1:0", key, registry).map_err(|e| e.to_string())?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {}", server.local_addr()).map_err(|e| e.to_string())?;
    stdout.flush().map_err(|e| e.to_string())?;
    // Serve until the parent closes our stdin.
    io::copy(&mut io::stdin().lock(), &mut io::sink()).map_err(|e| e.to_string())?;
    server.shutdown();
    writeln!(stdout, "stopped").map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn client(
    addr: &str,
    key: &str,
    then: impl FnOnce(&mut Client) -> Result<ExitCode, ManagerError>,
) -> Result<ExitCode, String> {
    let addr: SocketAddr = addr.parse().map_err(|e| format!("address {addr:?}: {e}"))?;
    let outcome = Client::connect(addr, key.as_bytes()).and_then(|mut client| then(&mut client));
    match outcome {
        Ok(code) => Ok(code),
        Err(ManagerError::Refused) => {
            eprintln!("object_manager-worker: {}", ManagerError::Refused);
            Ok(ExitCode::from(3))
        }
        Err(err) => Err(err.to_string()),
    }
}
