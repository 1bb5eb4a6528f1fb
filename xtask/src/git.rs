//! The few git queries the tool needs: the author's pristine stub, and whether `exercises/`
//! is as committed.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// Runs git in `root` and returns its stdout, or an error with git's stderr.
fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| Error::Failed(format!("cannot run git ({err}): is it installed?")))?;
    if !output.status.success() {
        return Err(Error::Failed(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output.stdout)
}

/// The pristine stub of `exercise`: `exercises/NAME.rs` as of the last commit that changed
/// its reference or its crate (course authors change those; learners only change exercises/).
pub(crate) fn pristine_stub(root: &Path, exercise: &str) -> Result<Vec<u8>> {
    let solution = format!("solutions/{exercise}.rs");
    let krate = format!("crates/{exercise}");
    let commit = git(root, &["log", "-1", "--format=%H", "--", &solution, &krate])?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    if commit.is_empty() {
        return Err(Error::Failed(format!(
            "git history has no commit of {solution} or {krate}, so there is no pristine stub \
             of {exercise} to restore: get it from the course's original repository"
        )));
    }
    git(
        root,
        &["show", &format!("{commit}:exercises/{exercise}.rs")],
    )
}

/// The stubs among `files` (paths relative to the root) that differ from HEAD, one per line,
/// or `None` if every one is as committed. A stub git has never seen is an author's new
/// exercise, not a learner's edit, so it does not count as changed.
pub(crate) fn stubs_changed(root: &Path, files: &[String]) -> Result<Option<String>> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut args = vec!["diff", "--name-only", "HEAD", "--"];
    args.extend(files.iter().map(String::as_str));
    let changed = git(root, &args)?;
    let changed: Vec<String> = String::from_utf8_lossy(&changed)
        .lines()
        .map(|file| format!("changed: {file}"))
        .collect();
    Ok((!changed.is_empty()).then(|| changed.join("\n")))
}
