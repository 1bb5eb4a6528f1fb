//! `cargo xtask check [EXERCISE]`: runs an exercise's whole graded suite (loom models
//! included) against the learner's file; without a name, walks the course in order and stops
//! at the first exercise that does not fully pass.

use crate::compile::Implementation;
use crate::error::Result;
use crate::manifest::{Course, Exercise};
use crate::report::{self, ExerciseReport, ExerciseStatus};
use crate::runner::{self, TestStatus};
use crate::{status, ui};

/// How many failing tests are shown with their message; the rest are only named.
const DETAILED: usize = 3;

/// Runs the check; true if everything it checked passed.
pub(crate) fn run(course: &Course, name: Option<&str>) -> Result<bool> {
    let exercises: Vec<&Exercise> = match name {
        Some(name) => vec![course.manifest.exercise(name)?],
        None => course.manifest.exercises.iter().collect(),
    };
    for exercise in exercises {
        let report = check_one(course, exercise)?;
        if report.status == ExerciseStatus::Passed {
            println!(
                "{} {}  {}/{} tests passed",
                ui::green("✓"),
                ui::bold(&exercise.name),
                report.passed(),
                report.tests.len()
            );
            if name.is_some() {
                let (done, total) = status::done(course);
                println!("\n{done}/{total} exercises done");
                println!("Next: cargo xtask check (walks on to the next exercise)");
            }
            continue;
        }
        print!("{}", explain(exercise, &report));
        let (done, total) = status::done(course);
        println!("\n{done}/{total} exercises done");
        let file = exercise.exercise_file();
        let what = if report.status == ExerciseStatus::NotCompiled {
            if blames_learner(&report.message) {
                format!("fix the compile error in {file}")
            } else {
                "the error is in the course's own code, not in your file: update the course \
                 (git pull) or tell its authors"
                    .to_string()
            }
        } else {
            format!("edit {file}")
        };
        println!("Next: {what} · stuck? cargo xtask hint {}", exercise.name);
        return Ok(false);
    }
    if name.is_none() {
        let (done, total) = status::done(course);
        println!("\n{done}/{total} exercises done. Every exercise passes: well done!");
    }
    Ok(true)
}

/// Checks one exercise against the learner's file and records the result.
fn check_one(course: &Course, exercise: &Exercise) -> Result<ExerciseReport> {
    let outcome = runner::evaluate(
        &course.root,
        exercise,
        &Implementation::Learner,
        &exercise.name,
    )?;
    let report = report::score(exercise, &outcome);
    status::record(course, std::slice::from_ref(&report))?;
    Ok(report)
}

/// True if the compiler's errors point into the learner's files (`--> exercises/...`), or
/// point nowhere (a learner's mistake is the likelier cause).
fn blames_learner(errors: &str) -> bool {
    let locations: Vec<&str> = errors
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("--> "))
        .collect();
    locations.is_empty() || locations.iter().any(|path| path.starts_with("exercises/"))
}

/// What a learner sees for an exercise that does not pass.
pub(crate) fn explain(exercise: &Exercise, report: &ExerciseReport) -> String {
    let mut out = format!("{} — {}\n", ui::bold(&exercise.name), exercise.chapter);
    if report.status == ExerciseStatus::NotCompiled {
        out.push_str(&format!("{}\n\n", ui::red("does not compile:")));
        out.push_str(&ui::indent(&report.message, "  "));
        return out;
    }
    if report.tests.is_empty() {
        out.push_str(&format!("{}\n", report.message));
        return out;
    }
    let mut counts = vec![ui::green(&format!("{} passed", report.passed()))];
    for status in [
        TestStatus::Failed,
        TestStatus::TimedOut,
        TestStatus::Crashed,
        TestStatus::NotRun,
    ] {
        let n = report.count(status);
        if n > 0 || status != TestStatus::NotRun {
            let text = format!("{n} {}", status.label());
            counts.push(if n > 0 { ui::red(&text) } else { text });
        }
    }
    out.push_str(&format!(
        "{} (of {} tests)\n",
        counts.join(" · "),
        report.tests.len()
    ));
    let failing: Vec<_> = report.failing().collect();
    for test in failing.iter().take(DETAILED) {
        let label = match test.status {
            TestStatus::Failed => String::new(),
            other => format!(" ({})", other.label()),
        };
        out.push_str(&format!(
            "\n{} {}{label}\n",
            ui::red("✗"),
            ui::bold(&test.name)
        ));
        out.push_str(&ui::indent(&test.message, "    "));
    }
    if failing.len() > DETAILED {
        out.push_str("\nalso not passing:\n");
        for test in &failing[DETAILED..] {
            let label = match test.status {
                TestStatus::Failed => String::new(),
                other => format!(" ({})", other.label()),
            };
            out.push_str(&format!("  {}{label}\n", test.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_errors_are_blamed_where_they_point() {
        assert!(blames_learner("error[E0425]: x\n --> exercises/x.rs:3:5\n"));
        assert!(blames_learner("error: linker failed"));
        assert!(!blames_learner(
            "error[E0599]: y\n   --> crates/course_testkit/src/lib.rs:37:15\n"
        ));
    }
}
