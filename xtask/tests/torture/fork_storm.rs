//! Torture fixture: a bounded fork storm. Every call leaves 40 processes behind, some of them in
//! sessions of their own, and then answers correctly: the grader must kill them all.

pub fn add(a: i64, b: i64) -> i64 {
    for i in 0..40 {
        let mut command = if i % 4 == 0 {
            let mut c = std::process::Command::new("setsid");
            c.args(["sleep", "3517"]);
            c
        } else {
            let mut c = std::process::Command::new("sleep");
            c.arg("3517");
            c
        };
        if let Ok(child) = command.spawn() {
            std::mem::forget(child);
        }
    }
    a + b
}
