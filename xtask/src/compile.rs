//! Builds a problem crate's `suite` test binary (normal, and loom) through cargo, and returns
//! its path or the compiler's first errors.

use std::io::{BufRead, BufReader};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Context, Result};

/// Which implementation of a problem crate to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Implementation {
    /// The learner's file, `exercises/NAME.rs` (no feature).
    Learner,
    /// The reference, `solutions/NAME.rs` (feature `solution`).
    Solution,
    /// A known-wrong variant, `crates/NAME/wrong/VARIANT.rs` generated from its patch (feature
    /// `wrong_VARIANT`).
    Wrong(String),
}

impl Implementation {
    /// The crate feature that selects it.
    pub(crate) fn feature(&self) -> Option<String> {
        match self {
            Implementation::Learner => None,
            Implementation::Solution => Some("solution".into()),
            Implementation::Wrong(variant) => Some(format!("wrong_{variant}")),
        }
    }
}

/// The two builds of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// The ordinary build: cases, properties, traces.
    Normal,
    /// `RUSTFLAGS="--cfg course_loom"` in `target/loom`: the loom models.
    Loom,
}

/// The outcome of a build.
#[derive(Debug)]
pub(crate) enum Build {
    /// The `suite` test binary.
    Built(PathBuf),
    /// The compiler's first errors, ready to show.
    Failed(String),
}

/// A cargo command run in `root`, from env `CARGO` (the cargo that runs this tool).
pub(crate) fn cargo(root: &Path, flavor: Flavor) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root);
    if flavor == Flavor::Loom {
        // A separate target dir, so loom builds never invalidate the normal build cache.
        command
            .env("RUSTFLAGS", "--cfg course_loom")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env("CARGO_TARGET_DIR", root.join("target/loom"));
    }
    command
}

/// Builds `package`'s suite with the given implementation and flavor. `progress` receives
/// cargo's status lines ("Compiling loom v0.7.3") as they come. Errs only if cargo could not run.
pub(crate) fn build_suite(
    root: &Path,
    package: &str,
    implementation: &Implementation,
    flavor: Flavor,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Build> {
    if let Implementation::Wrong(variant) = implementation {
        // Variants are committed as patches; the crate compiles the generated source.
        crate::wrong::materialize(root, package, variant)?;
    }
    let mut command = cargo(root, flavor);
    command.args([
        "test",
        "--no-run",
        "--message-format=json-render-diagnostics",
        "--color=never",
        "--package",
        package,
        "--test",
        "suite",
    ]);
    if let Some(feature) = implementation.feature() {
        command.args(["--features", &feature]);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .context(|| "cannot run cargo (is it on PATH, or CARGO set?)")?;
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");

    let (executable, stderr_text) = std::thread::scope(|scope| {
        let errors = scope.spawn(move || {
            let mut text = String::new();
            for line in BufReader::new(stderr).lines().map_while(|line| line.ok()) {
                let trimmed = line.trim_start();
                if trimmed.starts_with("Compiling") || trimmed.starts_with("Blocking") {
                    progress(trimmed);
                }
                text.push_str(&line);
                text.push('\n');
            }
            text
        });
        let mut executable = None;
        for line in BufReader::new(stdout).lines().map_while(|line| line.ok()) {
            if let Some(path) = suite_executable(&line) {
                executable = Some(path);
            }
        }
        (executable, errors.join().unwrap_or_default())
    });
    let status = child.wait().context(|| "cargo did not finish")?;

    match executable {
        Some(path) if status.success() => Ok(Build::Built(path)),
        _ if status.success() => Ok(Build::Failed(format!(
            "cargo built {package} but reported no `suite` test binary: does crates/{package} \
             declare [[test]] name = \"suite\"?"
        ))),
        _ => Ok(Build::Failed(first_errors(&stderr_text))),
    }
}

/// The test executable of the `suite` target, from one line of cargo's JSON messages.
fn suite_executable(line: &str) -> Option<PathBuf> {
    if !line.contains("compiler-artifact") {
        return None;
    }
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    let is_suite = message["reason"] == "compiler-artifact"
        && message["profile"]["test"] == true
        && message["target"]["name"] == "suite";
    let executable = message["executable"].as_str()?;
    is_suite.then(|| PathBuf::from(executable))
}

/// How many error blocks of a failed build to show.
const ERROR_BLOCKS: usize = 2;
/// At most this many lines of them.
const ERROR_LINES: usize = 40;

/// The first error blocks of cargo's rendered diagnostics, with paths made readable and a
/// note on how many more there are; the last lines of stderr if no error block is found.
pub(crate) fn first_errors(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut blocks: Vec<Vec<String>> = Vec::new();
    let mut total = 0;
    let mut current: Option<Vec<String>> = None;
    for line in &lines {
        let starts_error = line.starts_with("error") && !is_summary(line);
        if starts_error {
            total += 1;
        }
        if let Some(block) = current.as_mut() {
            if line.trim().is_empty() || starts_error || line.starts_with("warning") {
                blocks.push(current.take().unwrap_or_default());
            } else {
                block.push(tidy_line(line));
                continue;
            }
        }
        if starts_error && blocks.len() < ERROR_BLOCKS {
            current = Some(vec![tidy_line(line)]);
        }
    }
    if let Some(block) = current {
        blocks.push(block);
    }
    blocks.truncate(ERROR_BLOCKS);
    if blocks.is_empty() {
        let tail: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|line| {
                let trimmed = line.trim_start();
                !trimmed.starts_with("Compiling") && !trimmed.starts_with("Blocking")
            })
            .collect();
        let start = tail.len().saturating_sub(20);
        return tail[start..].join("\n");
    }
    let mut shown: Vec<String> = Vec::new();
    for block in &blocks {
        if !shown.is_empty() {
            shown.push(String::new());
        }
        shown.extend(block.iter().cloned());
    }
    shown.truncate(ERROR_LINES);
    let mut text = shown.join("\n");
    if total > blocks.len() {
        let more = total - blocks.len();
        let s = if more == 1 { "" } else { "s" };
        text.push_str(&format!("\n\n(and {more} more error{s})"));
    }
    text
}

/// Cargo's and rustc's closing lines, which are not errors of their own.
fn is_summary(line: &str) -> bool {
    line.starts_with("error: could not compile")
        || line.starts_with("error: aborting due to")
        || line.starts_with("error: build failed")
}

/// Rewrites `--> crates/x/src/../../../exercises/x.rs:3:5` as `--> exercises/x.rs:3:5`.
fn tidy_line(line: &str) -> String {
    let trimmed = line.trim_start();
    for marker in ["--> ", "::: "] {
        if let Some(rest) = trimmed.strip_prefix(marker) {
            let lead = &line[..line.len() - trimmed.len()];
            let (path, position) = rest.split_once(':').unwrap_or((rest, ""));
            let path = normalize(Path::new(path));
            let position = if position.is_empty() {
                String::new()
            } else {
                format!(":{position}")
            };
            return format!("{lead}{marker}{}{position}", path.display());
        }
    }
    line.to_string()
}

/// Removes `..` and `.` components lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_suite_executable() {
        let line = r#"{"reason":"compiler-artifact","package_id":"x","target":{"kind":["test"],"name":"suite"},"profile":{"test":true},"executable":"/t/debug/deps/suite-abc"}"#;
        assert_eq!(
            suite_executable(line),
            Some(PathBuf::from("/t/debug/deps/suite-abc"))
        );
        let lib = r#"{"reason":"compiler-artifact","target":{"name":"x"},"profile":{"test":false},"executable":null}"#;
        assert_eq!(suite_executable(lib), None);
    }

    #[test]
    fn keeps_the_first_error_blocks() {
        let stderr = "\
   Compiling deferred_callback v0.1.0 (/w/crates/deferred_callback)
warning: unused variable: `x`
 --> crates/deferred_callback/src/../../../exercises/deferred_callback.rs:1:5
  |

error[E0425]: cannot find value `y` in this scope
 --> crates/deferred_callback/src/../../../exercises/deferred_callback.rs:3:5
  |
3 |     y
  |     ^ not found in this scope

error[E0308]: mismatched types
 --> crates/deferred_callback/src/../../../exercises/deferred_callback.rs:9:5

error[E0599]: no method
 --> crates/deferred_callback/src/../../../exercises/deferred_callback.rs:12:5

error: could not compile `deferred_callback` (lib) due to 3 previous errors
";
        let text = first_errors(stderr);
        assert!(
            text.starts_with("error[E0425]: cannot find value `y`"),
            "{text}"
        );
        assert!(
            text.contains(" --> exercises/deferred_callback.rs:3:5"),
            "{text}"
        );
        assert!(text.contains("error[E0308]"), "{text}");
        assert!(!text.contains("E0599"), "{text}");
        assert!(!text.contains("warning"), "{text}");
        assert!(text.ends_with("(and 1 more error)"), "{text}");
    }

    #[test]
    fn falls_back_to_the_last_lines() {
        let text = first_errors("   Compiling x\nsomething odd happened\n");
        assert_eq!(text, "something odd happened");
    }
}
