//! The process_pool benchmark: tasks per second through a pool of 2 worker processes (the
//! course's `process_pool-worker`), one `apply` at a time and `map` with chunks of 1 and of
//! 100 tasks; against a process started per task, and against rayon on 2 threads, no process
//! at all (what Rust, which has no GIL, would do with CPU work).

use crate::protocol::Task;
use crate::subject::{Pool, PoolConfig};
use course_bench::{Bench, Role, Settings, black_box};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

const WORKERS: usize = 2;

fn worker() -> PathBuf {
    course_bench::worker("process_pool-worker")
}

fn pool() -> Pool {
    Pool::new(worker(), PoolConfig::new(WORKERS)).expect("the workers start")
}

fn tasks(s: &Settings) -> Vec<Task> {
    (0..s.pick(10_000, 100)).map(Task::Square).collect()
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    let group = "apply one square task (a round trip to a worker)";
    bench.case(group, "Pool::apply", me, |s| {
        let mut pool = pool();
        let task = Task::Square(7);
        let stat = s.time("task", 1, |n| {
            let began = Instant::now();
            for _ in 0..n {
                black_box(pool.apply(&task).expect("an answer"));
            }
            began.elapsed()
        });
        pool.shutdown().expect("the workers stop");
        stat
    });
    if bench.baselines() {
        bench.case(
            group,
            "a process per task: spawn, task, stop, wait",
            Role::Baseline,
            |s| {
                let worker = worker();
                s.time("task", 1, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        let mut child = Command::new(&worker)
                            .stdin(Stdio::piped())
                            .stdout(Stdio::piped())
                            .spawn()
                            .expect("the worker starts");
                        let mut stdin = child.stdin.take().expect("piped");
                        stdin
                            .write_all(b"square 7\nstop\n")
                            .expect("the worker reads");
                        drop(stdin);
                        let stdout = BufReader::new(child.stdout.take().expect("piped"));
                        black_box(stdout.lines().count());
                        child.wait().expect("the worker exits");
                    }
                    began.elapsed()
                })
            },
        );
    }

    for chunk in [1, 100] {
        let group = format!("map 10,000 square tasks on 2 workers, chunk_size {chunk}");
        bench.case(&group, "Pool::map", me, move |s| {
            let mut pool = pool();
            let tasks = tasks(s);
            let stat = s.time("task", tasks.len() as u64, |n| {
                let began = Instant::now();
                for _ in 0..n {
                    let results = pool.map(&tasks, chunk);
                    assert_eq!(results.len(), tasks.len(), "one result per task");
                    black_box(results);
                }
                began.elapsed()
            });
            pool.shutdown().expect("the workers stop");
            stat
        });
        if bench.baselines() {
            bench.case(
                &group,
                "no processes: rayon par_iter, 2 threads",
                Role::Baseline,
                move |s| {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(WORKERS)
                        .build()
                        .expect("a rayon pool");
                    let numbers: Vec<u64> = (0..s.pick(10_000, 100)).collect();
                    s.time("task", numbers.len() as u64, |n| {
                        let began = Instant::now();
                        for _ in 0..n {
                            let squares: Vec<u64> = pool.install(|| {
                                numbers
                                    .par_iter()
                                    .with_min_len(chunk)
                                    .map(|x| x.wrapping_mul(*x))
                                    .collect()
                            });
                            black_box(squares);
                        }
                        began.elapsed()
                    })
                },
            );
        }
    }
}
