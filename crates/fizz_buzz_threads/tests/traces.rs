//! Graded traces (insta): the one right output of FizzBuzz(15), with the thread that said each
//! answer, compared with the committed snapshot in `tests/snapshots/`.

use crate::harness::{Kind, OrFail, Table};

#[test]
fn fifteen_with_the_number_thread_started_last_matches_the_snapshot() {
    let mut table = Table::new(15, [Kind::FizzBuzz, Kind::Buzz, Kind::Fizz, Kind::Number]);
    let outcome = table.run();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "FizzBuzz(15), each answer said by its own thread: fizz for multiples of 3, buzz for 5, \
         fizzbuzz for 15, the number itself otherwise, in order.",
    );
    settings.bind(|| insta::assert_snapshot!("fifteen", table.rendered()));
    outcome.or_fail();
}
