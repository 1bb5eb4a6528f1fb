//! `cargo xtask bench EXERCISE [--quick]`: the learner's implementation, the reference and the
//! established implementations measured side by side, printed as a table of medians and
//! ratios, with a chart in `target/bench/EXERCISE.svg` (and the numbers in `.json`).
//!
//! The benchmarks live in `crates/course_bench` (its header explains the binaries): the
//! binary `EXERCISE` measures the reference and the baselines, `EXERCISE_learner` the
//! learner's file alone. Both are built in one cargo run with `--keep-going`, and every case
//! runs in a process of its own with a time limit, so a learner's file that does not compile,
//! still has `todo!()` or deadlocks costs only the learner's column. Benchmarks never pass or
//! fail on a number: `verify` only checks that each builds and runs (quick mode, [`smoke`]).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::compile::{self, Flavor};
use crate::error::{Context, Error, Result};
use crate::manifest::Course;
use crate::{procs, ui};

/// The options of `bench`.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) exercise: String,
    /// A handful of iterations per case: shows that it runs; the numbers mean nothing.
    pub(crate) quick: bool,
}

/// An exercise with a benchmark.
#[derive(Debug)]
struct Benchmark {
    exercise: &'static str,
    /// A problem crate's worker program the benchmark talks to: (package, binary). It is built
    /// from the reference (`--features solution`), so the learner's file cannot break it.
    worker: Option<(&'static str, &'static str)>,
}

const BENCHMARKS: [Benchmark; 10] = [
    Benchmark {
        exercise: "thread_basics",
        worker: None,
    },
    Benchmark {
        exercise: "race_counter",
        worker: None,
    },
    Benchmark {
        exercise: "semaphore",
        worker: None,
    },
    Benchmark {
        exercise: "pipes",
        worker: Some(("pipes", "pipes-worker")),
    },
    Benchmark {
        exercise: "process_pool",
        worker: Some(("process_pool", "process_pool-worker")),
    },
    Benchmark {
        exercise: "thread_pool",
        worker: None,
    },
    Benchmark {
        exercise: "event_loop",
        worker: None,
    },
    Benchmark {
        exercise: "blocking_queue",
        worker: None,
    },
    Benchmark {
        exercise: "rw_lock",
        worker: None,
    },
    Benchmark {
        exercise: "deferred_callback",
        worker: None,
    },
];

/// The package that holds every benchmark.
const PACKAGE: &str = "course_bench";
/// The prefix of the benchmark binaries' machine-readable lines (`course_bench::MARK`).
const MARK: &str = "@course_bench ";

/// A reference or baseline case may take this long (the slowest, one pass of event_loop's
/// reference, takes about 10 s).
const CASE_LIMIT: Duration = Duration::from_secs(300);
/// A learner's case may take ten times as long as the reference's did, and at least this.
const LEARNER_LIMIT: Duration = Duration::from_secs(30);
/// Every case in quick mode.
const QUICK_LIMIT: Duration = Duration::from_secs(60);
/// How many times each case runs (once in quick mode).
const PASSES: usize = 3;

/// Runs `bench`.
pub(crate) fn run(course: &Course, options: &Options) -> Result<()> {
    let exercise = course.manifest.exercise(&options.exercise)?;
    let Some(benchmark) = BENCHMARKS.iter().find(|b| b.exercise == exercise.name) else {
        let names: Vec<&str> = BENCHMARKS.iter().map(|b| b.exercise).collect();
        return Err(Error::NotFound(format!(
            "`{}` has no benchmark (yet). These exercises do: {}",
            exercise.name,
            names.join(", ")
        )));
    };
    let quick =
        options.quick || std::env::var("COURSE_BENCH_QUICK").is_ok_and(|value| value == "1");
    procs::kill_groups_on_interrupt();

    let profile = if quick { "quick mode, " } else { "" };
    ui::status(&format!(
        "bench {}: building ({profile}release)",
        exercise.name
    ));
    let mut builds = build(course, &[benchmark], true)?;
    let built = builds
        .remove(benchmark.exercise)
        .expect("one build per benchmark");
    let reference = match built.reference {
        Ok(path) => path,
        Err(errors) => {
            ui::clear_status();
            return Err(Error::Failed(format!(
                "the benchmark of {} does not compile (the course's code, not your file: \
                 update the course or tell its authors):\n{errors}",
                exercise.name
            )));
        }
    };
    let worker = match built.worker {
        Ok(worker) => worker,
        Err(errors) => {
            ui::clear_status();
            return Err(Error::Failed(format!(
                "the worker program of {} does not compile:\n{errors}",
                exercise.name
            )));
        }
    };
    let started = Instant::now();
    let table = measure(
        benchmark,
        &reference,
        built.learner,
        worker.as_deref(),
        quick,
    )?;
    ui::clear_status();

    println!(
        "{}",
        ui::bold(&format!(
            "cargo xtask bench {}{}",
            exercise.name,
            if quick { " --quick" } else { "" }
        ))
    );
    let about = machine(quick);
    println!("{}", ui::dim(&about.join("\n")));
    print!("{}", render_table(&table));
    let dir = course.path("target/bench");
    std::fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;
    let svg = dir.join(format!("{}.svg", exercise.name));
    let title = format!("cargo xtask bench {}", exercise.name);
    std::fs::write(&svg, render_svg(&title, &about, &table))
        .context(|| format!("writing {}", svg.display()))?;
    let json = dir.join(format!("{}.json", exercise.name));
    std::fs::write(&json, render_json(exercise.name.as_str(), quick, &table))
        .context(|| format!("writing {}", json.display()))?;
    println!(
        "\nchart: {}\nnumbers: {}\n({} s of measuring. Benchmarks are not tests: no number here \
         passes or fails anything.)",
        relative(course, &svg),
        relative(course, &json),
        started.elapsed().as_secs()
    );
    if let Column::Missing(why) = &table.learner {
        println!("\nYour column is empty: {why}");
    }
    Ok(())
}

/// `verify`'s check: every benchmark builds (a debug build) and each of its cases runs in
/// quick mode; each learner case either runs or stops at a `todo!()` of the stub. Returns the
/// problems found.
pub(crate) fn smoke(course: &Course) -> Result<Vec<String>> {
    procs::kill_groups_on_interrupt();
    ui::status("benchmarks: building every benchmark (debug)");
    let all: Vec<&Benchmark> = BENCHMARKS.iter().collect();
    let mut builds = build(course, &all, false)?;
    let mut problems = Vec::new();
    for benchmark in &BENCHMARKS {
        let name = benchmark.exercise;
        let built = builds.remove(name).expect("one build per benchmark");
        let reference = match built.reference {
            Ok(path) => path,
            Err(errors) => {
                problems.push(format!("{name}: the benchmark does not compile:\n{errors}"));
                continue;
            }
        };
        let worker = match built.worker {
            Ok(worker) => worker,
            Err(errors) => {
                problems.push(format!("{name}: its worker does not compile:\n{errors}"));
                continue;
            }
        };
        if let Err(errors) = &built.learner {
            problems.push(format!(
                "{name}: the benchmark of the stub does not compile:\n{errors}"
            ));
        }
        let table = measure(
            benchmark,
            &reference,
            built.learner,
            worker.as_deref(),
            true,
        )?;
        for row in &table.rows {
            match (&row.value, row.role) {
                (Value::Measured(_), _) => {}
                (Value::Missing(Missing::NotImplemented(_)), Role::Yours) => {}
                (Value::Missing(missing), role) => problems.push(format!(
                    "{name}: {} ({}) in \"{}\": {}",
                    row.name,
                    role.label(),
                    row.group,
                    missing.describe(name)
                )),
            }
        }
        if table.rows.is_empty() {
            problems.push(format!("{name}: the benchmark has no cases"));
        }
        // The chart must render too (its output is thrown away here).
        let _ = render_svg(name, &machine(true), &table);
    }
    ui::clear_status();
    Ok(problems)
}

/// The executables of one benchmark, or the compiler's errors.
struct Built {
    reference: std::result::Result<PathBuf, String>,
    learner: std::result::Result<PathBuf, String>,
    worker: std::result::Result<Option<PathBuf>, String>,
}

/// Builds the benchmarks' binaries (and workers) in one cargo run: release, or debug for
/// `verify`. With `--keep-going`, a learner's file that does not compile costs only its own
/// binary.
fn build(
    course: &Course,
    benchmarks: &[&Benchmark],
    release: bool,
) -> Result<BTreeMap<&'static str, Built>> {
    let mut command = compile::cargo(&course.root, Flavor::Normal);
    command.args([
        "build",
        "--keep-going",
        "--message-format=json",
        "--color=never",
    ]);
    if release {
        command.arg("--release");
    }
    command.args(["--package", PACKAGE]);
    for benchmark in benchmarks {
        let name = benchmark.exercise;
        command.args(["--bin", name, "--bin", &format!("{name}_learner")]);
        if let Some((package, bin)) = benchmark.worker {
            command.args([
                "--package",
                package,
                "--bin",
                bin,
                "--features",
                &format!("{package}/solution"),
            ]);
        }
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .context(|| "cannot run cargo (is it on PATH, or CARGO set?)")?;
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut executables: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let stderr_text = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut text = String::new();
            for line in BufReader::new(stderr).lines().map_while(|line| line.ok()) {
                let trimmed = line.trim_start();
                if trimmed.starts_with("Compiling") || trimmed.starts_with("Blocking") {
                    ui::status(trimmed);
                }
                text.push_str(&line);
                text.push('\n');
            }
            text
        });
        for line in BufReader::new(stdout).lines().map_while(|line| line.ok()) {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let Some(target) = message["target"]["name"].as_str() else {
                continue;
            };
            let is_bin = message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"));
            match message["reason"].as_str() {
                Some("compiler-artifact") if is_bin => {
                    if let Some(path) = message["executable"].as_str() {
                        executables.insert(target.to_owned(), PathBuf::from(path));
                    }
                }
                Some("compiler-message") if message["message"]["level"] == "error" => {
                    if let Some(rendered) = message["message"]["rendered"].as_str() {
                        let text = errors.entry(target.to_owned()).or_default();
                        text.push_str(rendered);
                        text.push('\n');
                    }
                }
                _ => {}
            }
        }
        reader.join().unwrap_or_default()
    });
    let _ = child.wait();
    let mut take = |target: &str| match executables.remove(target) {
        Some(path) => Ok(path),
        None => Err(compile::first_errors(
            errors.get(target).map_or(&stderr_text, |text| text),
        )),
    };
    let mut out = BTreeMap::new();
    for benchmark in benchmarks {
        let name = benchmark.exercise;
        let built = Built {
            reference: take(name),
            learner: take(&format!("{name}_learner")),
            worker: match benchmark.worker {
                Some((_, bin)) => take(bin).map(Some),
                None => Ok(None),
            },
        };
        out.insert(name, built);
    }
    Ok(out)
}

/// Whose a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Yours,
    Reference,
    Baseline,
}

impl Role {
    fn parse(text: &str) -> Role {
        match text {
            "yours" => Role::Yours,
            "reference" => Role::Reference,
            _ => Role::Baseline,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::Yours => "yours",
            Role::Reference => "reference",
            Role::Baseline => "baseline",
        }
    }
}

/// A case as a benchmark binary lists it.
#[derive(Debug, Clone)]
struct Case {
    id: String,
    name: String,
    role: Role,
    groups: Vec<String>,
}

/// One measured number.
#[derive(Debug, Clone)]
struct Stat {
    /// `Some("increment")`: time per increment (with a rate); `None`: a delay.
    per: Option<String>,
    /// Every sample (nanoseconds), pooled over the passes.
    samples: Vec<f64>,
    /// The median and quartiles of `samples`, once [`Stat::summarise`]d.
    median_ns: f64,
    low_ns: f64,
    high_ns: f64,
}

impl Stat {
    /// Computes the median and the spread: the interquartile range (the whole range if there
    /// are fewer than 4 samples).
    fn summarise(&mut self) {
        let mut sorted: Vec<f64> = self
            .samples
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        if n == 0 {
            (self.median_ns, self.low_ns, self.high_ns) = (f64::NAN, f64::NAN, f64::NAN);
            return;
        }
        let at = |q: f64| {
            let rank = q * (n - 1) as f64;
            let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
        };
        self.median_ns = at(0.5);
        (self.low_ns, self.high_ns) = if n < 4 {
            (sorted[0], sorted[n - 1])
        } else {
            (at(0.25), at(0.75))
        };
    }
}

/// Why a row has no number.
#[derive(Debug, Clone)]
enum Missing {
    /// The code panicked with `todo!()` (or `unimplemented!()`), at this location.
    NotImplemented(String),
    /// The learner's file does not compile.
    NotCompiled,
    /// It panicked: the message, and where.
    Panicked(String, String),
    /// It ran past its time limit.
    TimedOut(Duration),
    /// It ended without a result (a crash, an abort): how, and the end of its stderr.
    Failed(String),
}

impl Missing {
    fn describe(&self, exercise: &str) -> String {
        match self {
            Missing::NotImplemented(at) => format!("not implemented yet (todo!() at {at})"),
            Missing::NotCompiled => {
                format!("does not compile: run cargo xtask check {exercise}")
            }
            Missing::Panicked(message, at) => format!("panicked at {at}: {message}"),
            Missing::TimedOut(limit) => format!(
                "still running after {} s, stopped (a deadlock or a lost wake-up?)",
                limit.as_secs()
            ),
            Missing::Failed(how) => how.clone(),
        }
    }

    fn short(&self) -> &'static str {
        match self {
            Missing::NotImplemented(_) => "not implemented yet",
            Missing::NotCompiled => "does not compile",
            Missing::Panicked(..) => "panicked",
            Missing::TimedOut(_) => "timed out",
            Missing::Failed(_) => "failed",
        }
    }
}

#[derive(Debug, Clone)]
enum Value {
    Measured(Stat),
    Missing(Missing),
}

/// A row of the table.
#[derive(Debug, Clone)]
struct Row {
    group: String,
    name: String,
    role: Role,
    value: Value,
}

/// The state of the learner's column as a whole.
#[derive(Debug)]
enum Column {
    Present,
    /// No case could run: why, in one line.
    Missing(String),
}

/// Everything measured for one exercise.
#[derive(Debug)]
struct Table {
    exercise: String,
    /// In the order the reference binary lists its cases, the learner's rows first in each
    /// group.
    rows: Vec<Row>,
    learner: Column,
}

/// One case to run, and what its runs gave so far.
struct Job<'a> {
    binary: Option<&'a Path>,
    case: Case,
    /// Its rows, samples pooled over the passes; missing ones once a run failed.
    rows: Vec<Row>,
    /// A run of it failed (or it cannot run): it is not run again.
    stopped: bool,
}

/// Runs every case of both binaries, in `PASSES` passes: each pass runs every reference,
/// baseline and learner case once, in turn, so that a change in the machine's load affects
/// them all alike; each case's samples are pooled over the passes.
fn measure(
    benchmark: &Benchmark,
    reference: &Path,
    learner: std::result::Result<PathBuf, String>,
    worker: Option<&Path>,
    quick: bool,
) -> Result<Table> {
    let name = benchmark.exercise;
    let reference_cases = list(reference).map_err(|why| {
        Error::Failed(format!(
            "the benchmark of {name} cannot list its cases: {why}"
        ))
    })?;
    let learner_cases = match &learner {
        Ok(path) => list(path).map_err(|why| {
            Error::Failed(format!(
                "the learner's benchmark of {name} cannot list its cases: {why}"
            ))
        })?,
        // Its cases are the reference's own, in the learner's column.
        Err(_) => reference_cases
            .iter()
            .filter(|case| case.role == Role::Reference)
            .map(|case| Case {
                role: Role::Yours,
                ..case.clone()
            })
            .collect(),
    };
    let mut jobs: Vec<Job<'_>> = reference_cases
        .into_iter()
        .map(|case| Job {
            binary: Some(reference),
            case,
            rows: Vec::new(),
            stopped: false,
        })
        .collect();
    let reference_jobs = jobs.len();
    for case in learner_cases {
        let (binary, rows) = match &learner {
            Ok(path) => (Some(path.as_path()), Vec::new()),
            Err(_) => (None, missing_rows(&case, Missing::NotCompiled)),
        };
        jobs.push(Job {
            binary,
            stopped: binary.is_none(),
            case,
            rows,
        });
    }

    let passes = if quick { 1 } else { PASSES };
    let total = jobs.len() * passes;
    let mut done = 0;
    // How long each reference case took in the first pass: the learner's limit follows it.
    let mut took: BTreeMap<(Vec<String>, String), Duration> = BTreeMap::new();
    for pass in 1..=passes {
        for job in &mut jobs {
            done += 1;
            let Some(binary) = job.binary.filter(|_| !job.stopped) else {
                continue;
            };
            let case = &job.case;
            let key = (case.groups.clone(), case.name.clone());
            ui::status(&format!(
                "bench {name}, pass {pass}/{passes} ({done}/{total}): {} {}",
                case.role.label(),
                case.name
            ));
            let limit = match (quick, case.role) {
                (true, _) => QUICK_LIMIT,
                (false, Role::Yours) => took
                    .get(&key)
                    .map_or(CASE_LIMIT, |reference| (*reference * 10).max(LEARNER_LIMIT)),
                (false, _) => CASE_LIMIT,
            };
            let started = Instant::now();
            let rows = run_case(binary, case, quick, worker, limit);
            if pass == 1 && case.role != Role::Yours {
                took.insert(key, started.elapsed());
            }
            if rows
                .iter()
                .any(|row| matches!(row.value, Value::Missing(_)))
            {
                job.rows = rows;
                job.stopped = true;
                continue;
            }
            for row in rows {
                let Value::Measured(new) = row.value else {
                    continue;
                };
                let pooled = job.rows.iter_mut().find(|r| r.group == row.group);
                match pooled.map(|r| &mut r.value) {
                    Some(Value::Measured(stat)) => stat.samples.extend(new.samples),
                    _ => job.rows.push(Row {
                        value: Value::Measured(new),
                        ..row
                    }),
                }
            }
        }
    }

    let (theirs, mine) = jobs.split_at(reference_jobs);
    let rows: Vec<Row> = theirs.iter().flat_map(|job| job.rows.clone()).collect();
    let mine: Vec<Row> = mine.iter().flat_map(|job| job.rows.clone()).collect();
    let column = if learner.is_err() {
        Column::Missing(format!(
            "exercises/{name}.rs does not compile: run cargo xtask check {name}"
        ))
    } else if !mine.is_empty()
        && mine
            .iter()
            .all(|row| matches!(row.value, Value::Missing(Missing::NotImplemented(_))))
    {
        Column::Missing(format!(
            "exercises/{name}.rs is not implemented yet (it still has todo!()s). Write it \
             (cargo xtask check {name}), then bench it again."
        ))
    } else {
        Column::Present
    };
    // Groups keep the reference's order; in each, the learner's rows come first.
    let mut order: Vec<&str> = Vec::new();
    for row in rows.iter().chain(&mine) {
        if !order.contains(&row.group.as_str()) {
            order.push(&row.group);
        }
    }
    let mut ordered: Vec<Row> = Vec::new();
    for group in order {
        ordered.extend(mine.iter().filter(|r| r.group == group).cloned());
        ordered.extend(rows.iter().filter(|r| r.group == group).cloned());
    }
    for row in &mut ordered {
        if let Value::Measured(stat) = &mut row.value {
            stat.summarise();
        }
    }
    Ok(Table {
        exercise: name.to_owned(),
        rows: ordered,
        learner: column,
    })
}

/// The rows of a case that produced no number.
fn missing_rows(case: &Case, why: Missing) -> Vec<Row> {
    case.groups
        .iter()
        .map(|group| Row {
            group: group.clone(),
            name: case.name.clone(),
            role: case.role,
            value: Value::Missing(why.clone()),
        })
        .collect()
}

/// The cases a benchmark binary has (`--list`).
fn list(binary: &Path) -> std::result::Result<Vec<Case>, String> {
    let output = Command::new(binary)
        .arg("--list")
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("{}: {err}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} --list: {}\n{}",
            binary.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut cases = Vec::new();
    for value in marked(&String::from_utf8_lossy(&output.stdout)) {
        let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
        cases.push(Case {
            id: text("case"),
            name: text("name"),
            role: Role::parse(&text("role")),
            groups: value["groups"]
                .as_array()
                .map(|groups| {
                    groups
                        .iter()
                        .filter_map(|g| g.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(cases)
}

/// The JSON values of the lines of `stdout` that start with [`MARK`].
fn marked(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix(MARK))
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect()
}

/// Runs one case in a process group of its own, killed at `limit`; one row per group of the
/// case, measured or saying why not.
fn run_case(
    binary: &Path,
    case: &Case,
    quick: bool,
    worker: Option<&Path>,
    limit: Duration,
) -> Vec<Row> {
    let mut command = Command::new(binary);
    command.args(["--case", &case.id]);
    if quick {
        command.arg("--quick");
    }
    command.env_remove("COURSE_BENCH_QUICK");
    if let Some(worker) = worker {
        command.env("COURSE_BENCH_WORKER", worker);
    }
    command
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let why = format!("could not start {}: {err}", binary.display());
            return missing_rows(case, Missing::Failed(why));
        }
    };
    let pgid = child.id();
    procs::register(pgid);
    let stdout = capture(child.stdout.take());
    let stderr = capture(child.stderr.take());
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait());
    });
    let status = receiver.recv_timeout(limit);
    // Stray grandchildren (worker processes) must not outlive the case either.
    procs::kill_group(pgid);
    if status.is_err() {
        let _ = receiver.recv_timeout(Duration::from_secs(2));
    }
    procs::unregister(pgid);
    let stdout = stdout
        .recv_timeout(Duration::from_secs(2))
        .unwrap_or_default();
    let stderr = stderr
        .recv_timeout(Duration::from_secs(2))
        .unwrap_or_default();

    let values = marked(&stdout);
    if let Some(panic) = values.iter().find(|v| v.get("panic").is_some()) {
        let message = panic["panic"].as_str().unwrap_or_default().to_owned();
        let at = tidy_path(panic["location"].as_str().unwrap_or_default());
        let why = if message.starts_with("not yet implemented")
            || message.starts_with("not implemented")
        {
            Missing::NotImplemented(at)
        } else {
            Missing::Panicked(message, at)
        };
        return missing_rows(case, why);
    }
    let mut rows: Vec<Row> = values
        .iter()
        .filter(|v| v.get("group").is_some())
        .map(|v| {
            let number = |key: &str| v[key].as_f64().unwrap_or(f64::NAN);
            let per = (v["unit"] == "per_op").then(|| v["per"].as_str().unwrap_or("op").to_owned());
            Row {
                group: v["group"].as_str().unwrap_or_default().to_owned(),
                name: case.name.clone(),
                role: case.role,
                value: Value::Measured(Stat {
                    per,
                    samples: v["samples_ns"]
                        .as_array()
                        .map(|all| all.iter().filter_map(serde_json::Value::as_f64).collect())
                        .unwrap_or_default(),
                    median_ns: number("median_ns"),
                    low_ns: number("low_ns"),
                    high_ns: number("high_ns"),
                }),
            }
        })
        .collect();
    let why = match status {
        Err(_) => Some(Missing::TimedOut(limit)),
        Ok(Ok(status)) if !status.success() => {
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Some(Missing::Failed(format!(
                "ended without a result ({status}){}",
                if tail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", tail.join(" / "))
                }
            )))
        }
        Ok(Err(err)) => Some(Missing::Failed(format!("could not be waited for: {err}"))),
        Ok(Ok(_)) => None,
    };
    // Groups the case promised but did not deliver.
    for group in &case.groups {
        if !rows.iter().any(|row| &row.group == group) {
            rows.push(Row {
                group: group.clone(),
                name: case.name.clone(),
                role: case.role,
                value: Value::Missing(
                    why.clone().unwrap_or_else(|| {
                        Missing::Failed("ended without measuring this".to_owned())
                    }),
                ),
            });
        }
    }
    rows
}

/// Reads a child's pipe to its end on a thread of its own (keeping at most 1 MiB).
fn capture(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(pipe) = pipe {
            let _ = pipe.take(1 << 20).read_to_end(&mut bytes);
        }
        let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    receiver
}

/// `crates/course_bench/src/bin/../../../../exercises/x.rs:3` → `exercises/x.rs:3`.
fn tidy_path(location: &str) -> String {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in Path::new(location).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect::<PathBuf>().display().to_string()
}

/// A path under the course root, relative to it.
fn relative(course: &Course, path: &Path) -> String {
    path.strip_prefix(&course.root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Two lines about where the numbers come from: the machine, and how they were measured.
fn machine(quick: bool) -> [String; 2] {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let how = if quick {
        "QUICK MODE: a handful of iterations; the numbers mean nothing".to_owned()
    } else {
        format!(
            "release build; each case runs in {PASSES} passes interleaved with the others, each \
             after a warm-up; median of their samples, spread: interquartile range"
        )
    };
    [
        format!(
            "{cores} cores, load average {load} when it ended (other work on the machine makes \
             the numbers noisy)"
        ),
        how,
    ]
}

/// The row each group is compared with: its first measured baseline.
fn yardstick<'a>(rows: &[&'a Row]) -> Option<(&'a Row, &'a Stat)> {
    rows.iter().find_map(|row| match (&row.value, row.role) {
        (Value::Measured(stat), Role::Baseline) if stat.median_ns > 0.0 => Some((*row, stat)),
        _ => None,
    })
}

/// The groups of a table in order, each with its rows.
fn groups(table: &Table) -> Vec<(&str, Vec<&Row>)> {
    let mut out: Vec<(&str, Vec<&Row>)> = Vec::new();
    for row in &table.rows {
        match out.iter_mut().find(|(group, _)| *group == row.group) {
            Some((_, rows)) => rows.push(row),
            None => out.push((&row.group, vec![row])),
        }
    }
    out
}

/// A duration in nanoseconds, in the unit that suits it.
fn duration(ns: f64) -> String {
    if !ns.is_finite() {
        "?".to_owned()
    } else if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Operations per second from nanoseconds per operation: `24.3 M/s`.
fn rate(ns: f64) -> String {
    if !(ns.is_finite() && ns > 0.0) {
        return "?".to_owned();
    }
    let per_second = 1e9 / ns;
    let (value, prefix) = if per_second >= 1e9 {
        (per_second / 1e9, "G")
    } else if per_second >= 1e6 {
        (per_second / 1e6, "M")
    } else if per_second >= 1e3 {
        (per_second / 1e3, "k")
    } else {
        (per_second, "")
    };
    format!("{value:.1} {prefix}/s")
}

/// `±3%`: half the interquartile range against the median.
fn spread(stat: &Stat) -> String {
    if stat.median_ns > 0.0 && stat.high_ns.is_finite() && stat.low_ns.is_finite() {
        let percent = (stat.high_ns - stat.low_ns) / 2.0 / stat.median_ns * 100.0;
        if percent < 1000.0 {
            format!("±{percent:.0}%")
        } else {
            // A pass during which the machine stalled (another program took the cores).
            "±>999%".to_owned()
        }
    } else {
        String::new()
    }
}

/// How a median compares with the yardstick's: `1.85x slower`, `2.10x faster`, `same`.
fn ratio(median: f64, base: f64) -> String {
    let r = median / base;
    if !r.is_finite() || r <= 0.0 {
        String::new()
    } else if (r - 1.0).abs() < 0.005 {
        "same".to_owned()
    } else if r > 1.0 {
        format!("{r:.2}x slower")
    } else {
        format!("{:.2}x faster", 1.0 / r)
    }
}

fn render_table(table: &Table) -> String {
    let mut out = String::new();
    for (group, rows) in groups(table) {
        let what = rows.iter().find_map(|row| match &row.value {
            Value::Measured(Stat { per: Some(per), .. }) => Some(format!("time per {per}")),
            Value::Measured(Stat { per: None, .. }) => Some("delay".to_owned()),
            Value::Missing(_) => None,
        });
        let base = yardstick(&rows);
        out.push('\n');
        out.push_str(&ui::bold(group));
        if let Some(what) = what {
            out.push_str(&format!(" · {what}"));
        }
        if let Some((row, _)) = base {
            out.push_str(&ui::dim(&format!(" · compared with {}", row.name)));
        }
        out.push('\n');
        let width = rows
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(0);
        for row in rows.iter().copied() {
            let who = match row.role {
                Role::Yours => ui::yellow("yours    "),
                Role::Reference => ui::bold("reference"),
                Role::Baseline => ui::dim("baseline "),
            };
            let name = format!("{:<width$}", row.name);
            let line = match &row.value {
                Value::Measured(stat) => {
                    let rate = match stat.per {
                        Some(_) => rate(stat.median_ns),
                        None => String::new(),
                    };
                    let compared = match base {
                        Some((base_row, _)) if std::ptr::eq(base_row, row) => String::new(),
                        Some((_, base)) => ratio(stat.median_ns, base.median_ns),
                        None => String::new(),
                    };
                    format!(
                        "{:>10} {:>5} {:>11}  {compared}",
                        duration(stat.median_ns),
                        spread(stat),
                        rate
                    )
                }
                Value::Missing(missing) => match row.role {
                    Role::Yours => ui::yellow(&missing.describe(&table.exercise)),
                    _ => ui::red(&missing.describe(&table.exercise)),
                },
            };
            out.push_str(&format!("  {who}  {name}  {line}\n"));
        }
    }
    out
}

/// XML-escapes text for the chart.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart: one panel per group, a bar per row (the median) with a whisker for
/// the spread, scaled to the group's own largest value.
fn render_svg(title: &str, about: &[String; 2], table: &Table) -> String {
    const WIDTH: f64 = 980.0;
    const LABEL: f64 = 360.0;
    const BARS: f64 = 430.0;
    const ROW: f64 = 22.0;
    let color = |role: Role| match role {
        Role::Yours => "#e07b00",
        Role::Reference => "#2a63c7",
        Role::Baseline => "#8a8a8a",
    };
    let mut body = String::new();
    let mut y = 100.0;
    for (group, rows) in groups(table) {
        let base = yardstick(&rows);
        let values: Vec<f64> = rows
            .iter()
            .filter_map(|row| match &row.value {
                Value::Measured(stat) => Some([stat.median_ns, stat.low_ns, stat.high_ns]),
                Value::Missing(_) => None,
            })
            .flatten()
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect();
        let max = values.iter().copied().fold(0.0_f64, f64::max);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        // Values that span more than two orders of magnitude go on a log scale, from a floor
        // below the smallest, so that the small bars still show.
        let log = max / min > 100.0;
        let floor = min / 2.0;
        let scale = |ns: f64| {
            let x = if log {
                (ns / floor).max(1.0).ln() / (max / floor).ln()
            } else {
                ns / max
            };
            (x * BARS).clamp(0.0, BARS)
        };
        let what = rows.iter().find_map(|row| match &row.value {
            Value::Measured(Stat { per: Some(per), .. }) => Some(format!(" (time per {per})")),
            Value::Measured(Stat { per: None, .. }) => Some(" (delay)".to_owned()),
            Value::Missing(_) => None,
        });
        body.push_str(&format!(
            "<text x=\"12\" y=\"{y}\" class=\"group\">{}{}{}</text>\n",
            xml(group),
            xml(&what.unwrap_or_default()),
            if log { " · log scale" } else { "" }
        ));
        y += 8.0;
        for row in rows.iter().copied() {
            let top = y;
            let middle = top + ROW / 2.0 + 4.0;
            body.push_str(&format!(
                "<text x=\"{}\" y=\"{middle}\" class=\"label\" text-anchor=\"end\">{}: {}</text>\n",
                LABEL - 8.0,
                row.role.label(),
                xml(&row.name)
            ));
            match &row.value {
                Value::Measured(stat) if max > 0.0 && stat.median_ns.is_finite() => {
                    let width = scale(stat.median_ns).max(1.0);
                    body.push_str(&format!(
                        "<rect x=\"{LABEL}\" y=\"{}\" width=\"{width:.1}\" height=\"{}\" \
                         fill=\"{}\"/>\n",
                        top + 3.0,
                        ROW - 6.0,
                        color(row.role)
                    ));
                    if stat.low_ns.is_finite() && stat.high_ns.is_finite() {
                        let (low, high) = (LABEL + scale(stat.low_ns), LABEL + scale(stat.high_ns));
                        body.push_str(&format!(
                            "<line x1=\"{low:.1}\" x2=\"{high:.1}\" y1=\"{mid:.1}\" \
                             y2=\"{mid:.1}\" class=\"whisker\"/>\n",
                            mid = top + ROW / 2.0
                        ));
                    }
                    let compared = match base {
                        Some((base_row, _)) if std::ptr::eq(base_row, row) => String::new(),
                        Some((_, base)) => format!(" · {}", ratio(stat.median_ns, base.median_ns)),
                        None => String::new(),
                    };
                    body.push_str(&format!(
                        "<text x=\"{:.1}\" y=\"{middle}\" class=\"value\">{}{}</text>\n",
                        LABEL + BARS + 8.0,
                        xml(&duration(stat.median_ns)),
                        xml(&compared)
                    ));
                }
                Value::Measured(_) => {}
                Value::Missing(missing) => {
                    body.push_str(&format!(
                        "<text x=\"{LABEL}\" y=\"{middle}\" class=\"missing\">{}</text>\n",
                        xml(missing.short())
                    ));
                }
            }
            y += ROW;
        }
        y += 26.0;
    }
    let height = y + 10.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\">\n\
         <style>\n\
         .title {{ font-size: 16px; font-weight: bold; }}\n\
         .subtitle {{ font-size: 11px; fill: #555; }}\n\
         .group {{ font-size: 13px; font-weight: bold; }}\n\
         .label, .value {{ font-size: 12px; }}\n\
         .missing {{ font-size: 12px; font-style: italic; fill: #b00; }}\n\
         .whisker {{ stroke: #222; stroke-width: 1.5; }}\n\
         </style>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"12\" y=\"22\" class=\"title\">{}</text>\n\
         <text x=\"12\" y=\"40\" class=\"subtitle\">{}</text>\n\
         <text x=\"12\" y=\"54\" class=\"subtitle\">{}</text>\n\
         <text x=\"12\" y=\"72\" class=\"subtitle\">bars: median (shorter is better); \
         whiskers: spread of the samples; orange: yours, blue: the reference, grey: \
         baselines</text>\n\
         {body}</svg>\n",
        xml(title),
        xml(&about[0]),
        xml(&about[1])
    )
}

/// The numbers as JSON, for scripts.
fn render_json(exercise: &str, quick: bool, table: &Table) -> String {
    let rows: Vec<serde_json::Value> = table
        .rows
        .iter()
        .map(|row| {
            let mut value = serde_json::json!({
                "group": row.group,
                "name": row.name,
                "role": row.role.label(),
            });
            match &row.value {
                Value::Measured(stat) => {
                    value["unit"] = match &stat.per {
                        Some(per) => format!("ns per {per}").into(),
                        None => "ns".into(),
                    };
                    value["median"] = stat.median_ns.into();
                    value["low"] = stat.low_ns.into();
                    value["high"] = stat.high_ns.into();
                    value["samples"] = stat.samples.len().into();
                }
                Value::Missing(missing) => value["missing"] = missing.describe(exercise).into(),
            }
            value
        })
        .collect();
    let report = serde_json::json!({
        "exercise": exercise,
        "quick": quick,
        "machine": machine(quick).join("; "),
        "rows": rows,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(group: &str, name: &str, role: Role, median: Option<f64>) -> Row {
        Row {
            group: group.to_owned(),
            name: name.to_owned(),
            role,
            value: match median {
                Some(median) => Value::Measured(Stat {
                    per: Some("op".to_owned()),
                    samples: vec![median],
                    median_ns: median,
                    low_ns: median * 0.9,
                    high_ns: median * 1.1,
                }),
                None => Value::Missing(Missing::NotImplemented("exercises/x.rs:3".to_owned())),
            },
        }
    }

    #[test]
    fn ratios_read_both_ways() {
        assert_eq!(ratio(20.0, 10.0), "2.00x slower");
        assert_eq!(ratio(5.0, 10.0), "2.00x faster");
        assert_eq!(ratio(10.0, 10.0), "same");
        assert_eq!(rate(40.0), "25.0 M/s");
        assert_eq!(duration(1500.0), "1.50 µs");
    }

    #[test]
    fn tables_compare_with_the_first_baseline() {
        let table = Table {
            exercise: "x".to_owned(),
            rows: vec![
                row("g", "Mine", Role::Yours, None),
                row("g", "Ref", Role::Reference, Some(20.0)),
                row("g", "std", Role::Baseline, Some(10.0)),
                row("g", "other", Role::Baseline, Some(5.0)),
            ],
            learner: Column::Present,
        };
        let text = render_table(&table);
        assert!(text.contains("compared with std"), "{text}");
        assert!(text.contains("2.00x slower"), "{text}");
        assert!(text.contains("2.00x faster"), "{text}");
        assert!(text.contains("not implemented yet"), "{text}");
        let svg = render_svg("t", &machine(false), &table);
        assert!(
            svg.starts_with("<svg") && svg.ends_with("</svg>\n"),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect x=").count(), 3, "{svg}");
    }

    #[test]
    fn pooled_samples_give_median_and_quartiles() {
        let mut stat = Stat {
            per: None,
            samples: vec![5.0, 1.0, 3.0, 2.0, 4.0, f64::NAN],
            median_ns: 0.0,
            low_ns: 0.0,
            high_ns: 0.0,
        };
        stat.summarise();
        assert_eq!((stat.median_ns, stat.low_ns, stat.high_ns), (3.0, 2.0, 4.0));
        assert_eq!(spread(&stat), "±33%");
    }

    #[test]
    fn tidies_locations() {
        assert_eq!(
            tidy_path("crates/course_bench/src/bin/../../../../exercises/x.rs:46"),
            "exercises/x.rs:46"
        );
    }
}
