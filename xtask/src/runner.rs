//! The test runner: builds a suite, lists its tests, and runs every test in its own process
//! group with a wall-clock limit, so a deadlocked or crashing test never blocks the command.

use std::collections::VecDeque;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::compile::{self, Build, Flavor, Implementation};
use crate::error::Result;
use crate::manifest::Exercise;
use crate::sandbox::{self, Sandbox};
use crate::{procs, ui};

/// What happened to one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TestStatus {
    Passed,
    Failed,
    TimedOut,
    Crashed,
    NotRun,
}

impl TestStatus {
    /// As written in reports and on the terminal.
    pub(crate) fn label(self) -> &'static str {
        match self {
            TestStatus::Passed => "passed",
            TestStatus::Failed => "failed",
            TestStatus::TimedOut => "timed out",
            TestStatus::Crashed => "crashed",
            TestStatus::NotRun => "not run",
        }
    }
}

/// One test's result.
#[derive(Debug, Clone)]
pub(crate) struct TestResult {
    /// Its path in the suite, e.g. `cases::smoke_one_action_runs`.
    pub(crate) name: String,
    pub(crate) status: TestStatus,
    pub(crate) duration: Duration,
    /// Why it did not pass (empty when it passed).
    pub(crate) message: String,
    /// What looked like an attempt to fool the grader, if anything did.
    pub(crate) suspicious: Option<&'static str>,
}

/// The kind of a test, from the module it stands in.
pub(crate) fn kind(test: &str) -> &'static str {
    match test.split("::").next().unwrap_or_default() {
        "cases" => "rstest",
        "properties" => "proptest",
        "traces" => "insta",
        "models" => "loom",
        _ => "other",
    }
}

/// The result of evaluating one implementation of an exercise.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// It compiled; these are its tests' results, in listing order.
    Ran(Vec<TestResult>),
    /// It did not compile: the compiler's first errors.
    NotCompiled(String),
}

/// Builds `exercise`'s suite (normal and, if it has loom models, loom) from the crate in
/// `root` with the given implementation, and runs every test. `label` names it on the
/// progress line. Errs only when cargo itself cannot be run.
pub(crate) fn evaluate(
    root: &Path,
    exercise: &Exercise,
    implementation: &Implementation,
    label: &str,
) -> Result<Outcome> {
    evaluate_until(root, exercise, implementation, label, false)
}

/// [`evaluate`], optionally starting no more tests once one has not passed.
pub(crate) fn evaluate_until(
    root: &Path,
    exercise: &Exercise,
    implementation: &Implementation,
    label: &str,
    stop_at_first_failure: bool,
) -> Result<Outcome> {
    procs::kill_groups_on_interrupt();
    let name = exercise.name.as_str();
    let progress = |line: &str| ui::status(&format!("{label}: {line}"));

    progress("compiling");
    let normal = match compile::build_suite(root, name, implementation, Flavor::Normal, &progress)?
    {
        Build::Built(binary) => binary,
        Build::Failed(errors) => return Ok(Outcome::NotCompiled(errors)),
    };
    let loom = if has_loom_models(root, name) {
        progress("compiling the loom models");
        match compile::build_suite(root, name, implementation, Flavor::Loom, &progress)? {
            Build::Built(binary) => Some(binary),
            Build::Failed(errors) => {
                return Ok(Outcome::NotCompiled(format!(
                    "the loom build (RUSTFLAGS=\"--cfg course_loom\") failed:\n{errors}"
                )));
            }
        }
    } else {
        None
    };

    let mut context = RunContext::new(root, name);
    context.stop_at_first_failure = stop_at_first_failure;
    let outcome = run_suite(
        &context,
        exercise,
        &normal,
        loom.as_deref(),
        &|done, total| {
            progress(&format!("{done}/{total} tests"));
        },
    );
    ui::clear_status();
    Ok(outcome)
}

/// Runs every test of `exercise`'s suite from its built binaries: the models from the loom
/// build when there is one (under the loom cfg, and nowhere else), the rest from the normal
/// build.
pub(crate) fn run_suite(
    context: &RunContext,
    exercise: &Exercise,
    normal: &Path,
    loom: Option<&Path>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Outcome {
    match suite_jobs(exercise, normal, loom) {
        Ok(jobs) => Outcome::Ran(run_all(context, &jobs, progress)),
        Err(why) => Outcome::NotCompiled(why),
    }
}

/// The tests of a built suite, each with its binary and time limit: the models from the loom
/// build when there is one, the rest from the normal build.
pub(crate) fn suite_jobs(
    exercise: &Exercise,
    normal: &Path,
    loom: Option<&Path>,
) -> std::result::Result<Vec<Job>, String> {
    let has_loom = loom.is_some();
    let mut binaries = vec![(normal, Flavor::Normal)];
    binaries.extend(loom.map(|loom| (loom, Flavor::Loom)));
    let mut jobs = Vec::new();
    for (binary, flavor) in binaries {
        let listed = list_tests(binary)
            .map_err(|why| format!("the suite was built but could not list its tests: {why}"))?;
        for test in listed {
            let is_model = kind(&test) == "loom";
            let runs_here = match flavor {
                Flavor::Normal => !(is_model && has_loom),
                Flavor::Loom => is_model,
            };
            if !runs_here {
                continue;
            }
            let limit = if is_model {
                exercise.loom_time_limit()
            } else {
                exercise.time_limit()
            };
            jobs.push(Job {
                binary: binary.to_path_buf(),
                test,
                limit,
            });
        }
    }
    Ok(jobs)
}

/// True if the suite has loom models (some file of its tests mentions `course_loom`).
pub(crate) fn has_loom_models(root: &Path, package: &str) -> bool {
    fn visit(dir: &Path) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().any(|entry| {
            let path = entry.path();
            if path.is_dir() {
                visit(&path)
            } else {
                path.extension().is_some_and(|ext| ext == "rs")
                    && std::fs::read_to_string(&path).is_ok_and(|text| text.contains("course_loom"))
            }
        })
    }
    visit(&root.join("crates").join(package).join("tests"))
}

/// The tests of a libtest binary, in its listing order.
pub(crate) fn list_tests(binary: &Path) -> std::result::Result<Vec<String>, String> {
    let output = Command::new(binary)
        .args(["--list", "--format", "terse"])
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("{}: {err}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} --list exited with {}: {}",
            binary.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(parse_list(&String::from_utf8_lossy(&output.stdout)))
}

fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// One test to run.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) binary: PathBuf,
    pub(crate) test: String,
    pub(crate) limit: Duration,
}

/// Where and as what the tests run (as `cargo test` would run them).
#[derive(Debug, Clone)]
pub(crate) struct RunContext {
    pub(crate) root: PathBuf,
    pub(crate) crate_dir: PathBuf,
    pub(crate) package: String,
    /// The cell each test runs in when grading submissions; `None`: a process group only.
    pub(crate) sandbox: Option<Sandbox>,
    /// Tests run at once (0: two per core).
    pub(crate) parallel: usize,
    /// More environment for each test (`COURSE_TIMELINE_DIR` when drawing timelines).
    pub(crate) env: Vec<(String, PathBuf)>,
    /// Start no more tests once one has not passed (`verify` proving a known-wrong variant is
    /// rejected needs one rejection, not all of them).
    pub(crate) stop_at_first_failure: bool,
}

impl RunContext {
    /// The context of `package`'s tests in the workspace at `root`, without a sandbox.
    pub(crate) fn new(root: &Path, package: &str) -> RunContext {
        RunContext {
            crate_dir: root.join("crates").join(package),
            root: root.to_path_buf(),
            package: package.to_string(),
            sandbox: None,
            parallel: 0,
            env: Vec::new(),
            stop_at_first_failure: false,
        }
    }
}

/// Runs every job, two per core at a time; results come back in job order.
///
/// Two per core, because a test that hangs uses no CPU while it waits out its time limit: a
/// learner whose code deadlocks everywhere gets the verdict twice as fast. Graded tests never
/// depend on timing, so sharing a core costs them nothing but speed.
/// `progress(done, total)` is called after each test.
pub(crate) fn run_all(
    context: &RunContext,
    jobs: &[Job],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<TestResult> {
    let workers = match context.parallel {
        0 => std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .saturating_mul(2),
        n => n,
    }
    .min(jobs.len().max(1));
    let queue = Mutex::new((0..jobs.len()).collect::<VecDeque<usize>>());
    let results: Mutex<Vec<Option<TestResult>>> = Mutex::new(vec![None; jobs.len()]);
    let done = AtomicUsize::new(0);
    progress(0, jobs.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    // The queue lock is held only to pop the next index.
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some(index) = next else { break };
                    let result = run_one(context, &jobs[index]);
                    if context.stop_at_first_failure && result.status != TestStatus::Passed {
                        queue.lock().unwrap_or_else(|e| e.into_inner()).clear();
                    }
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .zip(jobs)
        .map(|(result, job)| {
            result.unwrap_or_else(|| TestResult {
                name: job.test.clone(),
                status: TestStatus::NotRun,
                duration: Duration::ZERO,
                message: if context.stop_at_first_failure {
                    "not run: the run stopped at the first test that did not pass".into()
                } else {
                    "the runner lost this test's result".into()
                },
                suspicious: None,
            })
        })
        .collect()
}

/// How a test process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal killed it.
    Signal(i32),
    /// It ran past its limit and was killed.
    TimedOut(Duration),
    /// It could not be started.
    NotStarted(String),
}

/// Runs one test in its own process group and classifies the result.
pub(crate) fn run_one(context: &RunContext, job: &Job) -> TestResult {
    let started = Instant::now();
    let (exit, output) = execute(context, job);
    let duration = started.elapsed();
    let verdict = classify(&job.test, &exit, &output);
    TestResult {
        name: job.test.clone(),
        status: verdict.status,
        duration,
        message: verdict.message,
        suspicious: verdict.suspicious,
    }
}

/// What a finished test left behind: its stdout and stderr, and the harness's own log.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// The libtest `--logfile`: one `ok NAME` or `failed NAME` line per test, written by the
    /// harness itself after the test function returned. Printing to stdout cannot fake it.
    pub(crate) log: String,
}

/// A test's classification.
#[derive(Debug)]
pub(crate) struct Verdict {
    pub(crate) status: TestStatus,
    pub(crate) message: String,
    pub(crate) suspicious: Option<&'static str>,
}

impl Verdict {
    fn new(status: TestStatus, message: impl Into<String>) -> Verdict {
        Verdict {
            status,
            message: message.into(),
            suspicious: None,
        }
    }
}

/// How much of a test's stdout and stderr is kept: the head and the tail (the harness's
/// result is at the end).
const CAPTURE_HEAD: usize = 256 * 1024;
const CAPTURE_TAIL: usize = 64 * 1024;
/// How long to wait for a killed test's output pipes to close.
const DRAIN_WAIT: Duration = Duration::from_secs(2);

fn execute(context: &RunContext, job: &Job) -> (Exit, Output) {
    let log = log_file();
    let mut command = Command::new(&job.binary);
    command
        .args(["--exact", &job.test, "--test-threads=1", "--color=never"])
        .arg("--logfile")
        .arg(&log)
        .current_dir(&context.crate_dir)
        .env("RUST_BACKTRACE", "0")
        .env("INSTA_UPDATE", "no")
        .env("INSTA_FORCE_PASS", "0")
        .env("INSTA_OUTPUT", "summary")
        .env("INSTA_WORKSPACE_ROOT", &context.root)
        .env("CARGO_MANIFEST_DIR", &context.crate_dir)
        .env("CARGO_PKG_NAME", &context.package)
        .env_remove("RUST_TEST_NOCAPTURE")
        .env_remove("RUST_TEST_THREADS")
        .envs(context.env.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &context.sandbox {
        // A session of its own (its id is the child's pid), the limits, the network cut.
        Some(sandbox) => sandbox.apply(&mut command),
        None => {
            command.process_group(0);
        }
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let why = format!("{}: {err}", job.binary.display());
            return (Exit::NotStarted(why), Output::default());
        }
    };
    // The child leads its own group, whose id is its pid.
    let pgid = child.id();
    procs::register(pgid);
    let stdout = Capture::start(child.stdout.take());
    let stderr = Capture::start(child.stderr.take());
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait());
    });
    let kill = |pgid: u32| match &context.sandbox {
        Some(_) => sandbox::kill_session(pgid),
        None => procs::kill_group(pgid),
    };

    let exit = match receiver.recv_timeout(job.limit) {
        Ok(status) => exit_of(status),
        Err(_) => {
            kill(pgid);
            // The waiter reaps the child once the kill lands.
            let _ = receiver.recv_timeout(DRAIN_WAIT);
            Exit::TimedOut(job.limit)
        }
    };
    // Stray grandchildren of a finished test must not survive it either.
    kill(pgid);
    procs::unregister(pgid);
    let deadline = Instant::now() + DRAIN_WAIT;
    let output = Output {
        stdout: stdout.finish(deadline),
        stderr: stderr.finish(deadline),
        log: std::fs::read_to_string(&log).unwrap_or_default(),
    };
    let _ = std::fs::remove_file(&log);
    (exit, output)
}

/// A fresh path for one test's harness log, in a directory of this process's own.
fn log_file() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("course-xtask-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    dir.join(format!(
        "{}-{nanos:09}.log",
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Removes the directory of harness logs (at the end of a command).
pub(crate) fn remove_logs() {
    let dir = std::env::temp_dir().join(format!("course-xtask-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(dir);
}

fn exit_of(status: std::io::Result<ExitStatus>) -> Exit {
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Code(-1),
        },
        Err(err) => Exit::NotStarted(format!("waiting for the test failed: {err}")),
    }
}

/// A pipe being read to its end on a thread, keeping its head and tail.
struct Capture {
    buffer: Arc<Mutex<CaptureBuffer>>,
    finished: mpsc::Receiver<()>,
}

#[derive(Default)]
struct CaptureBuffer {
    head: Vec<u8>,
    tail: Vec<u8>,
    cut: bool,
}

impl CaptureBuffer {
    fn push(&mut self, mut chunk: &[u8]) {
        if self.head.len() < CAPTURE_HEAD {
            let take = chunk.len().min(CAPTURE_HEAD - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        self.tail.extend_from_slice(chunk);
        if self.tail.len() > 2 * CAPTURE_TAIL {
            self.tail.drain(..self.tail.len() - CAPTURE_TAIL);
            self.cut = true;
        }
    }
}

impl Capture {
    fn start(pipe: Option<impl Read + Send + 'static>) -> Capture {
        let buffer = Arc::new(Mutex::new(CaptureBuffer::default()));
        let (sender, finished) = mpsc::channel();
        let shared = Arc::clone(&buffer);
        std::thread::spawn(move || {
            if let Some(mut pipe) = pipe {
                let mut chunk = [0u8; 8192];
                while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                    shared
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(&chunk[..n]);
                }
            }
            let _ = sender.send(());
        });
        Capture { buffer, finished }
    }

    /// What was read, once the pipe closed or the deadline passed (a process that escaped
    /// the group may hold the pipe open forever).
    fn finish(self, deadline: Instant) -> String {
        let _ = self
            .finished
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        let buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = String::from_utf8_lossy(&buffer.head).into_owned();
        if buffer.cut {
            text.push_str("\n[... output cut ...]\n");
        }
        text.push_str(&String::from_utf8_lossy(&buffer.tail));
        text
    }
}

/// At most this many lines of a failure message are kept.
const MESSAGE_LINES: usize = 200;

/// Classifies a finished test from how it exited, what libtest printed and what the harness
/// logged. A pass needs all three: exit status 0, the harness's `ok` line and summary on
/// stdout, and its `ok NAME` line in the log, which the harness writes only after the test
/// function returned.
pub(crate) fn classify(test: &str, exit: &Exit, output: &Output) -> Verdict {
    let Output {
        stdout,
        stderr,
        log,
    } = output;
    let result_line = |prefix: &str| stdout.lines().any(|line| line.starts_with(prefix));
    let reported_ok = stdout
        .lines()
        .any(|line| line == format!("test {test} ... ok"));
    let logged_ok = log.lines().any(|line| line == format!("ok {test}"));
    let claims_pass = reported_ok && result_line("test result: ok. 1 passed;");
    match exit {
        Exit::TimedOut(limit) => Verdict::new(
            TestStatus::TimedOut,
            format!(
                "did not finish in {} s: deadlock or lost wakeup suspected",
                ui::points(limit.as_secs_f64())
            ),
        ),
        Exit::NotStarted(why) => Verdict::new(
            TestStatus::NotRun,
            format!("could not start the test: {why}"),
        ),
        Exit::Code(0) if claims_pass && logged_ok => Verdict::new(TestStatus::Passed, ""),
        Exit::Code(0) if claims_pass => Verdict {
            status: TestStatus::Failed,
            message: "the test's output claims a pass that the test harness did not record: \
                      the code wrote a fake result and ended the process"
                .into(),
            suspicious: Some("printed a fake test result and exited"),
        },
        Exit::Code(0) if result_line("test result: ok. 0 passed;") => Verdict::new(
            TestStatus::NotRun,
            format!("the suite has no test named exactly `{test}` to run (or it is ignored)"),
        ),
        Exit::Code(101) if result_line("test result: FAILED") => {
            Verdict::new(TestStatus::Failed, failure_message(test, stdout, stderr))
        }
        Exit::Signal(signal) => {
            let mut message = signal_message(*signal);
            // libtest's captured output (the panics) reaches stdout as it goes; the abort's
            // own lines reach stderr.
            let first = first_panic(stdout).or_else(|| first_panic(stderr));
            if let Some(deadlock) = first.filter(|first| first.starts_with("deadlock;")) {
                // The abort that follows is loom unwinding its blocked threads: nothing more to
                // learn from its lines.
                return Verdict::new(
                    TestStatus::Crashed,
                    format!(
                        "loom found an interleaving in which every thread is blocked: a deadlock \
                         or a lost wake-up (a notify that came before its waiter slept).\n\
                         loom: {deadlock}"
                    ),
                );
            }
            if let Some(first) = first {
                message = format!("{message}\nthe first panic: {first}");
            }
            let tail = last_lines(stderr, 5);
            if !tail.is_empty() {
                message.push('\n');
                message.push_str(&tail);
            }
            Verdict::new(TestStatus::Crashed, message)
        }
        Exit::Code(code) => {
            let mut message = format!(
                "exited with status {code} before the test harness reported a result \
                 (does the code call std::process::exit or abort?)"
            );
            let tail = last_lines(stderr, 5);
            if !tail.is_empty() {
                message.push('\n');
                message.push_str(&tail);
            }
            Verdict {
                status: TestStatus::Crashed,
                message,
                suspicious: (*code == 0).then_some("ended the test process with exit status 0"),
            }
        }
    }
}

/// The message of the first panic in `output`, if any: when a panic during unwinding aborts the
/// process, the first one is the cause and the last ones are only the abort.
fn first_panic(output: &str) -> Option<&str> {
    let mut lines = output.lines();
    lines.find(|line| line.starts_with("thread '") && line.contains(" panicked at "))?;
    lines.next().map(str::trim).filter(|line| !line.is_empty())
}

/// What a signal that killed a test most likely means.
fn signal_message(signal: i32) -> String {
    match signal {
        libc::SIGABRT => "aborted (SIGABRT): a panic while panicking, or a stack overflow".into(),
        libc::SIGSEGV => {
            "segmentation fault (SIGSEGV): a stack overflow or invalid memory access".into()
        }
        libc::SIGBUS => "bus error (SIGBUS): invalid memory access".into(),
        libc::SIGILL => "illegal instruction (SIGILL): the program reached unreachable code".into(),
        libc::SIGFPE => "arithmetic exception (SIGFPE)".into(),
        libc::SIGKILL => "killed (SIGKILL): out of memory, or killed from outside".into(),
        libc::SIGTERM => "terminated (SIGTERM) from outside".into(),
        other => format!("killed by signal {other}"),
    }
}

/// The panic message from the test's captured output, whole; else the last lines of stderr.
pub(crate) fn failure_message(test: &str, stdout: &str, stderr: &str) -> String {
    let header = format!("---- {test} stdout ----");
    let section: Vec<&str> = stdout
        .lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| !line.starts_with("---- ") && *line != "failures:")
        .collect();
    let panicked = section
        .iter()
        .position(|line| line.starts_with("thread '") && line.contains(" panicked at "));
    let location = panicked.and_then(|at| learner_location(section[at]));
    let lines: Vec<&str> = match panicked {
        Some(at) => section[at + 1..]
            .iter()
            .copied()
            .take_while(|line| !line.starts_with("note: run with `RUST_BACKTRACE"))
            .collect(),
        None => section,
    };
    let mut message = trim_blank_lines(&lines);
    // A panic raised in the learner's own file (a `todo!()`, an `unwrap`) says where.
    if let Some(at) = location {
        message.push_str(&format!("\n(panicked at {at})"));
    }
    if message.is_empty() {
        message = last_lines(stderr, 10);
    }
    if message.is_empty() {
        message = "the test failed without a message".into();
    }
    let count = message.lines().count();
    if count > MESSAGE_LINES {
        let kept: Vec<&str> = message.lines().take(MESSAGE_LINES).collect();
        message = format!(
            "{}\n[... {} more lines]",
            kept.join("\n"),
            count - MESSAGE_LINES
        );
    }
    message
}

/// `exercises/NAME.rs:LINE:COL` from a `thread '..' panicked at PATH:LINE:COL:` line, when
/// the panic was raised in a learner's file.
fn learner_location(panicked_line: &str) -> Option<&str> {
    let (_, location) = panicked_line.split_once(" panicked at ")?;
    let location = location.trim_end().trim_end_matches(':');
    location.find("exercises/").map(|start| &location[start..])
}

fn trim_blank_lines(lines: &[&str]) -> String {
    let start = lines.iter().position(|line| !line.trim().is_empty());
    let end = lines.iter().rposition(|line| !line.trim().is_empty());
    match (start, end) {
        (Some(start), Some(end)) => lines[start..=end].join("\n"),
        _ => String::new(),
    }
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a test process left: `stdout`, `stderr`, and a harness log of `log` lines.
    fn output(stdout: &str, stderr: &str, log: &str) -> Output {
        Output {
            stdout: stdout.into(),
            stderr: stderr.into(),
            log: log.into(),
        }
    }

    fn classified(test: &str, exit: &Exit, stdout: &str, stderr: &str) -> (TestStatus, String) {
        let log = format!("ok {test}\n");
        let verdict = classify(test, exit, &output(stdout, stderr, &log));
        (verdict.status, verdict.message)
    }

    const PASSED: &str = "
running 1 test
test cases::smoke ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 13 filtered out; finished in 0.00s

";

    const FAILED: &str = "
running 1 test
test traces::ties_run_in_order ... FAILED

failures:

---- traces::ties_run_in_order stdout ----
some output the learner printed

thread 'traces::ties_run_in_order' (81723) panicked at crates/deferred_callback/tests/traces.rs:40:5:
actions due at the same instant ran out of order: events 3-4
   3 run b (due 5 ms)
   4 run a (due 5 ms)
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    traces::ties_run_in_order

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 13 filtered out; finished in 0.01s

";

    #[test]
    fn a_panic_in_the_learners_file_says_where() {
        let line = "thread 'cases::smoke' (7) panicked at \
                    crates/x/src/../../../exercises/x.rs:57:9:";
        assert_eq!(learner_location(line), Some("exercises/x.rs:57:9"));
        let line = "thread 'cases::smoke' (7) panicked at crates/x/tests/cases.rs:3:5:";
        assert_eq!(learner_location(line), None);
    }

    #[test]
    fn a_passing_test_passes() {
        let (status, message) = classified("cases::smoke", &Exit::Code(0), PASSED, "");
        assert_eq!(status, TestStatus::Passed);
        assert_eq!(message, "");
    }

    #[test]
    fn a_failing_test_keeps_its_whole_panic_message() {
        let test = "traces::ties_run_in_order";
        let (status, message) = classified(test, &Exit::Code(101), FAILED, "");
        assert_eq!(status, TestStatus::Failed);
        assert_eq!(
            message,
            "actions due at the same instant ran out of order: events 3-4\n   \
             3 run b (due 5 ms)\n   4 run a (due 5 ms)"
        );
    }

    #[test]
    fn a_failure_without_panic_falls_back_to_stderr() {
        let stdout =
            "test x ... FAILED\n\nfailures:\n    x\n\ntest result: FAILED. 0 passed; 1 failed;";
        let (status, message) = classified("x", &Exit::Code(101), stdout, "line 1\nthe reason\n");
        assert_eq!(status, TestStatus::Failed);
        assert_eq!(message, "line 1\nthe reason");
    }

    #[test]
    fn a_fake_ok_with_a_nonzero_exit_does_not_pass() {
        let (status, _) = classified("cases::smoke", &Exit::Code(3), PASSED, "");
        assert_eq!(status, TestStatus::Crashed);
        let (status, _) = classified("cases::smoke", &Exit::Code(101), PASSED, "");
        assert_eq!(status, TestStatus::Crashed);
    }

    #[test]
    fn a_pass_the_harness_did_not_log_is_a_fake() {
        let verdict = classify("cases::smoke", &Exit::Code(0), &output(PASSED, "", ""));
        assert_eq!(verdict.status, TestStatus::Failed);
        assert!(
            verdict.message.contains("did not record"),
            "{}",
            verdict.message
        );
        assert!(verdict.suspicious.is_some());
        let other = classify(
            "cases::smoke",
            &Exit::Code(0),
            &output(PASSED, "", "ok cases::other\n"),
        );
        assert_eq!(other.status, TestStatus::Failed);
    }

    #[test]
    fn exit_zero_without_the_harness_line_does_not_pass() {
        let stdout = "running 1 test\n";
        let (status, message) = classified("cases::smoke", &Exit::Code(0), stdout, "");
        assert_eq!(status, TestStatus::Crashed);
        assert!(message.contains("process::exit"), "{message}");
        // The harness line alone, without the test's own `ok` line, is not enough either.
        let fake = "test result: ok. 1 passed; 0 failed;\n";
        let (status, _) = classified("cases::smoke", &Exit::Code(0), fake, "");
        assert_ne!(status, TestStatus::Passed);
    }

    #[test]
    fn signals_timeouts_and_missing_tests() {
        let stderr = "\nthread 'cases::deep' has overflowed its stack\nfatal runtime error: stack overflow\n";
        let (status, message) = classified(
            "cases::deep",
            &Exit::Signal(libc::SIGABRT),
            "running 1 test\n",
            stderr,
        );
        assert_eq!(status, TestStatus::Crashed);
        assert!(message.starts_with("aborted (SIGABRT)"), "{message}");
        assert!(message.contains("overflowed its stack"), "{message}");

        let (status, message) = classified("m", &Exit::TimedOut(Duration::from_secs(10)), "", "");
        assert_eq!(status, TestStatus::TimedOut);
        assert_eq!(
            message,
            "did not finish in 10 s: deadlock or lost wakeup suspected"
        );

        let none = "running 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 14 filtered out\n";
        let (status, _) = classified("cases::gone", &Exit::Code(0), none, "");
        assert_eq!(status, TestStatus::NotRun);
    }

    #[test]
    fn a_loom_deadlock_that_aborts_is_reported_as_a_deadlock_not_as_the_abort() {
        let stderr = "\nthread 'models::m' (7) panicked at loom-0.7.3/src/rt/execution.rs:215:13:\n\
                      deadlock; threads = [(Id(0), Blocked(Location(None)))]\n\
                      thread 'models::m' (7) panicked at loom-0.7.3/src/rt/thread.rs:276:39:\n\
                      called `Option::unwrap()` on a `None` value\n\
                      thread caused non-unwinding panic. aborting.\n";
        let (status, message) = classified("models::m", &Exit::Signal(libc::SIGABRT), "", stderr);
        assert_eq!(status, TestStatus::Crashed);
        assert!(
            message.starts_with("loom found an interleaving"),
            "{message}"
        );
        assert!(message.contains("loom: deadlock; threads = "), "{message}");
        assert!(!message.contains("aborting"), "{message}");

        // Any other abort names its first panic, the cause, and not only the last lines.
        let other = stderr.replace("deadlock; threads", "assertion failed: threads");
        let (_, message) = classified("models::m", &Exit::Signal(libc::SIGABRT), "", &other);
        assert!(message.starts_with("aborted (SIGABRT)"), "{message}");
        assert!(
            message.contains("the first panic: assertion failed"),
            "{message}"
        );
    }

    #[test]
    fn kinds_and_listing() {
        assert_eq!(kind("cases::smoke"), "rstest");
        assert_eq!(kind("properties::model"), "proptest");
        assert_eq!(kind("traces::order"), "insta");
        assert_eq!(kind("models::add_racing_wait"), "loom");
        assert_eq!(kind("misc"), "other");
        let listed = parse_list("cases::a: test\ncases::b::case_1: test\nbench_x: benchmark\n");
        assert_eq!(listed, ["cases::a", "cases::b::case_1"]);
    }

    /// A real process: a shell that exits, one that hangs past its limit, one killed by a
    /// signal. The hanging one's grandchild must die with it.
    #[test]
    fn runs_processes_with_limits() {
        let dir = std::env::temp_dir().join(format!("xtask-runner-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = |name: &str, body: &str| {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        let mut context = RunContext::new(&dir, "x");
        context.crate_dir = dir.clone();
        // The harness log is the last argument (`--logfile PATH`).
        let pass = "echo 'test t ... ok'; echo 'test result: ok. 1 passed; 0 failed;'; \
                    for last in \"$@\"; do :; done; echo 'ok t' > \"$last\"";
        let ok = script("ok.sh", pass);
        let hang = script("hang.sh", "sleep 30 & sleep 30");
        let abort = script("abort.sh", "kill -ABRT $$");
        // A grandchild that leaves the group keeps the pipe open: the output read so far
        // still counts once the drain wait is over.
        let escape = script("escape.sh", &format!("setsid sleep 4 & sleep 0.3; {pass}"));
        let job = |binary: PathBuf| Job {
            binary,
            test: "t".into(),
            limit: Duration::from_millis(500),
        };
        let jobs = [
            job(ok),
            job(hang),
            job(abort),
            job(dir.join("missing")),
            job(escape),
        ];
        let started = Instant::now();
        let results = run_all(&context, &jobs, &|_, _| {});
        // The hanging scripts sleep 30 s: well under that means they were killed, not waited
        // for (the margin is for a busy machine).
        assert!(started.elapsed() < Duration::from_secs(20));
        let statuses: Vec<TestStatus> = results.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [
                TestStatus::Passed,
                TestStatus::TimedOut,
                TestStatus::Crashed,
                TestStatus::NotRun,
                TestStatus::Passed,
            ]
        );
        assert!(results[2].message.contains("SIGABRT"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
