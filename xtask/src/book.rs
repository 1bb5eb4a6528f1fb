//! The course book (`docs/`): `cargo xtask book` builds it with a pinned mdBook (installed into
//! the target dir when missing), and `verify` checks it: every exercise has a chapter listed in
//! `SUMMARY.md`, every chapter of a part is an exercise's, every internal link and anchor
//! resolves, and the timelines regenerate from the references byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Context, Error, Result};
use crate::manifest::Course;
use crate::ui;

/// The mdBook the course is built and checked with.
pub(crate) const MDBOOK_VERSION: &str = "0.5.4";

/// `cargo xtask book`: builds the book into `target/book`; fails on any mdBook warning.
pub(crate) fn run(course: &Course) -> Result<()> {
    let mdbook = mdbook(course)?;
    ui::status("building the book");
    let output = Command::new(&mdbook)
        .arg("build")
        .arg(course.path("docs"))
        .stdin(Stdio::null())
        .output()
        .context(|| format!("cannot run {}", mdbook.display()))?;
    ui::clear_status();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let warnings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("WARN") || line.contains("ERROR"))
        .collect();
    if !output.status.success() || !warnings.is_empty() {
        return Err(Error::Failed(format!(
            "mdBook {MDBOOK_VERSION} did not build the book cleanly:\n{log}"
        )));
    }
    println!(
        "{} the book is in {} (open index.html)",
        ui::green("ok"),
        course.path("target/book").display()
    );
    Ok(())
}

/// The pinned mdBook: on PATH if it is that version, else in `target/tools`, installed there
/// with `cargo install` the first time (a few minutes; needs the crates.io registry once).
fn mdbook(course: &Course) -> Result<PathBuf> {
    let version_of = |program: &Path| {
        Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let wanted = format!("mdbook v{MDBOOK_VERSION}");
    if version_of(Path::new("mdbook")).as_deref() == Some(wanted.as_str()) {
        return Ok(PathBuf::from("mdbook"));
    }
    let root = course.path(format!("target/tools/mdbook-{MDBOOK_VERSION}"));
    let binary = root.join("bin/mdbook");
    if version_of(&binary).as_deref() == Some(wanted.as_str()) {
        return Ok(binary);
    }
    println!(
        "installing mdBook {MDBOOK_VERSION} into {} (once; this takes a few minutes)",
        root.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "install",
            "mdbook",
            "--locked",
            "--quiet",
            "--version",
            MDBOOK_VERSION,
        ])
        .args(["--no-default-features", "--features", "search", "--root"])
        .arg(&root)
        .env("CARGO_TARGET_DIR", course.path("target/tools/build"))
        .stdin(Stdio::null())
        .status()
        .context(|| "cannot run cargo install")?;
    if !status.success() {
        return Err(Error::Failed(format!(
            "cargo install mdbook {MDBOOK_VERSION} failed: it needs the crates.io registry \
             the first time; try again online, or install it yourself with \
             `cargo install mdbook --version {MDBOOK_VERSION} --locked`"
        )));
    }
    Ok(binary)
}

/// Every Markdown file of the book, relative to `docs/src`.
fn chapters(src: &Path) -> Vec<PathBuf> {
    fn visit(src: &Path, relative: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(src.join(relative)) else {
            return;
        };
        for entry in entries.flatten() {
            let path = relative.join(entry.file_name());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                visit(src, &path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    visit(src, Path::new(""), &mut out);
    out.sort();
    out
}

/// The links of a Markdown text: inline `[text](target)` links and images, outside code.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        // Inline code spans hold no links.
        let mut code = false;
        let mut cleaned = String::new();
        for c in line.chars() {
            if c == '`' {
                code = !code;
            } else if !code {
                cleaned.push(c);
            }
        }
        let mut rest = cleaned.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            out.push((number + 1, target.to_string()));
            rest = &after[end..];
        }
        // Reference definitions: `[name]: target`.
        let trimmed = cleaned.trim_start();
        if trimmed.starts_with('[')
            && let Some(at) = trimmed.find("]: ")
        {
            out.push((number + 1, trimmed[at + 3..].trim().to_string()));
        }
    }
    out
}

/// The anchors mdBook gives a chapter's headings: lower case, letters, digits, `-` and `_`
/// kept, spaces made `-`, the rest dropped; repeats get `-1`, `-2`.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#').trim();
        let mut slug = String::new();
        for c in heading.chars() {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                slug.extend(c.to_lowercase());
            } else if c == ' ' {
                slug.push('-');
            }
        }
        let count = seen.entry(slug.clone()).or_insert(0);
        let anchor = if *count == 0 {
            slug.clone()
        } else {
            format!("{slug}-{count}")
        };
        *count += 1;
        out.insert(anchor);
    }
    out
}

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

/// Broken internal links and anchors anywhere in `docs/src`, and in the README and
/// ARCHITECTURE.md.
pub(crate) fn link_problems(course: &Course) -> Vec<String> {
    let src = course.path("docs/src");
    let mut files: Vec<(PathBuf, PathBuf)> = chapters(&src)
        .into_iter()
        .map(|relative| {
            (
                src.join(&relative),
                PathBuf::from("docs/src").join(relative),
            )
        })
        .collect();
    for top in ["README.md", "ARCHITECTURE.md"] {
        files.push((course.path(top), PathBuf::from(top)));
    }
    let mut problems = Vec::new();
    for (path, shown) in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (line, target) in links(&text) {
            if target.is_empty()
                || target.contains("://")
                || target.starts_with("mailto:")
                || target.starts_with('<')
            {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let linked = if file.is_empty() {
                path.clone()
            } else {
                normalize(&path.parent().unwrap_or(Path::new("")).join(file))
            };
            if !linked.exists() {
                problems.push(format!(
                    "{}:{line}: `{target}` links to a missing file",
                    shown.display()
                ));
                continue;
            }
            if let Some(anchor) = anchor
                && linked.extension().is_some_and(|e| e == "md")
            {
                let text = std::fs::read_to_string(&linked).unwrap_or_default();
                if !anchors(&text).contains(anchor) {
                    problems.push(format!(
                        "{}:{line}: `{target}`: no heading there has the anchor #{anchor}",
                        shown.display()
                    ));
                }
            }
        }
    }
    problems
}

/// Disagreements between the manifest, `SUMMARY.md` and the chapter files: an exercise whose
/// chapter is not in the book, a part chapter no exercise owns, a listed file that is missing.
pub(crate) fn summary_problems(course: &Course) -> Vec<String> {
    let mut problems = Vec::new();
    let summary = match std::fs::read_to_string(course.path("docs/src/SUMMARY.md")) {
        Ok(text) => text,
        Err(err) => return vec![format!("cannot read docs/src/SUMMARY.md: {err}")],
    };
    let listed: BTreeSet<String> = links(&summary)
        .into_iter()
        .map(|(_, target)| format!("docs/src/{target}"))
        .collect();
    for target in &listed {
        if !course.path(target).is_file() {
            problems.push(format!(
                "docs/src/SUMMARY.md lists {target}, which does not exist"
            ));
        }
    }
    let owned: BTreeSet<&str> = course
        .manifest
        .exercises
        .iter()
        .map(|e| e.chapter.as_str())
        .collect();
    for exercise in &course.manifest.exercises {
        if !listed.contains(&exercise.chapter) {
            problems.push(format!(
                "{}'s chapter {} is not listed in docs/src/SUMMARY.md",
                exercise.name, exercise.chapter
            ));
        }
    }
    for chapter in chapters(&course.path("docs/src")) {
        let path = format!("docs/src/{}", chapter.display());
        let in_part = chapter
            .components()
            .next()
            .is_some_and(|c| c.as_os_str().to_string_lossy().starts_with("part"));
        if in_part && !owned.contains(path.as_str()) {
            problems.push(format!(
                "{path} is a part's chapter, but no exercise in xtask/course.toml names it"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_outside_code_are_found() {
        let text = "See [a](a.md#x) and `[b](b.md)`.\n```text\n[c](c.md)\n```\n[d]: d.md\n";
        let found: Vec<String> = links(text).into_iter().map(|(_, t)| t).collect();
        assert_eq!(found, ["a.md#x", "d.md"]);
    }

    #[test]
    fn anchors_follow_mdbook() {
        let text = "# The Rust design\n## What the graded suite checks\n## Notes\n## Notes\n";
        let found = anchors(text);
        for anchor in [
            "the-rust-design",
            "what-the-graded-suite-checks",
            "notes",
            "notes-1",
        ] {
            assert!(found.contains(anchor), "{anchor}: {found:?}");
        }
    }
}
