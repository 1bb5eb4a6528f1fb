//! What the grader takes from a submission: only the exercise files, `exercises/NAME.rs`,
//! each a regular UTF-8 file of reasonable size. Everything else a submission holds (tests,
//! snapshots, manifests, build scripts, cargo config, symbolic links) is ignored and listed,
//! and the exercise files are scanned for what looks like an attempt to game the grader.
//!
//! A submission is a folder (holding `exercises/`, or a whole course checkout), a `.zip` or a
//! `.tar.gz`; archives are unpacked into the grader's scratch space with their paths checked
//! and their sizes capped, and nothing in them is ever followed outside it.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::error::{Context, Error, Result};
use crate::manifest::Exercise;

/// Largest exercise file graded.
pub(crate) const MAX_SOURCE: u64 = 256 * 1024;
/// Largest file unpacked from an archive, and the most unpacked in all.
const MAX_ENTRY: u64 = 8 << 20;
const MAX_UNPACKED: u64 = 64 << 20;
/// The most entries looked at in one submission (folder or archive).
const MAX_ENTRIES: usize = 20_000;
/// The most ignored paths listed one by one in a report.
const MAX_LISTED: usize = 40;

/// One learner's submission, ready to grade.
#[derive(Debug)]
pub(crate) struct Submission {
    /// The learner's name: the folder's or the archive's name.
    pub(crate) name: String,
    /// What it gives for each exercise of the course, by exercise name.
    pub(crate) exercises: BTreeMap<String, Intake>,
    /// What it holds besides, which the grader did not take, with why.
    pub(crate) ignored: Vec<String>,
    /// What looks like an attempt to game the grader, for the instructor to look at (filled
    /// by [`flag`], and by the runner's findings).
    pub(crate) flags: Vec<Flag>,
}

/// What a submission gives for one exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Intake {
    /// Its `exercises/NAME.rs`.
    Submitted(String),
    /// No file: the untouched stub is graded.
    Missing,
    /// A file the grader will not take (why): the untouched stub is graded.
    Rejected(String),
}

/// Something the instructor should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Flag {
    pub(crate) exercise: String,
    /// `exercises/NAME.rs:LINE`, or the test that showed it.
    pub(crate) at: String,
    pub(crate) what: String,
}

impl Intake {
    /// The file's state in words, for the report: "submitted", "missing (the stub was graded)".
    pub(crate) fn describe(&self) -> String {
        match self {
            Intake::Submitted(_) => "submitted".into(),
            Intake::Missing => "missing: the untouched stub was graded".into(),
            Intake::Rejected(why) => format!("rejected: {why}; the untouched stub was graded"),
        }
    }
}

/// `--submission DIR`: one learner.
pub(crate) fn one(path: &Path, unpack: &Path, exercises: &[&Exercise]) -> Result<Submission> {
    let name = learner_name(path);
    if path.is_dir() {
        Ok(take(&name, path, Vec::new(), exercises))
    } else if archive_kind(path).is_some() {
        let dir = unpack.join(&name);
        let notes = unpack_archive(path, &dir)?;
        Ok(take(&name, &dir, notes, exercises))
    } else {
        Err(Error::Usage(format!(
            "{} is not a folder, a .zip or a .tar.gz: give the learner's course folder (or \
             its exercises/ folder) or an archive of it",
            path.display()
        )))
    }
}

/// `--submissions DIR`: every subfolder, `.zip` and `.tar.gz` of `dir` is one learner, named
/// after it; in name order.
pub(crate) fn many(dir: &Path, unpack: &Path, exercises: &[&Exercise]) -> Result<Vec<Submission>> {
    let entries = fs::read_dir(dir).context(|| {
        format!(
            "cannot read the submissions folder {} (give a folder with one subfolder or \
             archive per learner)",
            dir.display()
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let hidden = path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'));
            let symlink = path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink());
            !hidden && !symlink && (path.is_dir() || archive_kind(path).is_some())
        })
        .collect();
    paths.sort();
    let mut seen = BTreeMap::new();
    let mut submissions = Vec::new();
    for path in paths {
        let mut submission = one(&path, unpack, exercises)?;
        // `alice/` and `alice.zip` side by side: keep both, under different names.
        let count = seen.entry(submission.name.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            submission.name = format!("{} ({})", submission.name, count);
        }
        submissions.push(submission);
    }
    if submissions.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no submissions: put one folder, .zip or .tar.gz per learner in it",
            dir.display()
        )));
    }
    Ok(submissions)
}

/// The learner's name from a submission's path: the folder's name, or the archive's without
/// its extension.
fn learner_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "submission".into());
    for extension in [".tar.gz", ".tgz", ".zip"] {
        if let Some(stem) = name.strip_suffix(extension) {
            return stem.to_string();
        }
    }
    name
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArchiveKind {
    Zip,
    TarGz,
}

fn archive_kind(path: &Path) -> Option<ArchiveKind> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    if !path.is_file() {
        return None;
    }
    if name.ends_with(".zip") {
        Some(ArchiveKind::Zip)
    } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Some(ArchiveKind::TarGz)
    } else {
        None
    }
}

/// Takes the exercise files from the submission folder `root`.
fn take(name: &str, root: &Path, mut ignored: Vec<String>, exercises: &[&Exercise]) -> Submission {
    let tree = walk(root);
    let folder = exercises_folder(root, &tree, exercises);
    let mut intake = BTreeMap::new();
    let mut taken: Vec<PathBuf> = Vec::new();
    for exercise in exercises {
        let file = format!("{}.rs", exercise.name);
        let given = match &folder {
            Some(folder) => read_exercise(&folder.join(&file), &exercise.name),
            None => Intake::Missing,
        };
        if let (Some(folder), Intake::Submitted(_)) = (&folder, &given) {
            taken.push(folder.join(&file));
        }
        intake.insert(exercise.name.clone(), given);
    }
    if folder.is_none() {
        ignored.push(
            "no exercises/ folder was found (nor exercise files at the top): every exercise \
             was graded as the untouched stub"
                .into(),
        );
    }
    let mut listed = 0;
    let mut unlisted = 0;
    for entry in &tree.entries {
        let full = root.join(&entry.path);
        if taken.contains(&full) || entry.kind == Kind::Dir {
            continue;
        }
        let why = match entry.kind {
            Kind::Symlink => "a symbolic link, never followed",
            Kind::Other => "not a regular file",
            _ if folder
                .as_ref()
                .is_some_and(|f| full.parent() == Some(f.as_path()))
                && entry.path.extension().is_some_and(|e| e == "rs") =>
            {
                "not an exercise of this course, or not taken (see its exercise)"
            }
            _ => "only exercises/NAME.rs files are graded",
        };
        if listed < MAX_LISTED {
            ignored.push(format!("{}: {why}", entry.path.display()));
            listed += 1;
        } else {
            unlisted += 1;
        }
    }
    if unlisted > 0 {
        ignored.push(format!("... and {unlisted} more files, ignored likewise"));
    }
    if tree.truncated {
        ignored.push(format!(
            "the submission holds more than {MAX_ENTRIES} entries: only the first were looked at"
        ));
    }
    Submission {
        name: name.to_string(),
        exercises: intake,
        ignored,
        flags: Vec::new(),
    }
}

/// Reads one exercise file, refusing links, huge files and non-UTF-8 text.
fn read_exercise(path: &Path, exercise: &str) -> Intake {
    let shown = format!("exercises/{exercise}.rs");
    let Ok(metadata) = path.symlink_metadata() else {
        return Intake::Missing;
    };
    if metadata.file_type().is_symlink() {
        return Intake::Rejected(format!(
            "{shown} is a symbolic link (only regular files are graded)"
        ));
    }
    if !metadata.is_file() {
        return Intake::Rejected(format!("{shown} is not a regular file"));
    }
    if metadata.len() > MAX_SOURCE {
        return Intake::Rejected(format!(
            "{shown} is {} KiB, over the {} KiB limit",
            metadata.len() / 1024,
            MAX_SOURCE / 1024
        ));
    }
    let mut bytes = Vec::new();
    if let Err(err) = fs::File::open(path).and_then(|file| {
        file.take(MAX_SOURCE + 1).read_to_end(&mut bytes)?;
        Ok(())
    }) {
        return Intake::Rejected(format!("{shown} cannot be read: {err}"));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Intake::Submitted(text),
        Err(err) => Intake::Rejected(format!(
            "{shown} is not valid UTF-8 (at byte {})",
            err.utf8_error().valid_up_to()
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

#[derive(Debug)]
struct Entry {
    /// Relative to the submission's root.
    path: PathBuf,
    kind: Kind,
}

#[derive(Debug, Default)]
struct Tree {
    entries: Vec<Entry>,
    truncated: bool,
}

/// Everything under `root`, without following links, in path order.
fn walk(root: &Path) -> Tree {
    let mut tree = Tree::default();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let Ok(entries) = fs::read_dir(root.join(&relative)) else {
            continue;
        };
        for entry in entries.flatten() {
            if tree.entries.len() >= MAX_ENTRIES {
                tree.truncated = true;
                return tree;
            }
            let path = relative.join(entry.file_name());
            let kind = match entry.file_type() {
                Ok(t) if t.is_symlink() => Kind::Symlink,
                Ok(t) if t.is_dir() => Kind::Dir,
                Ok(t) if t.is_file() => Kind::File,
                _ => Kind::Other,
            };
            if kind == Kind::Dir {
                pending.push(path.clone());
            }
            tree.entries.push(Entry { path, kind });
        }
    }
    tree.entries.sort_by(|a, b| a.path.cmp(&b.path));
    tree
}

/// Where the exercise files are: `exercises/`, or `exercises/` inside the one folder an
/// archive wrapped everything in, or the top itself when it holds exercise files.
fn exercises_folder(root: &Path, tree: &Tree, exercises: &[&Exercise]) -> Option<PathBuf> {
    let is_dir = |relative: &Path| {
        tree.entries
            .iter()
            .any(|e| e.path == relative && e.kind == Kind::Dir)
    };
    if is_dir(Path::new("exercises")) {
        return Some(root.join("exercises"));
    }
    let top: Vec<&Entry> = tree
        .entries
        .iter()
        .filter(|e| e.path.components().count() == 1)
        .collect();
    if let [only] = top.as_slice()
        && only.kind == Kind::Dir
        && is_dir(&only.path.join("exercises"))
    {
        return Some(root.join(&only.path).join("exercises"));
    }
    let has_exercise_file = exercises.iter().any(|exercise| {
        top.iter()
            .any(|e| e.path == Path::new(&format!("{}.rs", exercise.name)))
    });
    has_exercise_file.then(|| root.to_path_buf())
}

/// Unpacks `archive` into `dir` (emptied first); returns notes on entries it skipped.
fn unpack_archive(archive: &Path, dir: &Path) -> Result<Vec<String>> {
    if dir.exists() {
        fs::remove_dir_all(dir).context(|| format!("cannot empty {}", dir.display()))?;
    }
    fs::create_dir_all(dir).context(|| format!("cannot create {}", dir.display()))?;
    let shown = archive.display().to_string();
    let unreadable = |err: &dyn std::fmt::Display| {
        Error::Failed(format!(
            "cannot unpack {shown}: {err} (is it a complete .zip or .tar.gz?)"
        ))
    };
    let file = fs::File::open(archive).context(|| format!("cannot open {shown}"))?;
    let mut unpacker = Unpacker::new(dir);
    match archive_kind(archive) {
        Some(ArchiveKind::Zip) => {
            let mut zip = zip::ZipArchive::new(file).map_err(|err| unreadable(&err))?;
            for index in 0..zip.len() {
                let mut entry = zip.by_index(index).map_err(|err| unreadable(&err))?;
                let name = entry.name().to_string();
                let path = entry.enclosed_name();
                let kind = if entry.is_symlink() {
                    Kind::Symlink
                } else if entry.is_dir() {
                    Kind::Dir
                } else if entry.is_file() {
                    Kind::File
                } else {
                    Kind::Other
                };
                if !unpacker.entry(&name, path.as_deref(), kind, entry.size(), &mut entry)? {
                    break;
                }
            }
        }
        Some(ArchiveKind::TarGz) => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
            for entry in tar.entries().map_err(|err| unreadable(&err))? {
                let mut entry = entry.map_err(|err| unreadable(&err))?;
                let raw = entry.path_bytes().into_owned();
                let name = String::from_utf8_lossy(&raw).into_owned();
                let path = std::str::from_utf8(&raw).ok().and_then(safe_path);
                let kind = match entry.header().entry_type() {
                    tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
                    tar::EntryType::Directory => Kind::Dir,
                    tar::EntryType::Symlink | tar::EntryType::Link => Kind::Symlink,
                    _ => Kind::Other,
                };
                let size = entry.header().size().unwrap_or(u64::MAX);
                if !unpacker.entry(&name, path.as_deref(), kind, size, &mut entry)? {
                    break;
                }
            }
        }
        None => unreachable!("only archives are unpacked"),
    }
    Ok(unpacker.notes)
}

/// A relative path with no `..`, no root and no prefix, or `None`.
fn safe_path(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| {
            path.components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .collect()
        })
}

/// Writes an archive's entries under one folder, within the size caps.
struct Unpacker<'a> {
    dir: &'a Path,
    total: u64,
    notes: Vec<String>,
}

impl<'a> Unpacker<'a> {
    fn new(dir: &'a Path) -> Self {
        Unpacker {
            dir,
            total: 0,
            notes: Vec::new(),
        }
    }

    /// Unpacks one entry if it is safe; false once the archive is over its total cap.
    fn entry(
        &mut self,
        name: &str,
        path: Option<&Path>,
        kind: Kind,
        size: u64,
        content: &mut dyn Read,
    ) -> Result<bool> {
        let Some(path) = path.filter(|p| p.components().next().is_some()) else {
            self.notes.push(format!(
                "{name}: a path outside the archive's folder, not unpacked"
            ));
            return Ok(true);
        };
        let target = self.dir.join(path);
        match kind {
            Kind::Dir => {
                fs::create_dir_all(&target)
                    .context(|| format!("cannot create {}", target.display()))?;
                return Ok(true);
            }
            Kind::Symlink => {
                self.notes
                    .push(format!("{name}: a link in the archive, not unpacked"));
                return Ok(true);
            }
            Kind::Other => {
                self.notes
                    .push(format!("{name}: not a regular file, not unpacked"));
                return Ok(true);
            }
            Kind::File => {}
        }
        if size > MAX_ENTRY {
            self.notes.push(format!(
                "{name}: {} MiB, over the {} MiB limit for one file, not unpacked",
                size >> 20,
                MAX_ENTRY >> 20
            ));
            return Ok(true);
        }
        if self.total + size > MAX_UNPACKED {
            self.notes.push(format!(
                "the archive unpacks to more than {} MiB: the rest was not unpacked",
                MAX_UNPACKED >> 20
            ));
            return Ok(false);
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut file =
            fs::File::create(&target).context(|| format!("cannot write {}", target.display()))?;
        // The header's size may lie: never copy more than the cap.
        let copied = io::copy(&mut content.take(MAX_ENTRY + 1), &mut file)
            .context(|| format!("cannot unpack {name}"))?;
        self.total += copied;
        if copied > MAX_ENTRY {
            drop(file);
            let _ = fs::remove_file(&target);
            self.notes.push(format!(
                "{name}: over the {} MiB limit for one file, not unpacked",
                MAX_ENTRY >> 20
            ));
        }
        Ok(true)
    }
}

/// What in an exercise file looks like an attempt to game the grader rather than to solve the
/// exercise. A pattern the untouched stub uses too is never flagged.
const SUSPICIOUS: &[(&str, &str)] = &[
    ("process::exit", "ends the process (std::process::exit)"),
    ("process::abort", "aborts the process (std::process::abort)"),
    ("libc::exit", "ends the process (libc::exit)"),
    ("libc::_exit", "ends the process (libc::_exit)"),
    (
        "include_str!",
        "includes a file into the program at compile time",
    ),
    (
        "include_bytes!",
        "includes a file into the program at compile time",
    ),
    (
        "include!",
        "includes a file into the program at compile time",
    ),
    ("env!", "reads the build environment"),
    ("env::var", "reads the environment"),
    ("env::args", "reads the command line"),
    ("/proc/", "reads /proc"),
    ("solutions", "names the reference solutions"),
    ("course.toml", "names the course manifest"),
    ("tests/", "names the graded tests"),
    (".snap", "names the graded snapshots"),
    ("INSTA_", "names the snapshot tool's settings"),
    ("RUST_TEST", "names the test harness's settings"),
    ("logfile", "names the test harness's log"),
    ("test result:", "prints what the test harness prints"),
    ("... ok", "prints what the test harness prints"),
    (
        "#[unsafe(",
        "exports or places symbols (an unsafe attribute)",
    ),
    ("extern \"C\"", "declares foreign functions"),
    ("from_raw_fd", "takes over a raw file descriptor"),
    ("unsafe", "uses unsafe code"),
];

/// The flags of one submitted exercise file, compared with the patterns of its stub.
pub(crate) fn scan_against(exercise: &str, text: &str, stub: &str) -> Vec<Flag> {
    let mut flags = Vec::new();
    for (pattern, what) in SUSPICIOUS {
        if stub.contains(pattern) {
            continue;
        }
        if let Some(line) = text
            .lines()
            .position(|line| code_of(line).contains(pattern))
        {
            flags.push(Flag {
                exercise: exercise.to_string(),
                at: format!("exercises/{exercise}.rs:{}", line + 1),
                what: (*what).to_string(),
            });
        }
    }
    flags
}

/// Flags what in the submitted files looks like gaming, except the patterns each exercise's
/// own stub uses (`stubs`: the pristine stub of each exercise, by name).
pub(crate) fn flag(submission: &mut Submission, stubs: &BTreeMap<String, String>) {
    let mut flags = Vec::new();
    for (exercise, given) in &submission.exercises {
        if let Intake::Submitted(text) = given {
            let stub = stubs.get(exercise).map_or("", String::as_str);
            flags.extend(scan_against(exercise, text, stub));
        }
    }
    submission.flags = flags;
}

/// A line without its `//` comment (a rough cut: good enough to skip commented-out code).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(at) if !line[..at].contains('"') => &line[..at],
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_folder_are_refused() {
        assert_eq!(safe_path("a/b.rs"), Some(PathBuf::from("a/b.rs")));
        assert_eq!(safe_path("./a/b.rs"), Some(PathBuf::from("a/b.rs")));
        assert_eq!(safe_path("../a"), None);
        assert_eq!(safe_path("a/../../b"), None);
        assert_eq!(safe_path("/etc/passwd"), None);
    }

    #[test]
    fn names_come_from_the_folder_or_the_archive() {
        assert_eq!(learner_name(Path::new("/s/alice")), "alice");
        assert_eq!(learner_name(Path::new("/s/bob.zip")), "bob");
        assert_eq!(learner_name(Path::new("/s/carol.tar.gz")), "carol");
        assert_eq!(learner_name(Path::new("/s/dan.tgz")), "dan");
    }

    #[test]
    fn gaming_patterns_are_flagged_unless_the_stub_has_them() {
        let text = "fn f() {\n    std::process::exit(0);\n    // include_str!(\"x\")\n}\n";
        let flags = scan_against("x", text, "");
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert_eq!(flags[0].at, "exercises/x.rs:2");
        assert!(flags[0].what.contains("ends the process"));
        assert!(scan_against("x", text, "use std::process::exit;").is_empty());
        let unsafe_code = "unsafe { core::hint::unreachable_unchecked() }";
        assert_eq!(scan_against("x", unsafe_code, "").len(), 1);
        assert!(scan_against("x", unsafe_code, "// SAFETY: unsafe").is_empty());
    }
}
