//! The grade reports other tools read: JUnit XML (CI servers, IDEs), Gradescope's
//! `results.json`, and a CSV gradebook (one row per learner, one column per exercise).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Context, Result};
use crate::report::{ExerciseStatus, Report, SubmissionReport};
use crate::runner::TestStatus;
use crate::ui;

/// Writes `text` to `path`, creating its folder.
fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    std::fs::write(path, text).context(|| format!("cannot write {}", path.display()))
}

/// Text made safe for XML: the five special characters escaped, characters XML 1.0 cannot
/// hold (most control characters) dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML report: a `<testsuite>` per learner and exercise, a `<testcase>` per test
/// (failed: `<failure>`; timed out or crashed: `<error>`; not run: `<skipped>`); an exercise
/// that did not compile is one test case with an `<error>`.
pub(crate) fn junit(report: &Report) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for submission in &report.submissions {
        for ex in &submission.exercises {
            let name = format!("{}/{}", submission.name, ex.name);
            let class = format!("{}.{}", submission.name, ex.name);
            let mut cases = String::new();
            let (mut t, mut f, mut e, mut s) = (0, 0, 0, 0);
            let mut time = 0.0;
            if ex.status == ExerciseStatus::NotCompiled {
                t += 1;
                e += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{}\" name=\"build\" time=\"0\">\n      <error \
                     message=\"did not compile\">{}</error>\n    </testcase>",
                    xml(&class),
                    xml(&ex.message)
                );
            }
            for test in &ex.tests {
                t += 1;
                let seconds = test.duration_ms as f64 / 1000.0;
                time += seconds;
                let first = test.message.lines().next().unwrap_or_default();
                let body = match test.status {
                    TestStatus::Passed => String::new(),
                    TestStatus::Failed => {
                        f += 1;
                        format!(
                            "\n      <failure message=\"{}\">{}</failure>\n    ",
                            xml(first),
                            xml(&test.message)
                        )
                    }
                    TestStatus::TimedOut | TestStatus::Crashed => {
                        e += 1;
                        format!(
                            "\n      <error type=\"{}\" message=\"{}\">{}</error>\n    ",
                            test.status.label(),
                            xml(first),
                            xml(&test.message)
                        )
                    }
                    TestStatus::NotRun => {
                        s += 1;
                        format!("\n      <skipped message=\"{}\"/>\n    ", xml(first))
                    }
                };
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{seconds:.3}\">{body}</testcase>",
                    xml(&class),
                    xml(&test.name)
                );
            }
            tests += t;
            failures += f;
            errors += e;
            let _ = writeln!(
                suites,
                "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" \
                 skipped=\"{s}\" time=\"{time:.3}\">\n{cases}  </testsuite>",
                xml(&name)
            );
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"course\" \
         tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
    )
}

pub(crate) fn write_junit(report: &Report, path: &Path) -> Result<()> {
    write(path, &junit(report))
}

/// Gradescope's `results.json` for one submission.
#[derive(Debug, Serialize)]
pub(crate) struct Gradescope {
    score: f64,
    output: String,
    visibility: &'static str,
    stdout_visibility: &'static str,
    tests: Vec<GradescopeTest>,
    /// Not shown to the learner: what the instructor should look at.
    extra_data: serde_json::Value,
}

#[derive(Debug, Serialize)]
struct GradescopeTest {
    name: String,
    score: f64,
    max_score: f64,
    status: &'static str,
    output: String,
    visibility: &'static str,
}

pub(crate) fn gradescope(submission: &SubmissionReport) -> Gradescope {
    let mut tests = Vec::new();
    for ex in &submission.exercises {
        if ex.status == ExerciseStatus::NotCompiled {
            tests.push(GradescopeTest {
                name: format!("{}: builds", ex.name),
                score: 0.0,
                max_score: ex.max_score,
                status: "failed",
                output: format!("Your code did not compile:\n{}", ex.message),
                visibility: "visible",
            });
            continue;
        }
        for test in &ex.tests {
            let passed = test.status == TestStatus::Passed;
            let output = if passed {
                String::new()
            } else {
                format!("{}: {}", test.status.label(), test.message)
            };
            tests.push(GradescopeTest {
                name: format!("{}: {}", ex.name, test.name),
                score: test.score,
                max_score: test.max_score,
                status: if passed { "passed" } else { "failed" },
                output,
                visibility: "visible",
            });
        }
    }
    let mut output = String::new();
    for ex in &submission.exercises {
        let _ = writeln!(
            output,
            "{}: {} / {}{}",
            ex.name,
            ui::points(ex.score),
            ui::points(ex.max_score),
            match &ex.source {
                Some(source) if source != "submitted" => format!(" ({source})"),
                _ => String::new(),
            }
        );
    }
    if !submission.ignored.is_empty() {
        output.push_str("\nNot graded (only exercises/NAME.rs files are taken):\n");
        for line in &submission.ignored {
            let _ = writeln!(output, "  {line}");
        }
    }
    Gradescope {
        score: submission.score,
        output,
        visibility: "visible",
        stdout_visibility: "hidden",
        tests,
        extra_data: serde_json::json!({
            "flags": submission.flags,
            "isolation": submission.isolation,
        }),
    }
}

/// Writes Gradescope results: to `path` for one submission; for several, one file per
/// learner beside it (`results-alice.json` for `results.json`).
pub(crate) fn write_gradescope(report: &Report, path: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for submission in &report.submissions {
        let target = if report.submissions.len() == 1 {
            path.to_path_buf()
        } else {
            let stem = path
                .file_stem()
                .map_or("results".into(), |s| s.to_string_lossy().into_owned());
            path.with_file_name(format!("{stem}-{}.json", file_safe(&submission.name)))
        };
        let text = serde_json::to_string_pretty(&gradescope(submission))
            .context(|| "cannot encode the Gradescope results")?;
        write(&target, &(text + "\n"))?;
        written.push(target);
    }
    Ok(written)
}

/// A learner's name as a file name: letters, digits, `-`, `_` and `.` kept, the rest `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A CSV field, quoted when it must be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The gradebook: `learner`, one column per exercise, `total`, `max_score`, `flags`.
pub(crate) fn csv(report: &Report) -> String {
    let mut out = String::from("learner");
    if let Some(first) = report.submissions.first() {
        for ex in &first.exercises {
            out.push(',');
            out.push_str(&csv_field(&ex.name));
        }
    }
    out.push_str(",total,max_score,flags\n");
    for submission in &report.submissions {
        out.push_str(&csv_field(&submission.name));
        for ex in &submission.exercises {
            let _ = write!(out, ",{}", ui::points(ex.score));
        }
        let _ = writeln!(
            out,
            ",{},{},{}",
            ui::points(submission.score),
            ui::points(submission.max_score),
            submission.flags.len()
        );
    }
    out
}

pub(crate) fn write_csv(report: &Report, path: &Path) -> Result<()> {
    write(path, &csv(report))
}

/// GitHub Classroom's runner result for one submission: the JSON its reporter reads (base64)
/// from a step output, with every test's own points.
pub(crate) fn classroom(submission: &SubmissionReport) -> serde_json::Value {
    let mut tests = Vec::new();
    for ex in &submission.exercises {
        if ex.status == ExerciseStatus::NotCompiled {
            tests.push(serde_json::json!({
                "name": format!("{}: builds", ex.name),
                "status": "fail",
                "score": 0.0,
                "message": format!("did not compile:\n{}", ex.message),
                "line_no": 0,
                "execution_time": "0s",
                "test_code": "",
            }));
        }
        for test in &ex.tests {
            let passed = test.status == TestStatus::Passed;
            tests.push(serde_json::json!({
                "name": format!("{}: {}", ex.name, test.name),
                "status": if passed { "pass" } else { "fail" },
                "score": test.score,
                "message": if passed { String::new() } else {
                    format!("{}: {}", test.status.label(), test.message)
                },
                "line_no": 0,
                "execution_time": format!("{:.2}s", test.duration_ms as f64 / 1000.0),
                "test_code": "",
            }));
        }
    }
    let all_passed = submission
        .exercises
        .iter()
        .all(|ex| ex.status == ExerciseStatus::Passed);
    serde_json::json!({
        "version": 1,
        "status": if all_passed { "pass" } else { "fail" },
        "max_score": submission.max_score,
        "tests": tests,
    })
}

/// Appends `result=BASE64` for the (one) submission to `path`, a GitHub Actions step output
/// file (`$GITHUB_OUTPUT`).
pub(crate) fn write_classroom(report: &Report, path: &Path) -> Result<()> {
    let [submission] = report.submissions.as_slice() else {
        return Err(crate::error::Error::Usage(
            "--classroom writes one submission's result: grade with --submission".into(),
        ));
    };
    let json = serde_json::to_string(&classroom(submission))
        .context(|| "cannot encode the Classroom result")?;
    let line = format!("result={}\n", crate::autograder::base64(json.as_bytes()));
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(line.as_bytes()))
        .context(|| format!("cannot append to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ExerciseReport, TestReport};

    fn sample() -> Report {
        let test = |name: &str, status, score| TestReport {
            name: name.into(),
            kind: "rstest",
            status,
            score,
            max_score: 5.0,
            duration_ms: 1500,
            message: if status == TestStatus::Passed {
                String::new()
            } else {
                "reader 2 entered while <writer 1> held the lock\nevents 14-17".into()
            },
        };
        let ok = ExerciseReport {
            name: "rw_lock".into(),
            score: 5.0,
            max_score: 10.0,
            status: ExerciseStatus::Failed,
            tests: vec![
                test("cases::a", TestStatus::Passed, 5.0),
                test("cases::b", TestStatus::TimedOut, 0.0),
            ],
            message: String::new(),
            source: Some("submitted".into()),
        };
        let broken = ExerciseReport {
            name: "semaphore".into(),
            score: 0.0,
            max_score: 10.0,
            status: ExerciseStatus::NotCompiled,
            tests: Vec::new(),
            message: "error[E0425]: cannot find value `x`".into(),
            source: Some("submitted".into()),
        };
        let mut alice = SubmissionReport::new("alice, a.".into(), vec![ok, broken]);
        alice
            .ignored
            .push("crates/rw_lock/tests/cases.rs: only exercises".into());
        Report::new(vec![alice])
    }

    #[test]
    fn junit_escapes_and_counts() {
        let text = junit(&sample());
        assert!(text.starts_with("<?xml"), "{text}");
        assert!(
            text.contains("tests=\"3\" failures=\"0\" errors=\"2\""),
            "{text}"
        );
        assert!(text.contains("&lt;writer 1&gt;"), "{text}");
        assert!(
            text.contains("<error message=\"did not compile\">"),
            "{text}"
        );
        assert!(text.contains("time=\"1.500\""), "{text}");
        assert!(!xml("a\u{1}b").contains('\u{1}'));
    }

    #[test]
    fn gradescope_has_the_fields_it_reads() {
        let report = sample();
        let json = serde_json::to_value(gradescope(&report.submissions[0])).unwrap();
        assert_eq!(json["score"], 5.0);
        let tests = json["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 3);
        assert_eq!(tests[0]["name"], "rw_lock: cases::a");
        assert_eq!(tests[0]["status"], "passed");
        assert_eq!(tests[1]["status"], "failed");
        assert_eq!(tests[2]["name"], "semaphore: builds");
        assert_eq!(tests[2]["max_score"], 10.0);
        for test in tests {
            for field in [
                "name",
                "score",
                "max_score",
                "status",
                "output",
                "visibility",
            ] {
                assert!(!test[field].is_null(), "{field} in {test}");
            }
        }
        assert!(json["output"].as_str().unwrap().contains("Not graded"));
    }

    #[test]
    fn classroom_gets_every_tests_points() {
        let json = classroom(&sample().submissions[0]);
        assert_eq!(json["status"], "fail");
        assert_eq!(json["max_score"], 20.0);
        let tests = json["tests"].as_array().unwrap();
        let total: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert_eq!(total, 5.0);
        let build = tests
            .iter()
            .find(|t| t["name"] == "semaphore: builds")
            .unwrap();
        assert_eq!(build["status"], "fail");
    }

    #[test]
    fn the_gradebook_quotes_what_it_must() {
        let text = csv(&sample());
        assert_eq!(
            text,
            "learner,rw_lock,semaphore,total,max_score,flags\n\"alice, a.\",5,0,5,20,0\n"
        );
    }
}
