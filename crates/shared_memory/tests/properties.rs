//! Graded properties (proptest): random updates through two mappings of one file agree with a
//! plain sequential model, and any number of workers and increments adds up.

use crate::harness::{Run, expected_slots};
use course_testkit::proptest_config;
use proptest::prelude::*;
use shared_memory::SharedCounters;

#[derive(Clone, Debug)]
enum Op {
    Increment,
    AddToSlot(usize, u64),
}

fn ops(slots: usize) -> impl Strategy<Value = Vec<(bool, Op)>> {
    let op = prop_oneof![
        Just(Op::Increment),
        (0..slots, 0u64..1_000).prop_map(|(slot, n)| Op::AddToSlot(slot, n)),
    ];
    prop::collection::vec((any::<bool>(), op), 0..40)
}

proptest! {
    #![proptest_config(proptest_config(16))]

    /// Two mappings of one file are one memory: each update, made through either, returns the
    /// value before it and is seen by both.
    #[test]
    fn updates_through_two_mappings_match_a_sequential_model(
        (slots, ops) in (1usize..5).prop_flat_map(|slots| (Just(slots), ops(slots)))
    ) {
        let run = Run::new(slots);
        let other = SharedCounters::open(&run.path)
            .unwrap_or_else(|err| panic!("open of a region just created failed: {err}"));
        prop_assert_eq!(other.slots(), slots, "open must read the slot count create wrote");
        let mut counter = 0u64;
        let mut model = vec![0u64; slots];
        for (step, (second, op)) in ops.iter().enumerate() {
            let via = if *second { &other } else { &run.region };
            match op {
                Op::Increment => {
                    let before = via.increment();
                    prop_assert_eq!(before, counter, "step {}: increment must return the counter's value before it", step);
                    counter += 1;
                }
                Op::AddToSlot(slot, n) => {
                    let before = via.add_to_slot(*slot, *n).unwrap_or_else(|err| panic!("add_to_slot({slot}) failed: {err}"));
                    prop_assert_eq!(before, model[*slot], "step {}: add_to_slot must return the slot's value before it", step);
                    model[*slot] += n;
                }
            }
        }
        for region in [&run.region, &other] {
            prop_assert_eq!(region.counter(), counter, "both mappings must read the counter every update left");
            for (slot, want) in model.iter().enumerate() {
                prop_assert_eq!(region.slot(slot).unwrap(), *want, "both mappings must read slot {} as the updates left it", slot);
            }
        }
    }
}

proptest! {
    #![proptest_config(proptest_config(4))]

    /// Runs one after another accumulate in the file: after each, the parent's mapping holds
    /// the sum of every run so far, in the counter and in every slot. (One worker per run: the
    /// races between workers are the cases' business, where they are made certain.)
    #[test]
    fn runs_one_after_another_accumulate(
        slots in 1usize..5,
        runs in prop::collection::vec(0u64..300, 1..4),
    ) {
        let run = Run::new(slots);
        let mut counter = 0;
        let mut model = vec![0u64; slots];
        for increments in runs {
            run.workers_ok(1, increments);
            counter += increments;
            for (slot, add) in expected_slots(1, increments, slots).into_iter().enumerate() {
                model[slot] += add;
            }
            let (got, _) = run.counter();
            prop_assert_eq!(got, counter, "the counter after a run of {} increments", increments);
            for (slot, want) in model.iter().enumerate() {
                let (got, _) = run.slot(slot);
                prop_assert_eq!(got, *want, "slot {} after a run of {} additions", slot, increments);
            }
        }
    }
}
