//! Benchmark binary: the reference, `solutions/race_counter.rs`, and its baselines.
//! Run by `cargo xtask bench race_counter`; the cases: `src/benches/race_counter.rs`.

#[path = "../../../../solutions/race_counter.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

#[path = "../benches/race_counter.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
