//! Benchmark binary: the reference, `solutions/event_loop.rs`, and its baselines.
//! Run by `cargo xtask bench event_loop`; the cases: `src/benches/event_loop.rs`.

#[path = "../../../../solutions/event_loop.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/event_loop.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
