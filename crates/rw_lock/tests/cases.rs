//! Graded cases (rstest): readers share, writers exclude, and a waiting writer goes before the
//! readers that arrive after it. Every order is forced with gates and the virtual clock's count
//! of sleeping threads, never with timing.

use crate::harness::{OrFail, Role, Scenario, Step};
use course_clock::VirtualClock;
use rstest::rstest;
use rw_lock::RwLock;

#[test]
fn smoke_a_write_is_seen_by_later_reads() {
    let clock = VirtualClock::new();
    let lock = RwLock::with_clock(vec![1, 2], &clock.clock());
    lock.write().push(3);
    assert_eq!(
        *lock.read(),
        [1, 2, 3],
        "a read after a write must see the write"
    );
    assert_eq!(
        lock.read().len(),
        3,
        "a second read must see the same value"
    );
    lock.write().push(4);
    assert_eq!(lock.into_inner(), [1, 2, 3, 4]);
}

#[rstest]
#[case(2)]
#[case(3)]
fn readers_are_inside_at_the_same_time(#[case] readers: usize) {
    let s = Scenario::new();
    let mut inside = Vec::new();
    for i in 1..=readers {
        let reader = s.spawn(&format!("R{i}"), Role::Reader);
        // Every reader before this one is still inside, waiting for the test.
        reader
            .wait_in(
                &s,
                "only readers were inside, and readers must share the lock (one lock for all \
                 lets only one thread in at a time)",
            )
            .or_fail();
        inside.push(reader);
    }
    for reader in inside {
        reader.leave(&s).or_fail();
    }
    s.check_exclusion().or_fail();
}

#[rstest]
#[case::writer_after_reader(Role::Reader, Role::Writer)]
#[case::reader_after_writer(Role::Writer, Role::Reader)]
#[case::writer_after_writer(Role::Writer, Role::Writer)]
fn a_writer_is_never_inside_with_anyone_else(#[case] first: Role, #[case] second: Role) {
    let s = Scenario::new();
    let a = s.spawn("A", first);
    a.wait_in(&s, "the lock was free").or_fail();
    let b = s.spawn("B", second);
    s.wait_asleep(
        1,
        &b,
        "A was still inside and one of them writes: B must wait",
    )
    .or_fail();
    a.leave(&s).or_fail();
    b.wait_in(&s, "A left, and nobody else wanted the lock")
        .or_fail();
    b.leave(&s).or_fail();
    s.check_exclusion().or_fail();
    assert_eq!(
        *s.lock.read(),
        [first, second]
            .iter()
            .filter(|r| **r == Role::Writer)
            .count() as u64,
        "every writer's update must be kept"
    );
}

#[rstest]
#[case(1, 1)]
#[case(1, 3)]
#[case(2, 1)]
#[case(2, 3)]
fn a_waiting_writer_goes_before_readers_that_arrive_after_it(
    #[case] readers_inside: usize,
    #[case] readers_after: usize,
) {
    let s = Scenario::new();
    let mut inside = Vec::new();
    for i in 1..=readers_inside {
        let reader = s.spawn(&format!("R{i}"), Role::Reader);
        reader.wait_in(&s, "only readers were inside").or_fail();
        inside.push(reader);
    }
    let writer = s.spawn("W", Role::Writer);
    s.wait_asleep(1, &writer, "readers were inside: the writer must wait")
        .or_fail();
    // A stream of readers keeps arriving while the first ones are still inside.
    let mut later = Vec::new();
    for i in 1..=readers_after {
        let reader = s.spawn(&format!("L{i}"), Role::Reader);
        s.wait_asleep(
            1 + i,
            &reader,
            "writer W was already waiting: a reader that arrives after a waiting writer must \
             queue behind it, or a stream of overlapping readers starves the writer forever",
        )
        .or_fail();
        later.push(reader);
    }
    for reader in inside {
        reader.leave(&s).or_fail();
    }
    writer
        .wait_in(
            &s,
            "the readers that were inside have left, and the writer was the first to wait",
        )
        .or_fail();
    let writer_in = s.seq_of("W", Step::In).expect("W recorded that it is in");
    // The bound: no reader that arrived after the writer entered before it.
    for reader in &later {
        if let Some(seq) = s
            .seq_of(&reader.name, Step::In)
            .filter(|seq| *seq < writer_in)
        {
            panic!(
                "{}",
                s.failure(
                    format!(
                        "{} arrived after writer W was waiting, yet entered before it: a \
                         waiting writer goes first",
                        reader.name
                    ),
                    &[seq, writer_in],
                )
            );
        }
    }
    writer.leave(&s).or_fail();
    for reader in &later {
        reader
            .wait_in(&s, "the writer has left, and readers share the lock")
            .or_fail();
    }
    for reader in later {
        reader.leave(&s).or_fail();
    }
    s.check_exclusion().or_fail();
}
