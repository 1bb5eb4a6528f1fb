//! Known-wrong variants, kept as patches against the reference.
//!
//! `crates/NAME/wrong/VARIANT.patch` is a unified diff from `solutions/NAME.rs` to the wrong
//! implementation. Applying it gives `crates/NAME/wrong/VARIANT.rs`, which is generated (not
//! committed) and which the crate compiles with the feature `wrong_VARIANT`. A patch shows
//! exactly the lines that make a variant wrong, which is what the book wants to show, and a
//! change to the reference reaches every variant without being copied into each.
//!
//! `cargo xtask wrong NAME VARIANT` writes the variant's source so an author can read, run or
//! edit it; `cargo xtask wrong NAME VARIANT --save` turns the edited source back into the
//! patch. Text before the patch's first `--- ` line is commentary and is kept by `--save`.

use std::path::{Path, PathBuf};

use crate::error::{Context, Error, Result};
use crate::manifest::Course;

/// `crates/NAME/wrong/VARIANT.patch`, relative to the course root.
pub(crate) fn patch_file(name: &str, variant: &str) -> String {
    format!("crates/{name}/wrong/{variant}.patch")
}

/// `crates/NAME/wrong/VARIANT.rs` (generated), relative to the course root.
pub(crate) fn source_file(name: &str, variant: &str) -> String {
    format!("crates/{name}/wrong/{variant}.rs")
}

fn solution_file(name: &str) -> String {
    format!("solutions/{name}.rs")
}

fn read(root: &Path, relative: &str) -> Result<String> {
    std::fs::read_to_string(root.join(relative)).context(|| format!("cannot read {relative}"))
}

/// Splits a patch file into its commentary and the diff itself.
fn split_commentary(text: &str) -> (&str, &str) {
    let start = text
        .match_indices("--- ")
        .map(|(at, _)| at)
        .find(|&at| at == 0 || text.as_bytes()[at - 1] == b'\n')
        .unwrap_or(text.len());
    text.split_at(start)
}

/// The variant's source: the reference with the patch applied.
pub(crate) fn source(root: &Path, name: &str, variant: &str) -> Result<String> {
    let patch_path = patch_file(name, variant);
    let text = read(root, &patch_path)?;
    let (_, diff) = split_commentary(&text);
    let patch = diffy::Patch::from_str(diff)
        .map_err(|err| Error::Failed(format!("{patch_path} is not a unified diff: {err}")))?;
    let reference = read(root, &solution_file(name))?;
    diffy::apply(&reference, &patch).map_err(|err| {
        Error::Failed(format!(
            "{patch_path} no longer applies to {} ({err}). Re-create the variant: edit the \
             reference's new text into {} and run `cargo xtask wrong {name} {variant} --save`",
            solution_file(name),
            source_file(name, variant),
        ))
    })
}

/// Writes the variant's source file (only if it changed, so cargo's cache stays valid) and
/// returns its path.
pub(crate) fn materialize(root: &Path, name: &str, variant: &str) -> Result<PathBuf> {
    let source = source(root, name, variant)?;
    let path = root.join(source_file(name, variant));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(source.as_str()) {
        std::fs::write(&path, source).context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(path)
}

/// Rewrites the patch from the (edited) variant source, keeping the patch's commentary.
pub(crate) fn save(root: &Path, name: &str, variant: &str) -> Result<PathBuf> {
    let source_path = source_file(name, variant);
    let edited = read(root, &source_path).map_err(|_| {
        Error::Failed(format!(
            "{source_path} does not exist: write it first (`cargo xtask wrong {name} {variant}` \
             starts it from the current patch, or copy {} there)",
            solution_file(name)
        ))
    })?;
    let reference = read(root, &solution_file(name))?;
    if edited == reference {
        return Err(Error::Failed(format!(
            "{source_path} is identical to the reference: a known-wrong variant must differ"
        )));
    }
    let patch_path = patch_file(name, variant);
    let commentary = std::fs::read_to_string(root.join(&patch_path))
        .map(|text| split_commentary(&text).0.to_owned())
        .unwrap_or_default();
    let patch = diffy::DiffOptions::new()
        .set_original_filename(solution_file(name))
        .set_modified_filename(source_path)
        .create_patch(&reference, &edited);
    let path = root.join(&patch_path);
    std::fs::write(&path, format!("{commentary}{patch}"))
        .context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// `cargo xtask wrong NAME VARIANT [--save]`.
pub(crate) fn run(course: &Course, name: &str, variant: &str, save_patch: bool) -> Result<()> {
    let exercise = course.manifest.exercise(name)?;
    if !exercise.wrong.iter().any(|wrong| wrong.name == variant) {
        let known: Vec<&str> = exercise.wrong.iter().map(|w| w.name.as_str()).collect();
        return Err(Error::NotFound(format!(
            "{name} has no known-wrong variant `{variant}` (it has: {}); new variants are \
             declared as [[exercise.wrong]] in xtask/course.toml",
            known.join(", ")
        )));
    }
    if save_patch {
        save(&course.root, name, variant)?;
        println!(
            "{} now holds the difference between {} and {}.",
            patch_file(name, variant),
            solution_file(name),
            source_file(name, variant)
        );
    } else {
        materialize(&course.root, name, variant)?;
        println!(
            "{} holds the variant (generated, not committed). Run its suite with \
             `cargo test -p {name} --features wrong_{variant}`; after editing it, \
             `cargo xtask wrong {name} {variant} --save` updates the patch.",
            source_file(name, variant)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commentary_is_the_text_before_the_diff() {
        let text = "why it is wrong\n--- a.rs\n+++ b.rs\n@@ -1 +1 @@\n-x\n+y\n";
        let (commentary, diff) = split_commentary(text);
        assert_eq!(commentary, "why it is wrong\n");
        assert!(diff.starts_with("--- a.rs"));
        assert_eq!(split_commentary("--- a\n").0, "");
    }

    #[test]
    fn a_saved_patch_reproduces_the_variant() {
        let root = std::env::temp_dir().join(format!("xtask-wrong-{}", std::process::id()));
        std::fs::create_dir_all(root.join("solutions")).unwrap();
        std::fs::create_dir_all(root.join("crates/x/wrong")).unwrap();
        std::fs::write(
            root.join("solutions/x.rs"),
            "fn a() {}\nfn b() {}\nfn c() {}\n",
        )
        .unwrap();
        std::fs::write(root.join("crates/x/wrong/v.patch"), "Commentary.\n").unwrap();
        let variant = "fn a() {}\nfn b() { oops() }\nfn c() {}\n";
        std::fs::write(root.join("crates/x/wrong/v.rs"), variant).unwrap();
        save(&root, "x", "v").unwrap();
        std::fs::remove_file(root.join("crates/x/wrong/v.rs")).unwrap();
        materialize(&root, "x", "v").unwrap();
        let patch = std::fs::read_to_string(root.join("crates/x/wrong/v.patch")).unwrap();
        assert!(
            patch.starts_with("Commentary.\n--- solutions/x.rs\n"),
            "{patch}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("crates/x/wrong/v.rs")).unwrap(),
            variant
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
