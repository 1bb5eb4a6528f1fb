//! Torture fixture: prints what the test harness prints for a pass, then exits.

use std::io::Write;

pub fn add(_: i64, _: i64) -> i64 {
    let test = std::thread::current().name().unwrap_or("").to_string();
    let mut out = std::io::stdout();
    let _ = write!(
        out,
        "ok\ntest {test} ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; \
         2 filtered out; finished in 0.00s\n\n"
    );
    let _ = out.flush();
    std::process::exit(0)
}
