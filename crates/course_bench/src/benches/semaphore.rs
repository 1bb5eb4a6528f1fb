//! The semaphore benchmark: acquire-and-release pairs per second, alone and with 4 threads
//! sharing 2 permits, against the textbook `std` mutex-and-condvar semaphore and
//! `tokio::sync::Semaphore` (its `try_acquire` alone; tasks on a runtime when contended).

use crate::subject::Semaphore;
use course_bench::{Bench, Role, black_box, on_threads};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// The work done while holding a permit: a few dozen additions.
fn work() {
    let mut x = 0u64;
    for i in 0..32 {
        x = black_box(x.wrapping_add(i));
    }
    black_box(x);
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    let group = "acquire and release, 1 thread (uncontended)";
    bench.case(group, "Semaphore", me, |s| {
        let semaphore = Semaphore::new(1);
        s.time("acquire+release", 1, |n| {
            let began = Instant::now();
            for _ in 0..n {
                drop(black_box(semaphore.acquire()));
            }
            began.elapsed()
        })
    });
    if bench.baselines() {
        bench.case(group, "std Mutex<usize> + Condvar", Role::Baseline, |s| {
            let semaphore = StdSemaphore::new(1);
            s.time("acquire+release", 1, |n| {
                let began = Instant::now();
                for _ in 0..n {
                    semaphore.acquire();
                    semaphore.release();
                }
                began.elapsed()
            })
        });
        bench.case(
            group,
            "tokio::sync::Semaphore::try_acquire",
            Role::Baseline,
            |s| {
                let semaphore = tokio::sync::Semaphore::new(1);
                s.time("acquire+release", 1, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        drop(black_box(semaphore.try_acquire().expect("a free permit")));
                    }
                    began.elapsed()
                })
            },
        );
    }

    let group = "4 threads share 2 permits, a little work under each";
    bench.case(group, "Semaphore", me, |s| {
        let semaphore = Semaphore::new(2);
        s.time("acquire+release", 1, |total| {
            on_threads(4, total, |_, ops| {
                for _ in 0..ops {
                    let permit = semaphore.acquire();
                    work();
                    drop(permit);
                }
            })
        })
    });
    if bench.baselines() {
        bench.case(group, "std Mutex<usize> + Condvar", Role::Baseline, |s| {
            let semaphore = StdSemaphore::new(2);
            s.time("acquire+release", 1, |total| {
                on_threads(4, total, |_, ops| {
                    for _ in 0..ops {
                        semaphore.acquire();
                        work();
                        semaphore.release();
                    }
                })
            })
        });
        bench.case(
            group,
            "tokio::sync::Semaphore, 4 tasks on 2 workers",
            Role::Baseline,
            |s| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .expect("a tokio runtime");
                let semaphore = Arc::new(tokio::sync::Semaphore::new(2));
                s.time("acquire+release", 1, |total| {
                    runtime.block_on(async {
                        let began = Instant::now();
                        let tasks: Vec<_> = (0..4)
                            .map(|t| {
                                let semaphore = Arc::clone(&semaphore);
                                let ops = course_bench::share(total, 4, t);
                                tokio::spawn(async move {
                                    for _ in 0..ops {
                                        let permit = semaphore.acquire().await.expect("open");
                                        work();
                                        drop(permit);
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.expect("a task that does not panic");
                        }
                        began.elapsed()
                    })
                })
            },
        );
    }
}

/// The textbook semaphore on `std` alone: a count behind a mutex, and a condition variable
/// to wait on while it is zero.
struct StdSemaphore {
    /// Free permits; every change and every check before a wait happen under the lock.
    available: Mutex<usize>,
    returned: Condvar,
}

impl StdSemaphore {
    fn new(permits: usize) -> Self {
        StdSemaphore {
            available: Mutex::new(permits),
            returned: Condvar::new(),
        }
    }

    fn acquire(&self) {
        let mut available = self.available.lock().unwrap();
        while *available == 0 {
            available = self.returned.wait(available).unwrap();
        }
        *available -= 1;
    }

    fn release(&self) {
        *self.available.lock().unwrap() += 1;
        self.returned.notify_one();
    }
}
