//! Builds a problem crate's `suite` test binary (normal, and loom) through cargo, and returns
//! its path or the compiler's first errors.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
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

/// Where cargo builds: a workspace root and its two target directories.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    pub(crate) root: PathBuf,
    /// The ordinary builds.
    pub(crate) target: PathBuf,
    /// The loom builds: a target directory of their own, so they never invalidate the
    /// ordinary build cache.
    pub(crate) loom_target: PathBuf,
    /// Build without the network (grading: every dependency is already fetched).
    pub(crate) offline: bool,
}

impl Workspace {
    /// The workspace at `root` with its own `target/` and `target/loom/`.
    pub(crate) fn at(root: &Path) -> Workspace {
        Workspace {
            root: root.to_path_buf(),
            target: root.join("target"),
            loom_target: root.join("target/loom"),
            offline: false,
        }
    }
}

/// A cargo command run in `root`, from env `CARGO` (the cargo that runs this tool).
pub(crate) fn cargo(root: &Path, flavor: Flavor) -> Command {
    cargo_in(&Workspace::at(root), flavor)
}

/// A cargo command run in the workspace `ws`, building into its target directory for
/// `flavor`.
pub(crate) fn cargo_in(ws: &Workspace, flavor: Flavor) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(&ws.root);
    match flavor {
        Flavor::Normal => {
            command.env("CARGO_TARGET_DIR", &ws.target);
        }
        Flavor::Loom => {
            command
                .env("RUSTFLAGS", "--cfg course_loom")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env("CARGO_TARGET_DIR", &ws.loom_target);
        }
    }
    if ws.offline {
        command.env("CARGO_NET_OFFLINE", "true");
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

/// One package's part of a batch build.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) build: Build,
    /// Whether cargo found the package's library up to date (`Some(true)`: it did not
    /// recompile it), when it reported the library at all.
    pub(crate) lib_fresh: Option<bool>,
}

/// Builds the suites of several packages (learner implementations) in one cargo run, which
/// compiles them in parallel; with `--keep-going`, a package that does not compile costs only
/// itself. `deadline`: the build is killed after it, and every package not built by then
/// fails with a message saying so.
pub(crate) fn build_suites(
    ws: &Workspace,
    packages: &[&str],
    flavor: Flavor,
    deadline: std::time::Duration,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<std::collections::BTreeMap<String, Batch>> {
    use std::collections::BTreeMap;
    if packages.is_empty() {
        // Without a `--package`, cargo would build every package of the workspace.
        return Ok(BTreeMap::new());
    }
    let mut command = cargo_in(ws, flavor);
    // `cargo build --test suite` builds the same test binaries as `cargo test --no-run`, and
    // unlike it takes --keep-going.
    command.args([
        "build",
        "--keep-going",
        "--message-format=json",
        "--color=never",
        "--test",
        "suite",
    ]);
    for package in packages {
        command.args(["--package", package]);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command
        .spawn()
        .context(|| "cannot run cargo (is it on PATH, or CARGO set?)")?;
    let pgid = child.id();
    crate::procs::register(pgid);
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");

    let mut suites: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut fresh: BTreeMap<String, bool> = BTreeMap::new();
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let (finished, timed_out) = std::sync::mpsc::channel::<()>();
    let stderr_text = std::thread::scope(|scope| {
        let killer = scope.spawn(move || {
            let late = timed_out.recv_timeout(deadline).is_err();
            if late {
                crate::procs::kill_group(pgid);
            }
            late
        });
        let errors_thread = scope.spawn(move || {
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
        for line in BufReader::new(stdout).lines().map_while(|line| line.ok()) {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let Some(package) = package_of(&message) else {
                continue;
            };
            if !packages.contains(&package.as_str()) {
                continue;
            }
            match message["reason"].as_str() {
                Some("compiler-artifact") => {
                    let is_test = message["profile"]["test"] == true;
                    if is_test && message["target"]["name"] == "suite" {
                        if let Some(path) = message["executable"].as_str() {
                            suites.insert(package, PathBuf::from(path));
                        }
                    } else if !is_test
                        && message["target"]["kind"]
                            .as_array()
                            .is_some_and(|kinds| kinds.iter().any(|k| k == "lib"))
                    {
                        fresh.insert(package, message["fresh"] == true);
                    }
                }
                Some("compiler-message") if message["message"]["level"] == "error" => {
                    if let Some(rendered) = message["message"]["rendered"].as_str() {
                        let text = errors.entry(package).or_default();
                        text.push_str(rendered);
                        text.push('\n');
                    }
                }
                _ => {}
            }
        }
        let _ = finished.send(());
        let late = killer.join().unwrap_or(false);
        let text = errors_thread.join().unwrap_or_default();
        if late {
            format!(
                "the build took longer than {} s and was stopped\n{text}",
                deadline.as_secs()
            )
        } else {
            text
        }
    });
    let _ = child.wait();
    crate::procs::unregister(pgid);

    let mut out = BTreeMap::new();
    for package in packages {
        let build = match suites.remove(*package) {
            Some(path) => Build::Built(path),
            None => Build::Failed(match errors.remove(*package) {
                Some(text) => first_errors(&text),
                None => first_errors(&stderr_text),
            }),
        };
        out.insert(
            package.to_string(),
            Batch {
                build,
                lib_fresh: fresh.get(*package).copied(),
            },
        );
    }
    Ok(out)
}

/// The package a cargo JSON message is about: the folder name of its manifest.
fn package_of(message: &serde_json::Value) -> Option<String> {
    let manifest = message["manifest_path"].as_str()?;
    let dir = Path::new(manifest).parent()?;
    Some(dir.file_name()?.to_string_lossy().into_owned())
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
