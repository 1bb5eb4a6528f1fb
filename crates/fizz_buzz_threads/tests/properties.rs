//! Graded properties (proptest): any length of sequence, any start order: the threads say
//! exactly FizzBuzz(n), each answer by its own thread, and all of them return.

use crate::harness::{Kind, OrFail, Table};
use proptest::prelude::*;

/// The `index`-th of the 24 orders of the four threads.
fn start_order(mut index: usize) -> [Kind; 4] {
    let mut left = Kind::ALL.to_vec();
    let mut order = [Kind::Number; 4];
    for (slot, remaining) in order.iter_mut().zip((1..=4).rev()) {
        *slot = left.remove(index % remaining);
        index /= remaining;
    }
    order
}

proptest! {
    #![proptest_config(course_testkit::proptest_config(12))]

    #[test]
    fn any_length_any_start_order_gives_exactly_fizzbuzz(n in 0u32..=45, index in 0usize..24) {
        Table::new(n, start_order(index)).run().or_fail();
    }
}
