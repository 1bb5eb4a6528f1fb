//! Command-line tests of the course tool: the real manifest for list, hint and name errors; a
//! throwaway mini course (a git repository in a temp dir, with a fake cargo and fake suite
//! binaries) for swap, check and grade, so no exercise is ever compiled here.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn xtask() -> assert_cmd::Command {
    let mut command = assert_cmd::cargo::cargo_bin_cmd!("xtask");
    command.env_remove("COURSE_ROOT").env("NO_COLOR", "1");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut assert_cmd::Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("xtask runs");
    (status.code().unwrap_or(-1), text(&stdout), text(&stderr))
}

#[test]
fn list_shows_the_exercises() {
    let (code, stdout, _) = run(xtask().arg("list"));
    assert_eq!(code, 0);
    assert!(stdout.contains("Part 5 · Classic problems"), "{stdout}");
    assert!(stdout.contains("deferred_callback"), "{stdout}");
    assert!(
        stdout.contains("docs/src/part5/deferred_callback.md"),
        "{stdout}"
    );
    assert!(stdout.contains("exercises done"), "{stdout}");
}

#[test]
fn hints_come_one_at_a_time() {
    let (code, stdout, _) = run(xtask().args(["hint", "deferred_callback"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("hint 1 of 6"), "{stdout}");
    assert!(stdout.contains("BinaryHeap"), "{stdout}");
    assert!(
        stdout.contains("cargo xtask hint deferred_callback 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("docs/src/part5/deferred_callback.md"),
        "{stdout}"
    );

    let (code, stdout, _) = run(xtask().args(["hint", "deferred_callback", "2"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("hint 2 of 6"), "{stdout}");
    assert!(stdout.contains("sequence number"), "{stdout}");
    assert!(
        stdout.contains("cargo xtask hint deferred_callback 3"),
        "{stdout}"
    );

    let (code, stdout, _) = run(xtask().args(["hint", "deferred_callback", "6"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("last hint"), "{stdout}");

    let (code, _, stderr) = run(xtask().args(["hint", "deferred_callback", "7"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("1 to 6"), "{stderr}");
}

#[test]
fn an_unknown_name_suggests_the_nearest() {
    for command in ["hint", "check", "watch"] {
        let (code, stdout, stderr) = run(xtask().args([command, "deferred_calback"]));
        assert_eq!(code, 2, "{command}: {stdout}");
        assert_eq!(
            stderr.trim(),
            "error: no exercise named `deferred_calback`. Did you mean `deferred_callback`? \
             (cargo xtask list shows them all)"
        );
    }
    let (code, _, stderr) = run(xtask().args(["grade", "--exercise", "nothing_like_it"]));
    assert_eq!(code, 2);
    assert!(!stderr.contains("Did you mean"), "{stderr}");
}

#[test]
fn a_bad_command_line_prints_the_usage() {
    for args in [
        &["frobnicate"][..],
        &["grade", "--bogus"],
        &["swap", "deferred_callback", "theirs"],
        &[],
    ] {
        let (code, _, stderr) = run(xtask().args(args));
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains("usage: cargo xtask COMMAND"), "{stderr}");
    }
    let (code, stdout, _) = run(xtask().arg("--help"));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("swap EXERCISE solution|mine|stub"),
        "{stdout}"
    );
}

/// A throwaway course in a git repository: one exercise `x`, worth 3 points, 1 s per test.
struct MiniCourse {
    root: PathBuf,
}

const STUB: &[u8] = b"//! The stub.\npub fn answer() -> u32 {\n    todo!()\n}\n";
const REFERENCE: &[u8] = b"//! The reference.\npub fn answer() -> u32 {\n    42\n}\n";

const MANIFEST: &str = r#"
[[part]]
number = 1
title = "Warm-up"

[[exercise]]
name = "x"
part = 1
chapter = "docs/x.md"
points = 3
time_limit = 1
hints = ["first hint", "second hint"]
"#;

/// Stands in for cargo: "builds" a suite by naming a fake test binary; the learner's file
/// fails to compile when it contains COMPILE_ERROR.
const FAKE_CARGO: &str = r#"#!/bin/sh
case "$*" in
  *solution*) suite=suite-ok ;;
  *) suite=suite-mixed ;;
esac
if grep -q COMPILE_ERROR exercises/x.rs && [ "$suite" = suite-mixed ]; then
  echo "   Compiling x v0.1.0" >&2
  printf 'error[E0425]: cannot find value `COMPILE_ERROR` in this scope\n --> crates/x/src/../../../exercises/x.rs:3:5\n  |\n3 |     COMPILE_ERROR\n  |     ^^^^^^^^^^^^^ not found in this scope\n\nerror: could not compile `x` (lib) due to 1 previous error\n' >&2
  exit 101
fi
echo '{"reason":"compiler-artifact","target":{"name":"suite","kind":["test"]},"profile":{"test":true},"executable":"'"$PWD/fake/$suite"'"}'
echo '{"reason":"build-finished","success":true}'
"#;

/// A libtest look-alike: one passing, one failing, one hanging test (or all passing).
const FAKE_SUITE: &str = r#"#!/bin/sh
if [ "$1" = "--list" ]; then
  printf 'cases::passes: test\ntraces::fails: test\nmodels_like::hangs: test\n'
  exit 0
fi
test="$2"
for log in "$@"; do :; done
ok() {
  printf 'running 1 test\ntest %s ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 2 filtered out\n' "$test"
  echo "ok $test" > "$log"
  exit 0
}
[ "$MODE" = ok ] && ok
case "$test" in
  cases::passes) ok ;;
  traces::fails)
    printf 'running 1 test\ntest %s ... FAILED\n\nfailures:\n\n---- %s stdout ----\n\n' "$test" "$test"
    printf "thread '%s' panicked at crates/x/tests/traces.rs:9:5:\nthe answer must be 42, got 41: events 3-4\n   3 ask\n   4 answer 41\nnote: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace\n\n\nfailures:\n    %s\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 2 filtered out\n\n" "$test" "$test"
    exit 101 ;;
  models_like::hangs) sleep 30 ;;
esac
"#;

impl MiniCourse {
    fn new() -> MiniCourse {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "xtask-cli-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        let course = MiniCourse { root };
        course.write("xtask/course.toml", MANIFEST.as_bytes());
        course.write(
            "crates/x/Cargo.toml",
            b"[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[features]\nsolution = []\n",
        );
        course.write("crates/x/src/lib.rs", b"//! x\n");
        course.write("docs/x.md", b"# x\n");
        course.write("exercises/x.rs", STUB);
        course.write("solutions/x.rs", REFERENCE);
        course.write(".gitignore", b"/.course\n/fake\n");
        course.executable("fake/cargo", FAKE_CARGO);
        course.executable("fake/suite-mixed", FAKE_SUITE);
        course.executable(
            "fake/suite-ok",
            &FAKE_SUITE.replacen("#!/bin/sh\n", "#!/bin/sh\nMODE=ok\n", 1),
        );
        course.git(&["init", "--quiet", "--initial-branch=main"]);
        course.commit("the course");
        course
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    fn write(&self, relative: &str, content: &[u8]) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn read(&self, relative: &str) -> Vec<u8> {
        std::fs::read(self.path(relative)).unwrap_or_else(|err| panic!("{relative}: {err}"))
    }

    fn executable(&self, relative: &str, script: &str) {
        self.write(relative, script.as_bytes());
        std::fs::set_permissions(self.path(relative), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args([
                "-c",
                "user.name=Course",
                "-c",
                "user.email=course@example.com",
            ])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "--quiet", "-m", message]);
    }

    fn xtask(&self, args: &[&str]) -> (i32, String, String) {
        run(xtask()
            .env("COURSE_ROOT", &self.root)
            .env("CARGO", self.path("fake/cargo"))
            .args(args))
    }

    fn backups(&self) -> usize {
        std::fs::read_dir(self.path(".course/backups")).map_or(0, |dir| dir.count())
    }
}

impl Drop for MiniCourse {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Learner work with bytes that any text round trip would change.
const MINE: &[u8] = b"//! My attempt.\r\npub fn answer() -> u32 {   \n    41 // \xff not UTF-8\n}";

#[test]
fn swap_solution_then_mine_restores_the_learners_file_byte_for_byte() {
    let course = MiniCourse::new();
    course.write("exercises/x.rs", MINE);

    let (code, stdout, stderr) = course.xtask(&["swap", "x", "solution"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(course.read("exercises/x.rs"), REFERENCE);
    assert_eq!(course.read(".course/saved/x.rs"), MINE);
    assert_eq!(course.backups(), 1);
    assert!(stdout.contains(".course/saved/x.rs"), "{stdout}");
    assert!(stdout.contains("cargo xtask swap x mine"), "{stdout}");

    let (code, stdout, stderr) = course.xtask(&["swap", "x", "mine"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(course.read("exercises/x.rs"), MINE);

    // Swapping to the stub saves the work again; swapping back still finds it.
    let (code, _, _) = course.xtask(&["swap", "x", "stub"]);
    assert_eq!(code, 0);
    assert_eq!(course.read("exercises/x.rs"), STUB);
    let (code, _, _) = course.xtask(&["swap", "x", "mine"]);
    assert_eq!(code, 0);
    assert_eq!(course.read("exercises/x.rs"), MINE);
}

#[test]
fn swap_mine_over_other_work_keeps_a_backup() {
    let course = MiniCourse::new();
    let (code, _, stderr) = course.xtask(&["swap", "x", "mine"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("nothing saved for x"), "{stderr}");

    course.write("exercises/x.rs", MINE);
    course.xtask(&["swap", "x", "solution"]);
    course.write("exercises/x.rs", b"// second attempt\n");
    let before = course.backups();
    let (code, stdout, _) = course.xtask(&["swap", "x", "mine"]);
    assert_eq!(code, 0);
    assert_eq!(course.read("exercises/x.rs"), MINE);
    assert_eq!(course.backups(), before + 1, "{stdout}");
}

#[test]
fn swap_stub_after_a_learner_commit_gives_the_authors_stub() {
    let course = MiniCourse::new();
    course.write("exercises/x.rs", MINE);
    course.commit("my progress");

    let (code, stdout, stderr) = course.xtask(&["swap", "x", "stub"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(course.read("exercises/x.rs"), STUB);
    assert_eq!(course.read(".course/saved/x.rs"), MINE);

    let (code, stdout, _) = course.xtask(&["swap", "x", "stub"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("nothing to do"), "{stdout}");
}

#[test]
fn check_reports_failures_timeouts_and_next_steps() {
    let course = MiniCourse::new();
    let started = Instant::now();
    let (code, stdout, stderr) = course.xtask(&["check", "x"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a hanging test blocked check"
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("x — docs/x.md"), "{stdout}");
    assert!(
        stdout.contains("1 passed · 1 failed · 1 timed out · 0 crashed (of 3 tests)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "✗ traces::fails\n    the answer must be 42, got 41: events 3-4\n       3 ask\n       4 answer 41\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("✗ models_like::hangs (timed out)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("did not finish in 1 s: deadlock or lost wakeup suspected"),
        "{stdout}"
    );
    assert!(
        stdout
            .trim_end()
            .ends_with("0/1 exercises done\nNext: edit exercises/x.rs · stuck? cargo xtask hint x"),
        "{stdout}"
    );
    let (_, listed, _) = course.xtask(&["list"]);
    assert!(listed.contains("1/3 tests pass"), "{listed}");

    // Without a name, check walks the course and stops at x.
    let (code, stdout, _) = course.xtask(&["check"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("0/1 exercises done"), "{stdout}");

    course.write(
        "exercises/x.rs",
        b"pub fn answer() -> u32 { COMPILE_ERROR }\n",
    );
    let (code, stdout, _) = course.xtask(&["check", "x"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("does not compile"), "{stdout}");
    assert!(
        stdout.contains("error[E0425]: cannot find value `COMPILE_ERROR`"),
        "{stdout}"
    );
    assert!(stdout.contains(" --> exercises/x.rs:3:5"), "{stdout}");
    assert!(
        stdout.contains("Next: fix the compile error in exercises/x.rs"),
        "{stdout}"
    );
}

#[test]
fn grade_writes_the_json_report() {
    let course = MiniCourse::new();
    let json = course.path("report.json");
    let json_arg = json.to_str().unwrap();

    let (code, stdout, stderr) = course.xtask(&["grade", "--solutions", "--json", json_arg]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("x"), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&course.read("report.json")).unwrap();
    assert_eq!(report["score"], 3.0);
    assert_eq!(report["max_score"], 3.0);
    assert_eq!(report["submissions"][0]["name"], "solutions");
    let exercise = &report["submissions"][0]["exercises"][0];
    assert_eq!(exercise["status"], "passed");
    assert_eq!(exercise["tests"].as_array().unwrap().len(), 3);
    assert_eq!(exercise["tests"][0]["kind"], "rstest");
    assert_eq!(exercise["tests"][1]["kind"], "insta");
    assert_eq!(exercise["tests"][0]["message"], "");

    // The learner's file: one of three tests passes; grading still exits 0.
    let (code, stdout, _) = course.xtask(&["grade", "--json", json_arg]);
    assert_eq!(code, 0);
    assert!(stdout.contains("1/3"), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&course.read("report.json")).unwrap();
    assert_eq!(report["score"], 1.0);
    let tests = &report["submissions"][0]["exercises"][0]["tests"];
    assert_eq!(tests[1]["status"], "failed");
    assert_eq!(tests[2]["status"], "timed_out");
    assert!(tests[2]["duration_ms"].as_u64().unwrap() >= 1000);
}

#[test]
fn mini_course_root_is_where_the_manifest_is() {
    let course = MiniCourse::new();
    let (code, stdout, _) = course.xtask(&["list"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Part 1 · Warm-up"), "{stdout}");
    assert!(Path::new(&course.root).join("xtask/course.toml").is_file());
}
