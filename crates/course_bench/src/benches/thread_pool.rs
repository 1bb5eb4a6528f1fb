//! The thread_pool benchmark: trivial tasks per second through a pool of 2 workers (submit a
//! batch, then wait for every future; and `map`), against rayon's pool (`scope` + `spawn`, and
//! `par_iter().map()`) and against a thread per task.

use crate::subject::ThreadPool;
use course_bench::{Bench, Role, Settings, black_box};
use rayon::prelude::*;
use std::time::Instant;

const WORKERS: usize = 2;

fn batch(s: &Settings) -> u64 {
    s.pick(10_000, 200)
}

fn rayon_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .expect("a rayon pool")
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    let group = "submit 10,000 trivial tasks, then wait for each (2 workers)";
    bench.case(group, "ThreadPool::submit + result", me, |s| {
        let pool = ThreadPool::new(WORKERS);
        let tasks = batch(s);
        s.time("task", tasks, |n| {
            let began = Instant::now();
            for _ in 0..n {
                let futures: Vec<_> = (0..tasks)
                    .map(|i| pool.submit(move || black_box(i)).expect("the pool is open"))
                    .collect();
                for future in futures {
                    black_box(future.result().expect("the task returns"));
                }
            }
            began.elapsed()
        })
    });
    if bench.baselines() {
        bench.case(group, "rayon scope + spawn", Role::Baseline, |s| {
            let pool = rayon_pool();
            let tasks = batch(s);
            s.time("task", tasks, |n| {
                let began = Instant::now();
                for _ in 0..n {
                    pool.scope(|scope| {
                        for i in 0..tasks {
                            scope.spawn(move |_| {
                                black_box(i);
                            });
                        }
                    });
                }
                began.elapsed()
            })
        });
        bench.case(
            group,
            "a thread per task (thread::spawn + join)",
            Role::Baseline,
            |s| {
                let tasks = batch(s);
                s.time("task", tasks, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        let threads: Vec<_> = (0..tasks)
                            .map(|i| std::thread::spawn(move || black_box(i)))
                            .collect();
                        for thread in threads {
                            black_box(thread.join().expect("the thread returns"));
                        }
                    }
                    began.elapsed()
                })
            },
        );
    }

    let group = "map x -> 2x over 10,000 items (2 workers)";
    bench.case(group, "ThreadPool::map", me, |s| {
        let pool = ThreadPool::new(WORKERS);
        let items = batch(s);
        s.time("item", items, |n| {
            let began = Instant::now();
            for _ in 0..n {
                let results = pool
                    .map(|x: u64| x * 2, 0..items)
                    .expect("the pool is open");
                for result in results {
                    black_box(result.expect("the task returns"));
                }
            }
            began.elapsed()
        })
    });
    if bench.baselines() {
        bench.case(
            group,
            "rayon par_iter().map().collect()",
            Role::Baseline,
            |s| {
                let pool = rayon_pool();
                let items = batch(s);
                s.time("item", items, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        let doubled: Vec<u64> =
                            pool.install(|| (0..items).into_par_iter().map(|x| x * 2).collect());
                        black_box(doubled);
                    }
                    began.elapsed()
                })
            },
        );
    }
}
