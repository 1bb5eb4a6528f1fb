//! Benchmark binary: the reference, `solutions/thread_pool.rs`, and its baselines.
//! Run by `cargo xtask bench thread_pool`; the cases: `src/benches/thread_pool.rs`.

#[path = "../../../../solutions/thread_pool.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/thread_pool.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
