//! Graded properties (proptest): random multisets of items, some there from the start and some
//! put while the workers run, over random worker counts, checked against a sequential model:
//! the course's worker program run alone on the same items, one after another (driven with
//! `assert_cmd`). K workers must give what one worker alone gives: the same (item, result)
//! pairs, and counts that add up to its count. [`Run::finish`] checks the rest (each item once,
//! stops after the close, every child reaped). Few cases: each one starts real processes.

use crate::harness::{Event, Run, WORKER};
use course_testkit::{patience, proptest_config};
use proptest::collection::vec;
use proptest::test_runner::{TestCaseError, TestRunner};

/// The sequential model: one worker, alone, given `items` and then the sentinel. Returns its
/// (item, result) answers, sorted, and the count it reported.
fn alone(items: &[u64]) -> (Vec<(u64, u64)>, u64) {
    let mut input: String = items.iter().map(|item| format!("item {item}\n")).collect();
    input.push_str("stop\n");
    let output = assert_cmd::Command::new(WORKER)
        .write_stdin(input)
        .timeout(patience())
        .output()
        .expect("the worker program runs alone");
    assert!(
        output.status.success(),
        "the worker program, run alone, failed: {output:?}"
    );
    let mut answers = Vec::new();
    let mut count = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["done", item, result] => {
                answers.push((item.parse().unwrap(), result.parse().unwrap()));
            }
            ["count", n] => count = Some(n.parse().unwrap()),
            _ => panic!("the worker program, run alone, answered {line:?}"),
        }
    }
    answers.sort_unstable();
    (
        answers,
        count.expect("the worker program, run alone, reported no count"),
    )
}

#[test]
fn k_workers_give_what_one_worker_alone_gives_for_any_items() {
    // One plain run first: if that panics (a `todo!()`, say), the test fails once, plainly,
    // rather than once per case and shrinking step.
    let first = Run::start_with(2, &[3, 1, 4]);
    first.close();
    drop(first.finish());

    let strategy = (1usize..=3, vec(0u64..20, 0..12), 0usize..12);
    let mut runner = TestRunner::new(proptest_config(6));
    let outcome = runner.run(&strategy, |(workers, items, split)| {
        let (model, model_count) = alone(&items);
        let split = split.min(items.len());
        let run = Run::start_with(workers, &items[..split]);
        for &item in &items[split..] {
            run.put(item);
        }
        run.close();
        let trace = run.trace.clone();
        let reports = run.finish();
        let mut answers: Vec<(u64, u64)> = trace
            .whats()
            .into_iter()
            .filter_map(|event| match event {
                Event::Processed { item, result, .. } => Some((item, result)),
                _ => None,
            })
            .collect();
        answers.sort_unstable();
        if answers != model {
            return Err(TestCaseError::fail(format!(
                "{workers} worker(s) on the items {items:?} answered (sorted) {answers:?}; one \
                 worker alone answers {model:?}"
            )));
        }
        let total: u64 = reports.iter().map(|report| report.count).sum();
        if total != model_count {
            return Err(TestCaseError::fail(format!(
                "the {workers} worker(s)' counts add up to {total}; one worker alone, given the \
                 same items, counts {model_count}: {reports:?}"
            )));
        }
        Ok(())
    });
    if let Err(error) = outcome {
        panic!("{error}");
    }
}
