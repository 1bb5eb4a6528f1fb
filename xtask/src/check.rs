//! `cargo xtask check [EXERCISE]`: runs an exercise's whole graded suite (loom models
//! included) against the learner's file; without a name, walks the course in order and stops
//! at the first exercise that does not fully pass.

use crate::compile::Implementation;
use crate::error::Result;
use crate::manifest::{Course, Exercise};
use crate::report::{self, ExerciseReport, ExerciseStatus, TestReport};
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
    let failing = learner_order(report.failing().collect());
    // Tests that fail the same way (every test hits the same `todo!()` at first) are shown
    // once, with a count, so the first few distinct problems are what the learner reads.
    let mut groups: Vec<(&TestReport, usize)> = Vec::new();
    for test in &failing {
        match groups
            .iter_mut()
            .find(|(first, _)| first.status == test.status && first.message == test.message)
        {
            Some((_, same)) => *same += 1,
            None => groups.push((test, 0)),
        }
    }
    for (test, same) in groups.iter().take(DETAILED) {
        out.push_str(&format!(
            "\n{} {}{}\n",
            ui::red("✗"),
            ui::bold(&test.name),
            status_note(test)
        ));
        out.push_str(&ui::indent(&test.message, "    "));
        if *same > 0 {
            out.push_str(&format!(
                "    ({same} more test{} fail{} the same way)\n",
                if *same == 1 { "" } else { "s" },
                if *same == 1 { "s" } else { "" }
            ));
        }
    }
    let rest: Vec<_> = groups
        .iter()
        .skip(DETAILED)
        .map(|(test, _)| *test)
        .collect();
    if !rest.is_empty() {
        out.push_str("\nalso failing, each its own way:\n");
        for test in rest.iter().take(LISTED) {
            out.push_str(&format!("  {}{}\n", test.name, status_note(test)));
        }
        if rest.len() > LISTED {
            out.push_str(&format!(
                "  ... and {} more (cargo xtask grade --exercise {} --json FILE has them all)\n",
                rest.len() - LISTED,
                exercise.name
            ));
        }
    }
    out
}

/// How many further failing tests are named after the detailed ones.
const LISTED: usize = 8;

/// " (timed out)" and the like; nothing for a plain failure.
fn status_note(test: &TestReport) -> String {
    match test.status {
        TestStatus::Failed => String::new(),
        other => format!(" ({})", other.label()),
    }
}

/// The order a learner should read failures in: smoke tests first (they fail for the most
/// basic reasons), then hand-picked cases, properties, traces and loom models, each in listing
/// order.
fn learner_order(mut tests: Vec<&TestReport>) -> Vec<&TestReport> {
    let rank = |test: &TestReport| {
        let smoke = match test.name.rsplit("::").next() {
            Some(name) if name.starts_with("smoke") => 0,
            _ if test.name.contains("smoke") => 1,
            _ => 2,
        };
        let kind = ["rstest", "proptest", "insta", "loom"]
            .iter()
            .position(|kind| *kind == test.kind)
            .unwrap_or(4);
        (smoke, kind)
    };
    tests.sort_by_key(|test| rank(test));
    tests
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
