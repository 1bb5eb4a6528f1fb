//! Graded cases (rstest): the four threads started in every one of the 24 possible orders, each
//! held at a gate until the test starts it, so the order is forced rather than hoped for. After
//! each start the harness checks that exactly the answers a correct program can give by then
//! were said, and at the end that the whole sequence was said, in order, each answer by its own
//! thread, and that every thread returned.

use crate::harness::{Kind, OrFail, Table, fizz_buzz, run_free};
use rstest::rstest;

#[test]
fn smoke_four_threads_say_fizzbuzz_to_15_on_the_real_clock() {
    let said = run_free(15).or_fail();
    let want = fizz_buzz(15);
    assert_eq!(
        said, want,
        "four threads started at once on FizzBuzz::new(15) must say the sequence in order"
    );
}

#[rstest]
#[case::number_fizz_buzz_fizzbuzz([Kind::Number, Kind::Fizz, Kind::Buzz, Kind::FizzBuzz])]
#[case::number_fizz_fizzbuzz_buzz([Kind::Number, Kind::Fizz, Kind::FizzBuzz, Kind::Buzz])]
#[case::number_buzz_fizz_fizzbuzz([Kind::Number, Kind::Buzz, Kind::Fizz, Kind::FizzBuzz])]
#[case::number_buzz_fizzbuzz_fizz([Kind::Number, Kind::Buzz, Kind::FizzBuzz, Kind::Fizz])]
#[case::number_fizzbuzz_fizz_buzz([Kind::Number, Kind::FizzBuzz, Kind::Fizz, Kind::Buzz])]
#[case::number_fizzbuzz_buzz_fizz([Kind::Number, Kind::FizzBuzz, Kind::Buzz, Kind::Fizz])]
#[case::fizz_number_buzz_fizzbuzz([Kind::Fizz, Kind::Number, Kind::Buzz, Kind::FizzBuzz])]
#[case::fizz_number_fizzbuzz_buzz([Kind::Fizz, Kind::Number, Kind::FizzBuzz, Kind::Buzz])]
#[case::fizz_buzz_number_fizzbuzz([Kind::Fizz, Kind::Buzz, Kind::Number, Kind::FizzBuzz])]
#[case::fizz_buzz_fizzbuzz_number([Kind::Fizz, Kind::Buzz, Kind::FizzBuzz, Kind::Number])]
#[case::fizz_fizzbuzz_number_buzz([Kind::Fizz, Kind::FizzBuzz, Kind::Number, Kind::Buzz])]
#[case::fizz_fizzbuzz_buzz_number([Kind::Fizz, Kind::FizzBuzz, Kind::Buzz, Kind::Number])]
#[case::buzz_number_fizz_fizzbuzz([Kind::Buzz, Kind::Number, Kind::Fizz, Kind::FizzBuzz])]
#[case::buzz_number_fizzbuzz_fizz([Kind::Buzz, Kind::Number, Kind::FizzBuzz, Kind::Fizz])]
#[case::buzz_fizz_number_fizzbuzz([Kind::Buzz, Kind::Fizz, Kind::Number, Kind::FizzBuzz])]
#[case::buzz_fizz_fizzbuzz_number([Kind::Buzz, Kind::Fizz, Kind::FizzBuzz, Kind::Number])]
#[case::buzz_fizzbuzz_number_fizz([Kind::Buzz, Kind::FizzBuzz, Kind::Number, Kind::Fizz])]
#[case::buzz_fizzbuzz_fizz_number([Kind::Buzz, Kind::FizzBuzz, Kind::Fizz, Kind::Number])]
#[case::fizzbuzz_number_fizz_buzz([Kind::FizzBuzz, Kind::Number, Kind::Fizz, Kind::Buzz])]
#[case::fizzbuzz_number_buzz_fizz([Kind::FizzBuzz, Kind::Number, Kind::Buzz, Kind::Fizz])]
#[case::fizzbuzz_fizz_number_buzz([Kind::FizzBuzz, Kind::Fizz, Kind::Number, Kind::Buzz])]
#[case::fizzbuzz_fizz_buzz_number([Kind::FizzBuzz, Kind::Fizz, Kind::Buzz, Kind::Number])]
#[case::fizzbuzz_buzz_number_fizz([Kind::FizzBuzz, Kind::Buzz, Kind::Number, Kind::Fizz])]
#[case::fizzbuzz_buzz_fizz_number([Kind::FizzBuzz, Kind::Buzz, Kind::Fizz, Kind::Number])]
fn the_sequence_to_15_is_exact_whatever_order_the_threads_start_in(#[case] order: [Kind; 4]) {
    Table::new(15, order).run().or_fail();
}

#[rstest]
#[case::number_first([Kind::Number, Kind::Fizz, Kind::Buzz, Kind::FizzBuzz])]
#[case::number_last([Kind::FizzBuzz, Kind::Buzz, Kind::Fizz, Kind::Number])]
fn short_sequences_end_with_every_thread_returned(
    #[case] order: [Kind; 4],
    #[values(0, 1, 2, 3, 5, 6, 14)] n: u32,
) {
    Table::new(n, order).run().or_fail();
}

#[rstest]
#[case::number_last([Kind::Fizz, Kind::Buzz, Kind::FizzBuzz, Kind::Number])]
#[case::fizzbuzz_first([Kind::FizzBuzz, Kind::Number, Kind::Fizz, Kind::Buzz])]
fn a_long_sequence_to_100_is_exact(#[case] order: [Kind; 4]) {
    Table::new(100, order).run().or_fail();
}
