//! The learner's progress: the result of the last check of each exercise, kept in
//! `.course/status.json` (gitignored) so `list` can show it without compiling anything.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Context, Result};
use crate::manifest::Course;
use crate::report::{ExerciseReport, ExerciseStatus};

/// What the last check of one exercise found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Recorded {
    /// `passed`, `failed` or `not_compiled`.
    pub(crate) status: String,
    pub(crate) score: f64,
    pub(crate) max_score: f64,
    pub(crate) passed: usize,
    pub(crate) total: usize,
    /// Seconds since the Unix epoch.
    pub(crate) checked_at: u64,
}

impl Recorded {
    /// As `list` shows it.
    pub(crate) fn describe(&self) -> String {
        match self.status.as_str() {
            "passed" => format!("passed ({}/{} tests)", self.passed, self.total),
            "not_compiled" => "does not compile".into(),
            _ => format!("{}/{} tests pass", self.passed, self.total),
        }
    }
}

fn path(course: &Course) -> std::path::PathBuf {
    course.state_dir().join("status.json")
}

/// The recorded statuses (empty if none were recorded, or the file is unreadable).
pub(crate) fn load(course: &Course) -> BTreeMap<String, Recorded> {
    std::fs::read_to_string(path(course))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Records the results of a check or grade of the learner's own files.
pub(crate) fn record(course: &Course, reports: &[ExerciseReport]) -> Result<()> {
    let mut all = load(course);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for report in reports {
        let status = match report.status {
            ExerciseStatus::Passed => "passed",
            ExerciseStatus::Failed => "failed",
            ExerciseStatus::NotCompiled => "not_compiled",
        };
        all.insert(
            report.name.clone(),
            Recorded {
                status: status.into(),
                score: report.score,
                max_score: report.max_score,
                passed: report.passed(),
                total: report.tests.len(),
                checked_at: now,
            },
        );
    }
    let dir = course.state_dir();
    std::fs::create_dir_all(&dir).context(|| format!("cannot create {}", dir.display()))?;
    let text = serde_json::to_string_pretty(&all).context(|| "cannot encode the status")?;
    std::fs::write(path(course), text + "\n")
        .context(|| format!("cannot write {}", path(course).display()))
}

/// How many of the manifest's exercises last passed.
pub(crate) fn done(course: &Course) -> (usize, usize) {
    let recorded = load(course);
    let exercises = &course.manifest.exercises;
    let done = exercises
        .iter()
        .filter(|ex| recorded.get(&ex.name).is_some_and(|r| r.status == "passed"))
        .count();
    (done, exercises.len())
}
