//! What the cases, properties and traces share: a [`Run`] calls `distribute` on a thread of its
//! own with the course's worker program, records in one trace what the test put in the queue,
//! when it closed it, and what `distribute` reported; [`Run::finish`] waits (patiently) for
//! `distribute` to return and checks the rules every run must obey.

use course_testkit::process::{assert_all_reaped, children};
use course_testkit::{Trace, patience};
use process_queue::{Progress, QueueError, WorkQueue, WorkerReport, distribute};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The worker program the tests hand to `distribute`.
pub(crate) const WORKER: &str = env!("CARGO_BIN_EXE_process_queue-worker");

/// How long a test waits for a `distribute` that may be deadlocked for good: longer than any
/// test's time limit in `xtask/course.toml`, so under `cargo xtask check` the runner ends the
/// test first (`timed_out`, its process group killed, workers included).
pub(crate) const LONGER_THAN_THE_TIME_LIMIT: Duration = Duration::from_secs(60);

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The test put `item` in the queue.
    Put(u64),
    /// The test closed the queue: no item will come any more.
    Closed,
    /// `distribute` reported that a worker processed an item.
    Processed {
        worker: usize,
        pid: u32,
        item: u64,
        result: u64,
    },
    /// `distribute` reported that a worker was stopped with the sentinel.
    Stopped { worker: usize, pid: u32, count: u64 },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Put(item) => write!(f, "test put item {item}"),
            Event::Closed => write!(f, "test closed the queue"),
            Event::Processed {
                worker,
                pid,
                item,
                result,
            } => write!(
                f,
                "worker {worker} (pid {pid}) processed item {item}, result {result}"
            ),
            Event::Stopped { worker, pid, count } => write!(
                f,
                "worker {worker} (pid {pid}) stopped by the sentinel, reporting {count} item(s)"
            ),
        }
    }
}

/// `distribute` running on its own thread over a queue the test fills.
pub(crate) struct Run {
    pub(crate) trace: Trace<Event>,
    pub(crate) queue: Arc<WorkQueue>,
    workers: usize,
    before: Vec<u32>,
    handle: JoinHandle<Result<Vec<WorkerReport>, QueueError>>,
}

impl Run {
    /// Starts `distribute` with `workers` workers on a queue already holding `items`.
    pub(crate) fn start_with(workers: usize, items: &[u64]) -> Run {
        let trace = Trace::new();
        trace.name_thread("test");
        let queue = Arc::new(WorkQueue::new());
        for &item in items {
            trace.record(Event::Put(item));
            queue.put(item);
        }
        let before = children();
        let handle = {
            let (trace, queue) = (trace.clone(), Arc::clone(&queue));
            std::thread::spawn(move || {
                distribute(WORKER, workers, &queue, |progress| {
                    let (Progress::Processed { pid, .. } | Progress::Stopped { pid, .. }) =
                        &progress;
                    trace.pid(*pid);
                    trace.record(match progress {
                        Progress::Processed {
                            worker,
                            pid,
                            item,
                            result,
                        } => Event::Processed {
                            worker,
                            pid,
                            item,
                            result,
                        },
                        Progress::Stopped { worker, pid, count } => {
                            Event::Stopped { worker, pid, count }
                        }
                    });
                })
            })
        };
        Run {
            trace,
            queue,
            workers,
            before,
            handle,
        }
    }

    pub(crate) fn put(&self, item: u64) {
        self.trace.record(Event::Put(item));
        self.queue.put(item);
    }

    pub(crate) fn close(&self) {
        self.trace.record(Event::Closed);
        self.queue.close();
    }

    /// Waits until the workers have found the queue empty `looks` times in all; false after
    /// [`patience`]. If `distribute` returns (or panics) meanwhile, that is reported at once:
    /// nobody will look any more.
    pub(crate) fn wait_for_empty_looks(&self, looks: usize) -> bool {
        let give_up = Instant::now() + patience();
        while Instant::now() < give_up {
            if self
                .queue
                .wait_for_empty_looks(looks, Duration::from_millis(20))
            {
                return true;
            }
            if self.handle.is_finished() {
                return false;
            }
        }
        false
    }

    /// Whether `distribute` has returned (or panicked) already.
    pub(crate) fn returned(&self) -> bool {
        self.handle.is_finished()
    }

    /// Fails the test with `message` and the trace (its last events, if it is long).
    pub(crate) fn fail(&self, message: impl fmt::Display) -> ! {
        self.trace.fail(message, &tail(&self.trace))
    }

    /// Waits for `distribute` to return (it must, once the queue is closed), checks that every
    /// child was reaped and that the run obeyed every rule, and returns the reports. Gives up
    /// after [`patience`].
    pub(crate) fn finish(self) -> Vec<WorkerReport> {
        self.finish_within(patience())
    }

    /// [`finish`](Self::finish), waiting up to `limit` for `distribute` to return. A test
    /// whose `distribute` may hang for good (a deadlock on full pipes) passes a limit longer
    /// than any test's time limit: the graded runner then reports it `timed_out` and kills its
    /// process group, workers included; a plain `cargo test` fails it after `limit`.
    ///
    /// If `distribute` does not return, the workers it started are killed before the test
    /// fails, so none is left behind.
    pub(crate) fn finish_within(self, limit: Duration) -> Vec<WorkerReport> {
        let outcome = match join_within(self.handle, limit) {
            Err(handle) => {
                let left = kill_children_since(&self.before);
                // Killed workers close their pipes: a `distribute` blocked on one now returns
                // (and reaps them, if it reaps on error paths).
                drop(join_within(handle, patience()));
                self.trace.fail(
                    format!(
                        "distribute did not return within {limit:?}{}; the test killed the {left} \
                         worker process(es) still running. Either a worker was never told to \
                         stop: once `get` returns None, each worker must be sent the stop \
                         sentinel, answer its count, and be waited for (a worker that is never \
                         told to stop waits for its next item forever). Or the pipes filled up: \
                         read each answer before sending the next item (a worker whose answers \
                         are never read blocks writing them, and then stops reading its items).",
                        if self.queue.is_closed() {
                            " after the queue was closed"
                        } else {
                            ""
                        }
                    ),
                    &tail(&self.trace),
                )
            }
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Ok(Ok(outcome)) => outcome,
        };
        let trace = self.trace;
        let reports = match outcome {
            Ok(reports) => reports,
            Err(error) => trace.fail(format!("distribute failed: {error}"), &tail(&trace)),
        };
        assert_all_reaped(&self.before, "distribute");
        check_rules(&trace, self.workers, &reports).unwrap_or_else(|(message, focus)| {
            trace.fail(message, &focus);
        });
        reports
    }
}

/// Joins `handle` within `limit`; gives it back if the thread is still running by then.
fn join_within<T>(
    handle: JoinHandle<T>,
    limit: Duration,
) -> Result<std::thread::Result<T>, JoinHandle<T>> {
    let give_up = Instant::now() + limit;
    while !handle.is_finished() {
        if Instant::now() >= give_up {
            return Err(handle);
        }
        // `is_finished` cannot be waited on; a 1 ms nap bounds the cost of asking.
        std::thread::park_timeout(Duration::from_millis(1));
    }
    Ok(handle.join())
}

/// Kills (SIGKILL) this process's children that are not in `before`; returns how many there
/// were. Test code: std cannot signal a process it holds no `Child` for, so it asks `kill`.
/// (Under a plain `cargo test`, run one test at a time: the children of tests running in
/// parallel would be counted too.)
fn kill_children_since(before: &[u32]) -> usize {
    let left: Vec<String> = children()
        .into_iter()
        .filter(|pid| !before.contains(pid))
        .map(|pid| pid.to_string())
        .collect();
    if !left.is_empty() {
        let _ = std::process::Command::new("kill")
            .arg("-KILL")
            .args(&left)
            .status();
    }
    left.len()
}

/// The events a failure quotes: the whole trace if it is short, its last events otherwise.
fn tail(trace: &Trace<Event>) -> Vec<usize> {
    let len = trace.len();
    (len.saturating_sub(12)..len).collect()
}

/// The rules of every run: each item put is processed exactly once with the right result, no
/// worker is stopped before the queue is closed, each worker is stopped exactly once, and the
/// reports agree with what was processed.
fn check_rules(
    trace: &Trace<Event>,
    workers: usize,
    reports: &[WorkerReport],
) -> Result<(), (String, Vec<usize>)> {
    let events = trace.events();
    let mut put: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut done: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut per_worker: BTreeMap<usize, u64> = BTreeMap::new();
    let mut stopped: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut closed = None;
    for event in &events {
        match &event.what {
            Event::Put(item) => put.entry(*item).or_default().push(event.seq),
            Event::Closed => closed = Some(event.seq),
            Event::Processed {
                worker,
                item,
                result,
                ..
            } => {
                if *result != item.wrapping_mul(*item) {
                    return Err((
                        format!(
                            "item {item} came back with result {result}, not its square: the \
                             answer was read from the wrong line or matched to the wrong item"
                        ),
                        vec![event.seq],
                    ));
                }
                done.entry(*item).or_default().push(event.seq);
                *per_worker.entry(*worker).or_default() += 1;
            }
            Event::Stopped { worker, .. } => {
                if closed.is_none() {
                    return Err((
                        format!(
                            "worker {worker} was stopped while the queue was still open (it was \
                             closed later, if at all): an empty queue is not a finished one. \
                             Stop a worker only when `get` returns None; `is_empty()` is true \
                             between two items too."
                        ),
                        vec![event.seq],
                    ));
                }
                stopped.entry(*worker).or_default().push(event.seq);
            }
        }
    }
    for (item, puts) in &put {
        let dones = done.get(item).map_or(&[][..], Vec::as_slice);
        if dones.len() != puts.len() {
            let mut focus = puts.clone();
            focus.extend(dones);
            return Err((
                format!(
                    "item {item} was put {} time(s) but processed {} time(s): every item put \
                     must be processed exactly once",
                    puts.len(),
                    dones.len()
                ),
                focus,
            ));
        }
    }
    if let Some((item, dones)) = done.iter().find(|(item, _)| !put.contains_key(item)) {
        return Err((
            format!("item {item} was processed but never put"),
            dones.clone(),
        ));
    }
    for worker in 0..workers {
        let stops = stopped.get(&worker).map_or(&[][..], Vec::as_slice);
        if stops.len() != 1 {
            return Err((
                format!(
                    "worker {worker} was stopped {} time(s): each worker gets the sentinel \
                     exactly once, after the queue is finished",
                    stops.len()
                ),
                stops.to_vec(),
            ));
        }
    }
    let mut reported: Vec<usize> = reports.iter().map(|report| report.worker).collect();
    reported.sort_unstable();
    if reported != (0..workers).collect::<Vec<_>>() {
        return Err((
            format!(
                "distribute returned reports for workers {reported:?}; expected one for each of \
                 the {workers} worker(s)"
            ),
            Vec::new(),
        ));
    }
    for report in reports {
        let processed = per_worker.get(&report.worker).copied().unwrap_or(0);
        if report.count != processed {
            return Err((
                format!(
                    "worker {} reported a count of {} but processed {processed} item(s): the \
                     report must carry the count the worker sent after its sentinel",
                    report.worker, report.count
                ),
                stopped[&report.worker].clone(),
            ));
        }
    }
    Ok(())
}
