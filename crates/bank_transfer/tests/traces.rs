//! Graded traces (insta): runs whose correct trace is unique, compared with the committed
//! snapshots in `tests/snapshots/`. A wrong bank shows up as a difference in those lines.

use crate::harness::{OrFail, busy_account_scenario};

/// Compares `trace` with the committed snapshot `name`, saying what the lines must show.
fn snapshot(name: &str, trace: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "While the test holds account 0, try_transfer(1 -> 0) gives up with Busy after its 3 \
         attempts and changes nothing, and transfer(0 -> 1) waits; once the test lets go, the \
         transfer completes.",
    );
    settings.bind(|| insta::assert_snapshot!(name, trace));
}

#[test]
fn a_held_account_makes_try_transfer_give_up_and_transfer_wait_until_released() {
    let (trace, bank, _) = busy_account_scenario().or_fail();
    let balances: Vec<String> = (0..bank.len())
        .map(|id| format!("account {id}: {:?}", bank.balance(id)))
        .collect();
    snapshot(
        "busy_account",
        &format!(
            "{}balances after: {}\n",
            trace.render(),
            balances.join(", ")
        ),
    );
}
