//! The score model (points split over tests, with weights), the JSON report of DESIGN.md, and
//! the terminal table of `grade`.

use std::path::Path;

use serde::Serialize;

use crate::error::{Context, Result};
use crate::manifest::Exercise;
use crate::runner::{self, Outcome, TestStatus};
use crate::sandbox::IsolationReport;
use crate::submission::Flag;
use crate::ui;

/// The whole report (`--json`): DESIGN.md's schema. Fields may be added, never renamed.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) score: f64,
    pub(crate) max_score: f64,
    pub(crate) submissions: Vec<SubmissionReport>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SubmissionReport {
    pub(crate) name: String,
    pub(crate) score: f64,
    pub(crate) max_score: f64,
    pub(crate) exercises: Vec<ExerciseReport>,
    /// Added to the schema: what the submission held that the grader did not take, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) ignored: Vec<String>,
    /// Added to the schema: what looks like an attempt to game the grader.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) flags: Vec<Flag>,
    /// Added to the schema: how the tests were isolated (submissions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) isolation: Option<IsolationReport>,
    /// Added to the schema: where the grading time went (submissions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timing: Option<Timing>,
}

/// How long grading one submission took: building its exercises, then running their tests.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Timing {
    pub(crate) build_ms: u64,
    pub(crate) tests_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ExerciseStatus {
    Passed,
    Failed,
    NotCompiled,
}

impl ExerciseStatus {
    pub(crate) fn label(self) -> &'static str {
        match self {
            ExerciseStatus::Passed => "passed",
            ExerciseStatus::Failed => "failed",
            ExerciseStatus::NotCompiled => "not compiled",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExerciseReport {
    pub(crate) name: String,
    pub(crate) score: f64,
    pub(crate) max_score: f64,
    pub(crate) status: ExerciseStatus,
    pub(crate) tests: Vec<TestReport>,
    /// Added to the schema: the compiler's errors when not compiled, else "".
    pub(crate) message: String,
    /// Added to the schema (submissions only): whether the submission gave this exercise's
    /// file ("submitted"), or the stub was graded instead, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TestReport {
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) status: TestStatus,
    pub(crate) score: f64,
    pub(crate) max_score: f64,
    pub(crate) duration_ms: u64,
    pub(crate) message: String,
}

impl ExerciseReport {
    /// How many tests passed.
    pub(crate) fn passed(&self) -> usize {
        self.count(TestStatus::Passed)
    }

    /// How many tests ended with `status`.
    pub(crate) fn count(&self, status: TestStatus) -> usize {
        self.tests
            .iter()
            .filter(|test| test.status == status)
            .count()
    }

    /// The tests that did not pass, in listing order.
    pub(crate) fn failing(&self) -> impl Iterator<Item = &TestReport> {
        self.tests
            .iter()
            .filter(|test| test.status != TestStatus::Passed)
    }
}

/// Rounds away floating-point dust (14 shares of 10/14 add up to 10, not 9.999999999999998).
fn round(value: f64) -> f64 {
    // `+ 0.0` turns a negative zero (from rounding a tiny negative sum) into 0, which is how a
    // report reader expects "no points" to look.
    (value * 1e6).round() / 1e6 + 0.0
}

/// The weight `weights` gives `test`: its own entry, else that of the longest entry naming a
/// group it belongs to (`cases::stress` covers `cases::stress::case_1_two_threads`), else 1.
pub(crate) fn weight_of(weights: &std::collections::BTreeMap<String, f64>, test: &str) -> f64 {
    weights
        .iter()
        .filter(|(key, _)| covers(key, test))
        .max_by_key(|(key, _)| key.len())
        .map_or(1.0, |(_, weight)| weight.max(0.0))
}

/// True if the weight key `key` names `test` or a group of tests `test` belongs to.
pub(crate) fn covers(key: &str, test: &str) -> bool {
    test == key
        || test
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// The points each test is worth: `points` split evenly over the tests, except that a test
/// (or group of tests) named in `weights` counts that many shares each.
pub(crate) fn shares(
    points: f64,
    weights: &std::collections::BTreeMap<String, f64>,
    tests: &[&str],
) -> Vec<f64> {
    let weight = |test: &str| weight_of(weights, test);
    let total: f64 = tests.iter().map(|test| weight(test)).sum();
    tests
        .iter()
        .map(|test| {
            if total > 0.0 {
                points * weight(test) / total
            } else {
                0.0
            }
        })
        .collect()
}

/// Scores one exercise's outcome.
pub(crate) fn score(exercise: &Exercise, outcome: &Outcome) -> ExerciseReport {
    let results = match outcome {
        Outcome::NotCompiled(errors) => {
            return ExerciseReport {
                name: exercise.name.clone(),
                score: 0.0,
                max_score: exercise.points,
                status: ExerciseStatus::NotCompiled,
                tests: Vec::new(),
                message: errors.clone(),
                source: None,
            };
        }
        Outcome::Ran(results) => results,
    };
    let names: Vec<&str> = results.iter().map(|result| result.name.as_str()).collect();
    let shares = shares(exercise.points, &exercise.weights, &names);
    let earned: f64 = results
        .iter()
        .zip(&shares)
        .filter(|(result, _)| result.status == TestStatus::Passed)
        .map(|(_, share)| share)
        .sum();
    let tests: Vec<TestReport> = results
        .iter()
        .zip(shares)
        .map(|(result, share)| TestReport {
            name: result.name.clone(),
            kind: runner::kind(&result.name),
            status: result.status,
            score: if result.status == TestStatus::Passed {
                round(share)
            } else {
                0.0
            },
            max_score: round(share),
            duration_ms: u64::try_from(result.duration.as_millis()).unwrap_or(u64::MAX),
            message: result.message.clone(),
        })
        .collect();
    let all_passed =
        !tests.is_empty() && tests.iter().all(|test| test.status == TestStatus::Passed);
    let message = if tests.is_empty() {
        "the suite has no tests".to_string()
    } else {
        String::new()
    };
    ExerciseReport {
        name: exercise.name.clone(),
        score: round(earned),
        max_score: exercise.points,
        status: if all_passed {
            ExerciseStatus::Passed
        } else {
            ExerciseStatus::Failed
        },
        tests,
        message,
        source: None,
    }
}

impl SubmissionReport {
    pub(crate) fn new(name: String, exercises: Vec<ExerciseReport>) -> SubmissionReport {
        SubmissionReport {
            name,
            score: round(exercises.iter().map(|ex| ex.score).sum()),
            max_score: round(exercises.iter().map(|ex| ex.max_score).sum()),
            exercises,
            ignored: Vec::new(),
            flags: Vec::new(),
            isolation: None,
            timing: None,
        }
    }

    /// The terminal table: exercise, score/max, tests passed/total, status; then the total.
    pub(crate) fn table(&self) -> String {
        let width = self
            .exercises
            .iter()
            .map(|ex| ex.name.len())
            .max()
            .unwrap_or(0)
            .max("exercise".len());
        let mut out = format!(
            "{}\n",
            ui::bold(&format!(
                "{:<width$}  {:>13}  {:>7}  status",
                "exercise", "score", "tests"
            ))
        );
        for ex in &self.exercises {
            let score = format!("{} / {}", ui::points(ex.score), ui::points(ex.max_score));
            let tests = if ex.status == ExerciseStatus::NotCompiled {
                "-".to_string()
            } else {
                format!("{}/{}", ex.passed(), ex.tests.len())
            };
            let status = match ex.status {
                ExerciseStatus::Passed => ui::green(ex.status.label()),
                ExerciseStatus::Failed => ui::yellow(ex.status.label()),
                ExerciseStatus::NotCompiled => ui::red(ex.status.label()),
            };
            out.push_str(&format!(
                "{:<width$}  {score:>13}  {tests:>7}  {status}\n",
                ex.name
            ));
        }
        let total = format!(
            "{} / {}",
            ui::points(self.score),
            ui::points(self.max_score)
        );
        out.push_str(&ui::bold(&format!("{:<width$}  {total:>13}", "total")));
        out.push('\n');
        out
    }
}

/// The class table: one row per learner, one column per exercise (numbered, with a legend
/// below), and the total.
pub(crate) fn class_table(submissions: &[SubmissionReport]) -> String {
    let Some(first) = submissions.first() else {
        return String::new();
    };
    let names = submissions
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max("learner".len());
    let cell = |ex: &ExerciseReport| match ex.status {
        ExerciseStatus::NotCompiled => "✗".to_string(),
        _ => ui::points(ex.score),
    };
    let widths: Vec<usize> = (0..first.exercises.len())
        .map(|i| {
            let label = (i + 1).to_string().len();
            submissions
                .iter()
                .filter_map(|s| s.exercises.get(i))
                .map(|ex| cell(ex).chars().count())
                .max()
                .unwrap_or(1)
                .max(label)
        })
        .collect();
    let mut header = format!("{:<names$}", "learner");
    for (i, width) in widths.iter().enumerate() {
        header.push_str(&format!(" {:>width$}", i + 1));
    }
    header.push_str("   total");
    let mut out = format!("{}\n", ui::bold(&header));
    for submission in submissions {
        let pad = names - submission.name.chars().count();
        let mut row = format!("{}{}", submission.name, " ".repeat(pad));
        for (ex, width) in submission.exercises.iter().zip(&widths) {
            let text = cell(ex);
            let pad = width.saturating_sub(text.chars().count());
            let text = match ex.status {
                ExerciseStatus::Passed => ui::green(&text),
                ExerciseStatus::Failed => text,
                ExerciseStatus::NotCompiled => ui::red(&text),
            };
            row.push_str(&format!(" {}{text}", " ".repeat(pad)));
        }
        row.push_str(&format!(
            "   {} / {}",
            ui::points(submission.score),
            ui::points(submission.max_score)
        ));
        if !submission.flags.is_empty() {
            row.push_str(&ui::yellow(&format!(
                "   {} flag(s)",
                submission.flags.len()
            )));
        }
        out.push_str(&row);
        out.push('\n');
    }
    let legend: Vec<String> = first
        .exercises
        .iter()
        .enumerate()
        .map(|(i, ex)| format!("{} {}", i + 1, ex.name))
        .collect();
    out.push_str(&ui::dim(&format!(
        "exercises: {}; ✗ = did not compile\n",
        legend.join(", ")
    )));
    out
}

impl Report {
    pub(crate) fn new(submissions: Vec<SubmissionReport>) -> Report {
        Report {
            score: round(submissions.iter().map(|s| s.score).sum()),
            max_score: round(submissions.iter().map(|s| s.max_score).sum()),
            submissions,
        }
    }

    /// Writes the JSON report to `path`.
    pub(crate) fn write_json(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).context(|| "cannot encode the report")?;
        std::fs::write(path, text + "\n")
            .context(|| format!("cannot write the report to {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_weight_covers_a_test_or_its_group_of_cases() {
        let weights: std::collections::BTreeMap<String, f64> = [
            ("cases::stress".to_string(), 0.0),
            ("cases::stress::case_2".to_string(), 3.0),
        ]
        .into();
        assert_eq!(weight_of(&weights, "cases::stress::case_1"), 0.0);
        assert_eq!(weight_of(&weights, "cases::stress::case_2"), 3.0);
        assert_eq!(weight_of(&weights, "cases::stressful"), 1.0);
        assert_eq!(
            shares(10.0, &weights, &["cases::stress::case_1", "x"]),
            [0.0, 10.0]
        );
    }

    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::manifest::Manifest;
    use crate::runner::TestResult;

    #[test]
    fn points_split_evenly() {
        let shares = shares(10.0, &BTreeMap::new(), &["a", "b", "c", "d"]);
        assert_eq!(shares, [2.5, 2.5, 2.5, 2.5]);
    }

    #[test]
    fn weighted_tests_count_that_many_shares() {
        let weights = BTreeMap::from([("models::m".to_string(), 2.0)]);
        let shares = shares(12.0, &weights, &["cases::a", "models::m", "cases::b"]);
        assert_eq!(shares, [3.0, 6.0, 3.0]);
        assert!(super::shares(5.0, &weights, &[]).is_empty());
    }

    fn result(name: &str, status: TestStatus) -> TestResult {
        TestResult {
            name: name.into(),
            status,
            duration: Duration::from_millis(12),
            message: if status == TestStatus::Passed {
                String::new()
            } else {
                "why".into()
            },
            suspicious: None,
        }
    }

    #[test]
    fn scores_and_json_follow_the_schema() {
        let manifest = Manifest::parse(
            "[[exercise]]\nname = \"x\"\npart = 1\nchapter = \"c.md\"\npoints = 10\n",
            "test",
        )
        .unwrap();
        let ex = &manifest.exercises[0];
        let all = (0..14)
            .map(|i| result(&format!("cases::t{i}"), TestStatus::Passed))
            .collect();
        let full = score(ex, &Outcome::Ran(all));
        assert_eq!(full.score, 10.0);
        assert_eq!(full.status, ExerciseStatus::Passed);

        let some = vec![
            result("cases::a", TestStatus::Passed),
            result("models::b", TestStatus::TimedOut),
            result("traces::c", TestStatus::Passed),
            result("properties::d", TestStatus::Crashed),
        ];
        let partial = score(ex, &Outcome::Ran(some));
        assert_eq!(partial.score, 5.0);
        assert_eq!(partial.status, ExerciseStatus::Failed);

        let broken = score(ex, &Outcome::NotCompiled("error[E0425]".into()));
        assert_eq!((broken.score, broken.max_score), (0.0, 10.0));

        let report = Report::new(vec![SubmissionReport::new(
            "solutions".into(),
            vec![partial, broken],
        )]);
        let json: serde_json::Value = serde_json::to_value(&report).unwrap();
        assert_eq!(json["score"], 5.0);
        assert_eq!(json["max_score"], 20.0);
        let test = &json["submissions"][0]["exercises"][0]["tests"][1];
        assert_eq!(test["name"], "models::b");
        assert_eq!(test["kind"], "loom");
        assert_eq!(test["status"], "timed_out");
        assert_eq!(test["score"], 0.0);
        assert_eq!(test["max_score"], 2.5);
        assert_eq!(test["duration_ms"], 12);
        assert_eq!(test["message"], "why");
        assert_eq!(
            json["submissions"][0]["exercises"][1]["status"],
            "not_compiled"
        );
        assert_eq!(json["submissions"][0]["exercises"][0]["message"], "");
    }
}
