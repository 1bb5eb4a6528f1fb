//! Graded cases (rstest): fixed workloads over grids of worker counts and chunk sizes. Every
//! call goes through [`Run`], which checks the rules of every call (one result per task, in
//! input order, each right; the initializer once per worker; whole chunks; quotas; every
//! retired or dead worker waited for); each case adds the rule it is about. Where a case needs
//! tasks to be running at the same moment, `meet` tasks hold them at a [`Rendezvous`] until
//! the test lets them go: no test depends on timing.

use crate::harness::{Rendezvous, Run, WORKER, chunk_1_finishes_first};
use course_testkit::process::children;
use process_pool::{Pool, PoolConfig, PoolError, Task, TaskError};
use rstest::rstest;

#[test]
fn smoke_apply_squares_a_number_in_a_worker_process() {
    let mut run = Run::new(PoolConfig::new(1));
    let pids = run.worker_pids();
    let answer = run
        .apply(&Task::Square(3))
        .unwrap_or_else(|error| run.fail(format!("apply(square 3) failed: {error}"), &[]));
    if !pids.contains(&answer.pid) {
        run.fail(
            format!(
                "apply(square 3) was answered by worker {}, which is not one of the pool's \
                 workers {pids:?}",
                answer.pid
            ),
            &[],
        );
    }
    run.finish();
}

#[rstest]
fn map_returns_one_result_per_task_in_input_order_for_every_chunk_size(
    #[values(1, 2, 3, 7, 8)] chunk_size: usize,
) {
    // Seven tasks, all with different results: 7 = 2 x 3 + 1 leaves a short last chunk for
    // chunk sizes 2 and 3, and 8 makes one chunk larger than the input. One worker, so the run
    // is the same every time; the next test has several.
    let tasks = [
        Task::Square(10),
        Task::Spin(3000),
        Task::Square(11),
        Task::Square(12),
        Task::Spin(10),
        Task::Square(13),
        Task::Square(14),
    ];
    let mut run = Run::new(PoolConfig::new(1));
    run.map(&tasks, chunk_size);
    // The same pool serves a second call just as well.
    run.map(&tasks[..5], chunk_size);
    run.map(&[], chunk_size);
    run.finish();
}

#[rstest]
fn map_keeps_input_order_while_the_workers_run_chunks_at_once(
    #[values(1, 2, 3)] chunk_size: usize,
    #[values(2, 3)] workers: usize,
) {
    // `workers + 2` chunks, each beginning with `meet k` (k its index), the last one short
    // when chunk_size > 1. The first `workers` chunks run at once; chunk 1 is let go first,
    // and its worker takes chunk `workers` while chunk 0 is still held: chunk 1 finishes
    // before chunk 0, and its results must still come second.
    let mut run = Run::new(PoolConfig::new(workers));
    let meeting = Rendezvous::new(&run.trace);
    let mut tasks = Vec::new();
    let chunks = workers + 2;
    for chunk in 0..chunks {
        tasks.push(meeting.task(chunk as u64));
        let rest = if chunk + 1 == chunks {
            chunk_size.saturating_sub(2)
        } else {
            chunk_size - 1
        };
        tasks.extend((0..rest as u64).map(|k| Task::Square(100 + 10 * chunk as u64 + k)));
    }
    run.map_with(&meeting, &tasks, chunk_size, |meeting| {
        chunk_1_finishes_first(meeting, workers)
    });
    run.finish();
}

#[rstest]
fn the_tasks_of_a_chunk_run_in_one_worker_one_after_another(#[values(2, 3)] chunk_size: usize) {
    // Two chunks, each starting with a `meet`: both chunks must start at once, one per
    // worker. A pool that handed out tasks one by one would give the second task of chunk 0
    // to the other worker while the first is held.
    let mut run = Run::new(PoolConfig::new(2));
    let meeting = Rendezvous::new(&run.trace);
    // A third chunk, `meet 2` alone, lets the test see chunk 1's worker come back for more.
    let mut tasks = Vec::new();
    for chunk in 0..2u64 {
        tasks.push(meeting.task(chunk));
        tasks.extend((1..chunk_size as u64).map(|k| Task::Square(10 * chunk + k)));
    }
    tasks.push(meeting.task(2));
    let results = run.map_with(&meeting, &tasks, chunk_size, |meeting| {
        chunk_1_finishes_first(meeting, 2)
    });
    // Run::map_with checked that each chunk ran in one worker; the two ran at the same time,
    // so in two different workers.
    let first = results[0].as_ref().map(|answer| answer.pid);
    let second = results[chunk_size].as_ref().map(|answer| answer.pid);
    if first == second {
        run.fail(
            format!(
                "both chunks ran in worker {first:?}, yet they were running at the same moment"
            ),
            &[],
        );
    }
    run.finish();
}

#[rstest]
fn with_one_task_per_child_every_task_runs_in_a_fresh_worker(#[values(1, 2)] workers: usize) {
    let mut run = Run::new(PoolConfig::new(workers).max_tasks_per_child(1));
    let mut pids = Vec::new();
    for n in 0..3 {
        let answer = run
            .apply(&Task::Square(n))
            .unwrap_or_else(|error| run.fail(format!("apply(square {n}) failed: {error}"), &[]));
        pids.push(answer.pid);
    }
    // Then a map of `meet` tasks, one per chunk: each must run in a fresh worker too, also
    // the one that takes chunk `workers` as soon as the worker of chunk 1 is retired.
    let meeting = Rendezvous::new(&run.trace);
    let tasks: Vec<Task> = (0..5).map(|tag| meeting.task(tag)).collect();
    let results = run.map_with(&meeting, &tasks, 1, |meeting| {
        chunk_1_finishes_first(meeting, workers)
    });
    pids.extend(results.into_iter().flatten().map(|answer| answer.pid));
    // Run checked each worker's quota; this says it again in the seed's words.
    let distinct: std::collections::BTreeSet<u32> = pids.iter().copied().collect();
    if distinct.len() != pids.len() {
        run.fail(
            format!(
                "with maxtasksperchild=1, the 8 tasks ran in workers {pids:?}: a pid repeats, so \
                 a worker ran two tasks"
            ),
            &[],
        );
    }
    run.finish();
}

#[test]
fn max_tasks_per_child_counts_each_chunk_as_one_task() {
    // One worker, a quota of 2 tasks: three applies run in A, A, B; then nine tasks in chunks
    // of 3 run in B (its second task), C, C, each chunk whole.
    let mut run = Run::new(PoolConfig::new(1).max_tasks_per_child(2));
    let mut pids = Vec::new();
    for n in 0..3 {
        let answer = run
            .apply(&Task::Square(n))
            .unwrap_or_else(|error| run.fail(format!("apply(square {n}) failed: {error}"), &[]));
        pids.push(answer.pid);
    }
    let tasks: Vec<Task> = (3..12).map(Task::Square).collect();
    for answer in run.map(&tasks, 3).into_iter().flatten() {
        pids.push(answer.pid);
    }
    let (a, b, c) = (pids[0], pids[2], pids[6]);
    let expected = [a, a, b, b, b, b, c, c, c, c, c, c];
    if pids != expected || a == b || b == c || a == c {
        run.fail(
            format!(
                "with max_tasks_per_child = 2 and one worker, 3 applies and then 3 chunks of 3 \
                 must run in workers A A B, then B B B, C C C, C C C (a fresh worker after every \
                 2 tasks, a chunk counting as one task); they ran in {pids:?}"
            ),
            &[],
        );
    }
    run.finish();
}

#[rstest]
fn the_initializer_runs_once_in_every_worker_with_its_arguments(#[values(1, 3)] workers: usize) {
    // As in the seed: the initializer gets the parent's pid. Run checks that every answer
    // comes from a worker that ran the initializer exactly once.
    let parent = u64::from(std::process::id());
    let mut run = Run::new(PoolConfig::new(workers).initializer([parent, 42]));
    for _ in 0..2 {
        // Run checks the value (the parent's pid) and the initializer count.
        let _ = run.apply(&Task::Recall(0));
    }
    let _ = run.apply(&Task::Recall(1));
    // Six tasks for the workers: with 3 workers, at least one runs two of them. (All six
    // have the same result, so this test does not depend on which worker runs which.)
    let tasks = vec![Task::Recall(0); 6];
    run.map(&tasks, 1);
    run.map(&tasks, 1);
    run.finish();
}

#[test]
fn without_an_initializer_no_worker_runs_one_and_a_failing_task_fails_alone() {
    let mut run = Run::new(PoolConfig::new(1));
    let pids = run.worker_pids();
    // `recall` has nothing to recall: the task fails, and its worker goes on.
    match run.apply(&Task::Recall(0)) {
        Err(TaskError::Failed(_)) => {}
        other => run.fail(
            format!("apply(recall 0) without an initializer must fail, not give {other:?}"),
            &[],
        ),
    }
    let answer = run
        .apply(&Task::Square(6))
        .unwrap_or_else(|error| run.fail(format!("apply(square 6) failed: {error}"), &[]));
    if !pids.contains(&answer.pid) {
        run.fail(
            format!(
                "after a task answered `err`, the next one ran in worker {}, not in the pool's \
                 worker {pids:?}: a task that fails (but answers) does not cost its worker",
                answer.pid
            ),
            &[],
        );
    }
    run.map(&[Task::Recall(1), Task::Square(7), Task::Recall(0)], 2);
    run.finish();
}

#[test]
fn a_task_that_crashes_its_worker_fails_alone_and_a_replacement_takes_its_place() {
    let parent = u64::from(std::process::id());
    let mut run = Run::new(PoolConfig::new(2).initializer([parent]));
    let before = run.worker_pids();
    // Run checks the error, that the pool has 2 live workers again, and that the dead one was
    // waited for.
    let dead = match run.apply(&Task::Crash) {
        Err(TaskError::WorkerDied { pid, .. }) => pid,
        other => run.fail(
            format!("apply(crash) must give Err(TaskError::WorkerDied {{ .. }}), not {other:?}"),
            &[],
        ),
    };
    if !before.contains(&dead) {
        run.fail(
            format!("apply(crash) says worker {dead} died, but the pool's workers were {before:?}"),
            &[],
        );
    }
    // The replacement was initialized (Run checks every answer's initializer count).
    for _ in 0..2 {
        let _ = run.apply(&Task::Recall(0));
    }
    run.finish();
}

#[rstest]
fn a_crash_in_a_map_fails_that_task_only_and_the_map_goes_on(#[values(1, 2, 4)] chunk_size: usize) {
    // Two crashes; every other task still gets its result, the rest of a crashed chunk runs
    // in the replacement (initialized like any worker), and the pool ends with all its
    // workers, the dead ones waited for. One worker, so the run is the same every time.
    let parent = u64::from(std::process::id());
    let mut run = Run::new(PoolConfig::new(1).initializer([parent, 7]));
    let tasks = [
        Task::Square(1),
        Task::Crash,
        Task::Recall(1),
        Task::Square(4),
        Task::Square(5),
        Task::Crash,
        Task::Recall(0),
        Task::Square(8),
    ];
    run.map(&tasks, chunk_size);
    // And the pool is as good as new.
    run.map(&tasks[2..5], chunk_size);
    run.finish();
}

#[test]
fn a_crash_in_one_worker_leaves_the_others_at_work() {
    // Two workers, chunks of one. Task 0 is held; meanwhile the other worker crashes on task
    // 1, and its replacement must run tasks 2 and 3 while task 0 is still held.
    let mut run = Run::new(PoolConfig::new(2));
    let meeting = Rendezvous::new(&run.trace);
    let tasks = [
        meeting.task(0),
        Task::Crash,
        Task::Square(7),
        meeting.task(3),
    ];
    run.map_with(&meeting, &tasks, 1, |meeting| {
        meeting
            .wait_for(&[0])
            .map_err(|why| format!("{why}: task 0 never started"))?;
        meeting.wait_for(&[3]).map_err(|why| {
            format!(
                "{why}. While task 0 was held, the other worker died running task 1; a \
                 replacement had to take its place at once and run tasks 2 and 3."
            )
        })
    });
    run.finish();
}

#[test]
fn dropping_the_pool_kills_and_waits_for_every_worker() {
    let mut run = Run::new(PoolConfig::new(3).max_tasks_per_child(1));
    for task in [Task::Square(1), Task::Crash, Task::Square(3)] {
        let _ = run.apply(&task);
    }
    run.drop_pool();
}

#[test]
fn a_worker_program_that_cannot_start_is_an_error_and_so_is_an_empty_pool() {
    let before = children();
    match Pool::new("/nonexistent/process_pool-worker", PoolConfig::new(2)) {
        Err(PoolError::Spawn(_)) => {}
        Err(other) => panic!(
            "Pool::new with a program that does not exist must return Err(PoolError::Spawn), \
             not Err({other:?})"
        ),
        Ok(_) => panic!("Pool::new with a program that does not exist must fail"),
    }
    for (config, what) in [
        (PoolConfig::new(0), "0 workers"),
        (
            PoolConfig::new(1).max_tasks_per_child(0),
            "max_tasks_per_child 0",
        ),
    ] {
        match Pool::new(WORKER, config) {
            Err(PoolError::Config(_)) => {}
            Err(other) => {
                panic!("Pool::new with {what} must return Err(PoolError::Config), not {other:?}")
            }
            Ok(_) => panic!("Pool::new with {what} must fail with PoolError::Config"),
        }
    }
    let left: Vec<u32> = children()
        .into_iter()
        .filter(|pid| !before.contains(pid))
        .collect();
    assert!(
        left.is_empty(),
        "Pool::new failed, but left child processes behind: {left:?}"
    );
    // The real program still works.
    let mut run = Run::new(PoolConfig::new(1));
    let _ = run.apply(&Task::Square(9));
    run.finish();
}
