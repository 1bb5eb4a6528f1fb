//! Graded cases (rstest): people of one gender share the bathroom up to its capacity, the other
//! gender waits until it is empty, and a waiting person goes before people of the other gender
//! who arrive after them. Every order is forced with gates and the virtual clock's count of
//! sleeping threads, never with timing.

use crate::harness::{OrFail, Scenario, Step};
use course_clock::VirtualClock;
use rstest::rstest;
use unisex_bathroom::{Bathroom, Gender};

#[test]
fn smoke_one_person_at_a_time_goes_in_and_out() {
    let clock = VirtualClock::new();
    let bathroom = Bathroom::with_clock(3, &clock.clock());
    let visit = bathroom.enter(Gender::Female);
    assert_eq!(visit.gender(), Gender::Female);
    drop(visit);
    let visit = bathroom.enter(Gender::Male);
    assert_eq!(visit.gender(), Gender::Male);
    drop(visit);
    assert_eq!(bathroom.capacity(), 3);
}

#[rstest]
#[case(Gender::Male, 1)]
#[case(Gender::Male, 3)]
#[case(Gender::Female, 2)]
fn one_gender_shares_the_bathroom_up_to_its_capacity_and_no_further(
    #[case] gender: Gender,
    #[case] capacity: usize,
) {
    let s = Scenario::new(capacity);
    let mut inside = Vec::new();
    for i in 1..=capacity {
        let person = s.spawn(&format!("P{i}"), gender);
        person
            .wait_in(
                &s,
                "only people of the same gender were inside and there was room: they share the \
                 bathroom",
            )
            .or_fail();
        inside.push(person);
    }
    let extra = s.spawn("X", gender);
    s.wait_asleep(1, &extra, "the bathroom was full: X must wait for room")
        .or_fail();
    inside.remove(0).leave(&s).or_fail();
    extra
        .wait_in(&s, "someone left, so there was room again")
        .or_fail();
    extra.leave(&s).or_fail();
    for person in inside {
        person.leave(&s).or_fail();
    }
    s.check_no_mixing().or_fail();
}

#[rstest]
#[case(Gender::Male, Gender::Female)]
#[case(Gender::Female, Gender::Male)]
fn the_other_gender_waits_until_the_bathroom_is_empty(
    #[case] first: Gender,
    #[case] other: Gender,
) {
    let s = Scenario::new(3);
    let a = s.spawn("A1", first);
    a.wait_in(&s, "the bathroom was empty").or_fail();
    let b = s.spawn("A2", first);
    b.wait_in(&s, "A1 is of the same gender and there was room")
        .or_fail();
    let c = s.spawn("B", other);
    s.wait_asleep(1, &c, "people of the other gender were inside: B must wait")
        .or_fail();
    a.leave(&s).or_fail();
    s.wait_asleep(1, &c, "A2 is still inside").or_fail();
    b.leave(&s).or_fail();
    c.wait_in(&s, "the bathroom is empty now").or_fail();
    c.leave(&s).or_fail();
    s.check_no_mixing().or_fail();
}

#[rstest]
#[case(1, 1)]
#[case(1, 3)]
#[case(2, 1)]
#[case(2, 3)]
fn a_waiting_woman_goes_before_men_who_arrive_after_her(
    #[case] men_inside: usize,
    #[case] men_after: usize,
) {
    let s = Scenario::new(3);
    let mut inside = Vec::new();
    for i in 1..=men_inside {
        let man = s.spawn(&format!("M{i}"), Gender::Male);
        man.wait_in(&s, "only men were inside and there was room")
            .or_fail();
        inside.push(man);
    }
    let woman = s.spawn("W", Gender::Female);
    s.wait_asleep(1, &woman, "men were inside: the woman must wait")
        .or_fail();
    // A steady stream of men keeps arriving while the first ones are still inside, with room
    // to spare for some of them.
    let mut later = Vec::new();
    for i in 1..=men_after {
        let man = s.spawn(&format!("L{i}"), Gender::Male);
        s.wait_asleep(
            1 + i,
            &man,
            "woman W was already waiting: someone who arrives after a waiting person of the \
             other gender must wait behind her, or a steady stream of men starves her",
        )
        .or_fail();
        later.push(man);
    }
    for man in inside {
        man.leave(&s).or_fail();
    }
    woman
        .wait_in(
            &s,
            "the men who were inside have left, and she was first in line",
        )
        .or_fail();
    let woman_in = s.seq_of("W", Step::In).expect("W recorded that she is in");
    // The bound: no man who arrived after her entered before her.
    for man in &later {
        if let Some(seq) = s.seq_of(&man.name, Step::In).filter(|seq| *seq < woman_in) {
            panic!(
                "{}",
                s.failure(
                    format!(
                        "{} arrived after woman W was waiting, yet entered before her: a \
                         waiting person goes first",
                        man.name
                    ),
                    &[seq, woman_in],
                )
            );
        }
    }
    woman.leave(&s).or_fail();
    for man in &later {
        man.wait_in(&s, "the woman has left, and men share the bathroom")
            .or_fail();
    }
    for man in later {
        man.leave(&s).or_fail();
    }
    s.check_no_mixing().or_fail();
}
