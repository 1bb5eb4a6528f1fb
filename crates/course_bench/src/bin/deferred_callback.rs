//! Benchmark binary: the reference, `solutions/deferred_callback.rs`, and its baselines.
//! Run by `cargo xtask bench deferred_callback`; the cases: `src/benches/deferred_callback.rs`.

#[path = "../../../../solutions/deferred_callback.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/deferred_callback.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
