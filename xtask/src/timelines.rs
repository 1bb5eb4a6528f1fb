//! `cargo xtask timelines [--exercise NAME]...`: draws the book's pictures of what threads did
//! from real runs of the reference solutions. Each `traces::` test of a suite records a trace
//! whose order is unique (that is why it is a snapshot test); run with
//! `COURSE_TIMELINE_DIR`, every trace draws itself as an SVG timeline when it ends
//! (`course_testkit::timeline`). The pictures go to `docs/src/timelines/NAME/TEST.svg`, and
//! `verify` checks that they come out byte for byte the same from the references.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::compile::{self, Build, Flavor, Implementation};
use crate::error::{Context, Error, Result};
use crate::manifest::{Course, Exercise};
use crate::runner::{self, Job, RunContext, TestStatus};
use crate::ui;

/// Where the book keeps the timelines of `exercise`, relative to the root.
pub(crate) fn folder(exercise: &str) -> String {
    format!("docs/src/timelines/{exercise}")
}

/// Draws the timelines of `exercise`'s reference into a fresh folder under `scratch`; returns
/// each picture's file name and content. `None` if the suite has no `traces::` tests.
pub(crate) fn draw(
    course: &Course,
    exercise: &Exercise,
    scratch: &Path,
) -> Result<Option<BTreeMap<String, Vec<u8>>>> {
    let name = &exercise.name;
    let progress = |line: &str| ui::status(&format!("{name} timelines: {line}"));
    let binary = match compile::build_suite(
        &course.root,
        name,
        &Implementation::Solution,
        Flavor::Normal,
        &progress,
    )? {
        Build::Built(binary) => binary,
        Build::Failed(errors) => {
            return Err(Error::Failed(format!(
                "the reference of {name} does not compile:\n{errors}"
            )));
        }
    };
    let tests: Vec<String> = runner::list_tests(&binary)
        .map_err(Error::Failed)?
        .into_iter()
        .filter(|test| runner::kind(test) == "insta")
        .collect();
    if tests.is_empty() {
        ui::clear_status();
        return Ok(None);
    }
    let dir = scratch.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).context(|| format!("cannot empty {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).context(|| format!("cannot create {}", dir.display()))?;
    let mut context = RunContext::new(&course.root, name);
    context
        .env
        .push(("COURSE_TIMELINE_DIR".into(), dir.clone()));
    let jobs: Vec<Job> = tests
        .iter()
        .map(|test| Job {
            binary: binary.clone(),
            test: test.clone(),
            limit: exercise.time_limit(),
        })
        .collect();
    let results = runner::run_all(&context, &jobs, &|done, total| {
        progress(&format!("{done}/{total} traces"));
    });
    ui::clear_status();
    if let Some(failed) = results.iter().find(|r| r.status != TestStatus::Passed) {
        return Err(Error::Failed(format!(
            "{name}: the reference failed {} while drawing its timelines: {}",
            failed.name, failed.message
        )));
    }
    let mut pictures = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry.context(|| format!("cannot read {}", dir.display()))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        if !file.ends_with(".svg") {
            continue; // a picture being replaced when its test ended
        }
        let bytes =
            std::fs::read(entry.path()).context(|| format!("cannot read {}", file.clone()))?;
        pictures.insert(file, bytes);
    }
    Ok(Some(pictures))
}

/// The timelines committed for `exercise`, by file name.
pub(crate) fn committed(course: &Course, exercise: &str) -> BTreeMap<String, Vec<u8>> {
    let mut pictures = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(course.path(folder(exercise))) {
        for entry in entries.flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                pictures.insert(entry.file_name().to_string_lossy().into_owned(), bytes);
            }
        }
    }
    pictures
}

/// Writes every exercise's timelines into the book.
pub(crate) fn run(course: &Course, exercises: &[String]) -> Result<()> {
    let scratch = course.path("target/timelines");
    let mut written = 0;
    for exercise in course.manifest.select(exercises)? {
        let Some(pictures) = draw(course, exercise, &scratch)? else {
            continue;
        };
        let target = course.path(folder(&exercise.name));
        if target.exists() {
            std::fs::remove_dir_all(&target)
                .context(|| format!("cannot empty {}", target.display()))?;
        }
        if pictures.is_empty() {
            continue; // its trace tests compare sorted or scheduler-ordered traces
        }
        std::fs::create_dir_all(&target)
            .context(|| format!("cannot create {}", target.display()))?;
        for (file, bytes) in &pictures {
            let path: PathBuf = target.join(file);
            std::fs::write(&path, bytes).context(|| format!("cannot write {}", path.display()))?;
        }
        written += pictures.len();
        println!(
            "{} {}: {} timeline(s) in {}",
            ui::green("ok"),
            exercise.name,
            pictures.len(),
            folder(&exercise.name)
        );
    }
    println!("{written} timelines drawn from the reference solutions");
    Ok(())
}
