//! The worker process of `process_queue` (course code; it does not call the library, so it is
//! the same program whatever implementation the parent runs).
//!
//! Protocol, one line per message, on the child's stdin and stdout:
//!
//! | parent sends  | worker answers          | meaning                                   |
//! |---------------|-------------------------|-------------------------------------------|
//! | `item N`      | `done N R`              | processed item `N`; its result `R` is N²  |
//! | `stop`        | `count C`, then exits 0 | the sentinel: it processed `C` items      |
//!
//! Anything else is a protocol error: the worker says so on stderr and exits with status 2.
//! A stdin closed before `stop` also ends it with status 3 (a worker must be told to stop).

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let mut count: u64 = 0;
    for line in stdin.lines() {
        let Ok(line) = line else {
            return ExitCode::from(3);
        };
        let reply = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["item", n] => match n.parse::<u64>() {
                Ok(n) => {
                    count += 1;
                    format!("done {n} {}", n.wrapping_mul(n))
                }
                Err(_) => return protocol_error(&line),
            },
            ["stop"] => {
                // A parent that stopped reading gets the count nowhere; still exit cleanly.
                let _ = writeln!(stdout, "count {count}").and_then(|()| stdout.flush());
                return ExitCode::SUCCESS;
            }
            _ => return protocol_error(&line),
        };
        if writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // The parent closed our stdout: nobody is listening any more.
            return ExitCode::from(3);
        }
    }
    eprintln!("process_queue-worker: stdin closed before the stop sentinel");
    ExitCode::from(3)
}

fn protocol_error(line: &str) -> ExitCode {
    eprintln!("process_queue-worker: not a message of the protocol: {line:?}");
    ExitCode::from(2)
}
