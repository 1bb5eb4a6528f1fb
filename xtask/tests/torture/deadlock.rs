//! Torture fixture: locks a mutex it already holds, so every call deadlocks.

use std::sync::Mutex;

static LOCK: Mutex<()> = Mutex::new(());

pub fn add(a: i64, b: i64) -> i64 {
    let _first = LOCK.lock().unwrap();
    let _second = LOCK.lock().unwrap();
    a + b
}
