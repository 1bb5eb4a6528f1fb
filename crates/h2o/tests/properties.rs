//! Graded properties (proptest): any number of molecules (one to three), their atoms started in
//! any order: the molecule rules hold after every start and every molecule forms.

use crate::harness::{Lab, OrFail};
use proptest::prelude::*;

/// The atoms of `molecules` molecules, in a random order, as `"HOH..."`.
fn start_orders() -> impl Strategy<Value = String> {
    (1usize..=3)
        .prop_flat_map(|molecules| {
            let mut atoms = vec!['H'; 2 * molecules];
            atoms.extend(vec!['O'; molecules]);
            Just(atoms).prop_shuffle()
        })
        .prop_map(|atoms| atoms.into_iter().collect())
}

proptest! {
    #![proptest_config(course_testkit::proptest_config(12))]

    #[test]
    fn any_start_order_of_up_to_three_molecules_bonds_them_all(order in start_orders()) {
        Lab::new(&order).run().or_fail();
    }
}
