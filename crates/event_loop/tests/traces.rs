//! Graded traces (insta): runs whose correct trace is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A wrong loop shows up as a difference in those lines: a
//! sleep that blocks the thread moves every later line, a gather in completion order changes
//! the last one.

use crate::harness::{Ctx, OrFail, Scenario, secs};
use event_loop::gather;

/// The seed's example: three fetches with these delays, in seconds.
const SEED: [(&str, u64); 3] = [("url1", 2), ("url2", 3), ("url3", 1)];

/// Compares `trace` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, trace: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "The three fetches run concurrently on one thread: each starts at t=0, each finishes \
         exactly when its own sleep ends (url3 at 1 s, url1 at 2 s, url2 at 3 s), and the whole \
         run ends at t=3 s, the longest delay, not 6 s, their sum. Results come back in input \
         order.",
    );
    settings.bind(|| insta::assert_snapshot!(name, trace));
}

#[test]
fn the_seeds_three_fetches_finish_url3_url1_url2_and_gather_ends_at_three_seconds() {
    let s = Scenario::new();
    s.run(|ctx: Ctx| async move {
        ctx.note(
            "main",
            "gathers fetch_data of url1 (2 s), url2 (3 s), url3 (1 s)",
        );
        let results = gather(SEED.map(|(url, delay)| ctx.fetch(url, secs(delay)))).await;
        ctx.note("main", format!("gather returned {results:?}"));
    })
    .or_fail();
    snapshot("seed_gather", &s.rendered());
}

#[test]
fn the_seeds_fetches_as_spawned_tasks_also_end_at_three_seconds() {
    let s = Scenario::new();
    s.run(|ctx: Ctx| async move {
        ctx.note(
            "main",
            "spawns fetch_data of url1 (2 s), url2 (3 s), url3 (1 s)",
        );
        let tasks = SEED.map(|(url, delay)| ctx.handle.spawn(ctx.fetch(url, secs(delay))));
        ctx.note("main", "awaits the three handles in turn");
        for (task, (url, _)) in tasks.into_iter().zip(SEED) {
            let result = task.await;
            ctx.note("main", format!("{url}'s handle gave {result:?}"));
        }
    })
    .or_fail();
    snapshot("seed_spawned", &s.rendered());
}
