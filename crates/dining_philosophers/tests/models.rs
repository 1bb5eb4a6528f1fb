//! Graded loom models: every interleaving (up to the preemption bound) of two and of three
//! philosophers eating one meal each, with the forks' real locks. Built only with
//! `RUSTFLAGS="--cfg course_loom"`.
//!
//! Every callback checks the step against the rules (see `rules`) as it happens: a fork picked
//! up while a neighbour still has it (its guard was dropped too early), a meal without both
//! forks, a meal missing at the end, all fail the model in the interleaving that shows them.
//! Philosophers who each hold one fork and wait for the other's are loom's "deadlock"; ones
//! that let go and retry at once, without ever waiting, keep running while nobody else is
//! scheduled and exceed loom's branch bound.
//!
//! The models lock forks only with `lock`, as the reference does: loom 0.7 reports false
//! deadlocks around `Mutex::try_lock` (tokio-rs/loom#376), so no model relies on it.

use crate::rules::{Act, Rules, Step, fork_of};
use course_sync::{Arc, model, thread};
use dining_philosophers::{Philosopher, Side, Table};
use std::sync::{Mutex, PoisonError};

/// The rules and the steps so far, checked as each step happens. A std mutex: bookkeeping of
/// the test, not part of what loom explores.
struct Book {
    rules: Rules,
    steps: Vec<Step>,
}

/// A philosopher whose every callback is checked against the book at once.
struct Checked {
    seat: usize,
    seats: usize,
    meals: usize,
    book: std::sync::Arc<Mutex<Book>>,
}

impl Checked {
    fn step(&mut self, act: Act) {
        let mut book = self.book.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = book.steps.len();
        let step = Step {
            seat: self.seat,
            act,
        };
        book.steps.push(step);
        if let Err(broken) = book.rules.apply(seq, step) {
            let steps = render(&book.steps);
            drop(book);
            panic!("{}\nsteps in this interleaving:\n{steps}", broken.message);
        }
    }
}

impl Philosopher for Checked {
    fn reach_for(&mut self, side: Side) {
        self.step(Act::Reaches(side, fork_of(self.seat, side, self.seats)));
    }
    fn pick_up(&mut self, side: Side) {
        self.step(Act::PicksUp(side, fork_of(self.seat, side, self.seats)));
    }
    fn eat(&mut self) {
        self.meals += 1;
        self.step(Act::Eats(self.meals));
    }
    fn put_down(&mut self, side: Side) {
        self.step(Act::PutsDown(side, fork_of(self.seat, side, self.seats)));
    }
}

fn render(steps: &[Step]) -> String {
    steps
        .iter()
        .enumerate()
        .map(|(seq, step)| format!("  #{seq:<3} P{} {}\n", step.seat, step.act))
        .collect()
}

/// `seats` philosophers, one thread each (philosopher 0 on the model's main thread), eat one
/// meal each at one table; then the book must show that everyone left.
fn one_meal_each(seats: usize) {
    let table = Arc::new(Table::new(seats));
    let book = std::sync::Arc::new(Mutex::new(Book {
        rules: Rules::new(seats, 1, &(0..seats).collect::<Vec<_>>()),
        steps: Vec::new(),
    }));
    let diner = |seat: usize| Checked {
        seat,
        seats,
        meals: 0,
        book: std::sync::Arc::clone(&book),
    };
    let others: Vec<_> = (1..seats)
        .map(|seat| {
            let table = Arc::clone(&table);
            let mut philosopher = diner(seat);
            thread::spawn(move || {
                table.dine(seat, 1, &mut philosopher);
                philosopher.step(Act::Leaves);
            })
        })
        .collect();
    let mut philosopher = diner(0);
    table.dine(0, 1, &mut philosopher);
    philosopher.step(Act::Leaves);
    for other in others {
        other.join().expect("a philosopher's thread panicked");
    }
    let book = book.lock().unwrap_or_else(PoisonError::into_inner);
    if let Err(broken) = book.rules.finish() {
        panic!(
            "{}\nsteps in this interleaving:\n{}",
            broken.message,
            render(&book.steps)
        );
    }
}

#[test]
fn two_philosophers_sharing_both_forks_each_eat_once_in_every_interleaving() {
    model(|| one_meal_each(2));
}

#[test]
fn three_philosophers_round_the_table_each_eat_once_in_every_interleaving() {
    model(|| one_meal_each(3));
}
