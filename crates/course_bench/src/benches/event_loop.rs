//! The event_loop benchmark: spawn 100,000 trivial tasks from the main future, then await
//! each one's join handle, against tokio's current-thread runtime (`tokio::spawn`, and
//! `spawn_local` on a `LocalSet`, the closer match: the course's loop runs futures that need
//! not be `Send`).

use crate::subject::EventLoop;
use course_bench::{Bench, Role, Settings, black_box};
use std::time::Instant;

fn tasks(s: &Settings) -> u64 {
    s.pick(100_000, 1_000)
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    let group = "spawn 100,000 trivial tasks, then join each";
    bench.case(group, "EventLoop: spawn + await", me, |s| {
        let tasks = tasks(s);
        let event_loop = EventLoop::new();
        s.time("task", tasks, |n| {
            let began = Instant::now();
            for _ in 0..n {
                let handle = event_loop.handle();
                event_loop.block_on(async move {
                    let joins: Vec<_> = (0..tasks)
                        .map(|i| handle.spawn(async move { black_box(i) }))
                        .collect();
                    for join in joins {
                        black_box(join.await.expect("the task returns"));
                    }
                });
            }
            began.elapsed()
        })
    });
    if !bench.baselines() {
        return;
    }
    bench.case(group, "tokio current-thread: spawn", Role::Baseline, |s| {
        let tasks = tasks(s);
        let runtime = current_thread();
        s.time("task", tasks, |n| {
            let began = Instant::now();
            for _ in 0..n {
                runtime.block_on(async {
                    let joins: Vec<_> = (0..tasks)
                        .map(|i| tokio::spawn(async move { black_box(i) }))
                        .collect();
                    for join in joins {
                        black_box(join.await.expect("the task returns"));
                    }
                });
            }
            began.elapsed()
        })
    });
    bench.case(
        group,
        "tokio current-thread: LocalSet spawn_local",
        Role::Baseline,
        |s| {
            let tasks = tasks(s);
            let runtime = current_thread();
            s.time("task", tasks, |n| {
                let began = Instant::now();
                for _ in 0..n {
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&runtime, async {
                        let joins: Vec<_> = (0..tasks)
                            .map(|i| tokio::task::spawn_local(async move { black_box(i) }))
                            .collect();
                        for join in joins {
                            black_box(join.await.expect("the task returns"));
                        }
                    });
                }
                began.elapsed()
            })
        },
    );
}
