//! The thread_basics benchmark: the speed-up of `count_primes_parallel` with 1, 2, 4 and 8
//! threads over the sequential count, against rayon's work-stealing `par_iter` on the same
//! numbers.

use crate::subject::{count_primes, count_primes_parallel, is_prime};
use course_bench::{Bench, Role, black_box};
use rayon::prelude::*;
use std::num::NonZeroUsize;
use std::time::Instant;

const THREADS: [usize; 4] = [1, 2, 4, 8];

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    let group = "count the primes below 500,000";
    let below = |s: &course_bench::Settings| s.pick(500_000u64, 20_000);
    if bench.baselines() {
        bench.case(
            group,
            "count_primes, sequential",
            Role::Baseline,
            move |s| {
                let end = below(s);
                s.time("count", 1, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        black_box(count_primes(black_box(0..end)));
                    }
                    began.elapsed()
                })
            },
        );
    }
    for threads in THREADS {
        let name = format!("count_primes_parallel, {threads} thread{}", plural(threads));
        bench.case(group, &name, me, move |s| {
            let end = below(s);
            let threads = NonZeroUsize::new(threads).expect("a positive thread count");
            s.time("count", 1, |n| {
                let began = Instant::now();
                for _ in 0..n {
                    black_box(count_primes_parallel(black_box(0..end), threads, |_| {}));
                }
                began.elapsed()
            })
        });
    }
    if bench.baselines() {
        for threads in THREADS {
            let name = format!("rayon par_iter, {threads} thread{}", plural(threads));
            bench.case(group, &name, Role::Baseline, move |s| {
                let end = below(s);
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("a rayon pool");
                s.time("count", 1, |n| {
                    let began = Instant::now();
                    for _ in 0..n {
                        let count = pool.install(|| {
                            (0..black_box(end))
                                .into_par_iter()
                                .filter(|&k| is_prime(k))
                                .count()
                        });
                        black_box(count);
                    }
                    began.elapsed()
                })
            });
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
