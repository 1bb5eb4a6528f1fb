//! Graded traces (insta): runs whose correct trace is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A wrong lock shows up as a difference in those lines.

use crate::harness::{Actor, OrFail, setup};

/// Compares `trace` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, trace: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "The owner locks twice and is let in at once; another thread's try_lock() is refused \
         while any of the owner's guards is alive; a thread waiting in lock() gets the lock only \
         after the owner's last guard is dropped.",
    );
    settings.bind(|| insta::assert_snapshot!(name, trace));
}

#[test]
fn nested_owner_then_a_refused_try_lock_then_a_waiter_let_in_after_the_last_guard() {
    let (lock, trace) = setup();
    let owner = Actor::spawn("owner", &lock, &trace);
    let other = Actor::spawn("other", &lock, &trace);
    owner.lock().or_fail();
    owner.lock().or_fail();
    other.try_lock().or_fail();
    owner.unlock().or_fail();
    other.try_lock().or_fail();
    other.start_lock().or_fail();
    owner.unlock().or_fail();
    other.finish_lock().or_fail();
    owner.try_lock().or_fail();
    snapshot("nested_then_waiter", &trace.render());
}
