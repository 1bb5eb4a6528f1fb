//! The rw_lock benchmark: lock operations per second, uncontended, read-heavy (4 threads, 1
//! write in 100) and write-heavy (4 threads, 9 writes in 10), against `std::sync::RwLock` and
//! `parking_lot::RwLock`. The guarded value is four `u64`s: a read sums them, a write bumps
//! each.

use crate::subject::RwLock;
use course_bench::{Bench, Role, Settings, Stat, black_box, on_threads};

type Value = [u64; 4];

/// One scenario: `threads` threads, each doing its share of operations, operation `i` a
/// write if `i % period < writes`.
#[derive(Clone, Copy)]
struct Mix {
    group: &'static str,
    threads: usize,
    writes: u64,
    period: u64,
}

const MIXES: [Mix; 3] = [
    Mix {
        group: "read, 1 thread (uncontended)",
        threads: 1,
        writes: 0,
        period: 1,
    },
    Mix {
        group: "read-heavy: 4 threads, 1 write in 100",
        threads: 4,
        writes: 1,
        period: 100,
    },
    Mix {
        group: "write-heavy: 4 threads, 9 writes in 10",
        threads: 4,
        writes: 9,
        period: 10,
    },
];

fn run(s: &Settings, mix: Mix, read: impl Fn() -> u64 + Sync, write: impl Fn() + Sync) -> Stat {
    s.time("lock+unlock", 1, |total| {
        on_threads(mix.threads, total, |_, ops| {
            for i in 0..ops {
                if i % mix.period < mix.writes {
                    write();
                } else {
                    black_box(read());
                }
            }
        })
    })
}

fn sum(value: &Value) -> u64 {
    value.iter().sum()
}

fn bump(value: &mut Value) {
    for x in value {
        *x += 1;
    }
}

pub(crate) fn cases(bench: &mut Bench) {
    let me = bench.subject();
    for mix in MIXES {
        bench.case(mix.group, "RwLock", me, move |s| {
            let lock = RwLock::new(Value::default());
            run(s, mix, || sum(&lock.read()), || bump(&mut lock.write()))
        });
        if bench.baselines() {
            bench.case(mix.group, "std::sync::RwLock", Role::Baseline, move |s| {
                let lock = std::sync::RwLock::new(Value::default());
                run(
                    s,
                    mix,
                    || sum(&lock.read().unwrap()),
                    || bump(&mut lock.write().unwrap()),
                )
            });
            bench.case(mix.group, "parking_lot::RwLock", Role::Baseline, move |s| {
                let lock = parking_lot::RwLock::new(Value::default());
                run(s, mix, || sum(&lock.read()), || bump(&mut lock.write()))
            });
        }
    }
}
