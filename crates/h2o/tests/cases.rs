//! Graded cases (rstest): atoms started one at a time, each held at a gate until the test starts
//! it, in every distinct order of one molecule (HHO, HOH, OHH) and of two (the 15 orders of
//! four H and two O). After each start the harness checks the molecule rules on the trace and
//! that exactly the molecules the started atoms allow have formed.

use crate::harness::{Lab, OrFail, check_molecules, run_free};
use rstest::rstest;

#[test]
fn smoke_three_molecules_started_at_once_on_the_real_clock_bond_correctly() {
    let events = run_free("HOHHOHHHO").or_fail();
    check_molecules(&events, Some((6, 3))).or_fail();
}

#[rstest]
#[case::hho("HHO")]
#[case::hoh("HOH")]
#[case::ohh("OHH")]
fn one_molecule_bonds_whatever_order_its_atoms_start_in(#[case] order: &str) {
    Lab::new(order).run().or_fail();
}

#[rstest]
#[case::hhhhoo("HHHHOO")]
#[case::hhhoho("HHHOHO")]
#[case::hhhooh("HHHOOH")]
#[case::hhohho("HHOHHO")]
#[case::hhohoh("HHOHOH")]
#[case::hhoohh("HHOOHH")]
#[case::hohhho("HOHHHO")]
#[case::hohhoh("HOHHOH")]
#[case::hohohh("HOHOHH")]
#[case::hoohhh("HOOHHH")]
#[case::ohhhho("OHHHHO")]
#[case::ohhhoh("OHHHOH")]
#[case::ohhohh("OHHOHH")]
#[case::ohohhh("OHOHHH")]
#[case::oohhhh("OOHHHH")]
fn two_molecules_bond_one_after_the_other_whatever_the_start_order(#[case] order: &str) {
    Lab::new(order).run().or_fail();
}

#[rstest]
#[case::two_hydrogens("HH")]
#[case::one_oxygen("O")]
#[case::three_hydrogens_one_oxygen("HHHO")]
#[case::hydrogen_and_two_oxygens("HOO")]
#[case::surplus_of_both("HHHOHOO")]
fn atoms_without_a_complete_molecule_wait_and_release_nothing(#[case] order: &str) {
    Lab::new(order).run().or_fail();
}

#[test]
fn the_next_molecule_waits_until_every_atom_of_the_one_before_has_finished_releasing() {
    // H1 is kept inside its release callback while the second molecule's atoms all arrive.
    let mut lab = Lab::holding("HHOHHO", &[0]);
    for i in 0..6 {
        lab.start(i).or_fail();
    }
    let releases = lab.releases();
    if releases != 3 {
        panic!(
            "{}",
            lab.failure(
                format!(
                    "while H1 of the first molecule was still releasing, {releases} atoms had \
                     released instead of 3: the second molecule must wait until all three atoms \
                     of the first have finished"
                ),
                &[],
            )
        );
    }
    lab.let_out(0).or_fail();
    lab.finish().or_fail();
}
