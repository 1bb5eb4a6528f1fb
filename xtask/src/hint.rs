//! `cargo xtask hint EXERCISE [N]`: shows the manifest's hints one at a time, gentlest first.

use crate::error::{Error, Result};
use crate::manifest::Course;
use crate::ui;

pub(crate) fn run(course: &Course, name: &str, number: usize) -> Result<()> {
    let exercise = course.manifest.exercise(name)?;
    let count = exercise.hints.len();
    if count == 0 {
        return Err(Error::NotFound(format!(
            "{name} has no hints yet; its chapter may help: {}",
            exercise.chapter
        )));
    }
    if number == 0 || number > count {
        return Err(Error::NotFound(format!(
            "{name} has {count} hint{}: ask for 1 to {count} (cargo xtask hint {name} 1)",
            if count == 1 { "" } else { "s" }
        )));
    }
    let mut out = format!(
        "{}\n\n",
        ui::bold(&format!("{name} — hint {number} of {count}"))
    );
    out.push_str(&ui::wrap(&exercise.hints[number - 1], 92, "  "));
    out.push('\n');
    if number < count {
        out.push_str(&format!(
            "Next hint: cargo xtask hint {name} {}\n",
            number + 1
        ));
    } else {
        out.push_str("That was the last hint.\n");
    }
    out.push_str(&format!("Chapter: {}\n", exercise.chapter));
    print!("{out}");
    Ok(())
}
