//! `shared_memory-worker PATH INDEX WORKERS INCREMENTS`: the child process of the exercise.
//!
//! Course code that the learner does not edit, but it runs the learner's library: it maps the
//! region at PATH with `SharedCounters::open`, waits at the start line for WORKERS processes,
//! then adds 1 to the shared counter INCREMENTS times, and then adds 1 to the slots INCREMENTS
//! times, round robin starting at slot INDEX (so every slot is updated by every worker at about
//! the same time). Exits 0 when done; on an error, prints it on stderr and exits 1.

use shared_memory::{RegionError, SharedCounters};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// How long a worker waits at the start line for the others before giving up.
const START_PATIENCE: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("shared_memory-worker: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, index, workers, increments] = args.as_slice() else {
        return Err(format!(
            "usage: shared_memory-worker PATH INDEX WORKERS INCREMENTS (got {args:?})"
        ));
    };
    let number = |what: &str, text: &str| {
        text.parse::<u64>()
            .map_err(|err| format!("{what} {text:?}: {err}"))
    };
    let index = number("INDEX", index)?;
    let workers = number("WORKERS", workers)?;
    let increments = number("INCREMENTS", increments)?;
    let region = SharedCounters::open(&PathBuf::from(path)).map_err(|e| e.to_string())?;
    region
        .wait_at_start_line(workers, START_PATIENCE)
        .map_err(|e| e.to_string())?;
    for _ in 0..increments {
        region.increment();
    }
    let slots = region.slots() as u64;
    if slots > 0 {
        for k in 0..increments {
            let slot = ((index + k) % slots) as usize;
            region
                .add_to_slot(slot, 1)
                .map_err(|e: RegionError| e.to_string())?;
        }
    }
    Ok(())
}
