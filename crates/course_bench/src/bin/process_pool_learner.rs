//! Benchmark binary: the learner's `exercises/process_pool.rs` alone, so that a file that
//! does not compile costs only its own column. The cases: `src/benches/process_pool.rs`.

#[path = "../../../../exercises/process_pool.rs"]
// A stub allows dead code itself, which clippy would call a duplicate of ours.
#[allow(unreachable_pub, dead_code, clippy::duplicated_attributes)]
mod subject;

// The reference and the learner's file use `crate::protocol`: the course's protocol module.
#[path = "../../../process_pool/src/protocol.rs"]
#[allow(unreachable_pub, dead_code)]
mod protocol;

#[path = "../benches/process_pool.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Yours);
    bench::cases(&mut cases);
    cases.main()
}
