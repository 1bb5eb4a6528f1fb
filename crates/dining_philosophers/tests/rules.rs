//! The rules of the table, checked one step at a time on what the philosophers' callbacks
//! report: a philosopher picks up only a fork it reached for and that nobody else has in hand;
//! it eats only with both its forks in hand; it puts down only what it holds; it eats exactly
//! the meals it was asked for, and leaves with empty hands. The gated harness, the free-running
//! test and the loom models all judge with these rules, so a broken rule reads the same
//! everywhere.
//!
//! The callbacks are honest by construction when `dine` follows its protocol: `pick_up` is
//! called with the fork locked, `put_down` before it is unlocked. So "fork 3 is in two hands"
//! in the report means two philosophers really did hold it at once, or one of them said it held
//! a fork whose lock it had already let go of.

// The loom build uses only part of this module.
#![cfg_attr(course_loom, allow(dead_code))]

use dining_philosophers::Side;
use std::fmt;

/// The number of the fork on `side` of philosopher `seat`, at a table of `seats`: fork `k` lies
/// between philosophers `k - 1` and `k`. (The suite's own copy of the rule, not the learner's.)
pub(crate) fn fork_of(seat: usize, side: Side, seats: usize) -> usize {
    match side {
        Side::Left => seat,
        Side::Right => (seat + 1) % seats,
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Left => "left",
        Side::Right => "right",
    }
}

/// What a philosopher did, as its callbacks told it (the fork numbers worked out by the suite).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Act {
    /// `reach_for(side)`: about to lock that fork.
    Reaches(Side, usize),
    /// `pick_up(side)`: has that fork locked.
    PicksUp(Side, usize),
    /// `eat()`: its `meal`-th meal (counted from 1).
    Eats(usize),
    /// `put_down(side)`: about to unlock that fork.
    PutsDown(Side, usize),
    /// Its call of `dine` returned.
    Leaves,
}

/// One step of one philosopher: what the trace records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) seat: usize,
    pub(crate) act: Act,
}

impl fmt::Display for Act {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Act::Reaches(side, fork) => {
                write!(f, "reaches for its {} fork (fork {fork})", side_name(side))
            }
            Act::PicksUp(side, fork) => {
                write!(f, "picks up its {} fork (fork {fork})", side_name(side))
            }
            Act::Eats(meal) => write!(f, "eats (meal {meal})"),
            Act::PutsDown(side, fork) => {
                write!(f, "puts down its {} fork (fork {fork})", side_name(side))
            }
            Act::Leaves => f.write_str("leaves the table"),
        }
    }
}

impl fmt::Display for Step {
    /// Without the philosopher: the trace shows it as the thread (`[P2]`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.act.fmt(f)
    }
}

/// A rule that broke: what, in the learner's terms, and the sequence numbers of the steps that
/// show it.
#[derive(Debug)]
pub(crate) struct Broken {
    pub(crate) message: String,
    pub(crate) focus: Vec<usize>,
}

fn broken(message: String, focus: &[usize]) -> Result<(), Broken> {
    Err(Broken {
        message,
        focus: focus.to_vec(),
    })
}

/// What the rules know about one philosopher.
#[derive(Clone, Default)]
struct Diner {
    /// Whether this seat has a philosopher in this run.
    dining: bool,
    /// The forks in its hand, each with the step that picked it up.
    holding: Vec<(usize, usize)>,
    /// The fork it reached for and has not picked up yet, with the step.
    reaching: Option<(usize, usize)>,
    /// Whether it has eaten since it last picked up a fork with empty hands.
    ate: bool,
    /// Meals eaten.
    meals: usize,
    /// The step at which it left.
    left: Option<usize>,
    /// Forks it put down without having eaten with them: attempts it gave up.
    gave_up: usize,
}

/// The state of the table as the steps so far leave it, and the rules every next step must
/// keep.
pub(crate) struct Rules {
    seats: usize,
    meals: usize,
    diners: Vec<Diner>,
    /// Fork `k`'s holder: the philosopher, and the step that picked it up.
    holder: Vec<Option<(usize, usize)>>,
}

impl Rules {
    /// A table of `seats` with a philosopher at each seat of `dining`, each asked for `meals`.
    pub(crate) fn new(seats: usize, meals: usize, dining: &[usize]) -> Self {
        let mut diners = vec![Diner::default(); seats];
        for &seat in dining {
            diners[seat].dining = true;
        }
        Rules {
            seats,
            meals,
            diners,
            holder: vec![None; seats],
        }
    }

    /// Applies step `seq`, or says which rule it breaks.
    pub(crate) fn apply(&mut self, seq: usize, step: Step) -> Result<(), Broken> {
        let Step { seat, act } = step;
        let me = format!("P{seat}");
        if !self.diners[seat].dining {
            return broken(format!("{me}, who is not at the table, {act}"), &[seq]);
        }
        if let Some(left) = self.diners[seat].left {
            return broken(
                format!("{me} {act} after it left the table (at #{left})"),
                &[left, seq],
            );
        }
        match act {
            Act::Reaches(_, fork) => {
                if let Some(&(_, at)) = self.diners[seat].holding.iter().find(|(f, _)| *f == fork) {
                    return broken(
                        format!("{me} reached for fork {fork}, which it already had in hand"),
                        &[at, seq],
                    );
                }
                self.diners[seat].reaching = Some((fork, seq));
            }
            Act::PicksUp(side, fork) => {
                if self.diners[seat].reaching.map(|(f, _)| f) != Some(fork) {
                    return broken(
                        format!(
                            "{me} picked up its {} fork (fork {fork}) without reaching for it \
                             first: call reach_for({side:?}) just before you lock a fork, and \
                             pick_up({side:?}) just after",
                            side_name(side)
                        ),
                        &[seq],
                    );
                }
                if let Some((other, at)) = self.holder[fork] {
                    let whose = if other == seat {
                        "its own hand: it picked up the same fork twice".to_owned()
                    } else {
                        format!(
                            "P{other}'s hand (P{other} picked it up at #{at} and has not put it \
                             down): a fork is in one hand at a time, or neighbours eat \
                             together. Did P{other} let go of the fork's lock before its \
                             put_down? Does {me} call pick_up before its lock is taken?"
                        )
                    };
                    return broken(
                        format!("{me} picked up fork {fork} while it was still in {whose}"),
                        &[at, seq],
                    );
                }
                let diner = &mut self.diners[seat];
                if diner.holding.is_empty() {
                    diner.ate = false;
                }
                diner.holding.push((fork, seq));
                diner.reaching = None;
                self.holder[fork] = Some((seat, seq));
            }
            Act::Eats(meal) => {
                let left = fork_of(seat, Side::Left, self.seats);
                let right = fork_of(seat, Side::Right, self.seats);
                let holding: Vec<usize> =
                    self.diners[seat].holding.iter().map(|(f, _)| *f).collect();
                let missing: Vec<(Side, usize)> = [(Side::Left, left), (Side::Right, right)]
                    .into_iter()
                    .filter(|(_, fork)| !holding.contains(fork))
                    .collect();
                match missing[..] {
                    [] => {}
                    [(side, fork)] => {
                        let (held, held_at) = match self.holder[fork] {
                            Some((other, at)) => (
                                format!(
                                    ", which its neighbour P{other} had in hand: neighbours \
                                     could eat together"
                                ),
                                Some(at),
                            ),
                            None => (String::new(), None),
                        };
                        let mut focus: Vec<usize> = self.diners[seat]
                            .holding
                            .iter()
                            .map(|(_, at)| *at)
                            .collect();
                        focus.extend(held_at);
                        focus.push(seq);
                        return broken(
                            format!(
                                "{me} ate (meal {meal}) without its {} fork (fork {fork}) in \
                                 hand{held}. A philosopher eats only with both forks, left \
                                 (fork {left}) and right (fork {right}), in hand: keep both \
                                 until the meal is over",
                                side_name(side)
                            ),
                            &focus,
                        );
                    }
                    _ => {
                        return broken(
                            format!(
                                "{me} ate (meal {meal}) with no fork in hand: a philosopher \
                                 eats only with both forks, left (fork {left}) and right \
                                 (fork {right}), in hand"
                            ),
                            &[seq],
                        );
                    }
                }
                let diner = &mut self.diners[seat];
                diner.meals += 1;
                diner.ate = true;
                if diner.meals > self.meals {
                    return broken(
                        format!(
                            "{me} ate a meal number {}, but was asked for {}: every philosopher \
                             eats exactly the meals it was asked for",
                            diner.meals, self.meals
                        ),
                        &[seq],
                    );
                }
            }
            Act::PutsDown(side, fork) => {
                let diner = &mut self.diners[seat];
                let Some(index) = diner.holding.iter().position(|(f, _)| *f == fork) else {
                    return broken(
                        format!(
                            "{me} put down its {} fork (fork {fork}), which it did not have in \
                             hand: put down only a fork you picked up",
                            side_name(side)
                        ),
                        &[seq],
                    );
                };
                diner.holding.remove(index);
                if !diner.ate {
                    diner.gave_up += 1;
                }
                // A philosopher that puts a fork down while reaching for another has given up
                // that reach.
                diner.reaching = None;
                self.holder[fork] = None;
            }
            Act::Leaves => {
                let diner = &self.diners[seat];
                if let Some(&(fork, at)) = diner.holding.first() {
                    return broken(
                        format!(
                            "{me} left the table with fork {fork} still in hand (picked up at \
                             #{at}): put both forks down after every meal"
                        ),
                        &[at, seq],
                    );
                }
                if diner.meals < self.meals {
                    return broken(
                        format!(
                            "{me} left the table after {} of the {} meals it was asked for: \
                             everyone eats every meal",
                            diner.meals, self.meals
                        ),
                        &[seq],
                    );
                }
                self.diners[seat].left = Some(seq);
            }
        }
        Ok(())
    }

    /// Once every step is in: checks that every philosopher left the table.
    pub(crate) fn finish(&self) -> Result<(), Broken> {
        for (seat, diner) in self.diners.iter().enumerate() {
            if diner.dining && diner.left.is_none() {
                return broken(
                    format!(
                        "P{seat} never left the table: it ate {} of its {} meals. {}",
                        diner.meals,
                        self.meals,
                        self.describe(seat)
                    ),
                    &[],
                );
            }
        }
        Ok(())
    }

    /// Fork `fork`'s holder and the step that picked it up.
    pub(crate) fn holder(&self, fork: usize) -> Option<(usize, usize)> {
        self.holder[fork]
    }

    /// The forks in philosopher `seat`'s hand.
    pub(crate) fn holding(&self, seat: usize) -> Vec<usize> {
        self.diners[seat].holding.iter().map(|(f, _)| *f).collect()
    }

    /// How many meals philosopher `seat` has eaten.
    pub(crate) fn meals_eaten(&self, seat: usize) -> usize {
        self.diners[seat].meals
    }

    /// How many forks philosopher `seat` put down without having eaten with them.
    pub(crate) fn gave_up(&self, seat: usize) -> usize {
        self.diners[seat].gave_up
    }

    /// The steps that put philosopher `seat` where it is: its pick-ups of the forks it holds,
    /// and its reach for the one it waits for.
    pub(crate) fn focus(&self, seat: usize) -> Vec<usize> {
        let diner = &self.diners[seat];
        diner
            .holding
            .iter()
            .map(|(_, at)| *at)
            .chain(diner.reaching.map(|(_, at)| at))
            .collect()
    }

    /// "P1 holds fork 1 and reaches for fork 2, which P2 holds": where philosopher `seat` is.
    pub(crate) fn describe(&self, seat: usize) -> String {
        let diner = &self.diners[seat];
        let holds = match diner.holding[..] {
            [] => "holds no fork".to_owned(),
            [(fork, _)] => format!("holds fork {fork}"),
            [(a, _), (b, _), ..] => format!("holds forks {a} and {b}"),
        };
        let reaches = match diner.reaching {
            None => String::new(),
            Some((fork, _)) => match self.holder[fork] {
                Some((other, _)) => format!(" and reaches for fork {fork}, which P{other} holds"),
                None => format!(" and reaches for fork {fork}"),
            },
        };
        format!("P{seat} {holds}{reaches}")
    }
}
