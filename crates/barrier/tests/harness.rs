//! What the cases, properties and traces share: a [`Crew`] of threads going round a barrier
//! whose action records itself, a trace of every arrival, action and departure, and
//! [`check_rounds`], which reads the rules of a barrier off that trace.

use barrier::Barrier;
use course_testkit::{Gate, Latch, Trace, patience};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// `thread` is about to call `wait` for its round `round` (from 0).
    Arrive { thread: usize, round: usize },
    /// The action ran, for the `number`th time (from 0), and saw `n_waiting` threads held.
    Action { number: usize, n_waiting: usize },
    /// `thread`'s `wait` for round `round` returned.
    Leave {
        thread: usize,
        round: usize,
        leader: bool,
    },
    /// `thread`'s `wait` panicked (the action's panic, in the leader).
    Panicked { thread: usize, round: usize },
    /// A line the test writes.
    Note(String),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Arrive { thread, round } => write!(f, "thread {thread} arrives (round {round})"),
            Event::Action { number, n_waiting } => {
                write!(f, "action #{number} runs, {n_waiting} thread(s) waiting")
            }
            Event::Leave {
                thread,
                round,
                leader,
            } => {
                let leader = if *leader { ", as the leader" } else { "" };
                write!(f, "thread {thread} leaves (round {round}){leader}")
            }
            Event::Panicked { thread, round } => {
                write!(f, "thread {thread}'s wait panicked (round {round})")
            }
            Event::Note(note) => f.write_str(note),
        }
    }
}

/// A barrier whose action records `Action` events (reading `n_waiting` as it runs), and panics
/// the first time if told to.
pub(crate) fn recording_barrier(
    parties: usize,
    trace: &Trace<Event>,
    panic_first: bool,
) -> Arc<Barrier> {
    let me: Arc<OnceLock<Weak<Barrier>>> = Arc::new(OnceLock::new());
    let runs = AtomicUsize::new(0);
    let action = {
        let (me, trace) = (Arc::clone(&me), trace.clone());
        move || {
            let number = runs.fetch_add(1, Ordering::SeqCst);
            let barrier = me
                .get()
                .and_then(Weak::upgrade)
                .expect("the barrier outlives its action");
            trace.record(Event::Action {
                number,
                n_waiting: barrier.n_waiting(),
            });
            if panic_first && number == 0 {
                panic!("the action panics on purpose");
            }
        }
    };
    let barrier = Arc::new(Barrier::with_action(parties, action));
    me.set(Arc::downgrade(&barrier))
        .expect("the barrier is made once");
    barrier
}

/// `parties` threads named `thread 0`, `thread 1`, ..., each going `rounds` times round one
/// recording barrier, all let go at once by a gate.
pub(crate) struct Crew {
    pub(crate) barrier: Arc<Barrier>,
    pub(crate) trace: Trace<Event>,
    pub(crate) parties: usize,
    pub(crate) rounds: usize,
    done: Arc<Latch>,
    handles: Vec<JoinHandle<()>>,
}

impl Crew {
    pub(crate) fn run(parties: usize, rounds: usize) -> Self {
        let trace = Trace::new();
        trace.name_thread("test");
        let barrier = recording_barrier(parties, &trace, false);
        let go = Arc::new(Gate::new());
        let done = Arc::new(Latch::new(parties));
        let handles = (0..parties)
            .map(|thread| {
                let (barrier, trace) = (Arc::clone(&barrier), trace.clone());
                let (go, done) = (Arc::clone(&go), Arc::clone(&done));
                thread::spawn(move || {
                    trace.name_thread(format!("thread {thread}"));
                    go.pass("the test to start the threads");
                    for round in 0..rounds {
                        go_round(&barrier, &trace, thread, round);
                    }
                    done.count_down();
                })
            })
            .collect();
        go.open();
        Crew {
            barrier,
            trace,
            parties,
            rounds,
            done,
            handles,
        }
    }

    /// Waits for every thread to finish its rounds, then checks the trace.
    pub(crate) fn check(self) -> Result<(), String> {
        let finished = self.done.wait_patiently();
        // Whatever happened, what the trace shows so far must obey the rules.
        check_rounds(&self.trace, self.parties, self.rounds, finished)?;
        for handle in self.handles {
            handle
                .join()
                .map_err(|_| "a thread panicked in wait".to_owned())?;
        }
        let waiting = self.barrier.n_waiting();
        if waiting != 0 {
            return Err(format!(
                "every thread is done with the barrier, but n_waiting() says {waiting} instead \
                 of 0"
            ));
        }
        Ok(())
    }
}

/// One call of `wait` by `thread` for its round `round`, recorded before and after.
pub(crate) fn go_round(barrier: &Barrier, trace: &Trace<Event>, thread: usize, round: usize) {
    trace.record(Event::Arrive { thread, round });
    match panic::catch_unwind(AssertUnwindSafe(|| barrier.wait())) {
        Ok(result) => {
            trace.record(Event::Leave {
                thread,
                round,
                leader: result.is_leader(),
            });
        }
        Err(payload) => {
            trace.record(Event::Panicked { thread, round });
            panic::resume_unwind(payload);
        }
    }
}

/// Checks a trace of `parties` threads going `rounds` times round a recording barrier: nobody
/// left round r before all `parties` had arrived in it; each round had one leader; the action
/// ran once per round, after the round's last arrival and before anyone left it, with everyone
/// else waiting. `finished` says whether every thread finished all its rounds.
pub(crate) fn check_rounds(
    trace: &Trace<Event>,
    parties: usize,
    rounds: usize,
    finished: bool,
) -> Result<(), String> {
    let events = trace.events();
    let fail = |message: String, focus: &[usize]| {
        Err(format!("{message}\ntrace:\n{}", trace.excerpt(focus)))
    };
    for round in 0..rounds {
        let arrivals: Vec<usize> = events
            .iter()
            .filter(|e| matches!(e.what, Event::Arrive { round: r, .. } if r == round))
            .map(|e| e.seq)
            .collect();
        let leaves: Vec<(usize, usize, bool)> = events
            .iter()
            .filter_map(|e| match e.what {
                Event::Leave {
                    thread,
                    round: r,
                    leader,
                } if r == round => Some((e.seq, thread, leader)),
                _ => None,
            })
            .collect();
        let action = events
            .iter()
            .find(|e| matches!(e.what, Event::Action { number, .. } if number == round));
        if let Some(&(first_leave, thread, _)) = leaves.first() {
            let before = arrivals.iter().filter(|&&a| a < first_leave).count();
            if before < parties {
                return fail(
                    format!(
                        "thread {thread} left round {round} when only {before} of the \
                         {parties} threads had arrived in it: nobody may leave a round before \
                         all {parties} have arrived. (Did a thread that came back early for the \
                         next round count in this one? Waiters must wait for their generation \
                         to end, not for a count.)"
                    ),
                    &[first_leave],
                );
            }
            let Some(action) = action else {
                return fail(
                    format!(
                        "thread {thread} left round {round}, but the action never ran for that \
                         round: the leader must run it before it releases anyone"
                    ),
                    &[first_leave],
                );
            };
            if action.seq > first_leave {
                return fail(
                    format!(
                        "thread {thread} left round {round} before the round's action ran: the \
                         leader must run the action before it releases anyone"
                    ),
                    &[first_leave, action.seq],
                );
            }
        }
        if let Some(action) = action {
            let before = arrivals.iter().filter(|&&a| a < action.seq).count();
            if before < parties {
                return fail(
                    format!(
                        "the action of round {round} ran when only {before} of the {parties} \
                         threads had arrived: it runs once all have"
                    ),
                    &[action.seq],
                );
            }
            if let Event::Action { n_waiting, .. } = action.what
                && n_waiting != parties - 1
            {
                return fail(
                    format!(
                        "while the action of round {round} ran, n_waiting() said {n_waiting}, \
                         but the other {} thread(s) must still be held then. Either they had \
                         already been released (run the action *before* ending the \
                         generation), or n_waiting does not count them",
                        parties - 1
                    ),
                    &[action.seq],
                );
            }
        }
        let leaders: Vec<usize> = leaves
            .iter()
            .filter(|&&(_, _, leader)| leader)
            .map(|&(seq, _, _)| seq)
            .collect();
        if leaves.len() == parties && leaders.len() != 1 {
            return fail(
                format!(
                    "{} threads were told they led round {round}: exactly one, the last to \
                     arrive, is the leader",
                    leaders.len()
                ),
                &leaders,
            );
        }
    }
    let actions: Vec<usize> = events
        .iter()
        .filter(|e| matches!(e.what, Event::Action { .. }))
        .map(|e| e.seq)
        .collect();
    if actions.len() > rounds {
        return fail(
            format!(
                "the action ran {} times in {rounds} round(s): exactly once per round",
                actions.len()
            ),
            &actions,
        );
    }
    if !finished {
        return fail(
            format!(
                "{parties} threads going {rounds} time(s) round the barrier did not all finish \
                 within {:?}: some thread waits forever. A waiter that was woken must see that \
                 its own generation ended even if fast threads have already arrived for the \
                 next round (wait for the generation number to change, not for a count)",
                patience()
            ),
            &[],
        );
    }
    if actions.len() != rounds {
        return fail(
            format!(
                "the action ran {} times in {rounds} round(s): exactly once per round",
                actions.len()
            ),
            &actions,
        );
    }
    Ok(())
}

/// Polls `condition` until it holds, or gives up (`false`) after [`patience`]. For a count the
/// barrier reports (`n_waiting`), which nothing can wait for.
pub(crate) fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    let give_up = std::time::Instant::now() + patience();
    while !condition() {
        if std::time::Instant::now() >= give_up {
            return false;
        }
        thread::park_timeout(Duration::from_millis(1));
    }
    true
}

pub(crate) use course_testkit::join_patiently;
