//! Benchmark binary: the reference, `solutions/pipes.rs`, and its baselines.
//! Run by `cargo xtask bench pipes`; the cases: `src/benches/pipes.rs`.

#[path = "../../../../solutions/pipes.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/pipes.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
