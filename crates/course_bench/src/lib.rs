//! The course's benchmark harness: warm-up, repeated samples, medians, percentiles, and the
//! protocol between a benchmark binary and `cargo xtask bench`. Benchmarks measure; they never
//! pass or fail on a number.
//!
//! Each benchmarked exercise has two binaries (see `Cargo.toml`): `NAME` measures the
//! reference (`solutions/NAME.rs`) and the established implementations it is compared with;
//! `NAME_learner` measures the learner's file (`exercises/NAME.rs`) alone. Both include the
//! same cases from `src/benches/NAME.rs`, so a learner's file that does not compile, panics
//! with `todo!()` or deadlocks costs only the learner's column.
//!
//! A binary understands:
//!
//! | arguments       | what it does                                                        |
//! |-----------------|---------------------------------------------------------------------|
//! | (none)          | runs every case and prints a plain table (`cargo run -p course_bench --release --bin NAME`) |
//! | `--list`        | one line per case: its id, name, role and groups                    |
//! | `--case ID`     | runs one case, one line per measurement                             |
//! | `--quick`       | (with any of the above) a handful of iterations: "does it run?"     |
//!
//! Machine-readable lines start with [`MARK`]; whatever else the code under test prints is
//! ignored. `COURSE_BENCH_QUICK=1` in the environment is `--quick`.

mod harness;
mod json;

pub use harness::{Settings, Stat, Unit, black_box, on_threads, share};

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// The prefix of every line meant for `cargo xtask bench`.
pub const MARK: &str = "@course_bench ";

/// Whose implementation a binary measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `exercises/NAME.rs`: the learner's column only.
    Yours,
    /// `solutions/NAME.rs`, and the baselines it is compared with.
    Reference,
}

/// What a row of the table is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The learner's implementation.
    Yours,
    /// The course's reference solution.
    Reference,
    /// An established implementation (std, tokio, rayon, ...) or a naive one, for comparison.
    Baseline,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Yours => "yours",
            Role::Reference => "reference",
            Role::Baseline => "baseline",
        }
    }
}

/// One measured number of one implementation in one group (a row of the table).
#[derive(Clone, Debug)]
pub struct Measurement {
    /// The scenario, shared by the rows compared with each other.
    pub group: String,
    /// The stat itself.
    pub stat: Stat,
}

type Run = Box<dyn Fn(&Settings) -> Vec<Measurement>>;

struct Case {
    id: String,
    name: String,
    role: Role,
    groups: Vec<String>,
    run: Run,
}

/// The cases of one benchmark binary.
pub struct Bench {
    subject: Subject,
    cases: Vec<Case>,
}

impl Bench {
    /// An empty benchmark measuring `subject`.
    pub fn new(subject: Subject) -> Self {
        Bench {
            subject,
            cases: Vec::new(),
        }
    }

    /// True in the reference binary: register the baselines too.
    pub fn baselines(&self) -> bool {
        self.subject == Subject::Reference
    }

    /// The role of the implementation this binary compiled from `exercises/` or `solutions/`.
    pub fn subject(&self) -> Role {
        match self.subject {
            Subject::Yours => Role::Yours,
            Subject::Reference => Role::Reference,
        }
    }

    /// A case with one measurement in `group`: `run` sets up and returns its stat (usually
    /// from [`Settings::time`]).
    pub fn case(
        &mut self,
        group: &str,
        name: &str,
        role: Role,
        run: impl Fn(&Settings) -> Stat + 'static,
    ) {
        let owned = group.to_owned();
        self.push(name, role, vec![owned.clone()], move |settings| {
            vec![Measurement {
                group: owned.clone(),
                stat: run(settings),
            }]
        });
    }

    /// A case that yields several measurements (say, a rate and two percentiles of one run),
    /// in the given groups.
    pub fn case_multi(
        &mut self,
        groups: &[String],
        name: &str,
        role: Role,
        run: impl Fn(&Settings) -> Vec<Measurement> + 'static,
    ) {
        self.push(name, role, groups.to_vec(), run);
    }

    fn push(
        &mut self,
        name: &str,
        role: Role,
        groups: Vec<String>,
        run: impl Fn(&Settings) -> Vec<Measurement> + 'static,
    ) {
        let id = format!(
            "{}/{}/{}",
            slug(&groups.join(" ")),
            role.label(),
            slug(name)
        );
        assert!(
            self.cases.iter().all(|case| case.id != id),
            "two cases named {id}"
        );
        self.cases.push(Case {
            id,
            name: name.to_owned(),
            role,
            groups,
            run: Box::new(run),
        });
    }

    /// Parses the command line and does what it asks (see the crate docs).
    pub fn main(self) -> ExitCode {
        let mut quick = std::env::var("COURSE_BENCH_QUICK").is_ok_and(|value| value == "1");
        let mut list = false;
        let mut case = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--list" => list = true,
                "--case" => case = args.next(),
                other => {
                    eprintln!("unknown argument `{other}` (try --list, --case ID, --quick)");
                    return ExitCode::from(2);
                }
            }
        }
        let settings = Settings::new(quick);
        if list {
            for case in &self.cases {
                emit(&json::object(&[
                    ("case", json::string(&case.id)),
                    ("name", json::string(&case.name)),
                    ("role", json::string(case.role.label())),
                    (
                        "groups",
                        json::array(case.groups.iter().map(|g| json::string(g))),
                    ),
                ]));
            }
            return ExitCode::SUCCESS;
        }
        install_panic_hook();
        match case {
            Some(id) => {
                let Some(case) = self.cases.iter().find(|case| case.id == id) else {
                    eprintln!("no case `{id}` (--list shows them)");
                    return ExitCode::from(2);
                };
                for measurement in (case.run)(&settings) {
                    emit(&measurement_json(case, &measurement));
                }
                ExitCode::SUCCESS
            }
            None => {
                for case in &self.cases {
                    for m in (case.run)(&settings) {
                        println!(
                            "{:<52} {:<10} {:<34} {}",
                            m.group,
                            case.role.label(),
                            case.name,
                            m.stat.describe()
                        );
                    }
                }
                ExitCode::SUCCESS
            }
        }
    }
}

fn measurement_json(case: &Case, m: &Measurement) -> String {
    let (unit, per) = match &m.stat.unit {
        Unit::PerOp(per) => ("per_op", per.as_str()),
        Unit::Latency => ("latency", ""),
    };
    json::object(&[
        ("group", json::string(&m.group)),
        ("name", json::string(&case.name)),
        ("role", json::string(case.role.label())),
        ("unit", json::string(unit)),
        ("per", json::string(per)),
        ("median_ns", json::number(m.stat.median_ns)),
        ("low_ns", json::number(m.stat.low_ns)),
        ("high_ns", json::number(m.stat.high_ns)),
        (
            "samples_ns",
            json::array(m.stat.samples.iter().map(|x| json::number(*x))),
        ),
    ])
}

/// Prints one machine-readable line and flushes it.
fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{MARK}{line}");
    let _ = out.flush();
}

/// A panic anywhere (a learner's `todo!()`, on any thread) ends the case at once: the line
/// says why, and the process exits, so no thread is left waiting for the one that panicked.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a payload that is not a message".to_owned());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        emit(&json::object(&[
            ("panic", json::string(&message)),
            ("location", json::string(&location)),
        ]));
        eprintln!("panicked at {location}: {message}");
        std::process::exit(101);
    }));
}

/// `"Mutex counter, 2 threads"` → `"mutex-counter-2-threads"`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// A xorshift generator: enough randomness for workloads, the same sequence on every run.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value; zero is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next value, uniform over `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A duration uniform in `[0, max)`, with microsecond resolution.
    pub fn duration_below(&mut self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap_or(u64::MAX).max(1);
        Duration::from_micros(self.next_u64() % micros)
    }
}

/// The value below which `p` (0..=1) of `sorted` lies (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The path of the helper program `cargo xtask bench` built for this benchmark (a problem
/// crate's worker process), from `COURSE_BENCH_WORKER`, or else next to this binary.
///
/// # Panics
///
/// If it is in neither place, saying how to build it.
pub fn worker(name: &str) -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("COURSE_BENCH_WORKER") {
        return path.into();
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(name)));
    match beside {
        Some(path) if path.is_file() => path,
        _ => panic!(
            "this benchmark talks to `{name}`: run it with `cargo xtask bench`, or build the \
             worker first (cargo build --release -p {} --features solution --bin {name})",
            name.trim_end_matches("-worker")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_stable() {
        assert_eq!(slug("Mutex counter, 2 threads"), "mutex-counter-2-threads");
        assert_eq!(slug("std::sync::Mutex<u64>"), "std-sync-mutex-u64");
    }

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let sorted: Vec<Duration> = (0..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
