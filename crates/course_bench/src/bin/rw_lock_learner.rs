//! Benchmark binary: the learner's `exercises/rw_lock.rs` alone, so that a file that
//! does not compile costs only its own column. The cases: `src/benches/rw_lock.rs`.

#[path = "../../../../exercises/rw_lock.rs"]
// A stub allows dead code itself, which clippy would call a duplicate of ours.
#[allow(unreachable_pub, dead_code, clippy::duplicated_attributes)]
mod subject;

#[path = "../benches/rw_lock.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    let mut cases = course_bench::Bench::new(course_bench::Subject::Yours);
    bench::cases(&mut cases);
    cases.main()
}
