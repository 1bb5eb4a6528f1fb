//! The grader's own copies of the course, one per parallel job ("slot"), in which submissions
//! are built: the instructor's workspace minus everything a submission could use to cheat
//! (`solutions/`, the known-wrong variants, local state), with the committed stubs in
//! `exercises/`. A submission only ever replaces files in a slot's `exercises/`.
//!
//! Cargo decides whether to rebuild by file times, so a slot never trusts them: every
//! exercise file whose content changes gets a modification time later than any it had, and
//! after the build the grader checks that cargo really recompiled it (see `grade.rs`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::compile::Workspace;
use crate::error::{Context, Result};
use crate::manifest::Course;

/// What a slot copies from the course, relative to its root; everything else (solutions/,
/// docs/, .git/, target/, .course/) stays out.
const COPIED: &[&str] = &["Cargo.toml", "Cargo.lock", ".cargo", "crates", "xtask"];

/// One copy of the course that submissions are built in, one after the other.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) workspace: Workspace,
    /// The content of each exercise file as the slot holds it, and the modification time it
    /// was given.
    installed: BTreeMap<String, (String, SystemTime)>,
    /// The tests of each exercise's suite, listed from the stubs' build (an untouched stub is
    /// reported from this list without being built again).
    pub(crate) stub_tests: BTreeMap<String, Vec<String>>,
}

/// The pristine stub of every exercise: as last committed, or as on disk when the course is
/// not a git checkout (an exported autograder) or git has never seen the exercise.
pub(crate) fn stubs(course: &Course) -> Result<BTreeMap<String, String>> {
    let mut stubs = BTreeMap::new();
    let git = course.path(".git").exists();
    for exercise in &course.manifest.exercises {
        // An exercise git has never seen is an author's new one: its stub is the file itself.
        let committed = git
            .then(|| crate::git::pristine_stub(&course.root, &exercise.name).ok())
            .flatten();
        let bytes = match committed {
            Some(bytes) => bytes,
            None => fs::read(course.path(exercise.exercise_file()))
                .context(|| format!("cannot read the stub {}", exercise.exercise_file()))?,
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            crate::error::Error::Failed(format!("the stub of {} is not valid UTF-8", exercise.name))
        })?;
        stubs.insert(exercise.name.clone(), text);
    }
    Ok(stubs)
}

impl Slot {
    /// Prepares slot `index` under `scratch`: a copy of the course (files that did not
    /// change keep their times, so the slot's build cache stays warm) with target
    /// directories of its own. Slots cannot share one: cargo names a workspace crate's
    /// artifacts by its path *within* the workspace, so two slots (or a slot and the
    /// instructor's checkout) would build `crates/NAME` into the very same files.
    pub(crate) fn prepare(
        course: &Course,
        scratch: &Path,
        index: usize,
        stubs: &BTreeMap<String, String>,
    ) -> Result<Slot> {
        let root = scratch.join(format!("slot-{index}"));
        for item in COPIED {
            let from = course.path(item);
            if from.exists() {
                sync(&from, &root.join(item))?;
            }
        }
        let mut workspace = Workspace::at(&root);
        workspace.offline = true;
        let mut slot = Slot {
            workspace,
            installed: BTreeMap::new(),
            stub_tests: BTreeMap::new(),
        };
        fs::create_dir_all(root.join("exercises"))
            .context(|| format!("cannot create {}", root.join("exercises").display()))?;
        for (name, stub) in stubs {
            slot.install(name, stub)?;
        }
        Ok(slot)
    }

    pub(crate) fn root(&self) -> &Path {
        &self.workspace.root
    }

    /// Puts `content` in the slot's `exercises/NAME.rs`; true if that changed the file.
    /// A changed file's modification time is later than the slot ever gave it, and later than
    /// now, so cargo sees it as newer than any build that came before.
    pub(crate) fn install(&mut self, exercise: &str, content: &str) -> Result<bool> {
        let path = self.root().join(format!("exercises/{exercise}.rs"));
        let on_disk = fs::read_to_string(&path).ok();
        let on_disk_time = fs::metadata(&path)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if on_disk.as_deref() == Some(content) {
            // Already there (from an earlier submission or an earlier run of the grader):
            // the last build of this slot was of this very content.
            self.installed
                .insert(exercise.to_string(), (content.to_string(), on_disk_time));
            return Ok(false);
        }
        let previous = self.installed.get(exercise);
        let floor = previous.map_or(SystemTime::UNIX_EPOCH, |(_, time)| *time);
        let time = SystemTime::now()
            .max(floor + Duration::from_millis(10))
            .max(on_disk_time + Duration::from_millis(10));
        fs::write(&path, content).context(|| format!("cannot write {}", path.display()))?;
        set_modified(&path, time)?;
        self.installed
            .insert(exercise.to_string(), (content.to_string(), time));
        Ok(true)
    }

    /// Moves `exercise`'s modification time further into the future, for when cargo did not
    /// rebuild a changed file (a file system with coarse times).
    pub(crate) fn touch_later(&mut self, exercise: &str) -> Result<()> {
        let path = self.root().join(format!("exercises/{exercise}.rs"));
        if let Some((_, time)) = self.installed.get_mut(exercise) {
            *time = (*time).max(SystemTime::now()) + Duration::from_secs(2);
            set_modified(&path, *time)?;
        }
        Ok(())
    }
}

fn set_modified(path: &Path, time: SystemTime) -> Result<()> {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(time))
        .context(|| format!("cannot set the time of {}", path.display()))
}

/// Makes `to` a copy of `from` (a file or a folder), writing only files whose content
/// differs, removing what `from` no longer has, and leaving out generated files and the
/// known-wrong variants (`crates/*/wrong/`, whose patches quote the reference).
fn sync(from: &Path, to: &Path) -> Result<()> {
    let metadata =
        fs::symlink_metadata(from).context(|| format!("cannot read {}", from.display()))?;
    if metadata.is_file() {
        let content = fs::read(from).context(|| format!("cannot read {}", from.display()))?;
        if fs::read(to).ok().as_deref() != Some(content.as_slice()) {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)
                    .context(|| format!("cannot create {}", parent.display()))?;
            }
            fs::write(to, &content).context(|| format!("cannot write {}", to.display()))?;
        }
        return Ok(());
    }
    if !metadata.is_dir() {
        return Ok(()); // links and special files are not part of the course
    }
    fs::create_dir_all(to).context(|| format!("cannot create {}", to.display()))?;
    let mut wanted: Vec<PathBuf> = Vec::new();
    for entry in fs::read_dir(from).context(|| format!("cannot read {}", from.display()))? {
        let entry = entry.context(|| format!("cannot read {}", from.display()))?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        let is_wrong = text == "wrong" && from.parent().is_some_and(|p| p.ends_with("crates"));
        if text == "target"
            || is_wrong
            || text.ends_with(".snap.new")
            || text.ends_with(".pending-snap")
        {
            continue;
        }
        wanted.push(PathBuf::from(&name));
        sync(&entry.path(), &to.join(&name))?;
    }
    for entry in fs::read_dir(to).context(|| format!("cannot read {}", to.display()))? {
        let entry = entry.context(|| format!("cannot read {}", to.display()))?;
        if !wanted.contains(&PathBuf::from(entry.file_name())) {
            let path = entry.path();
            if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            }
            .context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_copies_changes_only_and_leaves_out_the_wrong_variants() {
        let base = std::env::temp_dir().join(format!("xtask-sync-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let (from, to) = (base.join("from"), base.join("to"));
        fs::create_dir_all(from.join("crates/x/wrong")).unwrap();
        fs::create_dir_all(from.join("crates/x/target")).unwrap();
        fs::write(from.join("crates/x/lib.rs"), "a").unwrap();
        fs::write(from.join("crates/x/wrong/v.patch"), "reference").unwrap();
        fs::write(from.join("crates/x/target/junk"), "junk").unwrap();
        sync(&from.join("crates"), &to.join("crates")).unwrap();
        assert_eq!(fs::read_to_string(to.join("crates/x/lib.rs")).unwrap(), "a");
        assert!(!to.join("crates/x/wrong").exists());
        assert!(!to.join("crates/x/target").exists());

        let before = fs::metadata(to.join("crates/x/lib.rs"))
            .unwrap()
            .modified()
            .unwrap();
        fs::write(to.join("crates/x/stale.rs"), "gone").unwrap();
        sync(&from.join("crates"), &to.join("crates")).unwrap();
        let after = fs::metadata(to.join("crates/x/lib.rs"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after, "an unchanged file keeps its time");
        assert!(!to.join("crates/x/stale.rs").exists());
        let _ = fs::remove_dir_all(&base);
    }

    #[test]
    fn a_changed_exercise_always_gets_a_later_time() {
        let base = std::env::temp_dir().join(format!("xtask-slot-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(base.join("exercises")).unwrap();
        let mut slot = Slot {
            workspace: Workspace::at(&base),
            installed: BTreeMap::new(),
            stub_tests: BTreeMap::new(),
        };
        let time = |slot: &Slot| {
            fs::metadata(slot.root().join("exercises/x.rs"))
                .unwrap()
                .modified()
                .unwrap()
        };
        assert!(slot.install("x", "one").unwrap());
        let first = time(&slot);
        assert!(
            !slot.install("x", "one").unwrap(),
            "same content: nothing to do"
        );
        assert!(slot.install("x", "two").unwrap());
        assert!(time(&slot) > first);
        // A learner's file that arrives with an old time still comes out newer.
        fs::write(slot.root().join("exercises/x.rs"), "three").unwrap();
        set_modified(&slot.root().join("exercises/x.rs"), SystemTime::UNIX_EPOCH).unwrap();
        assert!(slot.install("x", "four").unwrap());
        assert!(time(&slot) > first);
        let _ = fs::remove_dir_all(&base);
    }
}
