//! Graded traces (insta): the seed's `Pool` program, told without what the operating system
//! decides (pids: workers are named A, B, C in the order they first answer), compared with
//! the committed snapshot. One worker, so the story is the same in every run. (The seed's
//! executor `map` with ten workers is a run whose order the scheduler decides; the cases check
//! it with chunks that finish in an order the test chooses.)

use crate::harness::Run;
use process_pool::{PoolConfig, Task};
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[test]
fn the_seeds_pool_runs_the_initializer_once_per_worker_and_gives_each_apply_a_fresh_worker() {
    let mut text = String::new();
    // Names pids A, B, C... in the order they first answer.
    let mut names: BTreeMap<u32, char> = BTreeMap::new();
    let mut name = |pid: u32| {
        let next = char::from(b'A' + u8::try_from(names.len() % 26).unwrap_or(0));
        *names.entry(pid).or_insert(next)
    };

    // Pool(processes=1, initializer=init, initargs=(main_process_id,), maxtasksperchild=1),
    // then pool.apply(square, (3,)), two more applies, and a map in chunks.
    let parent = u64::from(std::process::id());
    let mut run = Run::new(
        PoolConfig::new(1)
            .initializer([parent])
            .max_tasks_per_child(1),
    );
    writeln!(
        text,
        "Pool(processes=1, initializer=init, initargs=(parent pid,), maxtasksperchild=1)"
    )
    .unwrap();
    for task in [Task::Square(3), Task::Recall(0), Task::Square(4)] {
        let line = match run.apply(&task) {
            Ok(answer) => {
                let value = if task == Task::Recall(0) && answer.value == parent {
                    "the parent's pid".to_owned()
                } else {
                    answer.value.to_string()
                };
                format!(
                    "apply({task}) = {value}, in worker {} (initializer run {} time(s) there)",
                    name(answer.pid),
                    answer.inits
                )
            }
            Err(error) => format!("apply({task}) failed: {error}"),
        };
        writeln!(text, "{line}").unwrap();
    }
    // The executor's map from the seed, with chunksize=5, on the same pool: a chunk is one
    // task, so each chunk gets a fresh worker, and runs whole in it.
    let tasks: Vec<Task> = (1..=10).map(Task::Square).collect();
    let results = run.map(&tasks, 5);
    let values: Vec<String> = results
        .iter()
        .map(|result| match result {
            Ok(answer) => answer.value.to_string(),
            Err(error) => format!("Err({error})"),
        })
        .collect();
    let workers: Vec<String> = results
        .iter()
        .map(|result| match result {
            Ok(answer) => name(answer.pid).to_string(),
            Err(_) => "-".to_owned(),
        })
        .collect();
    writeln!(
        text,
        "map(square, 1..=10, chunksize=5) = [{}]\n  in workers {}",
        values.join(", "),
        workers.join(" ")
    )
    .unwrap();
    writeln!(
        text,
        "workers at the end: {}, every retired one waited for",
        run.worker_pids().len()
    )
    .unwrap();
    run.finish();

    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "The seed's Pool: the initializer ran once in each worker, with the parent's pid, and \
         maxtasksperchild=1 gave every apply, and every chunk of a map, a fresh worker.",
    );
    settings.bind(|| insta::assert_snapshot!("seed_pool", text));
}
