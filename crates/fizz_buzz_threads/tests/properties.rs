//! Graded properties (proptest): any length of sequence, any start order: the threads say
//! exactly FizzBuzz(n), each answer by its own thread, and all of them return.

use crate::harness::{Kind, OrFail, Table};
use course_testkit::gated::start_order;
use proptest::prelude::*;

proptest! {
    #![proptest_config(course_testkit::proptest_config(12))]

    #[test]
    fn any_length_any_start_order_gives_exactly_fizzbuzz(n in 0u32..=45, index in 0usize..24) {
        Table::new(n, start_order(Kind::ALL, index)).run().or_fail();
    }
}
