//! Graded cases (rstest): both start orders (every permutation of the two threads, see
//! `harness::START_ORDERS`) for several `n`, each thread started only once the other has
//! printed or gone to sleep; the states in between; and one smoke test on the real clock.

use crate::harness::{BAR_FIRST, FOO_FIRST, OrFail, expected, spawn_threads};
use course_testkit::{join_patiently, patience};
use foo_bar::FooBar;
use rstest::rstest;
use std::sync::{Arc, Mutex};

/// The two threads share one `FooBar` through `&self`.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<FooBar>();
};

#[test]
fn smoke_foo_then_bar_once() {
    let mut run = spawn_threads(1, &FOO_FIRST);
    run.start_in_order(&FOO_FIRST).or_fail();
    run.finish().or_fail();
    run.check_printed(&expected(1), &FOO_FIRST).or_fail();
}

#[rstest]
#[case::foo_first(FOO_FIRST)]
#[case::bar_first(BAR_FIRST)]
fn the_output_alternates_foo_bar_n_times_whichever_thread_starts_first(
    #[case] order: [&str; 2],
    #[values(1, 2, 5)] n: usize,
) {
    let mut run = spawn_threads(n, &order);
    run.start_in_order(&order).or_fail();
    run.finish().or_fail();
    run.check_printed(&expected(n), &order).or_fail();
}

#[test]
fn bar_sleeps_and_prints_nothing_until_foo_has_printed() {
    let mut run = spawn_threads(3, &BAR_FIRST);
    run.start("bar").or_fail();
    if let Some((seq, line)) = run.printed().first() {
        panic!(
            "{}",
            run.failure(
                format!(
                    "{line:?} came out while foo() had not even been called: bar must wait \
                     for foo's first line"
                ),
                &[*seq],
            )
        );
    }
    let blocked = run.clock().blocked();
    if blocked != 1 {
        panic!(
            "{}",
            run.failure(
                format!(
                    "with bar() called and foo() not, {blocked} thread(s) were asleep on the \
                     clock, not 1: bar must sleep until its turn"
                ),
                &[],
            )
        );
    }
    run.start("foo").or_fail();
    run.finish().or_fail();
    run.check_printed(&expected(3), &BAR_FIRST).or_fail();
}

#[test]
fn foo_alone_prints_once_then_sleeps_until_bar_has_printed() {
    let mut run = spawn_threads(3, &FOO_FIRST);
    run.start("foo").or_fail();
    let printed = run.printed();
    let lines: Vec<&str> = printed.iter().map(|(_, line)| line.as_str()).collect();
    if lines != ["foo"] {
        let focus: Vec<usize> = printed.iter().map(|(seq, _)| *seq).collect();
        panic!(
            "{}",
            run.failure(
                format!(
                    "foo() ran alone (bar() not called yet): exactly one \"foo\" should be \
                     out, but {lines:?} came out. After each line, foo must wait for bar's"
                ),
                &focus,
            )
        );
    }
    let blocked = run.clock().blocked();
    if blocked != 1 {
        panic!(
            "{}",
            run.failure(
                format!(
                    "foo() printed its first line and must now wait for bar, asleep, but \
                     {blocked} thread(s) were asleep on the clock"
                ),
                &[],
            )
        );
    }
    run.start("bar").or_fail();
    run.finish().or_fail();
    run.check_printed(&expected(3), &FOO_FIRST).or_fail();
}

#[test]
fn real_clock_smoke_the_threads_alternate_many_times() {
    // Many rounds: a lost wake-up, if there is one, happens in one of them.
    let n = 200;
    let foo_bar = Arc::new(FooBar::new(n));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let bar = {
        let (foo_bar, lines) = (Arc::clone(&foo_bar), Arc::clone(&lines));
        std::thread::spawn(move || foo_bar.bar(|| lines.lock().unwrap().push("bar")))
    };
    let foo = {
        let (foo_bar, lines) = (Arc::clone(&foo_bar), Arc::clone(&lines));
        std::thread::spawn(move || foo_bar.foo(|| lines.lock().unwrap().push("foo")))
    };
    for (name, handle) in [("foo", foo), ("bar", bar)] {
        let joined = join_patiently(handle);
        assert!(
            joined.is_some(),
            "on the real clock, {name}() had not returned after {:?} ({} lines out of {}): a \
             thread waits for a turn that never comes; was it woken when the turn was handed \
             over?",
            patience(),
            lines.lock().unwrap().len(),
            2 * n
        );
        assert!(
            joined.is_some_and(|result| result.is_ok()),
            "on the real clock, the {name} thread panicked"
        );
    }
    let lines = lines.lock().unwrap();
    if let Some(i) = lines
        .iter()
        .zip(expected(n))
        .position(|(got, want)| *got != want)
    {
        panic!(
            "on the real clock, line {} was {:?}: the lines must alternate foo, bar, ... \
             (lines {}..: {:?})",
            i + 1,
            lines[i],
            i.saturating_sub(2) + 1,
            &lines[i.saturating_sub(2)..(i + 3).min(lines.len())]
        );
    }
    assert_eq!(
        lines.len(),
        2 * n,
        "on the real clock, each side prints n times"
    );
}
