//! `cargo xtask list`: the course's parts and exercises in order, with chapters and the
//! status of each exercise's last check.

use crate::error::Result;
use crate::manifest::{Course, Exercise};
use crate::{status, ui};

pub(crate) fn run(course: &Course) -> Result<()> {
    let manifest = &course.manifest;
    let recorded = status::load(course);
    let width = manifest
        .exercises
        .iter()
        .map(|ex| ex.name.len())
        .max()
        .unwrap_or(0);
    let chapter_width = manifest
        .exercises
        .iter()
        .map(|ex| ex.chapter.len())
        .max()
        .unwrap_or(0);
    let line = |ex: &Exercise| {
        let state = match recorded.get(&ex.name) {
            Some(r) if r.status == "passed" => ui::green(&r.describe()),
            Some(r) => ui::yellow(&r.describe()),
            None => ui::dim("not checked yet"),
        };
        format!(
            "  {:<width$}  {:<chapter_width$}  {state}",
            ex.name, ex.chapter
        )
    };

    let mut out = String::new();
    for part in &manifest.parts {
        out.push_str(&ui::bold(&format!("Part {} · {}", part.number, part.title)));
        out.push('\n');
        let exercises: Vec<&Exercise> = manifest
            .exercises
            .iter()
            .filter(|ex| ex.part == part.number)
            .collect();
        if exercises.is_empty() {
            out.push_str(&format!("  {}\n", ui::dim("no exercises yet")));
        }
        for ex in exercises {
            out.push_str(&line(ex));
            out.push('\n');
        }
    }
    let orphans: Vec<&Exercise> = manifest
        .exercises
        .iter()
        .filter(|ex| manifest.part(ex.part).is_none())
        .collect();
    if !orphans.is_empty() {
        out.push_str(&ui::bold("Other exercises"));
        out.push('\n');
        for ex in orphans {
            out.push_str(&line(ex));
            out.push('\n');
        }
    }
    let (done, total) = status::done(course);
    out.push_str(&format!(
        "\n{done}/{total} exercises done · `cargo xtask check` runs the next one\n"
    ));
    print!("{out}");
    Ok(())
}
