//! The race_counter benchmark: increments per second of the mutex counter and of the atomic
//! counter at 1, 2 and 4 threads, against `std::sync::Mutex<u64>`, `parking_lot::Mutex<u64>`
//! and a bare `AtomicU64::fetch_add`; and, baselines only, what false sharing costs threads
//! that each have a counter of their own.

use crate::subject::{AtomicCounter, MutexCounter};
use course_bench::{Bench, Role, black_box, on_threads};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

const THREADS: [usize; 3] = [1, 2, 4];

fn threads(n: usize) -> String {
    if n == 1 {
        "1 thread".to_owned()
    } else {
        format!("{n} threads")
    }
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    for n in THREADS {
        let group = format!("mutex counter, {}", threads(n));
        bench.case(&group, "MutexCounter", me, move |s| {
            let counter = MutexCounter::new();
            s.time("increment", 1, |total| {
                on_threads(n, total, |_, ops| {
                    for _ in 0..ops {
                        black_box(counter.increment());
                    }
                })
            })
        });
        if bench.baselines() {
            bench.case(&group, "std::sync::Mutex<u64>", Role::Baseline, move |s| {
                let counter = Mutex::new(0u64);
                s.time("increment", 1, |total| {
                    on_threads(n, total, |_, ops| {
                        for _ in 0..ops {
                            let mut count = counter.lock().unwrap();
                            *count += 1;
                            black_box(*count);
                        }
                    })
                })
            });
            bench.case(
                &group,
                "parking_lot::Mutex<u64>",
                Role::Baseline,
                move |s| {
                    let counter = parking_lot::Mutex::new(0u64);
                    s.time("increment", 1, |total| {
                        on_threads(n, total, |_, ops| {
                            for _ in 0..ops {
                                let mut count = counter.lock();
                                *count += 1;
                                black_box(*count);
                            }
                        })
                    })
                },
            );
        }
    }
    for n in THREADS {
        let group = format!("atomic counter, {}", threads(n));
        bench.case(&group, "AtomicCounter", me, move |s| {
            let counter = AtomicCounter::new();
            s.time("increment", 1, |total| {
                on_threads(n, total, |_, ops| {
                    for _ in 0..ops {
                        black_box(counter.increment());
                    }
                })
            })
        });
        if bench.baselines() {
            bench.case(&group, "AtomicU64::fetch_add", Role::Baseline, move |s| {
                let counter = AtomicU64::new(0);
                s.time("increment", 1, |total| {
                    on_threads(n, total, |_, ops| {
                        for _ in 0..ops {
                            black_box(counter.fetch_add(1, Ordering::Relaxed));
                        }
                    })
                })
            });
        }
    }
    if bench.baselines() {
        // Not a shared counter at all: each thread has its own. Side by side in memory they
        // share a cache line, and every increment still pulls the line away from the other
        // core (false sharing); padded apart, the cores never touch each other's line.
        let group = "a counter per thread, 2 threads";
        bench.case(
            group,
            "AtomicU64 each, adjacent (false sharing)",
            Role::Baseline,
            |s| {
                let counters = [AtomicU64::new(0), AtomicU64::new(0)];
                s.time("increment", 1, |total| {
                    on_threads(2, total, |t, ops| {
                        for _ in 0..ops {
                            black_box(counters[t].fetch_add(1, Ordering::Relaxed));
                        }
                    })
                })
            },
        );
        bench.case(
            group,
            "AtomicU64 each, 128 bytes apart",
            Role::Baseline,
            |s| {
                let counters = [Padded(AtomicU64::new(0)), Padded(AtomicU64::new(0))];
                s.time("increment", 1, |total| {
                    on_threads(2, total, |t, ops| {
                        for _ in 0..ops {
                            black_box(counters[t].0.fetch_add(1, Ordering::Relaxed));
                        }
                    })
                })
            },
        );
    }
}

/// A value alone on its cache line (128 bytes: two 64-byte lines, because some CPUs fetch
/// lines in adjacent pairs).
#[repr(align(128))]
struct Padded(AtomicU64);
