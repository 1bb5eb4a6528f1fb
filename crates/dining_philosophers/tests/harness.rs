//! What the cases, properties and traces share: a [`Lab`], a table whose philosophers move one
//! step at a time, when the test says so; and [`run_free`], the same table on free threads.
//!
//! In a `Lab` every philosopher has its own thread, held at a gate until the test starts it.
//! Each callback (`reach_for`, `pick_up`, `eat`, `put_down`, and leaving the table) records its
//! step in the trace and then stops the thread until the test lets it go on; the test checks
//! each step against the [rules](crate::rules) at once. Only the philosopher the test just let
//! go is moving, so exactly one thread runs at a time, the test chooses which, and a run gives
//! the same trace every time.
//!
//! The test never lets a philosopher go on from `reach_for` while the fork it reaches for is
//! in someone's hand: it would block on the fork's lock, and the suite could not tell a thread
//! that waits from one that runs. It keeps that philosopher at the callback instead, which is
//! exactly where the lock would have kept it. When no philosopher can move and not everyone
//! has left, that is a deadlock, found on the spot, with a sentence saying who holds what and
//! waits for whom, instead of a hung test.
//!
//! After every step the test also checks the forks' locks: a fork someone says it holds must be
//! locked. That catches a philosopher whose guard is dropped too early (`let _ = fork.lock()`),
//! whose trace looks right.

use crate::rules::{Act, Broken, Rules, Step, fork_of};
use course_testkit::{CountDownOnDrop, Event, Gate, Latch, Trace, patience};
use dining_philosophers::{Philosopher, Side, Table};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread::{self, JoinHandle};
use std::time::Instant;

pub(crate) use course_testkit::OrFail;

/// The step a philosopher asks to make when it calls back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    Reach(Side),
    PickUp(Side),
    Eat,
    PutDown(Side),
    Leave,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |side: &Side| match side {
            Side::Left => "left",
            Side::Right => "right",
        };
        match self {
            Call::Reach(s) => write!(f, "reach for its {} fork", side(s)),
            Call::PickUp(s) => write!(f, "pick up its {} fork", side(s)),
            Call::Eat => f.write_str("eat"),
            Call::PutDown(s) => write!(f, "put down its {} fork", side(s)),
            Call::Leave => f.write_str("leave the table"),
        }
    }
}

/// Where one philosopher's thread is, as the test and the thread share it.
#[derive(Default)]
struct Seat {
    /// The test opened its gate.
    started: bool,
    /// The callback it is stopped in (its step is recorded), waiting for the test to let it
    /// go on.
    at: Option<Call>,
    /// Set by the test to let it go on; cleared by the philosopher as it does.
    granted: bool,
    /// Its thread is done (it left the table, or panicked).
    gone: bool,
    /// Its panic's message, if it panicked.
    panic: Option<String>,
}

/// The seats, behind one lock, with one condition variable for every change.
struct Board {
    seats: Mutex<Vec<Seat>>,
    changed: Condvar,
}

impl Board {
    fn lock(&self) -> MutexGuard<'_, Vec<Seat>> {
        self.seats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits on the board until `done` holds or `give_up` passes; returns the guard either way.
    fn wait_until<'a>(
        &self,
        mut seats: MutexGuard<'a, Vec<Seat>>,
        give_up: Instant,
        done: impl Fn(&[Seat]) -> bool,
    ) -> MutexGuard<'a, Vec<Seat>> {
        while !done(&seats) {
            let now = Instant::now();
            if now >= give_up {
                break;
            }
            seats = self
                .changed
                .wait_timeout(seats, give_up - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        seats
    }
}

/// The message of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// The philosopher the learner's `dine` calls back, in a [`Lab`]: records each step, then stops
/// until the test lets it go on.
struct GatedDiner {
    seat: usize,
    seats: usize,
    meals: usize,
    board: Arc<Board>,
    trace: Trace<Step>,
}

impl GatedDiner {
    fn call(&mut self, call: Call) {
        let fork = |side| fork_of(self.seat, side, self.seats);
        let act = match call {
            Call::Reach(side) => Act::Reaches(side, fork(side)),
            Call::PickUp(side) => Act::PicksUp(side, fork(side)),
            Call::Eat => {
                self.meals += 1;
                Act::Eats(self.meals)
            }
            Call::PutDown(side) => Act::PutsDown(side, fork(side)),
            Call::Leave => Act::Leaves,
        };
        let mut seats = self.board.lock();
        // Recorded under the board's lock: the test sees the step and its event together.
        self.trace.record(Step {
            seat: self.seat,
            act,
        });
        seats[self.seat].at = Some(call);
        self.board.changed.notify_all();
        // Four times the patience: if the test fails waiting for something else, this thread
        // must not go on first and change what the test is reporting about.
        let give_up = Instant::now() + patience() * 4;
        let mut seats = self
            .board
            .wait_until(seats, give_up, |seats| seats[self.seat].granted);
        let me = &mut seats[self.seat];
        me.granted = false;
        me.at = None;
        self.board.changed.notify_all();
    }
}

impl Philosopher for GatedDiner {
    fn reach_for(&mut self, side: Side) {
        self.call(Call::Reach(side));
    }
    fn pick_up(&mut self, side: Side) {
        self.call(Call::PickUp(side));
    }
    fn eat(&mut self) {
        self.call(Call::Eat);
    }
    fn put_down(&mut self, side: Side) {
        self.call(Call::PutDown(side));
    }
}

/// Who moves next in [`Lab::run`].
#[derive(Clone, Debug)]
pub(crate) enum Turns {
    /// Round the start order, one step each; a philosopher puts down its forks in one step.
    RoundRobin,
    /// The `i`-th move goes to philosopher number `choices[i] % m` among the `m` that can move,
    /// in start order (the choices are used again from the start when they run out).
    Chosen(Vec<usize>),
}

/// A table whose philosophers move one step at a time, as the test says.
pub(crate) struct Lab {
    seats: usize,
    meals: usize,
    /// The seats that have a philosopher, in increasing order.
    dining: Vec<usize>,
    pub(crate) table: Arc<Table>,
    board: Arc<Board>,
    pub(crate) trace: Trace<Step>,
    rules: Rules,
    /// Trace events checked against the rules so far.
    applied: usize,
    /// Steps the test has let philosophers make.
    moves: usize,
    handles: Vec<(usize, JoinHandle<()>)>,
    /// What this run is, for messages: "3 philosophers, 2 meals each, started in the order ...".
    story: String,
}

impl Lab {
    /// A table of `seats`, a philosopher at every seat, each to eat `meals` meals; every thread
    /// waits at its gate.
    pub(crate) fn new(seats: usize, meals: usize) -> Self {
        Self::with_diners(seats, meals, &(0..seats).collect::<Vec<_>>())
    }

    /// A table of `seats` with philosophers only at the seats `dining`.
    pub(crate) fn with_diners(seats: usize, meals: usize, dining: &[usize]) -> Self {
        let table = Arc::new(Table::new(seats));
        let board = Arc::new(Board {
            seats: Mutex::new((0..seats).map(|_| Seat::default()).collect()),
            changed: Condvar::new(),
        });
        let trace = Trace::new();
        trace.name_thread("test");
        let handles = dining
            .iter()
            .map(|&seat| {
                let (table, board, trace) = (Arc::clone(&table), Arc::clone(&board), trace.clone());
                let handle = thread::Builder::new()
                    .name(format!("P{seat}"))
                    .spawn(move || philosopher_thread(seat, meals, &table, &board, trace))
                    .expect("failed to spawn a philosopher's thread");
                (seat, handle)
            })
            .collect();
        let mut dining = dining.to_vec();
        dining.sort_unstable();
        Lab {
            seats,
            meals,
            rules: Rules::new(seats, meals, &dining),
            story: format!(
                "{} philosopher(s) at a table of {seats}, {meals} meal(s) each",
                dining.len()
            ),
            dining,
            table,
            board,
            trace,
            applied: 0,
            moves: 0,
            handles,
        }
    }

    /// Runs the whole dinner: philosophers started (each at its first turn) in `order`, which
    /// names every diner once, and moved as `turns` says, until everyone has left. Then checks
    /// that everyone left and every thread ended cleanly.
    pub(crate) fn run(&mut self, order: &[usize], turns: &Turns) -> Result<(), String> {
        let mut sorted = order.to_vec();
        sorted.sort_unstable();
        assert_eq!(
            sorted, self.dining,
            "the start order must name every diner once"
        );
        if !self.story.contains("started in the order") {
            self.story = format!("{}, started in the order {}", self.story, names(order));
        }
        let (mut next, mut chosen) = (0, 0);
        while !self.everyone_gone() {
            let movable: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&seat| self.can_move(seat))
                .collect();
            if movable.is_empty() {
                return Err(self.nobody_can_move());
            }
            let seat = match turns {
                Turns::RoundRobin => {
                    let at = (0..order.len())
                        .map(|k| (next + k) % order.len())
                        .find(|&at| self.can_move(order[at]))
                        .expect("some philosopher can move");
                    next = at + 1;
                    order[at]
                }
                Turns::Chosen(choices) => {
                    let choice = if choices.is_empty() {
                        0
                    } else {
                        choices[chosen % choices.len()]
                    };
                    chosen += 1;
                    movable[choice % movable.len()]
                }
            };
            self.move_seat(seat)?;
        }
        self.finish()
    }

    /// The deadlock schedule: in `order`, each philosopher is started and goes on until it has
    /// a fork in hand (or must wait for one, or has left), before the next one starts. With
    /// everyone taking the fork on the same side first, every fork is then in a hand and every
    /// philosopher reaches for its neighbour's.
    pub(crate) fn everyone_grabs_a_fork(&mut self, order: &[usize]) -> Result<(), String> {
        self.story = format!(
            "{}, started in the order {}, each going on until it has a fork in hand before the \
             next starts",
            self.story,
            names(order)
        );
        for &seat in order {
            self.move_seat(seat)?;
            while self.rules.holding(seat).is_empty() && self.can_move(seat) {
                self.move_seat(seat)?;
            }
        }
        Ok(())
    }

    /// Starts philosopher `seat` and waits until it stops in its first callback.
    pub(crate) fn start(&mut self, seat: usize) -> Result<(), String> {
        self.board.lock()[seat].started = true;
        self.board.changed.notify_all();
        self.await_seat(seat, "was started")?;
        self.check()
    }

    /// Lets philosopher `seat` go on from the callback it is stopped in (it must be able to:
    /// see [`can_move`](Self::can_move)), and waits until it stops in the next one or leaves.
    /// If it was putting a fork down, its following put-downs are let through too: a
    /// philosopher puts its forks down in one move, and has let go of them all (it is reaching
    /// for its next fork, or leaving) before anyone else moves.
    pub(crate) fn step(&mut self, seat: usize) -> Result<(), String> {
        loop {
            let call = self.stopped_at(seat);
            self.grant(seat)?;
            let putting_down = |call: Option<Call>| matches!(call, Some(Call::PutDown(_)));
            if !(putting_down(call) && putting_down(self.stopped_at(seat))) {
                return Ok(());
            }
        }
    }

    /// Starts `seat`, or lets it make its call.
    fn move_seat(&mut self, seat: usize) -> Result<(), String> {
        if self.board.lock()[seat].started {
            self.step(seat)
        } else {
            self.start(seat)
        }
    }

    /// Whether philosopher `seat` can move: it is not started yet, or it may go on from the
    /// callback it is stopped in (from a reach only if the fork is on the table: nobody holds
    /// it, nor is about to let go of it).
    pub(crate) fn can_move(&self, seat: usize) -> bool {
        let seats = self.board.lock();
        let me = &seats[seat];
        if !me.started {
            return true;
        }
        match me.at {
            _ if me.gone => false,
            Some(Call::Reach(side)) => {
                let fork = fork_of(seat, side, self.seats);
                // Someone stopped in put_down still has the fork locked.
                let letting_go = seats.iter().enumerate().any(|(other, them)| {
                    matches!(them.at, Some(Call::PutDown(s)) if fork_of(other, s, self.seats) == fork)
                });
                self.rules.holder(fork).is_none() && !letting_go
            }
            Some(_) => true,
            None => false,
        }
    }

    /// The callback philosopher `seat` is stopped in, if any.
    fn stopped_at(&self, seat: usize) -> Option<Call> {
        self.board.lock()[seat].at
    }

    /// Whether philosopher `seat` is stopped in `eat`, its meal recorded.
    pub(crate) fn about_to_eat(&self, seat: usize) -> bool {
        self.stopped_at(seat) == Some(Call::Eat)
    }

    /// The forks in philosopher `seat`'s hand, by the trace so far.
    pub(crate) fn holding(&self, seat: usize) -> Vec<usize> {
        self.rules.holding(seat)
    }

    fn everyone_gone(&self) -> bool {
        let seats = self.board.lock();
        self.dining.iter().all(|&seat| seats[seat].gone)
    }

    fn grant(&mut self, seat: usize) -> Result<(), String> {
        let call = {
            let mut seats = self.board.lock();
            let me = &mut seats[seat];
            let call = me.at.expect("the philosopher is stopped in a callback");
            me.granted = true;
            call
        };
        self.board.changed.notify_all();
        self.moves += 1;
        self.await_seat(seat, &format!("was let go on to {call}"))?;
        self.check()?;
        self.check_progress()
    }

    /// Waits until philosopher `seat`, the only one moving, stops in its next callback or
    /// leaves.
    fn await_seat(&self, seat: usize, what: &str) -> Result<(), String> {
        let give_up = Instant::now() + patience();
        let seats = self.board.lock();
        let seats = self.board.wait_until(seats, give_up, |seats| {
            let me = &seats[seat];
            me.gone || (me.at.is_some() && !me.granted)
        });
        let me = &seats[seat];
        if let Some(panic) = &me.panic {
            let panic = panic.clone();
            drop(seats);
            return Err(self.failure(format!("P{seat}'s thread panicked: {panic}"), &[]));
        }
        if me.gone || (me.at.is_some() && !me.granted) {
            return Ok(());
        }
        drop(seats);
        Err(self.stuck(seat, what))
    }

    /// Applies the new trace events to the rules, then checks that every fork someone holds is
    /// locked.
    fn check(&mut self) -> Result<(), String> {
        let events = self.trace.events();
        for event in &events[self.applied..] {
            self.applied += 1;
            if let Err(broken) = self.rules.apply(event.seq, event.what) {
                return Err(self.broken(broken));
            }
        }
        for fork in 0..self.seats {
            if let Some((seat, at)) = self.rules.holder(fork)
                && !self.fork_is_locked(fork)
            {
                return Err(self.failure(
                    format!(
                        "{}: P{seat} picked up fork {fork} (at #{at}) and has not put it down, \
                         yet the fork's lock is free: P{seat} let go of it too early, and a \
                         neighbour could take it and eat with it at the same time. Keep the \
                         guard alive until after put_down: a guard that is a local of a helper \
                         is dropped when the helper returns (return it instead), and `let _ = \
                         fork.lock()` drops it at once. (Or pick_up was called before the lock \
                         was taken: lock first, then pick_up)",
                        self.story
                    ),
                    &[at],
                ));
            }
        }
        Ok(())
    }

    /// A correct dinner takes a known number of steps; far more means philosophers keep
    /// picking up forks and putting them down without eating.
    fn check_progress(&self) -> Result<(), String> {
        let needed = self.dining.len() * (7 * self.meals + 1);
        if self.moves <= 4 * needed + 16 {
            return Ok(());
        }
        let gave_up: Vec<String> = self
            .dining
            .iter()
            .filter(|&&seat| self.rules.gave_up(seat) > 0)
            .map(|&seat| {
                format!(
                    "P{seat} put down a fork without eating {} time(s) and ate {} meal(s)",
                    self.rules.gave_up(seat),
                    self.rules.meals_eaten(seat)
                )
            })
            .collect();
        Err(self.failure(
            format!(
                "{}: after {} steps (this dinner takes {needed}) not everyone has eaten: {}. \
                 Picking up forks and putting them down again without eating, over and over, is \
                 a live-lock. Wait for a fork by locking it, and take the two in one global \
                 order",
                self.story,
                self.moves,
                gave_up.join("; ")
            ),
            &[],
        ))
    }

    /// Whether fork `fork`'s lock is taken. Asked only while every philosopher is stopped, so
    /// the test's `try_lock` never gets in anyone's way.
    pub(crate) fn fork_is_locked(&self, fork: usize) -> bool {
        match self.table.fork(fork).try_lock() {
            Ok(_) | Err(TryLockError::Poisoned(_)) => false,
            Err(TryLockError::WouldBlock) => true,
        }
    }

    /// The deadlock report: nobody can move, and not everyone has left.
    fn nobody_can_move(&self) -> String {
        let seats = self.board.lock();
        let stuck: Vec<usize> = self
            .dining
            .iter()
            .copied()
            .filter(|&seat| !seats[seat].gone)
            .collect();
        drop(seats);
        let waits: Vec<String> = stuck
            .iter()
            .map(|&seat| self.rules.describe(seat))
            .collect();
        let mut focus: Vec<usize> = stuck
            .iter()
            .flat_map(|&seat| self.rules.focus(seat))
            .collect();
        focus.sort_unstable();
        self.failure(
            format!(
                "{}: nobody can move, and not everyone has eaten. {}. Each waits for a fork \
                 that a neighbour holds, and that neighbour waits too, round the table: a \
                 deadlock. (Philosophers who let go and try again at once do no better: all in \
                 step, they let go and retry for ever, a live-lock.) If everyone picks up the \
                 lower-numbered of its forks first, no such circle can form",
                self.story,
                waits.join("; ")
            ),
            &focus,
        )
    }

    /// The report when the one moving philosopher neither stops in a callback nor leaves.
    fn stuck(&self, seat: usize, what: &str) -> String {
        let letting_go: Vec<usize> = {
            let seats = self.board.lock();
            (0..self.seats)
                .filter_map(|other| match seats[other].at {
                    Some(Call::PutDown(side)) => Some(fork_of(other, side, self.seats)),
                    _ => None,
                })
                .collect()
        };
        let mut notes = Vec::new();
        for fork in 0..self.seats {
            if self.rules.holder(fork).is_none()
                && !letting_go.contains(&fork)
                && self.fork_is_locked(fork)
            {
                notes.push(format!(
                    " Fork {fork}'s lock is taken, though nobody has picked it up: a philosopher \
                     locked it without reach_for, or kept it locked after its put_down."
                ));
            }
        }
        self.failure(
            format!(
                "{}: P{seat} {what}, and within {:?} it neither called its next callback \
                 (reach_for, pick_up, eat, put_down) nor left the table. Nobody else was \
                 moving, so it was not waiting for a neighbour's step: is it spinning, sleeping, \
                 or waiting for a lock it did not announce with reach_for?{}",
                self.story,
                patience(),
                notes.concat()
            ),
            &[],
        )
    }

    fn broken(&self, broken: Broken) -> String {
        self.failure(format!("{}: {}", self.story, broken.message), &broken.focus)
    }

    /// `message` and the trace excerpt around `focus`.
    pub(crate) fn failure(&self, message: impl fmt::Display, focus: &[usize]) -> String {
        format!("{message}\ntrace:\n{}", self.trace.excerpt(focus))
    }

    /// Everyone has left: the rules agree, and every thread ended cleanly.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        self.check()?;
        self.rules.finish().map_err(|broken| self.broken(broken))?;
        for (seat, handle) in std::mem::take(&mut self.handles) {
            match course_testkit::join_patiently(handle) {
                Some(Ok(())) => {}
                _ => return Err(format!("P{seat}'s thread did not end cleanly")),
            }
        }
        Ok(())
    }

    /// The trace, one step a line ("P0 picks up its left fork (fork 0)"), with each run of a
    /// philosopher's put-downs in fork order: the order in which a philosopher puts down its
    /// two forks is its own business.
    pub(crate) fn rendered(&self) -> String {
        let mut steps = self.trace.whats();
        let mut i = 0;
        while i < steps.len() {
            let mut j = i;
            while j < steps.len()
                && steps[j].seat == steps[i].seat
                && matches!(steps[j].act, Act::PutsDown(..))
            {
                j += 1;
            }
            steps[i..j].sort_by_key(|step| match step.act {
                Act::PutsDown(_, fork) => fork,
                _ => 0,
            });
            i = j.max(i + 1);
        }
        steps
            .iter()
            .map(|step| format!("P{} {}\n", step.seat, step.act))
            .collect()
    }
}

fn names(order: &[usize]) -> String {
    order
        .iter()
        .map(|seat| format!("P{seat}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A philosopher's thread in a [`Lab`].
fn philosopher_thread(
    seat: usize,
    meals: usize,
    table: &Table,
    board: &Arc<Board>,
    trace: Trace<Step>,
) {
    trace.name_thread(format!("P{seat}"));
    let seats = board.lock();
    let seats = board.wait_until(seats, Instant::now() + patience() * 4, |seats| {
        seats[seat].started
    });
    if !seats[seat].started {
        return;
    }
    drop(seats);
    let mut diner = GatedDiner {
        seat,
        seats: table.seats(),
        meals: 0,
        board: Arc::clone(board),
        trace,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| table.dine(seat, meals, &mut diner)));
    match outcome {
        Ok(()) => diner.call(Call::Leave),
        Err(payload) => board.lock()[seat].panic = Some(panic_message(&*payload)),
    }
    board.lock()[seat].gone = true;
    board.changed.notify_all();
}

/// The philosopher the learner's `dine` calls back on a free thread: records every step.
struct FreeDiner {
    seat: usize,
    seats: usize,
    meals: usize,
    trace: Trace<Step>,
}

impl FreeDiner {
    fn record(&self, act: Act) {
        self.trace.record(Step {
            seat: self.seat,
            act,
        });
    }
}

impl Philosopher for FreeDiner {
    fn reach_for(&mut self, side: Side) {
        self.record(Act::Reaches(side, fork_of(self.seat, side, self.seats)));
    }
    fn pick_up(&mut self, side: Side) {
        self.record(Act::PicksUp(side, fork_of(self.seat, side, self.seats)));
    }
    fn eat(&mut self) {
        self.meals += 1;
        self.record(Act::Eats(self.meals));
    }
    fn put_down(&mut self, side: Side) {
        self.record(Act::PutsDown(side, fork_of(self.seat, side, self.seats)));
    }
}

/// Runs `seats` philosophers on free threads, all let go at once, each eating `meals` meals,
/// and checks the whole trace against the rules. Fails if they have not all left within the
/// patience (deadlock suspected), saying who held what.
pub(crate) fn run_free(seats: usize, meals: usize) -> Result<(), String> {
    let table = Arc::new(Table::new(seats));
    let trace: Trace<Step> = Trace::new();
    trace.name_thread("test");
    let (ready, go) = (Arc::new(Latch::new(seats)), Arc::new(Gate::new()));
    let done = Arc::new(Latch::new(seats));
    let handles: Vec<(usize, JoinHandle<()>)> = (0..seats)
        .map(|seat| {
            let (table, trace, ready, go, done) = (
                Arc::clone(&table),
                trace.clone(),
                Arc::clone(&ready),
                Arc::clone(&go),
                Arc::clone(&done),
            );
            let handle = thread::Builder::new()
                .name(format!("P{seat}"))
                .spawn(move || {
                    // Counts down however the thread ends, even by a panic.
                    let _done = CountDownOnDrop(done);
                    trace.name_thread(format!("P{seat}"));
                    ready.count_down();
                    go.pass("the test to let the philosophers go");
                    let mut diner = FreeDiner {
                        seat,
                        seats,
                        meals: 0,
                        trace: trace.clone(),
                    };
                    table.dine(seat, meals, &mut diner);
                    trace.record(Step {
                        seat,
                        act: Act::Leaves,
                    });
                })
                .expect("failed to spawn a philosopher's thread");
            (seat, handle)
        })
        .collect();
    ready.wait("every philosopher's thread to start");
    go.open();
    let story = format!("{seats} philosophers on free threads, {meals} meals each");
    if !done.wait_patiently() {
        let events = trace.events();
        let mut rules = Rules::new(seats, meals, &(0..seats).collect::<Vec<_>>());
        for event in &events {
            if let Err(broken) = rules.apply(event.seq, event.what) {
                return Err(fail(&story, &broken, &events));
            }
        }
        let stuck: Vec<String> = (0..seats)
            .filter(|&seat| {
                !events
                    .iter()
                    .any(|e| e.what.seat == seat && e.what.act == Act::Leaves)
            })
            .map(|seat| rules.describe(seat))
            .collect();
        return Err(format!(
            "{story}: {} of them had not left the table after {:?}: deadlock suspected. {}. \
             (Everyone holding one fork and waiting for a neighbour's is the deadlock of \
             dining philosophers: pick up the lower-numbered fork first.)\nlast events:\n{}",
            stuck.len(),
            patience(),
            stuck.join("; "),
            trace.excerpt(&[])
        ));
    }
    for (seat, handle) in handles {
        if let Err(payload) = handle.join() {
            return Err(format!(
                "{story}: P{seat}'s thread panicked: {}",
                panic_message(&*payload)
            ));
        }
    }
    let events = trace.events();
    let mut rules = Rules::new(seats, meals, &(0..seats).collect::<Vec<_>>());
    for event in &events {
        rules
            .apply(event.seq, event.what)
            .map_err(|broken| fail(&story, &broken, &events))?;
    }
    rules
        .finish()
        .map_err(|broken| fail(&story, &broken, &events))
}

fn fail(story: &str, broken: &Broken, events: &[Event<Step>]) -> String {
    format!(
        "{story}: {}\ntrace:\n{}",
        broken.message,
        course_testkit::trace::excerpt(events, &broken.focus, 2)
    )
}
