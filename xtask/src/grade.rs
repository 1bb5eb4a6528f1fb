//! `cargo xtask grade [--solutions] [--exercise NAME]... [--json FILE]`: scores a checkout's
//! exercises (or the references), prints a table and writes the JSON report.
//!
//! Grading takes a root directory and an implementation selector, so grading other checkouts
//! (`--submission DIR`, `--submissions DIR`) only has to prepare a root per submission.

use std::path::{Path, PathBuf};

use crate::compile::Implementation;
use crate::error::Result;
use crate::manifest::{Course, Exercise};
use crate::report::{self, ExerciseReport, Report, SubmissionReport};
use crate::{runner, status, ui};

/// The options of `grade`.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub(crate) solutions: bool,
    pub(crate) exercises: Vec<String>,
    pub(crate) json: Option<PathBuf>,
}

/// One thing to grade: a workspace root whose crates compile `implementation`.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The submission's name in reports.
    pub(crate) name: String,
    pub(crate) root: PathBuf,
    pub(crate) implementation: Implementation,
}

pub(crate) fn run(course: &Course, options: &Options) -> Result<()> {
    let exercises = course.manifest.select(&options.exercises)?;
    let target = if options.solutions {
        Target {
            name: "solutions".into(),
            root: course.root.clone(),
            implementation: Implementation::Solution,
        }
    } else {
        Target {
            name: directory_name(&course.root),
            root: course.root.clone(),
            implementation: Implementation::Learner,
        }
    };
    let submission = grade(&target, &exercises)?;
    if target.implementation == Implementation::Learner && target.root == course.root {
        status::record(course, &submission.exercises)?;
    }
    print!("{}", submission.table());
    let report = Report::new(vec![submission]);
    if let Some(path) = &options.json {
        report.write_json(path)?;
        println!(
            "{}",
            ui::dim(&format!("report written to {}", path.display()))
        );
    }
    Ok(())
}

/// Grades `exercises` of one target. Errs only if grading could not run (cargo missing).
pub(crate) fn grade(target: &Target, exercises: &[&Exercise]) -> Result<SubmissionReport> {
    let mut reports: Vec<ExerciseReport> = Vec::new();
    for exercise in exercises {
        let outcome = runner::evaluate(
            &target.root,
            exercise,
            &target.implementation,
            &exercise.name,
        )?;
        reports.push(report::score(exercise, &outcome));
    }
    Ok(SubmissionReport::new(target.name.clone(), reports))
}

fn directory_name(root: &Path) -> String {
    root.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkout".into())
}
