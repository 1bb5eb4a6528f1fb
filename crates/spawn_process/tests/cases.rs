//! Graded cases (rstest): results for N children, children that run at the same time, failures
//! with their stderr, programs and arguments that cannot be started, a child that fills both
//! pipes, and the process group. Every `Run` also checks that no child is left running or a
//! zombie when `run_all` returns, on every path.

use crate::harness::{Run, describe, job, meet_patience_ms, process_group_of};
use rstest::rstest;
use spawn_process::SpawnError;
use std::path::Path;

#[test]
fn smoke_one_child_returns_its_stdout() {
    let run = Run::worker(&[job(&["square", "7"])]);
    run.expect_stdouts(
        &["49\n".to_owned()],
        "`worker square 7` prints 49 and exits 0",
    );
}

#[rstest]
#[case::two(2)]
#[case::four(4)]
#[case::eight(8)]
fn n_children_each_return_their_own_stdout_in_job_order(#[case] n: u64) {
    let jobs: Vec<Vec<String>> = (0..n)
        .map(|i| job(&["square", &(i + 10).to_string()]))
        .collect();
    let expected: Vec<String> = (0..n)
        .map(|i| format!("{}\n", (i + 10) * (i + 10)))
        .collect();
    let run = Run::worker(&jobs);
    run.expect_stdouts(&expected, "every `worker square N` exits 0");
}

#[rstest]
#[case::two(2)]
#[case::four(4)]
fn the_children_run_at_the_same_time(#[case] n: usize) {
    // Each child arrives at a rendezvous in `dir` and waits for all `n`: only children that run
    // at the same time all get there. One started after another has exited finds it abandoned.
    let dir = tempfile::tempdir().expect("a temporary directory for the rendezvous");
    let dir_arg = dir
        .path()
        .to_str()
        .expect("a UTF-8 temporary path")
        .to_owned();
    let patience = meet_patience_ms();
    let jobs: Vec<Vec<String>> = (0..n)
        .map(|i| job(&["meet", &dir_arg, &i.to_string(), &n.to_string(), &patience]))
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("met {i}\n")).collect();
    let run = Run::worker(&jobs);
    if let Err(SpawnError::Failed { index, stderr, .. }) = &run.outcome {
        run.fail(format_args!(
            "the {n} children did not all run at the same time; child {index} said: {}\nStart \
             every child before waiting for any.",
            stderr.trim_end()
        ));
    }
    run.expect_stdouts(
        &expected,
        "the children all meet when they run at the same time",
    );
}

#[rstest]
#[case::exit_code_1(&["fail", "1", "disk full"], Some(1), "disk full")]
#[case::exit_code_42(&["fail", "42", "bad input on line 3"], Some(42), "bad input on line 3")]
#[case::killed_by_a_signal(&["abort", "assertion failed"], None, "assertion failed")]
fn a_failing_child_is_an_error_carrying_its_stderr(
    #[case] args: &[&str],
    #[case] code: Option<i32>,
    #[case] stderr: &str,
) {
    let run = Run::worker(&[job(args)]);
    run.expect_failed(0, code, stderr);
}

#[rstest]
#[case::first_of_three("fail 3 first; square 2; square 3", 0, "first")]
#[case::middle_of_three("square 2; fail 4 middle; fail 5 last", 1, "middle")]
#[case::last_of_four("square 2; square 3; square 4; fail 6 last", 3, "last")]
fn the_first_failing_child_in_job_order_is_reported_and_every_child_is_reaped(
    #[case] jobs: &str,
    #[case] index: usize,
    #[case] stderr: &str,
) {
    let jobs: Vec<Vec<String>> = jobs
        .split(';')
        .map(|args| args.split_whitespace().map(str::to_owned).collect())
        .collect();
    let code: i32 = jobs[index][1].parse().expect("a fail job's code");
    // `Run` fails the test if the children after the failing one were never waited for.
    let run = Run::worker(&jobs);
    run.expect_failed(index, Some(code), stderr);
}

#[test]
fn a_program_that_does_not_exist_is_a_start_error() {
    let missing = Path::new("/nonexistent/spawn_process-no-such-program");
    let run = Run::of(missing, &[job(&["square", "2"]), job(&["square", "3"])]);
    match run.expect_err("the program does not exist") {
        SpawnError::Start { index: 0, .. } => {}
        other => run.fail(format_args!(
            "expected Start {{ index: 0, .. }} (child 0 cannot be started), got {}",
            describe(other)
        )),
    }
}

#[test]
fn a_child_that_cannot_be_started_stops_and_reaps_the_children_already_running() {
    // An argument holding a NUL byte cannot be handed to a program (C strings end at NUL), so
    // `spawn` fails for child 2 alone, after children 0 and 1 are running. Those two `hold`:
    // they never exit by themselves, so `run_all` must kill them, then wait for them.
    let jobs = [job(&["hold"]), job(&["hold"]), job(&["square", "2\0"])];
    let run = Run::patiently(
        &jobs,
        "child 2 cannot be started (its argument holds a NUL byte), and children 0 and 1 never \
         exit by themselves. When a child cannot be started, kill the children already running, \
         wait for each, and return the Start error. (Does run_all wait for a child before it \
         starts the next?)",
    );
    match run.expect_err("child 2 cannot be started: its argument holds a NUL byte") {
        SpawnError::Start { index: 2, .. } => {}
        other => run.fail(format_args!(
            "expected Start {{ index: 2, .. }} (child 2 cannot be started), got {}",
            describe(other)
        )),
    }
}

#[test]
fn a_child_that_fills_both_pipes_is_collected_without_deadlock() {
    // 1 MiB on stderr, 1 MiB on stdout, 1 MiB on stderr again: far more than a pipe holds.
    // Reading one stream to its end before the other, in either order, or waiting for the
    // child before reading, waits for a child that is itself stuck writing the other pipe:
    // this test then never ends, and the test runner reports it timed out.
    const BYTES: usize = 1 << 20;
    let run = Run::worker(&[job(&["chatter", &BYTES.to_string()])]);
    let results = run.expect_ok("`worker chatter` exits 0");
    let stdout = &results[0].stdout;
    if stdout.len() != BYTES || stdout.bytes().any(|b| b != b'o') {
        run.fail(format_args!(
            "the child wrote {BYTES} bytes 'o' on stdout; the result holds {} bytes",
            stdout.len()
        ));
    }
}

#[test]
fn the_children_stay_in_the_callers_process_group() {
    let me = std::process::id();
    let group = process_group_of(me).expect("the test's own process group");
    let run = Run::worker(&[job(&["whoami"]), job(&["whoami"])]);
    let results = run.expect_ok("`worker whoami` exits 0");
    for (index, finished) in results.iter().enumerate() {
        let fields: Vec<&str> = finished.stdout.split_whitespace().collect();
        let (ppid, pgid) = match fields.as_slice() {
            ["pid", _, "ppid", ppid, "pgid", pgid] => (ppid.parse::<u32>(), pgid.parse::<u32>()),
            _ => run.fail(format_args!(
                "result {index}'s stdout is {:?}, not what `worker whoami` prints",
                finished.stdout
            )),
        };
        if ppid != Ok(me) {
            run.fail(format_args!(
                "child {index}'s parent is pid {}, not the process that called run_all \
                 ({me}): start the program itself, not through a shell or another program",
                fields[3]
            ));
        }
        if pgid != Ok(group) {
            run.fail(format_args!(
                "child {index} runs in process group {}, not in the caller's group {group}: a \
                 child in a group of its own survives a Ctrl-C, and the test runner cannot \
                 kill it at a time limit. Do not call process_group or setsid.",
                fields[5]
            ));
        }
    }
}
