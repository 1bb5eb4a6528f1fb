//! What the cases, properties and traces share: a [`Run`] makes a region file in a fresh
//! temporary directory, maps it, starts workers through the learner's `run_workers` and
//! records in a trace what it did and what it read back, so a failure quotes the steps that
//! led to it.

use course_testkit::process::{assert_all_reaped, children};
use course_testkit::{Trace, patience};
use shared_memory::{RegionError, SharedCounters, run_workers};
use std::fmt;
use std::path::{Path, PathBuf};

/// The worker binary the learner's `run_workers` starts.
pub(crate) const WORKER: &str = env!("CARGO_BIN_EXE_shared_memory-worker");

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The parent created the region.
    Created { slots: usize },
    /// `run_workers` returned.
    Ran {
        workers: usize,
        increments: u64,
        result: String,
    },
    /// The test ran one worker process itself.
    RanAlone { increments: u64, result: String },
    /// The parent read a value through its own mapping.
    Read { what: String, value: u64 },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Created { slots } => write!(f, "parent created the region ({slots} slots)"),
            Event::Ran {
                workers,
                increments,
                result,
            } => write!(
                f,
                "run_workers({workers} workers x {increments} increments) returned {result}"
            ),
            Event::RanAlone { increments, result } => write!(
                f,
                "the test ran one worker ({increments} increments) by hand: {result}"
            ),
            Event::Read { what, value } => write!(f, "parent read {what} = {value}"),
        }
    }
}

/// A region in a temporary directory, the parent's mapping of it, and a trace.
pub(crate) struct Run {
    /// Kept for its `Drop`, which deletes the directory.
    _dir: tempfile::TempDir,
    pub(crate) path: PathBuf,
    pub(crate) region: SharedCounters,
    pub(crate) trace: Trace<Event>,
}

impl Run {
    /// Creates a region with `slots` slots.
    pub(crate) fn new(slots: usize) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("region");
        let region = SharedCounters::create(&path, slots)
            .unwrap_or_else(|err| panic!("SharedCounters::create({slots} slots) failed: {err}"));
        let trace = Trace::new();
        trace.name_thread("parent");
        trace.record(Event::Created { slots });
        Run {
            _dir: dir,
            path,
            region,
            trace,
        }
    }

    /// Runs `workers` workers of `increments` increments each through `run_workers`, checking
    /// that every child was reaped when it returns.
    pub(crate) fn workers(&self, workers: usize, increments: u64) -> Result<(), RegionError> {
        let before = children();
        let result = run_workers(WORKER, &self.path, workers, increments);
        self.trace.record(Event::Ran {
            workers,
            increments,
            result: match &result {
                Ok(()) => "Ok".to_owned(),
                Err(err) => format!("Err({err})"),
            },
        });
        assert_all_reaped(&before, "run_workers");
        result
    }

    /// Like [`workers`](Self::workers), but while the workers run, pauses them one at a time
    /// (SIGSTOP) until another has made progress, then resumes it (SIGCONT), up to
    /// [`INTERRUPTIONS`] times. A pause lands at a random point of the paused worker's loop:
    /// if an update there is a load and a store, the pause often falls between the two, and
    /// the other workers' progress meanwhile is overwritten when it resumes. So a lost update
    /// does not depend on the machine having a free core for each worker: the test makes it
    /// happen, hundreds of times per run. A correct (atomic) update cannot be split by a pause.
    pub(crate) fn workers_interrupted(
        &self,
        workers: usize,
        increments: u64,
    ) -> Result<(), RegionError> {
        let before = children();
        let result = std::thread::scope(|scope| {
            let running = scope.spawn(|| run_workers(WORKER, &self.path, workers, increments));
            #[cfg(target_os = "linux")]
            interrupt_until_finished(&self.region, &before, workers, &running);
            running.join().expect("run_workers panicked")
        });
        self.trace.record(Event::Ran {
            workers,
            increments,
            result: match &result {
                Ok(()) => "Ok".to_owned(),
                Err(err) => format!("Err({err})"),
            },
        });
        assert_all_reaped(&before, "run_workers");
        result
    }

    /// Runs one worker process on the region by hand (with `assert_cmd`, which kills and reaps
    /// it if it has not finished within [`patience`]), as `run_workers` would start worker 0 of
    /// 1, and fails the test if it does not exit successfully.
    pub(crate) fn worker_alone(&self, increments: u64) {
        let output = assert_cmd::Command::new(WORKER)
            .arg(&self.path)
            .args(["0", "1", &increments.to_string()])
            .timeout(patience())
            .output()
            .expect("start the worker program");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let result = if output.status.success() {
            "exit 0".to_owned()
        } else {
            format!("{}, stderr {:?}", output.status, stderr.trim_end())
        };
        let seq = self.trace.record(Event::RanAlone { increments, result });
        if !output.status.success() {
            self.trace.fail(
                "a worker process run alone on a region the parent created failed: it maps the \
                 file with SharedCounters::open, waits at a start line for 1, and updates the \
                 region; each of those must work in the child too",
                &[seq],
            );
        }
    }

    /// Like [`workers`](Self::workers), failing the test if `run_workers` fails.
    pub(crate) fn workers_ok(&self, workers: usize, increments: u64) {
        self.check_ran(self.workers(workers, increments));
    }

    /// Like [`workers_interrupted`](Self::workers_interrupted), failing the test if
    /// `run_workers` fails.
    pub(crate) fn workers_interrupted_ok(&self, workers: usize, increments: u64) {
        self.check_ran(self.workers_interrupted(workers, increments));
    }

    fn check_ran(&self, result: Result<(), RegionError>) {
        if let Err(err) = result {
            self.trace.fail(
                format!(
                    "run_workers failed ({err}): with a valid region, every worker must map it, \
                     meet the others at the start line and finish"
                ),
                &[self.trace.len() - 1],
            );
        }
    }

    /// The counter, read through the parent's mapping and recorded.
    pub(crate) fn counter(&self) -> (u64, usize) {
        let value = self.region.counter();
        let seq = self.trace.record(Event::Read {
            what: "the counter".to_owned(),
            value,
        });
        (value, seq)
    }

    /// Slot `index`, read through the parent's mapping and recorded.
    pub(crate) fn slot(&self, index: usize) -> (u64, usize) {
        let value = self
            .region
            .slot(index)
            .unwrap_or_else(|err| panic!("slot({index}) of a region with that slot failed: {err}"));
        let seq = self.trace.record(Event::Read {
            what: format!("slot {index}"),
            value,
        });
        (value, seq)
    }
}

/// What each slot holds after `workers` workers each made `increments` additions round robin,
/// worker `i` starting at slot `i` (see `src/worker.rs`).
pub(crate) fn expected_slots(workers: usize, increments: u64, slots: usize) -> Vec<u64> {
    let mut expected = vec![0; slots];
    for worker in 0..workers as u64 {
        for k in 0..increments {
            expected[((worker + k) % slots as u64) as usize] += 1;
        }
    }
    expected
}

/// A file at `path` (in a fresh directory) with exactly `bytes` in it.
pub(crate) fn file_with(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("not-a-region");
    std::fs::write(&path, bytes).expect("write the test file");
    (dir, path)
}

/// Shows `path`'s bytes as native-endian words, for failure messages and snapshots.
pub(crate) fn words(path: &Path) -> Vec<u64> {
    let bytes = std::fs::read(path).expect("read the region file");
    bytes
        .chunks(8)
        .map(|chunk| {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            u64::from_ne_bytes(word)
        })
        .collect()
}

/// How many times [`Run::workers_interrupted`] pauses a worker, at most.
pub(crate) const INTERRUPTIONS: usize = 2000;

/// How long the pausing thread sleeps between two looks. Not to order anything: a short sleep
/// (rather than `yield_now`) wakes this thread again within microseconds even when the workers
/// keep every core busy, so it pauses them many times per run, at random points of their loops.
#[cfg(target_os = "linux")]
const TICK: std::time::Duration = std::time::Duration::from_micros(50);

/// Everything the workers have added so far, read through the parent's mapping.
fn progress(region: &SharedCounters) -> u64 {
    let slots: u64 = (0..region.slots())
        .map(|slot| region.slot(slot).unwrap_or(0))
        .sum();
    region.counter().wrapping_add(slots)
}

/// Pauses and resumes the workers started by `running` (the children of this process not in
/// `before`), one at a time, until it finishes or [`INTERRUPTIONS`] pauses were made.
#[cfg(target_os = "linux")]
fn interrupt_until_finished(
    region: &SharedCounters,
    before: &[u32],
    workers: usize,
    running: &std::thread::ScopedJoinHandle<'_, Result<(), RegionError>>,
) {
    use std::time::{Duration, Instant};
    let ours = || -> Vec<u32> {
        children()
            .into_iter()
            .filter(|pid| !before.contains(pid))
            .collect()
    };
    // Wait for the workers to be started.
    let deadline = Instant::now() + course_testkit::patience();
    let mut pids = ours();
    while pids.len() < workers && !running.is_finished() && Instant::now() < deadline {
        std::thread::sleep(TICK);
        pids = ours();
    }
    if pids.len() < 2 {
        return;
    }
    for turn in 0..INTERRUPTIONS {
        if running.is_finished() {
            break;
        }
        let pid = pids[turn % pids.len()];
        // Only a child not yet waited for: its pid cannot have been reused.
        if !ours().contains(&pid) {
            continue;
        }
        let Ok(raw) = libc::pid_t::try_from(pid) else {
            return;
        };
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe { libc::kill(raw, libc::SIGSTOP) };
        // Wait until it is stopped (state T) or has exited, then until the others progress.
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until && !stopped_or_gone(pid) {
            std::thread::sleep(TICK);
        }
        let start = progress(region);
        let until = Instant::now() + Duration::from_millis(20);
        while Instant::now() < until && progress(region) == start {
            std::thread::sleep(TICK);
        }
        // SAFETY: as above.
        unsafe { libc::kill(raw, libc::SIGCONT) };
    }
}

/// True if `pid` is stopped, a zombie, or gone.
#[cfg(target_os = "linux")]
fn stopped_or_gone(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, after)| after.split_whitespace().next())
        .unwrap_or("?");
    matches!(state, "T" | "t" | "Z" | "X")
}
