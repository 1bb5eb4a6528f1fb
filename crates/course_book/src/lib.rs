//! The course book's chapters as doc comments, so `cargo test -p course_book` compiles (and
//! runs) every Rust code block in `docs/`: no snippet in the book can rot.
//!
//! Add each new chapter here. Blocks that are not Rust (`text`, `python`, `console`) are not
//! compiled; Rust blocks that must not run use `no_run`.

#[doc = include_str!("../../../docs/src/introduction.md")]
pub mod introduction {}

/// Concepts: the ideas behind the exercises, one chapter each.
pub mod concepts {
    #[doc = include_str!("../../../docs/src/concepts/concurrency_and_parallelism.md")]
    pub mod concurrency_and_parallelism {}
    #[doc = include_str!("../../../docs/src/concepts/multitasking.md")]
    pub mod multitasking {}
    #[doc = include_str!("../../../docs/src/concepts/throughput_and_latency.md")]
    pub mod throughput_and_latency {}
    #[doc = include_str!("../../../docs/src/concepts/sync_and_async.md")]
    pub mod sync_and_async {}
    #[doc = include_str!("../../../docs/src/concepts/shared_state.md")]
    pub mod shared_state {}
    #[doc = include_str!("../../../docs/src/concepts/deadlock.md")]
    pub mod deadlock {}
    #[doc = include_str!("../../../docs/src/concepts/mutex_semaphore_monitor.md")]
    pub mod mutex_semaphore_monitor {}
    #[doc = include_str!("../../../docs/src/concepts/condition_variables.md")]
    pub mod condition_variables {}
    #[doc = include_str!("../../../docs/src/concepts/gil_send_sync.md")]
    pub mod gil_send_sync {}
    #[doc = include_str!("../../../docs/src/concepts/threads_and_processes.md")]
    pub mod threads_and_processes {}
    #[doc = include_str!("../../../docs/src/concepts/futures.md")]
    pub mod futures {}
    #[doc = include_str!("../../../docs/src/concepts/async_await.md")]
    pub mod async_await {}
}

/// Part 1. Threads, shared state and locks.
pub mod part1 {
    #[doc = include_str!("../../../docs/src/part1/thread_basics.md")]
    pub mod thread_basics {}
    #[doc = include_str!("../../../docs/src/part1/race_counter.md")]
    pub mod race_counter {}
    #[doc = include_str!("../../../docs/src/part1/bank_transfer.md")]
    pub mod bank_transfer {}
    #[doc = include_str!("../../../docs/src/part1/reentrant_lock.md")]
    pub mod reentrant_lock {}
    #[doc = include_str!("../../../docs/src/part1/semaphore.md")]
    pub mod semaphore {}
    #[doc = include_str!("../../../docs/src/part1/prime_printer.md")]
    pub mod prime_printer {}
    #[doc = include_str!("../../../docs/src/part1/barrier.md")]
    pub mod barrier {}
    #[doc = include_str!("../../../docs/src/part1/timer.md")]
    pub mod timer {}
}

/// Part 2. Processes and communication between them.
pub mod part2 {
    #[doc = include_str!("../../../docs/src/part2/spawn_process.md")]
    pub mod spawn_process {}
    #[doc = include_str!("../../../docs/src/part2/pipes.md")]
    pub mod pipes {}
    #[doc = include_str!("../../../docs/src/part2/process_queue.md")]
    pub mod process_queue {}
    #[doc = include_str!("../../../docs/src/part2/process_pool.md")]
    pub mod process_pool {}
    #[doc = include_str!("../../../docs/src/part2/shared_memory.md")]
    pub mod shared_memory {}
    #[doc = include_str!("../../../docs/src/part2/object_manager.md")]
    pub mod object_manager {}
}

/// Part 3. Executors and futures.
pub mod part3 {
    #[doc = include_str!("../../../docs/src/part3/thread_pool.md")]
    pub mod thread_pool {}
    #[doc = include_str!("../../../docs/src/part3/wait_futures.md")]
    pub mod wait_futures {}
}

/// Part 4. Async.
pub mod part4 {
    #[doc = include_str!("../../../docs/src/part4/event_loop.md")]
    pub mod event_loop {}
}

/// Part 5. Classic problems.
pub mod part5 {
    #[doc = include_str!("../../../docs/src/part5/blocking_queue.md")]
    pub mod blocking_queue {}
    #[doc = include_str!("../../../docs/src/part5/token_bucket.md")]
    pub mod token_bucket {}
    #[doc = include_str!("../../../docs/src/part5/deferred_callback.md")]
    pub mod deferred_callback {}
    #[doc = include_str!("../../../docs/src/part5/rw_lock.md")]
    pub mod rw_lock {}
    #[doc = include_str!("../../../docs/src/part5/unisex_bathroom.md")]
    pub mod unisex_bathroom {}
    #[doc = include_str!("../../../docs/src/part5/uber_seating.md")]
    pub mod uber_seating {}
    #[doc = include_str!("../../../docs/src/part5/async_to_sync.md")]
    pub mod async_to_sync {}
}

/// Part 6. Ordering puzzles.
pub mod part6 {
    #[doc = include_str!("../../../docs/src/part6/print_in_order.md")]
    pub mod print_in_order {}
    #[doc = include_str!("../../../docs/src/part6/foo_bar.md")]
    pub mod foo_bar {}
    #[doc = include_str!("../../../docs/src/part6/zero_even_odd.md")]
    pub mod zero_even_odd {}
    #[doc = include_str!("../../../docs/src/part6/fizz_buzz_threads.md")]
    pub mod fizz_buzz_threads {}
    #[doc = include_str!("../../../docs/src/part6/h2o.md")]
    pub mod h2o {}
    #[doc = include_str!("../../../docs/src/part6/dining_philosophers.md")]
    pub mod dining_philosophers {}
}

/// Appendix: every Python construct of the seeds, with its Rust counterpart.
#[doc = include_str!("../../../docs/src/python_to_rust.md")]
pub mod python_to_rust {}

/// Appendix: grading a class, for instructors.
#[doc = include_str!("../../../docs/src/grading.md")]
pub mod grading {}
