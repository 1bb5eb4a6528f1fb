//! The course book's chapters as doc comments, so `cargo test -p course_book` compiles (and
//! runs) every Rust code block in `docs/`: no snippet in the book can rot.
//!
//! Add each new chapter here. Blocks that are not Rust (`text`, `python`, `console`) are not
//! compiled; Rust blocks that must not run use `no_run`.

#[doc = include_str!("../../../docs/src/introduction.md")]
pub mod introduction {}

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
