//! The sync shim: the primitives exercise code uses, from `std` normally and from `loom` when
//! the workspace is built with `RUSTFLAGS="--cfg course_loom"`.
//!
//! Exercise code imports `Mutex`, `Condvar`, `Arc`, atomics and `thread` from here, never from
//! `std::sync` directly, so the same source runs in the ordinary suites and inside a loom model,
//! which explores every interleaving of a tiny scenario. The two sets of types have the same
//! API for everything re-exported here.
//!
//! ```
//! use course_sync::{Arc, Mutex, thread};
//!
//! let total = Arc::new(Mutex::new(0));
//! let handles: Vec<_> = (0..2)
//!     .map(|_| {
//!         let total = Arc::clone(&total);
//!         thread::spawn(move || *total.lock().unwrap() += 1)
//!     })
//!     .collect();
//! for handle in handles {
//!     handle.join().unwrap();
//! }
//! assert_eq!(*total.lock().unwrap(), 2);
//! ```

#[cfg(not(course_loom))]
pub use std::{
    hint,
    sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, atomic},
    thread,
};

#[cfg(course_loom)]
pub use loom::{
    hint,
    sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, atomic},
    thread,
};

/// True when this build is a loom model build (`--cfg course_loom`).
pub const LOOM: bool = cfg!(course_loom);

/// Runs `scenario` as a model: under loom, once for every interleaving loom explores (with a
/// preemption bound that keeps the course's tiny models fast); otherwise, once.
///
/// Loom models in `tests/models.rs` call this instead of `loom::model` so every model in the
/// course explores with the same bound.
pub fn model<F>(scenario: F)
where
    F: Fn() + Sync + Send + 'static,
{
    // Bugs in the course's problems show up within two preemptions; three keeps the margin
    // while every model still finishes in seconds.
    model_with_bound(3, scenario);
}

/// [`model`] with another preemption bound, for the models with more threads or operations
/// than a bound of 3 explores in seconds; their `//!` header says why the smaller bound still
/// finds the exercise's bugs. `LOOM_MAX_PREEMPTIONS` in the environment overrides it.
pub fn model_with_bound<F>(preemptions: usize, scenario: F)
where
    F: Fn() + Sync + Send + 'static,
{
    #[cfg(course_loom)]
    {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(preemptions);
        }
        builder.check(scenario);
    }
    #[cfg(not(course_loom))]
    {
        let _ = preemptions;
        scenario();
    }
}
