//! Benchmark binary: the reference, `solutions/rw_lock.rs`, and its baselines.
//! Run by `cargo xtask bench rw_lock`; the cases: `src/benches/rw_lock.rs`.

#[path = "../../../../solutions/rw_lock.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/rw_lock.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
