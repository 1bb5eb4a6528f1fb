//! The grader against hostile and broken submissions, with a real cargo: a two-exercise mini
//! course with no dependencies (`tests/minicourse/`) builds in seconds, and the torture set
//! (`tests/torture/`) holds the implementations a class of hundreds will eventually send:
//! deadlocks, infinite loops, panics, aborts, stack overflows, fork and memory bombs, an early
//! `exit(0)`, fake test output, tampered tests, a build script, compile errors, missing,
//! non-UTF-8, oversized and linked files, and archives.
//!
//! Each test checks the status every test of every exercise gets, that the rest of the
//! submission is still graded, that no process survives, and that nothing outside the grader's
//! scratch space changes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use serde_json::Value;

const MINICOURSE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/minicourse");
const TORTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/torture");

fn xtask_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_xtask"))
}

/// A fresh folder under the system's temporary folder.
fn temp_dir(what: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "xtask-grading-{what}-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The mini course, copied into a git repository of its own (the grader takes the stubs from
/// git, as in the real course).
fn mini_course() -> PathBuf {
    let root = temp_dir("course");
    copy_tree(Path::new(MINICOURSE), &root);
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-C"])
            .arg(&root)
            .args(args)
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {status:?}");
    };
    git(&["init", "--quiet", "--initial-branch=main"]);
    git(&["add", "-A"]);
    git(&["commit", "--quiet", "-m", "the mini course"]);
    root
}

fn torture(name: &str) -> String {
    std::fs::read_to_string(Path::new(TORTURE).join(format!("{name}.rs"))).unwrap()
}

fn solution(course: &Path, name: &str) -> String {
    std::fs::read_to_string(course.join(format!("solutions/{name}.rs"))).unwrap()
}

/// Writes `files` (path relative to the submission, bytes) as submission `name` in `dir`.
fn submission(dir: &Path, name: &str, files: &[(&str, Vec<u8>)]) -> PathBuf {
    let root = dir.join(name);
    for (path, bytes) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// Runs `cargo xtask grade ARGS --json REPORT` on `course`; returns the parsed report and
/// what it printed.
fn grade(course: &Path, args: &[&str]) -> (Value, String) {
    let report = course.join("target/report.json");
    let output = Command::new(xtask_binary())
        .env("COURSE_ROOT", course)
        .env("NO_COLOR", "1")
        .arg("grade")
        .args(args)
        .arg("--json")
        .arg(&report)
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "grade failed:\n{printed}");
    let json = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (json, printed)
}

/// Each learner's exercises, by name.
fn by_learner(report: &Value) -> BTreeMap<String, BTreeMap<String, Value>> {
    report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let exercises = s["exercises"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["name"].as_str().unwrap().to_string(), e.clone()))
                .collect();
            (s["name"].as_str().unwrap().to_string(), exercises)
        })
        .collect()
}

fn learner<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no submission {name} in {report:#}"))
}

/// The statuses of an exercise's tests, in order.
fn statuses(exercise: &Value) -> Vec<String> {
    exercise["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap().to_string())
        .collect()
}

/// Every file of `root` but its build output, with its content: what "nothing changed" means.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn visit(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                if path != root.join("target") {
                    visit(root, &path, out);
                }
            } else {
                let bytes = if kind.is_symlink() {
                    std::fs::read_link(&path)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                        .into_bytes()
                } else {
                    std::fs::read(&path).unwrap()
                };
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    visit(root, root, &mut out);
    out
}

/// The processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(marker) {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

const BUILD_SCRIPT_MARKER: &str = "/tmp/course-torture-build-script-ran";

#[test]
fn the_torture_set_gets_the_right_statuses_and_leaves_nothing_behind() {
    let course = mini_course();
    let subs = temp_dir("torture");
    let counter = solution(&course, "counter").into_bytes();
    let with_counter = |adder: Vec<u8>| {
        vec![
            ("exercises/adder.rs", adder),
            ("exercises/counter.rs", counter.clone()),
        ]
    };
    for fixture in [
        "deadlock",
        "infinite_loop",
        "panic",
        "abort",
        "stack_overflow",
        "fork_storm",
        "memory_bomb",
        "exit_zero",
        "fake_output",
        "compile_error",
    ] {
        submission(&subs, fixture, &with_counter(torture(fixture).into_bytes()));
    }
    let stub = std::fs::read(course.join("exercises/adder.rs")).unwrap();
    let mut tampered = with_counter(stub);
    tampered.extend([
        (
            "crates/adder/tests/suite.rs",
            b"mod cases { #[test] fn smoke_adds_two_numbers() {} }\n".to_vec(),
        ),
        (
            "crates/adder/tests/snapshots/suite__x.snap",
            b"anything".to_vec(),
        ),
        (
            "xtask/course.toml",
            b"[[exercise]]\nname = \"adder\"\npoints = 1000\n".to_vec(),
        ),
        (
            ".cargo/config.toml",
            b"[build]\nrustflags = [\"--cfg\", \"hacked\"]\n".to_vec(),
        ),
    ]);
    submission(&subs, "tampered", &tampered);
    let mut build_script = with_counter(torture("correct").into_bytes());
    build_script.extend([
        ("crates/adder/build.rs", torture("build_script").into_bytes()),
        (
            "crates/adder/Cargo.toml",
            b"[package]\nname = \"adder\"\nversion = \"0.1.0\"\nedition = \"2024\"\nbuild = \"build.rs\"\n".to_vec(),
        ),
    ]);
    submission(&subs, "build_script", &build_script);
    submission(
        &subs,
        "missing",
        &[("exercises/counter.rs", counter.clone())],
    );
    submission(
        &subs,
        "non_utf8",
        &with_counter(b"pub fn add(a: i64, b: i64) -> i64 { a + b } // \xff\xfe".to_vec()),
    );
    let mut huge = torture("correct");
    huge.push_str(&format!("// {}\n", "x".repeat(300 * 1024)));
    submission(&subs, "oversized", &with_counter(huge.into_bytes()));
    let linked = submission(
        &subs,
        "symlink",
        &[("exercises/counter.rs", counter.clone())],
    );
    std::os::unix::fs::symlink(
        course.join("solutions/adder.rs"),
        linked.join("exercises/adder.rs"),
    )
    .unwrap();

    // Archives: a zip whose files sit in one folder (as a downloaded repository), and a
    // tar.gz with an entry that tries to climb out of its folder.
    let correct = torture("correct").into_bytes();
    {
        let file = std::fs::File::create(subs.join("zipped.zip")).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default();
        for (name, bytes) in [
            ("course-main/exercises/adder.rs", &correct),
            ("course-main/exercises/counter.rs", &counter),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    {
        let file = std::fs::File::create(subs.join("tarred.tar.gz")).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in [
            ("exercises/adder.rs", &correct),
            ("exercises/counter.rs", &counter),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, bytes.as_slice())
                .unwrap();
        }
        // A raw name with `..`, written past the builder's own checks.
        let mut header = tar::Header::new_gnu();
        let evil = b"../escaped.rs";
        header.as_gnu_mut().unwrap().name[..evil.len()].copy_from_slice(evil);
        header.set_size(4);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append(&header, &b"evil"[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }

    let _ = std::fs::remove_file(BUILD_SCRIPT_MARKER);
    let course_before = snapshot(&course);
    let subs_before = snapshot(&subs);
    let (report, printed) = grade(
        &course,
        &["--submissions", subs.to_str().unwrap(), "--jobs", "2"],
    );

    let exercises = by_learner(&report);
    let adder = |name: &str| &exercises[name]["adder"];
    let counter_of = |name: &str| &exercises[name]["counter"];
    let all = |status: &str| vec![status.to_string(); 3];

    assert_eq!(statuses(adder("deadlock")), all("timed_out"), "{printed}");
    assert_eq!(statuses(adder("infinite_loop")), all("timed_out"));
    assert_eq!(statuses(adder("panic")), all("failed"));
    assert!(
        adder("panic")["tests"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the learner's code gave up")
    );
    assert_eq!(statuses(adder("abort")), all("crashed"));
    assert_eq!(statuses(adder("stack_overflow")), all("crashed"));
    assert!(
        adder("stack_overflow")["tests"][0]["message"]
            .as_str()
            .unwrap()
            .contains("overflow"),
        "{:#}",
        adder("stack_overflow")
    );
    assert_eq!(statuses(adder("fork_storm")), all("passed"));
    assert_eq!(statuses(adder("memory_bomb")), all("crashed"));
    assert_eq!(statuses(adder("exit_zero")), all("crashed"));
    assert_eq!(statuses(adder("fake_output")), all("failed"));
    assert_eq!(adder("compile_error")["status"], "not_compiled");
    assert!(
        adder("compile_error")["message"]
            .as_str()
            .unwrap()
            .contains("error")
    );
    // The tampered tests, snapshot, manifest and cargo config were not used.
    assert_eq!(statuses(adder("tampered")), all("failed"));
    assert_eq!(adder("tampered")["max_score"], 6.0);
    assert_eq!(statuses(adder("build_script")), all("passed"));
    assert!(
        !Path::new(BUILD_SCRIPT_MARKER).exists(),
        "the submission's build script ran"
    );
    for (name, why) in [
        ("missing", "missing"),
        ("non_utf8", "UTF-8"),
        ("oversized", "limit"),
        ("symlink", "symbolic link"),
    ] {
        let source = adder(name)["source"].as_str().unwrap();
        assert!(source.contains(why), "{name}: {source}");
        assert_eq!(adder(name)["score"], 0.0, "{name}: the stub was graded");
    }
    for name in ["zipped", "tarred"] {
        assert_eq!(learner(&report, name)["score"], 10.0, "{name}: {printed}");
    }
    // Whatever happened to the adder, the counter of every submission was graded, and passed.
    for (name, exercises) in &exercises {
        assert_eq!(
            statuses(&exercises["counter"]),
            ["passed", "passed"],
            "{name}'s counter: {:#}",
            counter_of(name)
        );
    }

    // What the instructor is told.
    let flags = |name: &str| learner(&report, name)["flags"].to_string();
    assert!(
        flags("exit_zero").contains("exit status 0"),
        "{}",
        flags("exit_zero")
    );
    assert!(
        flags("exit_zero").contains("std::process::exit"),
        "{}",
        flags("exit_zero")
    );
    assert!(
        flags("fake_output").contains("fake test result"),
        "{}",
        flags("fake_output")
    );
    assert!(flags("abort").contains("abort"), "{}", flags("abort"));
    let ignored = |name: &str| learner(&report, name)["ignored"].to_string();
    for file in [
        "crates/adder/tests/suite.rs",
        "crates/adder/tests/snapshots/suite__x.snap",
        "xtask/course.toml",
        ".cargo/config.toml",
    ] {
        assert!(
            ignored("tampered").contains(file),
            "{file}: {}",
            ignored("tampered")
        );
    }
    assert!(ignored("build_script").contains("crates/adder/build.rs"));
    assert!(
        ignored("tarred").contains("../escaped.rs"),
        "{}",
        ignored("tarred")
    );
    assert!(learner(&report, "deadlock")["isolation"]["network"].is_string());

    // Nothing survives, and nothing outside the scratch space changed.
    let survivors = processes_with("sleep 3517");
    assert!(
        survivors.is_empty(),
        "processes survived grading: {survivors:?}"
    );
    assert_eq!(
        snapshot(&course),
        course_before,
        "the course changed outside target/"
    );
    assert_eq!(snapshot(&subs), subs_before, "the submissions changed");
    assert!(!course.join("target/grader/unpacked/escaped.rs").exists());
    let _ = std::fs::remove_dir_all(&course);
    let _ = std::fs::remove_dir_all(&subs);
}

#[test]
fn equal_file_times_cannot_make_one_learners_build_pass_for_another() {
    let course = mini_course();
    let subs = temp_dir("times");
    let correct = torture("correct");
    let wrong = correct.replace("a + b", "a - b");
    let stamp = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    for (name, adder) in [
        ("a_right", &correct),
        ("b_wrong", &wrong),
        ("c_right", &correct),
    ] {
        let root = submission(
            &subs,
            name,
            &[("exercises/adder.rs", adder.clone().into_bytes())],
        );
        let file = std::fs::File::options()
            .write(true)
            .open(root.join("exercises/adder.rs"))
            .unwrap();
        file.set_modified(stamp).unwrap();
    }
    for run in 0..2 {
        let (report, printed) = grade(
            &course,
            &[
                "--submissions",
                subs.to_str().unwrap(),
                "--exercise",
                "adder",
            ],
        );
        let scores: Vec<f64> = report["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["score"].as_f64().unwrap())
            .collect();
        // b_wrong passes only the test where a - b happens to equal a + b (none).
        assert_eq!(scores, [6.0, 0.0, 6.0], "run {run}: {printed}");
    }
    let _ = std::fs::remove_dir_all(&course);
    let _ = std::fs::remove_dir_all(&subs);
}

#[test]
fn thirty_submissions_get_the_same_scores_on_every_run() {
    let course = mini_course();
    let subs = temp_dir("class");
    let adder = torture("correct").into_bytes();
    let counter = solution(&course, "counter").into_bytes();
    let broken = torture("compile_error").into_bytes();
    let mut expected = BTreeMap::new();
    for i in 0..30 {
        let name = format!("learner{i:02}");
        let (files, score): (Vec<(&str, Vec<u8>)>, f64) = match i % 3 {
            0 => (
                vec![
                    ("exercises/adder.rs", adder.clone()),
                    ("exercises/counter.rs", counter.clone()),
                ],
                10.0,
            ),
            1 => (vec![("exercises/counter.rs", counter.clone())], 4.0),
            _ => (
                vec![
                    ("exercises/adder.rs", broken.clone()),
                    ("exercises/counter.rs", counter.clone()),
                ],
                4.0,
            ),
        };
        submission(&subs, &name, &files);
        expected.insert(name, score);
    }
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (report, printed) = grade(
            &course,
            &["--submissions", subs.to_str().unwrap(), "--jobs", "2"],
        );
        let scores: BTreeMap<String, f64> = report["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["score"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(scores, expected, "{printed}");
        runs.push(scores);
    }
    assert_eq!(runs[0], runs[1]);
    let _ = std::fs::remove_dir_all(&course);
    let _ = std::fs::remove_dir_all(&subs);
}

/// Standard base64 decoding, for the Classroom results.
fn unbase64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for chunk in text.trim().as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk
            .iter()
            .filter(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let n = digits
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        out.extend(n.to_be_bytes()[1..digits.len()].iter());
    }
    out
}

#[test]
fn the_gradescope_autograder_grades_in_its_layout_and_always_writes_a_result() {
    let course = mini_course();
    let fake = temp_dir("gradescope");
    let zip_path = fake.join("autograder.zip");
    let output = Command::new(xtask_binary())
        .env("COURSE_ROOT", &course)
        .args(["autograder", "gradescope"])
        .arg(&zip_path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");

    // Unpack it as Gradescope does, into /autograder/source.
    let root = fake.join("autograder");
    let source = root.join("source");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    assert!(names.contains(&"setup.sh".to_string()), "{names:?}");
    assert!(names.contains(&"run_autograder".to_string()), "{names:?}");
    assert!(
        names.iter().all(|n| !n.starts_with("course/solutions/")),
        "the reference solutions must stay out of the autograder: {names:?}"
    );
    zip.extract(&source).unwrap();
    let counter = solution(&course, "counter").into_bytes();
    submission(
        &root,
        "submission",
        &[
            ("exercises/adder.rs", torture("correct").into_bytes()),
            ("exercises/counter.rs", counter),
        ],
    );
    let script = |name: &str, xtask: &Path| {
        let output = Command::new("bash")
            .arg(source.join(name))
            .env("AUTOGRADER_DIR", &root)
            .env("COURSE_XTASK", xtask)
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {output:?}");
    };
    script("setup.sh", &xtask_binary());
    script("run_autograder", &xtask_binary());
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("results/results.json")).unwrap())
            .unwrap();
    assert_eq!(results["score"], 10.0, "{results:#}");
    assert_eq!(results["tests"].as_array().unwrap().len(), 5);

    // A grader that cannot run still leaves a result for the learner.
    script("run_autograder", Path::new("/bin/false"));
    let text = std::fs::read_to_string(root.join("results/results.json")).unwrap();
    let results: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(results["score"], 0);
    assert!(
        results["output"]
            .as_str()
            .unwrap()
            .contains("could not grade")
    );
    let _ = std::fs::remove_dir_all(&course);
    let _ = std::fs::remove_dir_all(&fake);
}

#[test]
fn the_classroom_workflow_grades_each_exercise_against_a_pristine_course() {
    let course = mini_course();
    let template = temp_dir("classroom");
    let output = Command::new(xtask_binary())
        .env("COURSE_ROOT", &course)
        .args(["autograder", "classroom"])
        .arg(&template)
        .args(["--course-repo", "teacher/course", "--course-ref", "v1"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let workflow =
        std::fs::read_to_string(template.join(".github/workflows/classroom.yml")).unwrap();
    assert!(
        workflow.contains("repository: teacher/course"),
        "{workflow}"
    );
    assert!(workflow.contains("runners: adder,counter"), "{workflow}");
    assert!(workflow.contains("ADDER_RESULTS: \"${{ steps.adder.outputs.result }}\""));

    // Run each grading step as the runner would, in a workspace holding the course and a
    // submission whose own tests were tampered with (they must not be used).
    let workspace = temp_dir("classroom-workspace");
    copy_tree(&course, &workspace.join("course"));
    submission(
        &workspace,
        "submission",
        &[
            ("exercises/adder.rs", torture("correct").into_bytes()),
            (
                "crates/counter/tests/suite.rs",
                b"#[test] fn all_good() {}".to_vec(),
            ),
        ],
    );
    let outputs = workspace.join("github_output");
    let commands: Vec<&str> = workflow
        .lines()
        .filter_map(|line| line.trim().strip_prefix("run: cargo xtask grade"))
        .collect();
    assert_eq!(commands.len(), 2, "{workflow}");
    for rest in commands {
        let line = format!("\"$XTASK\" grade{rest}");
        let output = Command::new("sh")
            .args(["-c", &line])
            .current_dir(workspace.join("course"))
            .env("XTASK", xtask_binary())
            .env("COURSE_ROOT", workspace.join("course"))
            .env("GITHUB_OUTPUT", &outputs)
            .output()
            .unwrap();
        assert!(output.status.success(), "{line}: {output:?}");
    }
    let results: Vec<Value> = std::fs::read_to_string(&outputs)
        .unwrap()
        .lines()
        .map(|line| {
            let encoded = line.strip_prefix("result=").unwrap();
            serde_json::from_slice(&unbase64(encoded)).unwrap()
        })
        .collect();
    let scored: Vec<(f64, f64)> = results
        .iter()
        .map(|r| {
            let score = r["tests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["score"].as_f64().unwrap())
                .sum();
            (score, r["max_score"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(scored, [(6.0, 6.0), (0.0, 4.0)], "{results:#?}");
    let _ = std::fs::remove_dir_all(&course);
    let _ = std::fs::remove_dir_all(&template);
    let _ = std::fs::remove_dir_all(&workspace);
}
