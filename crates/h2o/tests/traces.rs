//! Graded traces (insta): a gated run whose molecules are unique, compared with the committed
//! snapshot in `tests/snapshots/`. Which atoms bond together, and after which arrival, is fixed
//! by the start order; the order of the three releases inside a molecule is not, so each
//! molecule is shown as one line with its atoms sorted.

use crate::harness::{Lab, OrFail};

#[test]
fn a_waiting_hydrogen_joins_the_next_molecule_and_leftover_atoms_wait() {
    let mut lab = Lab::new("HHHOOHHO");
    let outcome = lab.run();
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "Atoms started one at a time, H1 H2 H3 O1 O2 H4 H5 O3: H3 finds the first molecule's \
         hydrogen places taken and waits; O1 completes H1 H2 O1; H3 then joins O2 and H4; H5 \
         and O3 are left without a second hydrogen and wait for good.",
    );
    settings.bind(|| insta::assert_snapshot!("hhhoohho", lab.rendered()));
    outcome.or_fail();
}
