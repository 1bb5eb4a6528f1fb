//! Benchmark binary: the reference, `solutions/semaphore.rs`, and its baselines.
//! Run by `cargo xtask bench semaphore`; the cases: `src/benches/semaphore.rs`.

#[path = "../../../../solutions/semaphore.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/semaphore.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
