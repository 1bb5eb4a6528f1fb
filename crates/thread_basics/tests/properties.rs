//! Graded properties (proptest): random ranges and thread counts, including more threads than
//! numbers and empty ranges; the parallel count must equal the sequential one, and the chunks
//! must cover the range.

use crate::harness::{Run, nonzero};
use course_testkit::proptest_config;
use proptest::test_runner::{TestCaseError, TestRunner};
use thread_basics::{count_primes_parallel, split};

#[test]
fn the_parallel_count_equals_the_sequential_count_for_any_range_and_threads() {
    // One plain call first: if the code panics (a `todo!()`, say), the test fails once,
    // plainly, rather than once per case and shrinking step.
    count_primes_parallel(0..10, nonzero(2), |_| ());
    // A start, a length (often shorter than the number of threads, sometimes zero), threads.
    let strategy = (0..5000u64, 0..300u64, 1..=12usize);
    let mut runner = TestRunner::new(proptest_config(48));
    if let Err(failure) = runner.run(&strategy, |(start, len, threads)| {
        let run = Run::new(start..start + len, threads);
        run.check_total()
            .and_then(|()| run.check_chunks())
            .and_then(|()| run.check_own_threads())
            .map_err(TestCaseError::fail)
    }) {
        panic!("{failure}");
    }
}

#[test]
fn split_covers_any_range_in_order_with_balanced_chunks() {
    split(0..10, nonzero(3));
    // Anywhere in u64, up to the very top.
    let strategy = (0..=u64::MAX, 0..10_000u64, 1..=64usize);
    let mut runner = TestRunner::new(proptest_config(256));
    if let Err(failure) = runner.run(&strategy, |(start, len, parts)| {
        let start = start.min(u64::MAX - len);
        let range = start..start + len;
        let chunks = split(range.clone(), nonzero(parts));
        let want = (parts as u64).min(len) as usize;
        let sizes: Vec<u64> = chunks
            .iter()
            .map(|c| c.end.saturating_sub(c.start))
            .collect();
        let contiguous = chunks.first().is_none_or(|c| c.start == range.start)
            && chunks.windows(2).all(|w| w[0].end == w[1].start)
            && chunks.last().is_none_or(|c| c.end == range.end);
        let balanced = sizes
            .iter()
            .max()
            .zip(sizes.iter().min())
            .is_none_or(|(max, min)| max - min <= 1);
        if chunks.len() != want || !contiguous || !balanced || sizes.contains(&0) {
            return Err(TestCaseError::fail(format!(
                "split({range:?}, {parts}) gave {chunks:?} (lengths {sizes:?}): it must give \
                 {want} non-empty chunks, in order, covering the range exactly, with lengths \
                 that differ by at most one"
            )));
        }
        Ok(())
    }) {
        panic!("{failure}");
    }
}
