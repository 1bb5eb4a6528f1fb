//! `cargo xtask watch [EXERCISE]`: checks once, then re-checks whenever a file under
//! `exercises/` changes (polling modification times every 500 ms). Runs until Ctrl-C.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::manifest::Course;
use crate::{check, ui};

const POLL: Duration = Duration::from_millis(500);

pub(crate) fn run(course: &Course, name: Option<&str>) -> Result<()> {
    if let Some(name) = name {
        course.manifest.exercise(name)?;
    }
    let dir = course.path("exercises");
    loop {
        let before = snapshot(&dir);
        ui::clear_screen();
        match check::run(course, name) {
            Ok(_) => {}
            Err(err @ Error::NotFound(_)) => return Err(err),
            Err(err) => eprintln!("error: {err}"),
        }
        println!(
            "\n{}",
            ui::dim("watching exercises/ for changes · Ctrl-C to stop")
        );
        while snapshot(&dir) == before {
            std::thread::sleep(POLL);
        }
    }
}

/// The modification time of every `.rs` file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<SystemTime>> {
    let mut files = BTreeMap::new();
    visit(dir, &mut files);
    files
}

fn visit(dir: &Path, files: &mut BTreeMap<PathBuf, Option<SystemTime>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            visit(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            files.insert(path, modified);
        }
    }
}
