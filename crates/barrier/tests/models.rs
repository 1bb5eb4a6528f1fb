//! Graded loom models: every interleaving of three threads going round the barrier twice.
//! Built only with `RUSTFLAGS="--cfg course_loom"`; a lapped thread waiting forever shows as a
//! deadlock loom reports, a thread leaving too early as a failed assertion.

use barrier::Barrier;
use course_sync::atomic::{AtomicUsize, Ordering};
use course_sync::{Arc, model, thread};

const THREADS: usize = 3;
const ROUNDS: usize = 2;

#[test]
fn three_threads_two_rounds_nobody_leaves_early_and_each_action_runs_first() {
    model(|| {
        let actions = Arc::new(AtomicUsize::new(0));
        let barrier = {
            let actions = Arc::clone(&actions);
            Arc::new(Barrier::with_action(THREADS, move || {
                actions.fetch_add(1, Ordering::SeqCst);
            }))
        };
        let arrived: Arc<[AtomicUsize; ROUNDS]> = Arc::new(Default::default());
        let leaders: Arc<[AtomicUsize; ROUNDS]> = Arc::new(Default::default());
        let go_round = {
            let (barrier, actions) = (Arc::clone(&barrier), Arc::clone(&actions));
            let (arrived, leaders) = (Arc::clone(&arrived), Arc::clone(&leaders));
            move || {
                for round in 0..ROUNDS {
                    arrived[round].fetch_add(1, Ordering::SeqCst);
                    let result = barrier.wait();
                    let here = arrived[round].load(Ordering::SeqCst);
                    assert_eq!(
                        here, THREADS,
                        "a thread left round {round} when only {here} of {THREADS} had arrived"
                    );
                    let ran = actions.load(Ordering::SeqCst);
                    assert!(
                        ran > round,
                        "a thread left round {round} before that round's action ran"
                    );
                    if result.is_leader() {
                        leaders[round].fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        };
        let others: Vec<_> = (1..THREADS)
            .map(|_| thread::spawn(go_round.clone()))
            .collect();
        go_round();
        for other in others {
            other.join().expect("a thread panicked");
        }
        for (round, leaders) in leaders.iter().enumerate() {
            assert_eq!(
                leaders.load(Ordering::SeqCst),
                1,
                "round {round} must have exactly one leader"
            );
        }
        assert_eq!(
            actions.load(Ordering::SeqCst),
            ROUNDS,
            "the action runs exactly once per round"
        );
        assert_eq!(barrier.n_waiting(), 0, "everyone has left");
    });
}
