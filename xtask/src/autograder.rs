//! `cargo xtask autograder gradescope OUT.zip` and `cargo xtask autograder classroom DIR`:
//! runs this grader inside the engines that scale grading out to one container per
//! submission.
//!
//! - Gradescope: a zip with `setup.sh` (installs the toolchain, pre-builds every dependency
//!   by grading the stubs once) and `run_autograder` (grades `/autograder/submission` into
//!   `/autograder/results/results.json`, and writes a result even when grading fails), with
//!   the course beside them, without `solutions/` and the known-wrong variants.
//! - GitHub Classroom: a workflow that checks out the learner's repository and a pristine
//!   copy of the course, grades each exercise as a step, and hands the points to Classroom's
//!   reporter.
//!
//! Both scripts read their paths from the environment (`AUTOGRADER_DIR`, `COURSE_XTASK`), so
//! the tests run them here against a fake layout.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Context, Error, Result};
use crate::manifest::{Course, Exercise};
use crate::ui;

/// Which engine to write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Gradescope,
    Classroom,
}

/// The options of `autograder`.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) engine: Engine,
    /// The zip (Gradescope) or the learner template's folder (Classroom).
    pub(crate) out: PathBuf,
    pub(crate) exercises: Vec<String>,
    /// The course repository the Classroom workflow checks out (default: git's `origin`).
    pub(crate) course_repo: Option<String>,
    /// Its commit or branch (default: this checkout's HEAD commit).
    pub(crate) course_ref: Option<String>,
}

pub(crate) fn run(course: &Course, options: &Options) -> Result<()> {
    let exercises = course.manifest.select(&options.exercises)?;
    let toolchain = toolchain()?;
    match options.engine {
        Engine::Gradescope => {
            let files = gradescope_zip(course, &exercises, &toolchain, &options.out)?;
            println!(
                "wrote {} ({files} files): upload it as the Gradescope autograder \
                 (Ubuntu base image); it grades {} exercise(s)",
                options.out.display(),
                exercises.len()
            );
        }
        Engine::Classroom => {
            let repo = match &options.course_repo {
                Some(repo) => repo.clone(),
                None => origin_repo(&course.root)?,
            };
            let reference = match &options.course_ref {
                Some(reference) => reference.clone(),
                None => head_commit(&course.root)?,
            };
            let path = options.out.join(".github/workflows/classroom.yml");
            let text = classroom_workflow(&exercises, &toolchain, &repo, &reference);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, text).context(|| format!("cannot write {}", path.display()))?;
            println!(
                "wrote {}: commit it to the assignment's template repository. It grades \
                 the learner's exercises/ against {repo} at {reference}, which must be a \
                 copy of the course without solutions/ that GitHub can check out.",
                path.display()
            );
        }
    }
    println!(
        "{}",
        ui::dim("the exported grader builds offline once its dependencies are fetched")
    );
    Ok(())
}

/// The toolchain that builds this course, as `rustc --version` names it (`1.95.0`).
fn toolchain() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .context(|| "cannot run rustc --version")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .nth(1)
        .map(str::to_string)
        .ok_or_else(|| Error::Failed(format!("cannot read rustc's version from `{text}`")))
}

fn git_output(root: &Path, args: &[&str]) -> Result<String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context(|| "cannot run git")?;
    if !output.status.success() {
        return Err(Error::Failed(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// `owner/name` of the `origin` remote, for `actions/checkout`.
fn origin_repo(root: &Path) -> Result<String> {
    let url = git_output(root, &["remote", "get-url", "origin"]).map_err(|_| {
        Error::Usage(
            "this checkout has no `origin` remote: say which repository the workflow checks \
             out with --course-repo OWNER/NAME"
                .into(),
        )
    })?;
    let trimmed = url.trim_end_matches(".git");
    let mut parts = trimmed.rsplit(['/', ':']);
    match (parts.next(), parts.next()) {
        (Some(name), Some(owner)) if !name.is_empty() && !owner.is_empty() => {
            Ok(format!("{owner}/{name}"))
        }
        _ => Err(Error::Usage(format!(
            "cannot tell OWNER/NAME from the origin URL `{url}`: use --course-repo OWNER/NAME"
        ))),
    }
}

fn head_commit(root: &Path) -> Result<String> {
    git_output(root, &["rev-parse", "HEAD"]).map_err(|_| {
        Error::Usage("cannot read HEAD: give the course's commit with --course-ref REF".into())
    })
}

/// What of the course goes into the Gradescope zip, under `course/`: everything but
/// solutions/, the known-wrong variants, build output, git and local state.
fn course_files(course: &Course) -> Result<Vec<PathBuf>> {
    fn visit(root: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let dir = root.join(relative);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .context(|| format!("cannot read {}", dir.display()))?
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = relative.join(&name);
            let top = relative.as_os_str().is_empty();
            let skip = (top
                && matches!(name.as_str(), "solutions" | "target" | ".git" | ".course"))
                || (name == "wrong" && relative.parent() == Some(Path::new("crates")))
                || name == "target"
                || name.ends_with(".snap.new");
            if skip {
                continue;
            }
            let file_type = entry
                .file_type()
                .context(|| format!("cannot read {name}"))?;
            if file_type.is_dir() {
                visit(root, &path, out)?;
            } else if file_type.is_file() {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    visit(&course.root, Path::new(""), &mut files)?;
    Ok(files)
}

/// The `--exercise` flags that restrict grading to `exercises`, or none for all of them.
fn exercise_flags(course_exercises: usize, exercises: &[&Exercise]) -> String {
    if exercises.len() == course_exercises {
        return String::new();
    }
    exercises
        .iter()
        .map(|e| format!(" --exercise {}", e.name))
        .collect()
}

const SETUP: &str = r#"#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: it installs Rust and builds
# the grader and every dependency, so that grading a submission builds only the learner's code.
set -euo pipefail
AUTOGRADER_DIR="${AUTOGRADER_DIR:-/autograder}"
COURSE="$AUTOGRADER_DIR/source/course"
export COURSE_ROOT="$COURSE"
if ! command -v cargo >/dev/null 2>&1; then
    if ! command -v curl >/dev/null 2>&1; then
        apt-get update && apt-get install -y --no-install-recommends curl ca-certificates build-essential
    fi
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
        | sh -s -- -y --profile minimal --default-toolchain "@TOOLCHAIN@"
fi
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cd "$COURSE"
cargo fetch --locked
XTASK="${COURSE_XTASK:-}"
if [ -z "$XTASK" ]; then
    cargo build --locked --quiet --package xtask
    XTASK="$COURSE/target/debug/xtask"
fi
# Grading the untouched stubs once builds everything a submission needs, in the grader's own
# copy of the course: afterwards only the learner's files compile.
"$XTASK" grade --submission "$COURSE/exercises"@EXERCISES@ >/dev/null
echo "autograder ready"
"#;

const RUN: &str = r#"#!/usr/bin/env bash
# Gradescope runs this for every submission. It always leaves a results.json: a failure of the
# grader itself is reported to the learner as a result with the grader's last words.
AUTOGRADER_DIR="${AUTOGRADER_DIR:-/autograder}"
COURSE="$AUTOGRADER_DIR/source/course"
RESULTS="$AUTOGRADER_DIR/results/results.json"
LOG="$AUTOGRADER_DIR/results/grader.log"
export COURSE_ROOT="$COURSE"
mkdir -p "$AUTOGRADER_DIR/results"
rm -f "$RESULTS"
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
XTASK="${COURSE_XTASK:-$COURSE/target/debug/xtask}"
cd "$COURSE" && "$XTASK" grade --submission "$AUTOGRADER_DIR/submission"@EXERCISES@ \
    --gradescope "$RESULTS" --json "$AUTOGRADER_DIR/results/report.json" >"$LOG" 2>&1
status=$?
if [ ! -s "$RESULTS" ]; then
    # JSON-escape the log's last lines: backslashes, quotes, control characters, newlines.
    reason=$(tail -n 20 "$LOG" 2>/dev/null | tr -d '\000-\010\013-\037' \
        | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | awk '{printf "%s\\n", $0}')
    printf '{"score": 0, "output": "The grader could not grade this submission (status %s). Please tell your instructor.\\n\\n%s", "tests": []}\n' \
        "$status" "$reason" >"$RESULTS"
fi
exit 0
"#;

/// Writes the Gradescope autograder zip; returns how many files it holds.
fn gradescope_zip(
    course: &Course,
    exercises: &[&Exercise],
    toolchain: &str,
    out: &Path,
) -> Result<usize> {
    let flags = exercise_flags(course.manifest.exercises.len(), exercises);
    let setup = SETUP
        .replace("@TOOLCHAIN@", toolchain)
        .replace("@EXERCISES@", &flags);
    let run = RUN.replace("@EXERCISES@", &flags);
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .context(|| format!("cannot create {}", parent.display()))?;
    }
    let file = std::fs::File::create(out).context(|| format!("cannot write {}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = |mode: u32| {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(mode)
    };
    let failed = |err: &dyn std::fmt::Display| {
        Error::Failed(format!("cannot write {}: {err}", out.display()))
    };
    for (name, text) in [("setup.sh", &setup), ("run_autograder", &run)] {
        zip.start_file(name, options(0o755))
            .map_err(|err| failed(&err))?;
        zip.write_all(text.as_bytes()).map_err(|err| failed(&err))?;
    }
    let files = course_files(course)?;
    for relative in &files {
        let path = course.root.join(relative);
        let bytes = std::fs::read(&path).context(|| format!("cannot read {}", path.display()))?;
        let name = format!("course/{}", relative.to_string_lossy());
        zip.start_file(name, options(0o644))
            .map_err(|err| failed(&err))?;
        zip.write_all(&bytes).map_err(|err| failed(&err))?;
    }
    zip.finish().map_err(|err| failed(&err))?;
    Ok(files.len() + 2)
}

/// The GitHub Classroom workflow: one step per exercise, each grading that exercise of the
/// learner's repository in a pristine checkout of the course and handing its points, test by
/// test, to Classroom's reporter.
fn classroom_workflow(
    exercises: &[&Exercise],
    toolchain: &str,
    repo: &str,
    reference: &str,
) -> String {
    let mut steps = String::new();
    for exercise in exercises {
        let name = &exercise.name;
        steps.push_str(&format!(
            "      - name: {name}\n        id: {name}\n        working-directory: course\n        \
             timeout-minutes: 20\n        run: cargo xtask grade --submission \
             ../submission --exercise {name} --classroom \"$GITHUB_OUTPUT\"\n"
        ));
    }
    let env: String = exercises
        .iter()
        .map(|e| {
            format!(
                "          {}_RESULTS: \"${{{{ steps.{}.outputs.result }}}}\"\n",
                e.name.to_uppercase(),
                e.name
            )
        })
        .collect();
    let runners: Vec<&str> = exercises.iter().map(|e| e.name.as_str()).collect();
    format!(
        "# Written by `cargo xtask autograder classroom`: grades the learner's exercises/ in a \
         pristine\n# checkout of the course (the learner's copy of the tests is never used) \
         and reports the points\n# to GitHub Classroom, test by test.\n\
         name: Autograding Tests\n\
         on:\n  - push\n  - repository_dispatch\n\
         permissions:\n  checks: write\n  actions: read\n  contents: read\n\
         jobs:\n  run-autograding-tests:\n    runs-on: ubuntu-latest\n    \
         if: github.actor != 'github-classroom[bot]'\n    steps:\n\
         \x20     - name: Check out the submission\n        uses: actions/checkout@v4\n        \
         with:\n          path: submission\n\
         \x20     - name: Check out the course\n        uses: actions/checkout@v4\n        \
         with:\n          repository: {repo}\n          ref: {reference}\n          path: course\n\
         \x20     - name: Install Rust {toolchain}\n        \
         run: rustup toolchain install {toolchain} --profile minimal && rustup default {toolchain}\n\
         \x20     - name: Build the grader\n        working-directory: course\n        \
         run: cargo fetch --locked && cargo build --locked --package xtask\n\
         {steps}\
         \x20     - name: Autograding Reporter\n        if: always()\n        \
         uses: classroom-resources/autograding-grading-reporter@v1\n        env:\n{env}        \
         with:\n          runners: {}\n",
        runners.join(",")
    )
}

/// Standard base64, for Classroom's reporter, which reads each runner's result as base64 JSON.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
