//! Graded properties (proptest): random mixes of succeeding, failing and aborting children,
//! checked against a sequential model (each job run alone, one after another, with
//! `assert_cmd`), and reaped every time.

use crate::harness::{Run, describe, job, shorten, worker};
use course_testkit::{patience, proptest_config};
use proptest::collection::vec;
use proptest::prop_oneof;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use spawn_process::SpawnError;
use std::os::unix::process::ExitStatusExt;
use std::process::Output;

/// One child's job in a random mix.
#[derive(Clone, Debug)]
enum Job {
    Square(u32),
    Fail(u8),
    Abort,
}

impl Job {
    fn args(&self) -> Vec<String> {
        match self {
            Job::Square(n) => job(&["square", &n.to_string()]),
            Job::Fail(code) => job(&["fail", &code.to_string(), &format!("failure {code}")]),
            Job::Abort => job(&["abort", "aborted on purpose"]),
        }
    }
}

fn jobs() -> impl Strategy<Value = Vec<Job>> {
    let one = prop_oneof![
        6 => (0u32..100_000).prop_map(Job::Square),
        2 => (1u8..=100).prop_map(Job::Fail),
        1 => proptest::strategy::Just(Job::Abort),
    ];
    vec(one, 1..=4)
}

/// The sequential model: runs job `args` alone and waits for it (killed after [`patience`]).
fn alone(args: &[String]) -> Output {
    assert_cmd::Command::new(worker())
        .args(args)
        .timeout(patience())
        .output()
        .expect("the worker runs alone")
}

#[test]
fn any_mix_of_jobs_gives_what_running_them_one_by_one_gives_and_reaps_all() {
    // One plain call first: if that panics (a `todo!()`, say), the test fails once, plainly,
    // rather than once per case and shrinking step.
    drop(Run::worker(&[job(&["square", "1"])]));
    let mut runner = TestRunner::new(proptest_config(8));
    let result = runner.run(&jobs(), |jobs| {
        let args: Vec<Vec<String>> = jobs.iter().map(Job::args).collect();
        // `Run` itself fails the case if a child is left unreaped.
        let run = Run::worker(&args);
        let model: Vec<Output> = args.iter().map(|args| alone(args)).collect();
        let first_failure = model.iter().position(|output| !output.status.success());
        let fail = |why: String| {
            Err(TestCaseError::fail(format!(
                "{why}\ntrace:\n{}",
                run.trace.render()
            )))
        };
        match (first_failure, &run.outcome) {
            (None, Ok(results)) => {
                let got: Vec<&str> = results.iter().map(|r| r.stdout.as_str()).collect();
                let want: Vec<String> = model
                    .iter()
                    .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
                    .collect();
                if got != want {
                    return fail(format!(
                        "every child succeeds, so run_all returns their stdouts in job order, \
                         {want:?}; it returned {got:?}"
                    ));
                }
            }
            (
                Some(index),
                Err(SpawnError::Failed {
                    index: got,
                    status,
                    stderr,
                }),
            ) if *got == index => {
                let want = &model[index];
                let want_stderr = String::from_utf8_lossy(&want.stderr);
                if status.code() != want.status.code()
                    || status.signal() != want.status.signal()
                    || stderr.trim_end() != want_stderr.trim_end()
                {
                    return fail(format!(
                        "child {index}, run alone, ends with {} and stderr {:?}; the error says \
                         {status} and {:?}",
                        want.status,
                        shorten(&want_stderr),
                        shorten(stderr)
                    ));
                }
            }
            (want, got) => {
                let want = match want {
                    Some(index) => format!(
                        "a Failed error for child {index}, the first failing one in job order"
                    ),
                    None => "Ok with every child's stdout".to_owned(),
                };
                let got = match got {
                    Ok(results) => format!("Ok with {} result(s)", results.len()),
                    Err(error) => describe(error),
                };
                return fail(format!("run_all should have returned {want}, not {got}"));
            }
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
