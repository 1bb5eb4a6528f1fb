//! Graded cases (rstest): the parallel count against the sequential answer, which thread ran
//! which chunk, that the chunks really run at the same time, that no thread outlives the call;
//! and the prime search's life, from start to drop.

use crate::harness::{Event, OrFail, Run, ThreadExits, nonzero, primes_in};
use course_testkit::{Latch, Trace, patience};
use rstest::rstest;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use thread_basics::{PrimeSearch, count_primes, count_primes_parallel, is_prime};

/// The search must be something a thread can own and hand over.
const _: fn() = || {
    fn sendable<T: Send>() {}
    sendable::<PrimeSearch>();
};

#[test]
fn smoke_there_are_25_primes_below_100() {
    let run = Run::new(0..100, 4);
    run.check_total().or_fail();
}

#[rstest]
#[case::zero(0, false)]
#[case::one(1, false)]
#[case::two(2, true)]
#[case::three(3, true)]
#[case::four(4, false)]
#[case::nine(9, false)]
#[case::twenty_five(25, false)]
#[case::ninety_seven(97, true)]
#[case::the_thousandth_prime(7919, true)]
#[case::a_square_of_a_prime(10_403, false)]
#[case::a_ten_digit_prime(1_000_000_007, true)]
#[case::fermats_composite(4_294_967_297, false)]
fn is_prime_answers_like_trial_division(#[case] n: u64, #[case] prime: bool) {
    assert_eq!(
        is_prime(n),
        prime,
        "is_prime({n}) must be {prime}: {n} {}",
        if prime { "is prime" } else { "is not prime" }
    );
}

#[test]
fn the_sequential_count_finds_168_primes_below_1000() {
    assert_eq!(
        count_primes(0..1000),
        168,
        "count_primes(0..1000): there are 168 primes below 1000"
    );
}

#[rstest]
#[case::one_thread(0..100, 1)]
#[case::three_threads_and_a_remainder(0..100, 3)]
#[case::seven_threads_and_a_remainder(0..1000, 7)]
#[case::more_threads_than_numbers(0..5, 16)]
#[case::a_single_number(10..11, 4)]
#[case::high_numbers(1_000_000..1_000_300, 6)]
#[case::an_empty_range(50..50, 3)]
#[case::a_backwards_range(Range { start: 100, end: 10 }, 2)]
fn the_parallel_count_equals_the_sequential_count(
    #[case] range: Range<u64>,
    #[case] threads: usize,
) {
    let run = Run::new(range, threads);
    run.check_total().or_fail();
    run.check_chunks().or_fail();
}

#[rstest]
#[case::one(1)]
#[case::two(2)]
#[case::four(4)]
#[case::eight(8)]
fn each_chunk_runs_on_a_thread_of_its_own(#[case] threads: usize) {
    let run = Run::new(0..200, threads);
    run.check_own_threads().or_fail();
    run.check_total().or_fail();
}

#[rstest]
#[case::two(2)]
#[case::four(4)]
#[case::eight(8)]
fn all_chunks_are_counted_at_the_same_time(#[case] threads: usize) {
    // Each chunk's thread, once started, waits until every chunk has started: possible only if
    // they all run at once. (If one waits in vain, the later ones stop waiting, so a sequential
    // count fails once, after `patience()`, instead of hanging.)
    let started = Latch::new(threads);
    let gave_up = AtomicBool::new(false);
    let run = Run::with(0..1000, threads, |_| {
        started.count_down();
        if !gave_up.load(Ordering::SeqCst) && !started.wait_patiently() {
            gave_up.store(true, Ordering::SeqCst);
        }
    });
    if gave_up.load(Ordering::SeqCst) {
        panic!(
            "{}",
            run.failure(
                format!(
                    "a chunk's thread waited {:?} for the other chunks to start, and {} of {} \
                     never started meanwhile: the chunks ran one after another. Start every \
                     thread before joining any",
                    patience(),
                    started.left(),
                    threads
                ),
                &[],
            )
        );
    }
}

#[rstest]
#[case::one(1)]
#[case::three(3)]
#[case::eight(8)]
fn no_thread_outlives_the_call(#[case] threads: usize) {
    let exits = ThreadExits::new();
    let run = Run::with(0..500, threads, |_| exits.watch());
    let still_running = exits.still_running();
    exits.release();
    if still_running > 0 {
        panic!(
            "{}",
            run.failure(
                format!(
                    "count_primes_parallel returned while {still_running} of its {threads} \
                     threads had not ended yet: join every thread's handle before returning \
                     (the scope alone waits for the closures, not for the threads to end)"
                ),
                &[run.trace.len() - 1],
            )
        );
    }
}

#[rstest]
#[case::empty(7..7, 4)]
#[case::backwards(Range { start: 9, end: 3 }, 2)]
fn an_empty_range_starts_no_thread_and_counts_zero(
    #[case] range: Range<u64>,
    #[case] threads: usize,
) {
    let run = Run::new(range, threads);
    run.check_chunks().or_fail();
    run.check_total().or_fail();
    run.check_own_threads().or_fail();
}

#[test]
fn a_panic_on_a_counting_thread_reaches_the_caller_after_every_thread_ended() {
    const MESSAGE: &str = "the observer of chunk 0 panics on purpose";
    let exits = ThreadExits::new();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        count_primes_parallel(0..400, nonzero(4), |chunk| {
            exits.watch();
            if chunk.start == 0 {
                panic!("{MESSAGE}");
            }
        })
    }));
    let still_running = exits.still_running();
    exits.release();
    match outcome {
        Ok(result) => panic!(
            "on_chunk panicked on the thread of chunk 0..100, but count_primes_parallel \
             returned {result:?}: a thread's panic must reach the caller (join the handle and \
             pass its panic on with std::panic::resume_unwind)"
        ),
        Err(payload) => {
            let text = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            assert!(
                text == MESSAGE,
                "count_primes_parallel panicked with {text:?}, but the panic to pass on was \
                 the thread's own, {MESSAGE:?} (std::panic::resume_unwind keeps it as it was)"
            );
        }
    }
    assert_eq!(
        still_running, 0,
        "the panic reached the caller while {still_running} of the counting threads had not \
         ended: join every thread before passing a panic on"
    );
}

/// Starts a search that records what it finds; `then` runs on the search thread after each
/// recording.
fn search(trace: &Trace<Event>, then: impl FnMut(u64) + Send + 'static) -> PrimeSearch {
    let (trace, mut then) = (trace.clone(), then);
    PrimeSearch::start(move |prime| {
        trace.record(Event::Found {
            prime,
            thread: std::thread::current().id(),
        });
        then(prime);
    })
}

/// Drops `search` on a helper thread and waits, patiently, for the drop to return. Returns how
/// many of the threads `exits` watches were still running right after the drop returned.
fn drop_patiently(trace: &Trace<Event>, search: PrimeSearch, exits: &Arc<ThreadExits>) -> usize {
    let returned = Arc::new(Latch::new(1));
    let dropper = {
        let (trace, returned, exits) = (trace.clone(), Arc::clone(&returned), Arc::clone(exits));
        std::thread::spawn(move || {
            trace.record(Event::DropStarts);
            drop(search);
            let left = exits.still_running();
            exits.release();
            trace.record(Event::DropReturned);
            returned.count_down();
            left
        })
    };
    if !returned.wait_patiently() {
        trace.fail(
            format!(
                "dropping the prime search did not return within {:?}: Drop must tell the \
                 worker to stop (set the flag it checks between numbers) and then join it",
                patience()
            ),
            &[],
        );
    }
    dropper.join().expect("dropping the prime search panicked")
}

#[test]
fn the_search_reports_primes_in_increasing_order_from_two_on_its_own_thread() {
    let trace = Trace::new();
    trace.name_thread("test");
    let ten = Arc::new(Latch::new(10));
    let s = {
        let ten = Arc::clone(&ten);
        search(&trace, move |_| ten.count_down())
    };
    ten.wait("the prime search to report ten primes");
    drop_patiently(&trace, s, &ThreadExits::new());
    let found: Vec<(usize, u64, std::thread::ThreadId)> = trace
        .events()
        .into_iter()
        .filter_map(|e| match e.what {
            Event::Found { prime, thread } => Some((e.seq, prime, thread)),
            _ => None,
        })
        .collect();
    let want: Vec<u64> = (2..)
        .filter(|&n| primes_in(n..n + 1) == 1)
        .take(found.len())
        .collect();
    let got: Vec<u64> = found.iter().map(|&(_, p, _)| p).collect();
    if got != want {
        let at = got.iter().zip(&want).position(|(g, w)| g != w).unwrap_or(0);
        trace.fail(
            format!(
                "the search reported {got:?}: it must report every prime, in increasing order, \
                 from 2 ({want:?})"
            ),
            &[found[at].0],
        );
    }
    let me = std::thread::current().id();
    if let Some(&(seq, prime, _)) = found.iter().find(|&&(_, _, t)| t == me) {
        trace.fail(
            format!("{prime} was reported on the test's own thread: the search runs on a thread of its own"),
            &[seq],
        );
    }
    if let Some(&(seq, prime, _)) = found.iter().find(|&&(_, _, t)| t != found[0].2) {
        trace.fail(
            format!(
                "{prime} was reported on another thread than 2: one worker thread reports them all"
            ),
            &[seq],
        );
    }
}

#[test]
fn dropping_the_search_stops_it_and_joins_its_thread() {
    let trace = Trace::new();
    trace.name_thread("test");
    let exits = ThreadExits::new();
    let three = Arc::new(Latch::new(3));
    let s = {
        let (exits, three) = (Arc::clone(&exits), Arc::clone(&three));
        search(&trace, move |_| {
            exits.watch();
            three.count_down();
        })
    };
    three.wait("the prime search to report three primes");
    let still_running = drop_patiently(&trace, s, &exits);
    let events = trace.events();
    let returned = events
        .iter()
        .find(|e| e.what == Event::DropReturned)
        .map(|e| e.seq)
        .expect("the dropper records that drop returned");
    if still_running > 0 {
        trace.fail(
            "drop returned while the search's thread was still running: Drop must join the \
             worker, so that nothing of it outlives its owner",
            &[returned],
        );
    }
    if let Some(late) = events
        .iter()
        .find(|e| e.seq > returned && matches!(e.what, Event::Found { .. }))
    {
        trace.fail(
            "the search reported a prime after drop returned: once dropped, it must never call \
             on_prime again",
            &[returned, late.seq],
        );
    }
}

#[test]
fn a_search_dropped_right_after_it_starts_stops() {
    let trace = Trace::new();
    trace.name_thread("test");
    let s = search(&trace, |_| ());
    drop_patiently(&trace, s, &ThreadExits::new());
    let found: Vec<u64> = trace
        .whats()
        .into_iter()
        .filter_map(|e| match e {
            Event::Found { prime, .. } => Some(prime),
            _ => None,
        })
        .collect();
    let want: Vec<u64> = (2..)
        .filter(|&n| primes_in(n..n + 1) == 1)
        .take(found.len())
        .collect();
    assert_eq!(
        found, want,
        "a search dropped at once may have reported a few primes, but only the first ones, in order"
    );
}
