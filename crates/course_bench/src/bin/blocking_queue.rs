//! Benchmark binary: the reference, `solutions/blocking_queue.rs`, and its baselines.
//! Run by `cargo xtask bench blocking_queue`; the cases: `src/benches/blocking_queue.rs`.

#[path = "../../../../solutions/blocking_queue.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/blocking_queue.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
