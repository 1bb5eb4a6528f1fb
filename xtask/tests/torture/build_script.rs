//! Torture fixture: a build script a submission carries; the grader must never run it.

fn main() {
    let _ = std::fs::write("/tmp/course-torture-build-script-ran", "it ran");
}
