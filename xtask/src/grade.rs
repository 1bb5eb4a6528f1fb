//! `cargo xtask grade [--solutions | --submission DIR | --submissions DIR] [--jobs N]
//! [--exercise NAME]... [--json FILE] [--junit FILE] [--gradescope FILE] [--csv FILE]`:
//! scores this checkout's exercises, the references, or learners' submissions, prints a table
//! and writes the reports.
//!
//! Submissions are graded in the grader's own copies of the course (`pristine.rs`), which
//! have no `solutions/`; from a submission only the exercise files are taken
//! (`submission.rs`); every test runs in a sandbox (`sandbox.rs`). Exit status 0 whenever
//! grading ran, whatever the scores.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::compile::{self, Build, Flavor, Implementation};
use crate::error::{Error, Result};
use crate::manifest::{Course, Exercise};
use crate::pristine::{self, Slot};
use crate::report::{self, ExerciseReport, Report, SubmissionReport};
use crate::runner::{self, Outcome, RunContext};
use crate::sandbox::{self, Limits, Sandbox};
use crate::submission::{self, Flag, Intake, Submission};
use crate::{export, status, ui};

/// The options of `grade`.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub(crate) solutions: bool,
    /// One learner's folder or archive.
    pub(crate) submission: Option<PathBuf>,
    /// A folder of learners' folders and archives.
    pub(crate) submissions: Option<PathBuf>,
    /// Submissions graded at once (0: one).
    pub(crate) jobs: usize,
    pub(crate) exercises: Vec<String>,
    pub(crate) json: Option<PathBuf>,
    pub(crate) junit: Option<PathBuf>,
    pub(crate) gradescope: Option<PathBuf>,
    pub(crate) csv: Option<PathBuf>,
    /// A GitHub Actions step output file to append the Classroom result to.
    pub(crate) classroom: Option<PathBuf>,
}

/// The longest one build of one submission may take (a compile bomb costs its learner only
/// this); the dependencies are built before, without a limit (see [`warm_up`]).
const BUILD_LIMIT: Duration = Duration::from_secs(600);

pub(crate) fn run(course: &Course, options: &Options) -> Result<()> {
    let exercises = course.manifest.select(&options.exercises)?;
    let submissions = if let Some(path) = &options.submission {
        vec![submission::one(path, &unpack_dir(course), &exercises)?]
    } else if let Some(dir) = &options.submissions {
        submission::many(dir, &unpack_dir(course), &exercises)?
    } else {
        let report = grade_checkout(course, options.solutions, &exercises)?;
        print!("{}", report.table());
        return write_reports(&Report::new(vec![report]), options);
    };
    let reports = grade_submissions(course, &exercises, submissions, options.jobs.max(1))?;
    if let [only] = reports.as_slice() {
        print!("{}", only.table());
    } else {
        print!("{}", report::class_table(&reports));
    }
    for submission in &reports {
        for flag in &submission.flags {
            println!(
                "{} {}: {} at {}",
                ui::yellow("flag"),
                submission.name,
                flag.what,
                flag.at
            );
        }
    }
    write_reports(&Report::new(reports), options)
}

/// Grades this checkout's exercises (or the references) in place.
fn grade_checkout(
    course: &Course,
    solutions: bool,
    exercises: &[&Exercise],
) -> Result<SubmissionReport> {
    let (name, implementation) = if solutions {
        ("solutions".to_string(), Implementation::Solution)
    } else {
        (directory_name(&course.root), Implementation::Learner)
    };
    let mut reports: Vec<ExerciseReport> = Vec::new();
    for exercise in exercises {
        let outcome = runner::evaluate(&course.root, exercise, &implementation, &exercise.name)?;
        reports.push(report::score(exercise, &outcome));
    }
    if implementation == Implementation::Learner {
        status::record(course, &reports)?;
    }
    Ok(SubmissionReport::new(name, reports))
}

fn write_reports(report: &Report, options: &Options) -> Result<()> {
    let note = |what: &str, path: &Path| {
        println!(
            "{}",
            ui::dim(&format!("{what} written to {}", path.display()))
        );
    };
    if let Some(path) = &options.json {
        report.write_json(path)?;
        note("report", path);
    }
    if let Some(path) = &options.junit {
        export::write_junit(report, path)?;
        note("JUnit report", path);
    }
    if let Some(path) = &options.gradescope {
        for written in export::write_gradescope(report, path)? {
            note("Gradescope results", &written);
        }
    }
    if let Some(path) = &options.csv {
        export::write_csv(report, path)?;
        note("gradebook", path);
    }
    if let Some(path) = &options.classroom {
        export::write_classroom(report, path)?;
        note("GitHub Classroom result", path);
    }
    Ok(())
}

/// The grader's scratch space: slots, unpacked archives.
fn scratch_dir(course: &Course) -> PathBuf {
    course.path("target/grader")
}

fn unpack_dir(course: &Course) -> PathBuf {
    scratch_dir(course).join("unpacked")
}

/// Grades every submission, `jobs` at a time, each job in a slot of its own; the reports come
/// back in the submissions' order.
fn grade_submissions(
    course: &Course,
    exercises: &[&Exercise],
    submissions: Vec<Submission>,
    jobs: usize,
) -> Result<Vec<SubmissionReport>> {
    crate::procs::kill_groups_on_interrupt();
    let stubs = pristine::stubs(course)?;
    let sandbox = Sandbox::probe(Limits::default_for_grading());
    sandbox::adopt_orphans();
    let jobs = jobs.min(submissions.len()).max(1);
    // Tests of all jobs share the cores: two per core in all.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parallel = (2 * cores / jobs).max(1);

    let total = submissions.len();
    let queue: Mutex<VecDeque<(usize, Submission)>> =
        Mutex::new(submissions.into_iter().enumerate().collect());
    let results: Mutex<BTreeMap<usize, Result<SubmissionReport>>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for index in 0..jobs {
            let (queue, results, stubs, sandbox) = (&queue, &results, &stubs, &sandbox);
            scope.spawn(move || {
                let mut slot = match Slot::prepare(course, &scratch_dir(course), index + 1, stubs) {
                    Ok(slot) => slot,
                    Err(err) => {
                        // This job cannot grade: leave its share to the others, or report.
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                        if let Some((at, _)) = next {
                            results
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .insert(at, Err(err));
                        }
                        return;
                    }
                };
                match warm_up(&slot, exercises) {
                    Ok(tests) => slot.stub_tests = tests,
                    Err(err) => {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                        if let Some((at, _)) = next {
                            results
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .insert(at, Err(err));
                        }
                        return;
                    }
                };
                loop {
                    // The queue's lock is held only to take the next submission.
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some((at, mut submission)) = next else {
                        break;
                    };
                    submission::flag(&mut submission, stubs);
                    let label = format!("[{}/{total}] {}", at + 1, submission.name);
                    let report = grade_in_slot(
                        &mut slot,
                        &submission,
                        exercises,
                        stubs,
                        sandbox,
                        parallel,
                        &label,
                    );
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(at, report);
                }
            });
        }
    });
    ui::clear_status();
    let swept = sandbox::sweep_orphans();
    let mut reports = Vec::new();
    for (_, result) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let mut report = result?;
        if swept > 0 {
            report.ignored.push(format!(
                "{swept} process(es) had escaped their test's session and were killed at the end"
            ));
        }
        reports.push(report);
    }
    if reports.len() != total {
        return Err(Error::Failed(
            "some submissions could not be graded (see above)".into(),
        ));
    }
    Ok(reports)
}

/// Builds the slot's stubs, both flavors, with no time limit: the first time, this builds
/// every dependency, which must not count against a learner's build limit; afterwards it
/// finds everything fresh in a second or two.
fn warm_up(slot: &Slot, exercises: &[&Exercise]) -> Result<BTreeMap<String, Vec<String>>> {
    let names: Vec<&str> = exercises.iter().map(|e| e.name.as_str()).collect();
    let forever = Duration::from_secs(7 * 24 * 3600);
    let progress = |line: &str| ui::status(&format!("preparing the grader: {line}"));
    let normal =
        compile::build_suites(&slot.workspace, &names, Flavor::Normal, forever, &progress)?;
    let loom: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| runner::has_loom_models(slot.root(), name))
        .collect();
    let loom = if loom.is_empty() {
        BTreeMap::new()
    } else {
        compile::build_suites(&slot.workspace, &loom, Flavor::Loom, forever, &progress)?
    };
    // The stubs' tests, for exercises a submission leaves untouched (see `grade_in_slot`).
    let mut tests = BTreeMap::new();
    for exercise in exercises {
        let name = exercise.name.as_str();
        let Some(Build::Built(binary)) = normal.get(name).map(|b| &b.build) else {
            continue;
        };
        let loom_binary = match loom.get(name).map(|b| &b.build) {
            Some(Build::Built(path)) => Some(path.as_path()),
            _ => None,
        };
        if let Ok(jobs) = runner::suite_jobs(exercise, binary, loom_binary) {
            tests.insert(
                name.to_string(),
                jobs.into_iter().map(|job| job.test).collect(),
            );
        }
    }
    Ok(tests)
}

/// The result of an exercise whose file is the untouched stub, without building or running
/// it: `verify` proves that every test fails on the stub, so here every test fails.
fn untouched(tests: &[String]) -> Outcome {
    Outcome::Ran(
        tests
            .iter()
            .map(|name| runner::TestResult {
                name: name.clone(),
                status: runner::TestStatus::Failed,
                duration: Duration::ZERO,
                message: "not attempted: the file is the untouched stub, which fails every test"
                    .into(),
                suspicious: None,
            })
            .collect(),
    )
}

/// Grades one submission in `slot`: its files in place of the stubs, one batch build per
/// flavor, then every exercise's tests in the sandbox.
fn grade_in_slot(
    slot: &mut Slot,
    submission: &Submission,
    exercises: &[&Exercise],
    stubs: &BTreeMap<String, String>,
    sandbox: &Sandbox,
    parallel: usize,
    label: &str,
) -> Result<SubmissionReport> {
    let progress = |line: &str| ui::status(&format!("{label}: {line}"));
    let mut changed = Vec::new();
    for exercise in exercises {
        let name = exercise.name.as_str();
        let content = match submission.exercises.get(name) {
            Some(Intake::Submitted(text)) => text.as_str(),
            _ => stubs.get(name).map_or("", String::as_str),
        };
        if slot.install(name, content)? {
            changed.push(name.to_string());
        }
    }

    // An exercise left as the stub is neither built nor run (see `untouched`).
    let stub_tests = std::mem::take(&mut slot.stub_tests);
    let is_stub = |name: &str| {
        let given = match submission.exercises.get(name) {
            Some(Intake::Submitted(text)) => Some(text.as_str()),
            _ => None,
        };
        let stub = stubs.get(name).map(String::as_str);
        (given.is_none() || given == stub) && stub_tests.contains_key(name)
    };
    let names: Vec<&str> = exercises
        .iter()
        .map(|e| e.name.as_str())
        .filter(|name| !is_stub(name))
        .collect();
    progress("compiling");
    let started = std::time::Instant::now();
    let mut normal = build_fresh(slot, &names, Flavor::Normal, &changed, &progress)?;
    let loom_names: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| runner::has_loom_models(slot.root(), name))
        .filter(|name| matches!(normal.get(*name), Some(Build::Built(_))))
        .collect();
    let mut loom = if loom_names.is_empty() {
        BTreeMap::new()
    } else {
        progress("compiling the loom models");
        build_fresh(slot, &loom_names, Flavor::Loom, &changed, &progress)?
    };
    let built = std::time::Instant::now();

    let mut reports = Vec::new();
    let mut flags: Vec<Flag> = submission.flags.clone();
    for exercise in exercises {
        let name = exercise.name.as_str();
        let outcome = match normal.remove(name) {
            _ if is_stub(name) => untouched(&stub_tests[name]),
            Some(Build::Built(binary)) => match loom.remove(name) {
                Some(Build::Failed(errors)) => Outcome::NotCompiled(format!(
                    "the loom build (RUSTFLAGS=\"--cfg course_loom\") failed:\n{errors}"
                )),
                loom_binary => {
                    let loom_binary = match loom_binary {
                        Some(Build::Built(path)) => Some(path),
                        _ => None,
                    };
                    let mut context = RunContext::new(slot.root(), name);
                    context.sandbox = Some(sandbox.clone());
                    context.parallel = parallel;
                    runner::run_suite(
                        &context,
                        exercise,
                        &binary,
                        loom_binary.as_deref(),
                        &|done, total| progress(&format!("{name}: {done}/{total} tests")),
                    )
                }
            },
            Some(Build::Failed(errors)) => Outcome::NotCompiled(errors),
            None => Outcome::NotCompiled("the grader did not build this exercise".into()),
        };
        if let Outcome::Ran(results) = &outcome {
            for result in results {
                if let Some(what) = result.suspicious {
                    flags.push(Flag {
                        exercise: name.to_string(),
                        at: result.name.clone(),
                        what: what.to_string(),
                    });
                }
            }
        }
        let mut scored = report::score(exercise, &outcome);
        scored.source = Some(
            submission
                .exercises
                .get(name)
                .unwrap_or(&Intake::Missing)
                .describe(),
        );
        reports.push(scored);
    }
    slot.stub_tests = stub_tests;
    let mut report = SubmissionReport::new(submission.name.clone(), reports);
    report.ignored = submission.ignored.clone();
    for (name, intake) in &submission.exercises {
        if let Intake::Rejected(why) = intake {
            report.ignored.push(format!("exercises/{name}.rs: {why}"));
        }
    }
    report.flags = flags;
    report.isolation = Some(sandbox.report());
    report.timing = Some(report::Timing {
        build_ms: millis(built - started),
        tests_ms: millis(built.elapsed()),
    });
    Ok(report)
}

/// Builds `names` in `slot`, and makes sure every exercise whose file `changed` was really
/// recompiled: if cargo found one of them fresh (file times it could not tell apart), its
/// time is moved on and it is built again; if it is still fresh, it is not graded.
fn build_fresh(
    slot: &mut Slot,
    names: &[&str],
    flavor: Flavor,
    changed: &[String],
    progress: &(dyn Fn(&str) + Sync),
) -> Result<BTreeMap<String, Build>> {
    let stale = |batch: &BTreeMap<String, compile::Batch>| -> Vec<String> {
        changed
            .iter()
            .filter(|name| batch.get(*name).is_some_and(|b| b.lib_fresh == Some(true)))
            .cloned()
            .collect()
    };
    let mut batch = compile::build_suites(&slot.workspace, names, flavor, BUILD_LIMIT, progress)?;
    let suspect = stale(&batch);
    if !suspect.is_empty() {
        for name in &suspect {
            slot.touch_later(name)?;
        }
        batch = compile::build_suites(&slot.workspace, names, flavor, BUILD_LIMIT, progress)?;
    }
    let still = stale(&batch);
    Ok(batch
        .into_iter()
        .map(|(name, batch)| {
            let build = if still.contains(&name) {
                Build::Failed(
                    "the grader could not make cargo rebuild this exercise from the \
                     submission's file, so it was not graded (file times on this machine are \
                     too coarse?)"
                        .into(),
                )
            } else {
                batch.build
            };
            (name, build)
        })
        .collect())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn directory_name(root: &Path) -> String {
    root.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkout".into())
}
