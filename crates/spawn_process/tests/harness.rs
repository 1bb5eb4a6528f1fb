//! What the cases, properties and traces share: the worker's path, job lists, and [`Run`],
//! which calls the learner's `run_all`, checks that it reaped every child it started, and
//! records the jobs and the outcome in a trace that failure messages quote.

use course_testkit::process::{self, children};
use course_testkit::{Trace, join_patiently, patience};
use spawn_process::{Finished, SpawnError, run_all};
use std::fmt::Write as _;
use std::path::Path;

/// The child program: `src/worker.rs`, built by Cargo for this test.
pub(crate) fn worker() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_spawn_process-worker"))
}

/// One child's argument list.
pub(crate) fn job(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| (*arg).to_owned()).collect()
}

/// How long a `meet` child waits for the others, in milliseconds: [`patience`], far more than
/// starting a few processes takes on a busy machine. A one-at-a-time `run_all` fails after one
/// patience (the first child gives up, and every later one gives up at once), well within the
/// test's time limit.
pub(crate) fn meet_patience_ms() -> String {
    patience().as_millis().to_string()
}

/// One call of `run_all`, its trace and its outcome.
pub(crate) struct Run {
    pub(crate) trace: Trace<String>,
    pub(crate) outcome: Result<Vec<Finished>, SpawnError>,
    /// The sequence number of the outcome's first event.
    outcome_seq: usize,
}

impl Run {
    /// Calls `run_all(program, jobs)` on this thread, records the jobs and what came back, and
    /// fails the test if any child it started is still running or a zombie when it returns.
    ///
    /// If `run_all` never returns, neither does this: the test runner's time limit reports it
    /// `timed_out` and kills the test's process group, children included.
    pub(crate) fn of(program: &Path, jobs: &[Vec<String>]) -> Run {
        let trace = Run::trace_of(jobs);
        let before = children();
        let outcome = run_all(program, jobs);
        Run::with_outcome(trace, outcome, &before)
    }

    /// Like [`Run::of`] with the worker, but `run_all` runs on a thread of its own and must
    /// return within [`patience`]; otherwise the test fails, saying `why` it should have.
    /// (The children it left running die with the test process: see `hold` in the worker.)
    pub(crate) fn patiently(jobs: &[Vec<String>], why: &str) -> Run {
        let trace = Run::trace_of(jobs);
        let before = children();
        let handle = {
            let jobs = jobs.to_vec();
            std::thread::spawn(move || run_all(worker(), &jobs))
        };
        let outcome = match join_patiently(handle) {
            Some(Ok(outcome)) => outcome,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => {
                trace.record(format!("run_all had not returned after {:?}", patience()));
                trace.fail(
                    format_args!("run_all did not return within {:?}: {why}", patience()),
                    &[trace.len() - 1],
                )
            }
        };
        Run::with_outcome(trace, outcome, &before)
    }

    fn trace_of(jobs: &[Vec<String>]) -> Trace<String> {
        let trace = Trace::new();
        trace.name_thread("test");
        for (index, args) in jobs.iter().enumerate() {
            // Escaped, so that a NUL byte or a newline in an argument shows.
            let args: Vec<String> = args
                .iter()
                .map(|arg| arg.escape_debug().to_string())
                .collect();
            trace.record(format!("job {index}: worker {}", shorten(&args.join(" "))));
        }
        trace
    }

    /// Records `outcome`, then checks that this process has no child that was not in
    /// `before`: every child `run_all` started was waited for.
    fn with_outcome(
        trace: Trace<String>,
        outcome: Result<Vec<Finished>, SpawnError>,
        before: &[u32],
    ) -> Run {
        let outcome_seq = trace.len();
        match &outcome {
            Ok(results) => {
                trace.record(format!(
                    "run_all returned Ok with {} result(s)",
                    results.len()
                ));
                for (index, finished) in results.iter().enumerate() {
                    trace.record(format!(
                        "result {index}: {}, stdout {:?}",
                        finished.status,
                        shorten(&finished.stdout)
                    ));
                }
            }
            Err(error) => {
                trace.record(format!("run_all returned Err: {}", describe(error)));
            }
        }
        let run = Run {
            trace,
            outcome,
            outcome_seq,
        };
        let left: Vec<String> = children()
            .into_iter()
            .filter(|pid| !before.contains(pid))
            .map(process::describe)
            .collect();
        if left.is_empty() {
            run.trace
                .record("no child is left: every one started was waited for".to_owned());
        } else {
            run.trace.record(format!(
                "{} child process(es) left: {}",
                left.len(),
                left.join("; ")
            ));
            run.fail(format_args!(
                "run_all returned, but {} child process(es) it started were never waited for \
                 (still running, or zombies: exited, never waited for). Wait for every child \
                 (wait or wait_with_output) on every path: after a failure too, and kill the \
                 ones already running when a later child cannot be started. A dropped Child \
                 is neither killed nor waited for.",
                left.len()
            ));
        }
        run
    }

    /// Runs the worker with `jobs`.
    pub(crate) fn worker(jobs: &[Vec<String>]) -> Run {
        Run::of(worker(), jobs)
    }

    /// Fails the test with `message` and the trace around the outcome.
    pub(crate) fn fail(&self, message: impl std::fmt::Display) -> ! {
        let focus: Vec<usize> = (self.outcome_seq..self.trace.len()).collect();
        self.trace.fail(message, &focus)
    }

    /// The results, or fails the test saying why every child should have succeeded.
    pub(crate) fn expect_ok(&self, why: &str) -> &[Finished] {
        match &self.outcome {
            Ok(results) => results,
            Err(_) => self.fail(format_args!("run_all failed, but {why}")),
        }
    }

    /// The error, or fails the test saying why there should have been one.
    pub(crate) fn expect_err(&self, why: &str) -> &SpawnError {
        match &self.outcome {
            Err(error) => error,
            Ok(_) => self.fail(format_args!("run_all returned Ok, but {why}")),
        }
    }

    /// Checks that the results are exactly `stdouts` (each a success), in this order.
    pub(crate) fn expect_stdouts(&self, stdouts: &[String], why: &str) {
        let results = self.expect_ok(why);
        if results.len() != stdouts.len() {
            self.fail(format_args!(
                "run_all returned {} result(s) for {} job(s): one result per job, in the order \
                 of the jobs",
                results.len(),
                stdouts.len()
            ));
        }
        for (index, (finished, expected)) in results.iter().zip(stdouts).enumerate() {
            if &finished.stdout != expected {
                self.fail(format_args!(
                    "result {index} has stdout {:?}, but job {index}'s child printed {:?}: \
                     results come back in the order of the jobs, each with its child's whole \
                     stdout",
                    shorten(&finished.stdout),
                    shorten(expected)
                ));
            }
            if !finished.status.success() {
                self.fail(format_args!(
                    "result {index} is Ok but its status is {}: a child that did not exit \
                     successfully is an error",
                    finished.status
                ));
            }
        }
    }

    /// Checks that the error is `Failed` for child `index`, with an unsuccessful status (exit
    /// code `code`, or killed by a signal if `None`) and `stderr` among what it wrote there.
    pub(crate) fn expect_failed(&self, index: usize, code: Option<i32>, stderr_has: &str) {
        let error = self.expect_err(&format!(
            "child {index} exits unsuccessfully, and a failing child is an error"
        ));
        match error {
            SpawnError::Failed {
                index: got,
                status,
                stderr,
            } => {
                if *got != index {
                    self.fail(format_args!(
                        "the error names child {got}, but the first failing child in the order \
                         of the jobs is child {index}"
                    ));
                }
                if status.success() || status.code() != code {
                    self.fail(format_args!(
                        "the error's status is {status}, but child {index} {}",
                        match code {
                            Some(code) => format!("exited with code {code}"),
                            None => "was killed by a signal (it has no exit code)".to_owned(),
                        }
                    ));
                }
                if !stderr.contains(stderr_has) {
                    self.fail(format_args!(
                        "the error's stderr is {:?}, but child {index} wrote {stderr_has:?} on \
                         stderr: a failing child's error carries its stderr (pipe it, and \
                         collect it)",
                        shorten(stderr)
                    ));
                }
            }
            other => self.fail(format_args!(
                "expected a Failed error for child {index}, got {}",
                describe(other)
            )),
        }
    }
}

/// A description of `error` built from its fields (not from the learner's Display).
pub(crate) fn describe(error: &SpawnError) -> String {
    match error {
        SpawnError::Start { index, source } => {
            format!("Start {{ index: {index}, source: {:?} }}", source.kind())
        }
        SpawnError::Collect { index, source } => {
            format!("Collect {{ index: {index}, source: {:?} }}", source.kind())
        }
        SpawnError::Failed {
            index,
            status,
            stderr,
        } => format!(
            "Failed {{ index: {index}, status: {status}, stderr: {:?} }}",
            shorten(stderr)
        ),
    }
}

/// `text`, cut to something a failure message can show.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut cut = MAX;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut short = text[..cut].to_owned();
    let _ = write!(short, "... ({} bytes in all)", text.len());
    short
}

/// The process group of `pid`, from `/proc` where there is one, else from `ps`.
pub(crate) fn process_group_of(pid: u32) -> Option<u32> {
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // After the parenthesised command name (which may hold spaces): state, ppid, pgrp.
        let after = stat.rsplit_once(')')?.1;
        return after.split_whitespace().nth(2)?.parse().ok();
    }
    let out = std::process::Command::new("ps")
        .args(["-o", "pgid=", "-p", &pid.to_string()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}
