//! `cargo xtask verify [--exercise NAME]... [--repeat N] [--repeat-wrong N]`: the author's proof
//! that the course is sound: the manifest matches the folders, every stub test fails fast,
//! every reference test passes every time, every known-wrong variant is rejected (in each of
//! its runs, and with `--repeat-wrong` by the same tests each time), the support crates
//! pass, and every benchmark builds and runs (quick mode; no number is ever checked).
//! One line per check as it goes; the last line is `verify: N passed, M failed`.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::Stdio;

use crate::compile::{self, Flavor, Implementation};
use crate::error::Result;
use crate::manifest::{Course, Exercise, Wrong};
use crate::runner::{self, Outcome, TestResult, TestStatus};
use crate::ui;

/// The options of `verify`.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) exercises: Vec<String>,
    pub(crate) repeat: usize,
    /// Runs of each known-wrong variant: a variant must be rejected in every run, and a test
    /// that rejects it in some runs only is named (its catch is luck of scheduling).
    pub(crate) repeat_wrong: usize,
}

/// Counts checks and prints each as it completes.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

impl Tally {
    fn ok(&mut self, what: &str) {
        self.passed += 1;
        println!("{}   {what}", ui::green("ok"));
        let _ = std::io::stdout().flush();
    }

    fn fail(&mut self, what: &str, details: &str) {
        self.failed += 1;
        println!("{} {what}", ui::red("FAIL"));
        if !details.is_empty() {
            print!("{}", ui::indent(details, "       "));
        }
        let _ = std::io::stdout().flush();
    }

    fn check(&mut self, what: &str, problems: &[String]) {
        if problems.is_empty() {
            self.ok(what);
        } else {
            self.fail(what, &problems.join("\n"));
        }
    }
}

/// Runs verify; true if every check passed.
pub(crate) fn run(course: &Course, options: &Options) -> Result<bool> {
    let exercises = course.manifest.select(&options.exercises)?;
    let mut tally = Tally::default();

    tally.check(
        "manifest: parts, names and crates/ agree",
        &manifest_problems(course),
    );
    for exercise in &exercises {
        tally.check(
            &format!(
                "{}: files, features and manifest entry in place",
                exercise.name
            ),
            &structure_problems(course, exercise),
        );
    }

    tally.check(
        "book: docs/src/SUMMARY.md, the chapters and the manifest agree",
        &crate::book::summary_problems(course),
    );
    tally.check(
        "book: every internal link and anchor resolves",
        &crate::book::link_problems(course),
    );

    let stubs: Vec<String> = exercises.iter().map(|e| e.exercise_file()).collect();
    let stubs_committed = match crate::git::stubs_changed(&course.root, &stubs) {
        Ok(None) => {
            tally.ok("exercises/ holds the committed stubs");
            true
        }
        Ok(Some(files)) => {
            tally.fail(
                "exercises/ differs from HEAD: verify checks the committed stubs; stash your \
                 changes (or `cargo xtask swap NAME stub`) or run it in a fresh clone",
                &files,
            );
            false
        }
        Err(err) => {
            tally.fail(
                "cannot tell whether exercises/ is as committed",
                &err.to_string(),
            );
            false
        }
    };

    for exercise in &exercises {
        if stubs_committed {
            verify_stub(course, exercise, &mut tally)?;
        } else {
            println!(
                "{} {}: stub not checked (exercises/ is not as committed)",
                ui::dim("skip"),
                exercise.name
            );
        }
        verify_reference(course, exercise, options.repeat, &mut tally)?;
        verify_timelines(course, exercise, &mut tally)?;
        for wrong in &exercise.wrong {
            verify_wrong(course, exercise, wrong, options.repeat_wrong, &mut tally)?;
        }
    }

    if options.exercises.is_empty() {
        verify_support(course, &mut tally)?;
        // Benchmarks are not tests: no number is checked, only that each builds and runs.
        let problems = crate::bench::smoke(course)?;
        tally.check(
            "benchmarks: every benchmark builds and runs (quick mode)",
            &problems,
        );
    } else {
        println!(
            "{} support crates and benchmarks (only checked when verifying every exercise)",
            ui::dim("skip")
        );
    }

    println!("verify: {} passed, {} failed", tally.passed, tally.failed);
    Ok(tally.failed == 0)
}

/// Problems of the manifest as a whole: parts, duplicate names, crates not in the manifest.
fn manifest_problems(course: &Course) -> Vec<String> {
    let manifest = &course.manifest;
    let mut problems = Vec::new();
    for key in manifest.unknown.keys() {
        problems.push(format!("xtask/course.toml: unknown top-level key `{key}`"));
    }
    let mut numbers = BTreeSet::new();
    for part in &manifest.parts {
        if !numbers.insert(part.number) {
            problems.push(format!("part {} is declared twice", part.number));
        }
        for key in part.unknown.keys() {
            problems.push(format!("part {}: unknown key `{key}`", part.number));
        }
    }
    let mut names = BTreeSet::new();
    for exercise in &manifest.exercises {
        if !names.insert(exercise.name.as_str()) {
            problems.push(format!("exercise `{}` is listed twice", exercise.name));
        }
    }
    match std::fs::read_dir(course.path("crates")) {
        Ok(entries) => {
            let mut crates: Vec<String> = entries
                .flatten()
                .filter(|entry| entry.path().join("Cargo.toml").is_file())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with("course_"))
                .collect();
            crates.sort();
            for name in crates {
                if !names.contains(name.as_str()) {
                    problems.push(format!(
                        "crates/{name} is a problem crate but xtask/course.toml has no \
                         [[exercise]] named `{name}` (support crates are named course_*)"
                    ));
                }
            }
        }
        Err(err) => problems.push(format!("cannot read crates/: {err}")),
    }
    problems
}

/// Problems of one exercise's files and manifest entry.
fn structure_problems(course: &Course, exercise: &Exercise) -> Vec<String> {
    let name = &exercise.name;
    let mut problems = Vec::new();
    let mut require = |relative: String, what: &str| {
        if !course.path(&relative).is_file() {
            problems.push(format!("missing {relative} ({what})"));
        }
    };
    require(format!("crates/{name}/Cargo.toml"), "the problem crate");
    require(format!("crates/{name}/tests/suite.rs"), "the graded suite");
    require(exercise.exercise_file(), "the stub");
    require(exercise.solution_file(), "the reference");
    require(exercise.chapter.clone(), "its chapter");
    for wrong in &exercise.wrong {
        require(
            crate::wrong::patch_file(name, &wrong.name),
            "a known-wrong variant, as a patch against the reference",
        );
    }

    if course.manifest.part(exercise.part).is_none() {
        problems.push(format!(
            "part {} is not declared by any [[part]]",
            exercise.part
        ));
    }
    if exercise.hints.is_empty() {
        problems.push("no hints: give at least one".into());
    }
    if exercise.points.is_nan() || exercise.points <= 0.0 {
        problems.push(format!("points must be > 0 (is {})", exercise.points));
    }
    for (key, limit) in [
        ("time_limit", exercise.time_limit),
        ("loom_time_limit", exercise.loom_time_limit),
    ] {
        if limit.is_some_and(|limit| limit.is_nan() || limit <= 0.0) {
            problems.push(format!("{key} must be > 0"));
        }
    }
    for (test, weight) in &exercise.weights {
        if weight.is_nan() || *weight < 0.0 {
            problems.push(format!("weight of {test} must be ≥ 0"));
        }
    }
    for key in exercise.unknown.keys() {
        problems.push(format!("unknown key `{key}` in its [[exercise]] entry"));
    }
    for wrong in &exercise.wrong {
        for key in wrong.unknown.keys() {
            problems.push(format!("wrong variant {}: unknown key `{key}`", wrong.name));
        }
    }

    // Features: `solution` and `wrong_V` for every listed variant.
    let manifest_path = course.path(format!("crates/{name}/Cargo.toml"));
    if let Ok(text) = std::fs::read_to_string(&manifest_path) {
        match text.parse::<toml::Table>() {
            Ok(table) => {
                let features = table.get("features").and_then(|f| f.as_table());
                let has = |feature: &str| features.is_some_and(|f| f.contains_key(feature));
                if !has("solution") {
                    problems.push(format!(
                        "crates/{name}/Cargo.toml has no feature `solution`"
                    ));
                }
                for wrong in &exercise.wrong {
                    let feature = format!("wrong_{}", wrong.name);
                    if !has(&feature) {
                        problems.push(format!(
                            "crates/{name}/Cargo.toml has no feature `{feature}`"
                        ));
                    }
                }
            }
            Err(err) => problems.push(format!("crates/{name}/Cargo.toml does not parse: {err}")),
        }
    }

    // Every file in wrong/ is a listed variant's patch, or the source generated from it.
    let listed: BTreeSet<String> = exercise
        .wrong
        .iter()
        .flat_map(|w| [format!("{}.patch", w.name), format!("{}.rs", w.name)])
        .collect();
    if let Ok(entries) = std::fs::read_dir(course.path(format!("crates/{name}/wrong"))) {
        let mut files: Vec<String> = entries
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        for file in files {
            if !listed.contains(&file) {
                problems.push(format!(
                    "crates/{name}/wrong/{file} is not listed as an [[exercise.wrong]] of {name}"
                ));
            }
        }
    }
    problems
}

/// One line per test: `name: status — first line of its message`.
fn describe(tests: &[&TestResult]) -> String {
    tests
        .iter()
        .map(|test| {
            let first = test.message.lines().next().unwrap_or_default();
            if first.is_empty() {
                format!("{}: {}", test.name, test.status.label())
            } else {
                format!("{}: {} — {first}", test.name, test.status.label())
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn verify_stub(course: &Course, exercise: &Exercise, tally: &mut Tally) -> Result<()> {
    let name = &exercise.name;
    let label = format!("{name} (stub)");
    match runner::evaluate(&course.root, exercise, &Implementation::Learner, &label)? {
        Outcome::NotCompiled(errors) => {
            tally.fail(&format!("{name}: the stub does not compile"), &errors);
        }
        Outcome::Ran(results) if results.is_empty() => {
            tally.fail(&format!("{name}: the suite has no tests"), "");
        }
        Outcome::Ran(results) => {
            let wrong: Vec<&TestResult> = results
                .iter()
                .filter(|t| t.status != TestStatus::Failed)
                .collect();
            if wrong.is_empty() {
                tally.ok(&format!(
                    "{name}: stub fails every test ({}/{} failed)",
                    results.len(),
                    results.len()
                ));
            } else {
                tally.fail(
                    &format!(
                        "{name}: stub tests must fail fast: {} of {} did not fail",
                        wrong.len(),
                        results.len()
                    ),
                    &describe(&wrong),
                );
            }
        }
    }
    Ok(())
}

fn verify_reference(
    course: &Course,
    exercise: &Exercise,
    repeat: usize,
    tally: &mut Tally,
) -> Result<()> {
    let name = &exercise.name;
    let mut count = 0;
    for run in 1..=repeat {
        let label = if repeat > 1 {
            format!("{name} (reference, run {run}/{repeat})")
        } else {
            format!("{name} (reference)")
        };
        let results =
            match runner::evaluate(&course.root, exercise, &Implementation::Solution, &label)? {
                Outcome::NotCompiled(errors) => {
                    tally.fail(&format!("{name}: the reference does not compile"), &errors);
                    return Ok(());
                }
                Outcome::Ran(results) => results,
            };
        if results.is_empty() {
            tally.fail(&format!("{name}: the suite has no tests"), "");
            return Ok(());
        }
        let failing: Vec<&TestResult> = results
            .iter()
            .filter(|t| t.status != TestStatus::Passed)
            .collect();
        if !failing.is_empty() {
            let details = failing
                .iter()
                .map(|test| {
                    format!(
                        "{}: {}\n{}",
                        test.name,
                        test.status.label(),
                        ui::indent(&test.message, "  ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            tally.fail(
                &format!(
                    "{name}: the reference must pass every test: {} of {} did not pass (run {run} of {repeat})",
                    failing.len(),
                    results.len()
                ),
                details.trim_end(),
            );
            return Ok(());
        }
        let unknown: Vec<String> = exercise
            .weights
            .keys()
            .filter(|key| {
                !results
                    .iter()
                    .any(|test| crate::report::covers(key, &test.name))
            })
            .map(|test| {
                format!("[exercise.weights] names `{test}`, which is not a test of the suite")
            })
            .collect();
        if !unknown.is_empty() {
            tally.fail(
                &format!("{name}: weights name unknown tests"),
                &unknown.join("\n"),
            );
            return Ok(());
        }
        count = results.len();
    }
    let runs = if repeat == 1 {
        "1 run".to_string()
    } else {
        format!("{repeat} runs")
    };
    tally.ok(&format!(
        "{name}: reference passes every test ({count}/{count}, {runs})"
    ));
    Ok(())
}

/// The book's timelines of `exercise` must be exactly what its reference draws now.
fn verify_timelines(course: &Course, exercise: &Exercise, tally: &mut Tally) -> Result<()> {
    let name = &exercise.name;
    let committed = crate::timelines::committed(course, name);
    let drawn = match crate::timelines::draw(course, exercise, &course.path("target/timelines")) {
        Ok(drawn) => drawn.unwrap_or_default(),
        Err(err) => {
            tally.fail(
                &format!("{name}: cannot draw its timelines"),
                &err.to_string(),
            );
            return Ok(());
        }
    };
    if committed.is_empty() && drawn.is_empty() {
        return Ok(());
    }
    let mut problems = Vec::new();
    for (file, bytes) in &drawn {
        match committed.get(file) {
            None => problems.push(format!("{file}: drawn but not in the book")),
            Some(old) if old != bytes => problems.push(format!("{file}: differs from the book's")),
            Some(_) => {}
        }
    }
    for file in committed.keys() {
        if !drawn.contains_key(file) {
            problems.push(format!("{file}: in the book, but no trace test draws it"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "run `cargo xtask timelines --exercise {name}` and commit {}",
            crate::timelines::folder(name)
        ));
    }
    tally.check(
        &format!(
            "{name}: its {} timeline(s) in the book regenerate byte for byte",
            drawn.len()
        ),
        &problems,
    );
    Ok(())
}

fn verify_wrong(
    course: &Course,
    exercise: &Exercise,
    wrong: &Wrong,
    repeat: usize,
    tally: &mut Tally,
) -> Result<()> {
    let name = &exercise.name;
    let variant = &wrong.name;
    let implementation = Implementation::Wrong(variant.to_string());
    if let Err(err) = crate::wrong::materialize(&course.root, name, variant) {
        tally.fail(
            &format!("{name}: wrong {variant} cannot be generated"),
            &err.to_string(),
        );
        return Ok(());
    }
    // Per run: the tests that did not pass, with how.
    let mut runs: Vec<Vec<(String, &'static str)>> = Vec::new();
    let mut total = 0;
    for run in 1..=repeat {
        let label = if repeat > 1 {
            format!("{name} (wrong {variant}, run {run}/{repeat})")
        } else {
            format!("{name} (wrong {variant})")
        };
        // One run needs one rejection: stop at the first test that does not pass. Several
        // runs compare which tests reject the variant, so each runs them all.
        let first_only = repeat == 1;
        match runner::evaluate_until(&course.root, exercise, &implementation, &label, first_only)? {
            Outcome::NotCompiled(errors) => {
                tally.fail(
                    &format!(
                        "{name}: wrong {variant} does not compile (a known-wrong variant must \
                         compile and fail tests)"
                    ),
                    &errors,
                );
                return Ok(());
            }
            Outcome::Ran(results) => {
                total = results.len();
                runs.push(
                    results
                        .iter()
                        .filter(|t| !matches!(t.status, TestStatus::Passed | TestStatus::NotRun))
                        .map(|t| (t.name.clone(), t.status.label()))
                        .collect(),
                );
            }
        }
    }
    let missed = runs.iter().filter(|caught| caught.is_empty()).count();
    if missed > 0 {
        let how = if repeat == 1 {
            format!("all {total} tests pass")
        } else {
            format!("all {total} tests pass in {missed} of {repeat} runs")
        };
        tally.fail(
            &format!("{name}: the suite does not reject wrong {variant}: {how}"),
            &format!("it {}", wrong.what),
        );
        return Ok(());
    }
    // Tests that rejected the variant in some runs but not in all: luck of scheduling.
    let every: BTreeSet<&str> = runs[0]
        .iter()
        .map(|(test, _)| test.as_str())
        .filter(|test| {
            runs.iter()
                .all(|caught| caught.iter().any(|(t, _)| t == test))
        })
        .collect();
    let some: BTreeSet<&str> = runs
        .iter()
        .flatten()
        .map(|(test, _)| test.as_str())
        .filter(|test| !every.contains(test))
        .collect();
    let runs_label = if repeat > 1 {
        format!(" in each of {repeat} runs")
    } else {
        String::new()
    };
    if every.is_empty() {
        tally.fail(
            &format!("{name}: wrong {variant} is rejected in every run, but by different tests"),
            &format!(
                "it {}\nno test rejects it every time; by luck of scheduling: {}",
                wrong.what,
                some.iter().copied().collect::<Vec<_>>().join(", ")
            ),
        );
        return Ok(());
    }
    if repeat == 1 {
        tally.ok(&format!(
            "{name}: wrong {variant} rejected (stopped at the first test that did not pass)"
        ));
    } else {
        tally.ok(&format!(
            "{name}: wrong {variant} rejected ({} of {total} tests do not pass{runs_label})",
            every.len()
        ));
    }
    let mut details = format!("it {}\ncaught by:", wrong.what);
    let labels: Vec<(&str, &str)> = runs[0]
        .iter()
        .filter(|(test, _)| every.contains(test.as_str()))
        .map(|(test, status)| (test.as_str(), *status))
        .collect();
    for (test, status) in labels.iter().take(3) {
        details.push_str(&format!("\n  {test} ({status})"));
    }
    if labels.len() > 3 {
        details.push_str(&format!("\n  and {} more", labels.len() - 3));
    }
    if !some.is_empty() {
        details.push_str(&format!(
            "\nin some runs only (luck of scheduling; weigh them 0 in the manifest): {}",
            some.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    print!("{}", ui::indent(&ui::dim(&details), "       "));
    Ok(())
}

fn verify_support(course: &Course, tally: &mut Tally) -> Result<()> {
    let mut args: Vec<String> = vec!["test".into(), "--workspace".into()];
    for exercise in &course.manifest.exercises {
        if course
            .path(format!("crates/{}/Cargo.toml", exercise.name))
            .is_file()
        {
            args.extend(["--exclude".into(), exercise.name.clone()]);
        }
    }
    args.extend(["--exclude".into(), "xtask".into()]);
    ui::status("support crates: cargo test");
    let what = "support crates: cargo test --workspace (problem crates and xtask excluded)";
    run_cargo(course, Flavor::Normal, &args, what, tally)?;

    // The course tool's own tests: its units, its command line, and the grader against the
    // torture set of hostile submissions (xtask/tests/grading.rs, with a real cargo).
    ui::status("xtask: cargo test -p xtask");
    let args: Vec<String> = ["test", "-p", "xtask"].map(String::from).into();
    run_cargo(
        course,
        Flavor::Normal,
        &args,
        "xtask: the course tool's own tests pass, the grader's torture set included",
        tally,
    )?;

    let Ok(entries) = std::fs::read_dir(course.path("crates")) else {
        return Ok(());
    };
    let mut support: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("course_"))
        .filter(|name| {
            course
                .path(format!("crates/{name}/tests/models.rs"))
                .is_file()
        })
        .collect();
    support.sort();
    for name in support {
        ui::status(&format!("{name}: loom models"));
        let args: Vec<String> = ["test", "-p", &name, "--test", "models"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let what = format!(
            "{name}: loom models pass (cargo test -p {name} --test models, --cfg course_loom)"
        );
        run_cargo(course, Flavor::Loom, &args, &what, tally)?;
    }
    Ok(())
}

fn run_cargo(
    course: &Course,
    flavor: Flavor,
    args: &[String],
    what: &str,
    tally: &mut Tally,
) -> Result<()> {
    let output = compile::cargo(&course.root, flavor)
        .args(args)
        .arg("--color=never")
        .stdin(Stdio::null())
        .output()
        .map_err(|err| crate::error::Error::Failed(format!("cannot run cargo: {err}")))?;
    ui::clear_status();
    if output.status.success() {
        tally.ok(what);
    } else {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        tally.fail(what, &tail(&text, 25));
    }
    Ok(())
}

fn tail(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| {
            let trimmed = line.trim_start();
            !trimmed.is_empty()
                && !trimmed.starts_with("Compiling")
                && !trimmed.starts_with("Blocking")
        })
        .collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}
