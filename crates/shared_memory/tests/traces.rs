//! Graded traces (insta): the region file's exact contents after a known sequence of updates.
//! The file is the contract between the processes, so its layout is unique: the one in the
//! table of the exercise's header.

use crate::harness::{Run, words};

#[test]
fn the_file_holds_the_documented_layout_after_known_updates() {
    let run = Run::new(3);
    run.region.increment();
    run.region.increment();
    run.region.add_to_slot(1, 5).expect("add_to_slot(1, 5)");
    run.region
        .add_to_slot(2, 0x0102)
        .expect("add_to_slot(2, 0x0102)");
    run.region.add_to_slot(2, 1).expect("add_to_slot(2, 1)");
    let names = [
        "magic", "slots", "ready", "counter", "slot 0", "slot 1", "slot 2",
    ];
    let mut dump = String::new();
    for (index, word) in words(&run.path).into_iter().enumerate() {
        let name = names.get(index).copied().unwrap_or("(past the last slot)");
        dump.push_str(&format!("word {index}: {word:#018x}  {name}\n"));
    }
    insta::assert_snapshot!(dump);
}
