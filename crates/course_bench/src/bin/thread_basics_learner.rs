//! Benchmark binary: the learner's `exercises/thread_basics.rs` alone, so that a file that
//! does not compile costs only its own column. The cases: `src/benches/thread_basics.rs`.

#[path = "../../../../exercises/thread_basics.rs"]
// A stub allows dead code itself, which clippy would call a duplicate of ours.
#[allow(unreachable_pub, dead_code, clippy::duplicated_attributes)]
mod subject;

#[path = "../benches/thread_basics.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Yours);
    bench::cases(&mut cases);
    cases.main()
}
