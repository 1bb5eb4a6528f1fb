//! Benchmark binary: the reference, `solutions/thread_basics.rs`, and its baselines.
//! Run by `cargo xtask bench thread_basics`; the cases: `src/benches/thread_basics.rs`.

#[path = "../../../../solutions/thread_basics.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/thread_basics.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
