//! The course manifest (`xtask/course.toml`): parts, exercises, hints, points, time limits and
//! known-wrong variants, plus the workspace root it is read from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Context, Error, Result};
use crate::suggest;

/// Seconds a normal test may run when the manifest does not say.
pub(crate) const DEFAULT_TIME_LIMIT: f64 = 8.0;
/// Seconds a loom model may run when the manifest does not say.
pub(crate) const DEFAULT_LOOM_TIME_LIMIT: f64 = 20.0;

/// The whole manifest, as written.
#[derive(Debug, Deserialize)]
pub(crate) struct Manifest {
    #[serde(default, rename = "part")]
    pub(crate) parts: Vec<Part>,
    #[serde(default, rename = "exercise")]
    pub(crate) exercises: Vec<Exercise>,
    /// Keys this tool does not know; `verify` reports them (a typo would be silently ignored).
    #[serde(flatten)]
    pub(crate) unknown: BTreeMap<String, toml::Value>,
}

/// One part of the course (`[[part]]`).
#[derive(Debug, Deserialize)]
pub(crate) struct Part {
    pub(crate) number: u32,
    pub(crate) title: String,
    #[serde(flatten)]
    pub(crate) unknown: BTreeMap<String, toml::Value>,
}

/// One exercise (`[[exercise]]`).
#[derive(Debug, Deserialize)]
pub(crate) struct Exercise {
    pub(crate) name: String,
    pub(crate) part: u32,
    pub(crate) chapter: String,
    pub(crate) points: f64,
    #[serde(default)]
    pub(crate) time_limit: Option<f64>,
    #[serde(default)]
    pub(crate) loom_time_limit: Option<f64>,
    #[serde(default)]
    pub(crate) hints: Vec<String>,
    /// Test name (`models::add_racing_wait`) to number of shares; every other test has one.
    #[serde(default)]
    pub(crate) weights: BTreeMap<String, f64>,
    #[serde(default)]
    pub(crate) wrong: Vec<Wrong>,
    #[serde(flatten)]
    pub(crate) unknown: BTreeMap<String, toml::Value>,
}

/// A known-wrong variant (`[[exercise.wrong]]`).
#[derive(Debug, Deserialize)]
pub(crate) struct Wrong {
    pub(crate) name: String,
    pub(crate) what: String,
    #[serde(flatten)]
    pub(crate) unknown: BTreeMap<String, toml::Value>,
}

impl Exercise {
    /// How long a normal test may run.
    pub(crate) fn time_limit(&self) -> Duration {
        seconds(self.time_limit.unwrap_or(DEFAULT_TIME_LIMIT))
    }

    /// How long a loom model (`models::...`) may run.
    pub(crate) fn loom_time_limit(&self) -> Duration {
        seconds(self.loom_time_limit.unwrap_or(DEFAULT_LOOM_TIME_LIMIT))
    }

    /// The learner's file, relative to the root.
    pub(crate) fn exercise_file(&self) -> String {
        format!("exercises/{}.rs", self.name)
    }

    /// The reference solution, relative to the root.
    pub(crate) fn solution_file(&self) -> String {
        format!("solutions/{}.rs", self.name)
    }
}

fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::from_secs(10))
}

impl Manifest {
    /// Parses manifest text; `origin` names it in error messages.
    pub(crate) fn parse(text: &str, origin: &str) -> Result<Manifest> {
        toml::from_str(text).map_err(|err| {
            Error::Failed(format!(
                "{origin} is not a valid course manifest: {err}\n\
                 Fix it following the format described in its comment header."
            ))
        })
    }

    /// The part with this number, if the manifest declares it.
    pub(crate) fn part(&self, number: u32) -> Option<&Part> {
        self.parts.iter().find(|part| part.number == number)
    }

    /// The exercise with this name, or an error suggesting the nearest name.
    pub(crate) fn exercise(&self, name: &str) -> Result<&Exercise> {
        if let Some(exercise) = self.exercises.iter().find(|ex| ex.name == name) {
            return Ok(exercise);
        }
        let names = self.exercises.iter().map(|ex| ex.name.as_str());
        let hint = match suggest::nearest(name, names) {
            Some(near) => format!(" Did you mean `{near}`?"),
            None => String::new(),
        };
        Err(Error::NotFound(format!(
            "no exercise named `{name}`.{hint} (cargo xtask list shows them all)"
        )))
    }

    /// The exercises with these names, in manifest order; all of them when `names` is empty.
    pub(crate) fn select(&self, names: &[String]) -> Result<Vec<&Exercise>> {
        for name in names {
            self.exercise(name)?;
        }
        Ok(self
            .exercises
            .iter()
            .filter(|ex| names.is_empty() || names.contains(&ex.name))
            .collect())
    }
}

/// The course: its root directory and its manifest.
#[derive(Debug)]
pub(crate) struct Course {
    pub(crate) root: PathBuf,
    pub(crate) manifest: Manifest,
}

impl Course {
    /// Loads the course at `COURSE_ROOT`, or the workspace this tool was built in.
    pub(crate) fn load() -> Result<Course> {
        let root = match std::env::var_os("COURSE_ROOT") {
            Some(root) if !root.is_empty() => PathBuf::from(root),
            _ => Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
        };
        let root = root.canonicalize().context(|| {
            format!(
                "cannot open the course root {} (check COURSE_ROOT)",
                root.display()
            )
        })?;
        Course::load_from(root)
    }

    /// Loads the course whose root is `root`.
    pub(crate) fn load_from(root: PathBuf) -> Result<Course> {
        let path = root.join("xtask/course.toml");
        let text = std::fs::read_to_string(&path).context(|| {
            format!(
                "cannot read the course manifest {} (is COURSE_ROOT the course's root?)",
                path.display()
            )
        })?;
        let manifest = Manifest::parse(&text, "xtask/course.toml")?;
        Ok(Course { root, manifest })
    }

    /// A path under the root.
    pub(crate) fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    /// The directory of the tool's local state (gitignored).
    pub(crate) fn state_dir(&self) -> PathBuf {
        self.root.join(".course")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_real_manifest() {
        let text = include_str!("../course.toml");
        let manifest = Manifest::parse(text, "course.toml").unwrap();
        assert!(manifest.unknown.is_empty(), "{:?}", manifest.unknown);
        assert!(!manifest.parts.is_empty());
        let ex = manifest.exercise("deferred_callback").unwrap();
        assert!(ex.unknown.is_empty(), "{:?}", ex.unknown);
        assert!(ex.points > 0.0);
        assert!(ex.hints.len() >= 2);
        assert!(manifest.part(ex.part).is_some());
        assert!(ex.wrong.iter().any(|w| w.name == "floor_now"));
        assert!(ex.wrong.iter().all(|w| !w.what.is_empty()));
        assert_eq!(
            ex.time_limit(),
            Duration::from_secs_f64(ex.time_limit.unwrap_or(DEFAULT_TIME_LIMIT))
        );
    }

    #[test]
    fn weights_and_limits_are_read() {
        let manifest = Manifest::parse(
            r#"
            [[part]]
            number = 1
            title = "One"
            [[exercise]]
            name = "x"
            part = 1
            chapter = "docs/x.md"
            points = 7
            time_limit = 2.5
            hints = ["h"]
            [exercise.weights]
            "models::a" = 2
            "#,
            "test",
        )
        .unwrap();
        let ex = &manifest.exercises[0];
        assert_eq!(ex.points, 7.0);
        assert_eq!(ex.weights["models::a"], 2.0);
        assert_eq!(ex.time_limit(), Duration::from_millis(2500));
        assert_eq!(ex.loom_time_limit(), Duration::from_secs(20));
    }

    #[test]
    fn unknown_name_suggests_the_nearest() {
        let manifest = Manifest::parse(include_str!("../course.toml"), "course.toml").unwrap();
        let err = manifest
            .exercise("deferred_calback")
            .unwrap_err()
            .to_string();
        assert!(err.contains("Did you mean `deferred_callback`?"), "{err}");
    }
}
