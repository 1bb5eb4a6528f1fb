//! Benchmark binary: the reference, `solutions/process_pool.rs`, and its baselines.
//! Run by `cargo xtask bench process_pool`; the cases: `src/benches/process_pool.rs`.

#[path = "../../../../solutions/process_pool.rs"]
#[allow(unreachable_pub, dead_code)]
mod subject;

// The reference and the learner's file use `crate::protocol`: the course's protocol module.
#[path = "../../../process_pool/src/protocol.rs"]
#[allow(unreachable_pub, dead_code)]
mod protocol;

#[path = "../benches/process_pool.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Reference);
    bench::cases(&mut cases);
    cases.main()
}
