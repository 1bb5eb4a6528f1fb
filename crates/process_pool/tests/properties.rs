//! Graded properties (proptest): random task lists (squares, busy work, recalls of the
//! initializer's arguments, a few crashes) over random chunk sizes, worker counts,
//! initializers and quotas. [`Run`] checks each call: one result per task in input order, each
//! right, crashes failing alone, whole chunks, the initializer once per worker, the quota kept,
//! every retired or dead worker waited for. Few cases, little shrinking: each case starts real
//! processes.

use crate::harness::Run;
use course_testkit::proptest_config;
use process_pool::{PoolConfig, Task};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn task() -> impl Strategy<Value = Task> {
    prop_oneof![
        5 => (0u64..1000).prop_map(Task::Square),
        2 => (0u64..5000).prop_map(Task::Spin),
        2 => (0usize..3).prop_map(Task::Recall),
        1 => Just(Task::Crash),
    ]
}

#[test]
fn map_keeps_input_order_and_whole_chunks_for_any_tasks_chunk_sizes_and_workers() {
    let strategy = (
        1usize..=3,
        1usize..=4,
        vec(task(), 0..12),
        option::of(vec(0u64..100, 0..3)),
        option::of(1usize..=3),
    );
    let config = Config {
        max_shrink_iters: 24,
        ..proptest_config(16)
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(
        &strategy,
        |(workers, chunk_size, tasks, initializer, max_tasks)| {
            let config = PoolConfig {
                workers,
                initializer,
                max_tasks_per_child: max_tasks,
            };
            let mut run = Run::try_new(config).map_err(TestCaseError::fail)?;
            run.try_map(&tasks, chunk_size)
                .map_err(TestCaseError::fail)?;
            // The same pool, a second time: quotas and replacements carry over between calls.
            run.try_map(&tasks, chunk_size)
                .map_err(TestCaseError::fail)?;
            run.try_finish().map_err(TestCaseError::fail)?;
            Ok(())
        },
    );
    if let Err(error) = outcome {
        panic!("{error}");
    }
}
