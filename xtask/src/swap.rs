//! `cargo xtask swap EXERCISE solution|mine|stub`: puts the reference, the learner's saved
//! work or the pristine stub into `exercises/EXERCISE.rs`, never losing what was there: work
//! that is neither the reference nor the stub goes to `.course/saved/` (the "mine" slot), and
//! a timestamped copy of it to `.course/backups/`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Context, Error, Result, bail};
use crate::git;
use crate::manifest::Course;

/// What to put in the learner's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Solution,
    Mine,
    Stub,
}

impl Target {
    pub(crate) fn parse(text: &str) -> Option<Target> {
        match text {
            "solution" => Some(Target::Solution),
            "mine" => Some(Target::Mine),
            "stub" => Some(Target::Stub),
            _ => None,
        }
    }
}

pub(crate) fn run(course: &Course, name: &str, target: Target) -> Result<()> {
    let exercise = course.manifest.exercise(name)?;
    let relative = exercise.exercise_file();
    let file = course.path(&relative);
    let saved = course.state_dir().join("saved").join(format!("{name}.rs"));
    let current = std::fs::read(&file).ok();
    let reference_path = course.path(exercise.solution_file());
    let reference = std::fs::read(&reference_path).ok();
    // The stub is needed to tell learner work apart from course files; a missing history only
    // matters when the stub itself is asked for.
    let stub = git::pristine_stub(&course.root, name);

    let new_content = match target {
        Target::Solution => match &reference {
            Some(reference) => reference.clone(),
            None => bail!(
                "there is no reference solution {} to swap in",
                exercise.solution_file()
            ),
        },
        Target::Stub => match &stub {
            Ok(stub) => stub.clone(),
            Err(err) => return Err(Error::Failed(err.to_string())),
        },
        Target::Mine => std::fs::read(&saved).map_err(|_| {
            Error::Failed(format!(
                "nothing saved for {name}: {} does not exist. `swap` saves your work there \
                 when it replaces it; older copies, if any, are in .course/backups/",
                display(course, &saved)
            ))
        })?,
    };

    let mut notes = Vec::new();
    if let Some(current) = &current {
        let is_reference = reference.as_ref() == Some(current);
        let is_stub = stub.as_ref().ok() == Some(current);
        if !is_reference && !is_stub {
            let backup = backup(course, name, current)?;
            if target != Target::Mine && *current != new_content {
                write(&saved, current)?;
                notes.push(format!(
                    "Your version was saved to {} (and {}); `cargo xtask swap {name} mine` \
                     brings it back.",
                    display(course, &saved),
                    display(course, &backup)
                ));
            } else {
                notes.push(format!(
                    "What was there is kept in {}.",
                    display(course, &backup)
                ));
            }
        }
        if *current == new_content {
            println!(
                "{relative} already holds {}: nothing to do.",
                describe(target)
            );
            return Ok(());
        }
    }
    write(&file, &new_content)?;
    println!("{relative} now holds {}.", describe(target));
    for note in notes {
        println!("{note}");
    }
    Ok(())
}

fn describe(target: Target) -> &'static str {
    match target {
        Target::Solution => "the reference solution",
        Target::Mine => "your saved work",
        Target::Stub => "a fresh stub",
    }
}

/// Keeps a timestamped copy of `content` in `.course/backups/` and returns its path.
fn backup(course: &Course, name: &str, content: &[u8]) -> Result<PathBuf> {
    let dir = course.state_dir().join("backups");
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut path = dir.join(format!("{name}-{secs}.rs"));
    let mut n = 1;
    while path.exists() {
        if std::fs::read(&path).ok().as_deref() == Some(content) {
            return Ok(path);
        }
        path = dir.join(format!("{name}-{secs}-{n}.rs"));
        n += 1;
    }
    write(&path, content)?;
    Ok(path)
}

fn write(path: &Path, content: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, content).context(|| format!("cannot write {}", path.display()))
}

fn display(course: &Course, path: &Path) -> String {
    path.strip_prefix(&course.root)
        .unwrap_or(path)
        .display()
        .to_string()
}
