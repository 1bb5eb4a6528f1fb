//! Graded traces (insta): results whose right form is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A wrong split or count shows up as a difference in those
//! lines.

use crate::harness::nonzero;
use course_testkit::Latch;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use thread_basics::{PrimeSearch, count_primes_parallel};

fn snapshot(name: &str, description: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(description);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn the_numbers_below_100_over_four_threads_make_four_chunks_of_25() {
    let result = count_primes_parallel(0..100, nonzero(4), |_| ());
    let mut text = String::new();
    for chunk in &result.chunks {
        writeln!(text, "primes in {:?}: {}", chunk.range, chunk.primes).unwrap();
    }
    writeln!(text, "primes in all: {}", result.total).unwrap();
    snapshot(
        "below_100_over_4",
        "The chunks in range order, each with its own count, and their sum.",
        &text,
    );
}

#[test]
fn ten_numbers_over_four_threads_give_the_remainder_to_the_first_chunks() {
    let result = count_primes_parallel(0..10, nonzero(4), |_| ());
    let mut text = String::new();
    for chunk in &result.chunks {
        writeln!(text, "primes in {:?}: {}", chunk.range, chunk.primes).unwrap();
    }
    writeln!(text, "primes in all: {}", result.total).unwrap();
    snapshot(
        "ten_over_4",
        "10 numbers over 4 threads: lengths 3, 3, 2, 2 (the remainder spread over the first \
         chunks, none dropped).",
        &text,
    );
}

#[test]
fn the_search_reports_the_first_fifteen_primes() {
    let found = Arc::new(Mutex::new(Vec::new()));
    let fifteen = Arc::new(Latch::new(15));
    let search = {
        let (found, fifteen) = (Arc::clone(&found), Arc::clone(&fifteen));
        PrimeSearch::start(move |prime| {
            found.lock().unwrap().push(prime);
            fifteen.count_down();
        })
    };
    fifteen.wait("the prime search to report fifteen primes");
    drop(search);
    let found = found.lock().unwrap();
    let text: Vec<String> = found.iter().take(15).map(u64::to_string).collect();
    snapshot(
        "first_fifteen_primes",
        "The first fifteen primes the search reports, in the order it reports them.",
        &text.join(" "),
    );
}
