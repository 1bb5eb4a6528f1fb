//! The trace recorder: threads record what they did, in one global order, and tests assert on
//! the recording instead of on printed output.
//!
//! Each event gets the next sequence number of its trace while the trace's lock is held, so
//! sequence order is a real order: if event 4 was recorded before event 5 started recording,
//! then 4 < 5. Record an event *while* you are inside the state it describes (after taking a
//! lock, before releasing it), and the trace shows what overlapped what.

use std::collections::HashMap;
use std::fmt::{self, Display, Write as _};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, ThreadId};

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event<E> {
    /// Position in the trace, from 0.
    pub seq: usize,
    /// Which thread recorded it (see [`Trace::name_thread`]).
    pub thread: String,
    /// What happened.
    pub what: E,
}

impl<E: Display> Display for Event<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:<3} [{}] {}", self.seq, self.thread, self.what)
    }
}

/// A shared, append-only record of events from many threads. Clones record into the same
/// trace.
#[derive(Debug)]
pub struct Trace<E> {
    inner: Arc<Mutex<Inner<E>>>,
}

struct Inner<E> {
    events: Vec<Event<E>>,
    names: HashMap<ThreadId, String>,
    /// Where the trace draws itself when it is dropped (see [`Trace::new`]).
    timeline: Option<Timeline<E>>,
    /// Process ids that events mention (see [`Trace::pid`]).
    pids: Vec<u32>,
}

/// What a trace needs to draw itself as an SVG timeline when it ends.
struct Timeline<E> {
    path: std::path::PathBuf,
    title: String,
    text: fn(&E) -> String,
}

impl<E: fmt::Debug> fmt::Debug for Inner<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("events", &self.events)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl<E> Inner<E> {
    /// Draws the trace so far as an SVG timeline, if it is being drawn. Called at every record,
    /// so the picture is whole however late the trace's last clone is dropped (a thread still
    /// holding one when the test process ends never drops it at all). The file is replaced in
    /// one rename, never left half-written.
    fn draw(&self) {
        let Some(timeline) = &self.timeline else {
            return;
        };
        let mut events: Vec<Event<String>> = self
            .events
            .iter()
            .map(|e| Event {
                seq: e.seq,
                thread: e.thread.clone(),
                what: (timeline.text)(&e.what),
            })
            .collect();
        stable_pids(&mut events, &self.pids);
        let partial = timeline.path.with_extension("svg.part");
        if std::fs::write(&partial, crate::timeline::svg(&timeline.title, &events)).is_ok() {
            let _ = std::fs::rename(&partial, &timeline.path);
        }
    }
}

impl<E> Clone for Trace<E> {
    fn clone(&self) -> Self {
        Trace {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<E: Display> Default for Trace<E> {
    fn default() -> Self {
        Trace {
            inner: Arc::new(Mutex::new(Inner {
                events: Vec::new(),
                names: HashMap::new(),
                pids: Vec::new(),
                timeline: timeline_file().map(|(path, title)| Timeline {
                    path,
                    title,
                    text: |what: &E| what.to_string(),
                }),
            })),
        }
    }
}

/// Replaces each of `pids` in the events' text (as a whole number) by `P1`, `P2`, ... in the
/// order they first appear.
fn stable_pids(events: &mut [Event<String>], pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let mut names: HashMap<u32, String> = HashMap::new();
    for event in events.iter_mut() {
        let mut out = String::with_capacity(event.what.len());
        let mut digits = String::new();
        let mut flush = |digits: &mut String, out: &mut String| {
            match digits.parse::<u32>() {
                Ok(n) if pids.contains(&n) => {
                    let next = names.len() + 1;
                    out.push_str(names.entry(n).or_insert_with(|| format!("P{next}")));
                }
                _ => out.push_str(digits),
            }
            digits.clear();
        };
        for c in event.what.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else {
                flush(&mut digits, &mut out);
                out.push(c);
            }
        }
        flush(&mut digits, &mut out);
        event.what = out;
    }
}

/// With `COURSE_TIMELINE_DIR` set (by `cargo xtask timelines`), where the trace being created
/// draws itself, and its title: the test's name, from the thread that creates the trace.
fn timeline_file() -> Option<(std::path::PathBuf, String)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::var_os("COURSE_TIMELINE_DIR")?;
    let test = thread::current().name()?.to_string();
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let stem = test.replace("::", "__");
    let file = if n == 0 {
        format!("{stem}.svg")
    } else {
        format!("{stem}-{}.svg", n + 1)
    };
    Some((std::path::PathBuf::from(dir).join(file), test))
}

impl<E: Clone + Display> Trace<E> {
    /// An empty trace.
    ///
    /// With `COURSE_TIMELINE_DIR` set, the trace draws itself as an SVG timeline into that
    /// folder as it records: this is how the book's pictures of what threads did are made from
    /// real runs (`cargo xtask timelines`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the calling thread in this trace's output ("executor", "adder 2"). Threads not
    /// named here are shown as `T1`, `T2`, ... in the order they first record.
    pub fn name_thread(&self, name: impl Into<String>) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.names.insert(thread::current().id(), name.into());
    }

    /// Says that `pid` is a process id that events mention. Process ids differ from run to
    /// run, so a drawn timeline names each `P1`, `P2`, ... in the order they first appear
    /// (failure messages keep the real ids).
    pub fn pid(&self, pid: u32) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if !inner.pids.contains(&pid) {
            inner.pids.push(pid);
            inner.draw();
        }
    }

    /// Says that this trace's order is the scheduler's (a snapshot test that sorts what it
    /// compares): it is not drawn as a timeline, which must come out the same on every run.
    pub fn not_a_timeline(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(timeline) = inner.timeline.take() {
            let _ = std::fs::remove_file(timeline.path);
        }
    }

    /// Appends `what`, recorded by the calling thread, and returns its sequence number.
    pub fn record(&self, what: E) -> usize {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let id = thread::current().id();
        let anonymous = inner.names.len() + 1;
        let thread = inner
            .names
            .entry(id)
            .or_insert_with(|| format!("T{anonymous}"))
            .clone();
        let seq = inner.events.len();
        inner.events.push(Event { seq, thread, what });
        inner.draw();
        seq
    }

    /// A copy of every event so far, in sequence order.
    pub fn events(&self) -> Vec<Event<E>> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .events
            .clone()
    }

    /// Just the events' payloads, in sequence order.
    pub fn whats(&self) -> Vec<E> {
        self.events().into_iter().map(|event| event.what).collect()
    }

    /// How many events were recorded.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .events
            .len()
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole trace, one event a line.
    pub fn render(&self) -> String {
        render(&self.events())
    }

    /// The events around `focus` (two either side of each), marked with `>`, with `...` for
    /// what is left out: the part of a trace a failure message quotes.
    pub fn excerpt(&self, focus: &[usize]) -> String {
        excerpt(&self.events(), focus, 2)
    }

    /// Fails the test with `message` followed by the trace excerpt around `focus`.
    #[track_caller]
    pub fn fail(&self, message: impl Display, focus: &[usize]) -> ! {
        panic!("{message}\ntrace:\n{}", self.excerpt(focus))
    }
}

/// Renders `events`, one a line.
pub fn render<E: Display>(events: &[Event<E>]) -> String {
    let mut out = String::new();
    for event in events {
        let _ = writeln!(out, "  {event}");
    }
    out
}

/// Renders the events within `context` of any sequence number in `focus`, marking the focused
/// ones with `>` and gaps with `...`. With an empty `focus`, renders the last few events. When
/// the events shown come from more than one thread, they are drawn in lanes, one per thread
/// (see [`crate::timeline`]).
pub fn excerpt<E: Display>(events: &[Event<E>], focus: &[usize], context: usize) -> String {
    if events.is_empty() {
        return "  (no events were recorded)\n".to_owned();
    }
    let last = events.len() - 1;
    let tail = [last];
    let focus = if focus.is_empty() { &tail[..] } else { focus };
    let shown = |seq: usize| {
        focus
            .iter()
            .any(|&f| seq + context >= f && seq <= f.saturating_add(context))
    };
    let mut kept: Vec<&Event<E>> = Vec::new();
    let mut gaps: Vec<usize> = Vec::new();
    let mut skipped = false;
    for event in events {
        if shown(event.seq) {
            if skipped {
                gaps.push(event.seq);
                skipped = false;
            }
            kept.push(event);
        } else {
            skipped = true;
        }
    }
    let threads = kept
        .iter()
        .map(|e| e.thread.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut out = String::new();
    if threads > 1 {
        out.push_str(&crate::timeline::text_lanes(&kept, focus, &gaps));
    } else {
        for event in &kept {
            if gaps.contains(&event.seq) {
                out.push_str("  ...\n");
            }
            let mark = if focus.contains(&event.seq) { '>' } else { ' ' };
            let _ = writeln!(out, "{mark} {event}");
        }
    }
    if skipped {
        out.push_str("  ...\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_follow_recording_order() {
        let trace = Trace::new();
        trace.name_thread("main");
        assert_eq!(trace.record("a"), 0);
        let other = trace.clone();
        std::thread::spawn(move || other.record("b"))
            .join()
            .unwrap();
        assert_eq!(trace.whats(), ["a", "b"]);
        assert_eq!(trace.events()[1].thread, "T2");
    }

    #[test]
    fn excerpt_marks_focus_and_elides_the_rest() {
        let trace = Trace::new();
        trace.name_thread("t");
        for i in 0..10 {
            trace.record(i);
        }
        let text = trace.excerpt(&[5]);
        assert!(
            text.starts_with("  ...\n> #3") || text.starts_with("  ...\n  #3"),
            "{text}"
        );
        assert!(text.contains("> #5   [t] 5"), "{text}");
        assert!(!text.contains("#8"), "{text}");
        assert!(text.ends_with("  ...\n"), "{text}");
    }

    #[test]
    fn an_excerpt_of_several_threads_is_drawn_in_lanes() {
        let trace = Trace::new();
        trace.name_thread("main");
        trace.record("start");
        let other = trace.clone();
        std::thread::spawn(move || {
            other.name_thread("worker");
            other.record("work");
        })
        .join()
        .unwrap();
        trace.record("end");
        let text = trace.excerpt(&[1]);
        let header = text.lines().next().unwrap();
        assert!(
            header.contains("main") && header.contains("worker"),
            "{text}"
        );
        assert!(text.contains("> #1"), "{text}");
    }
}
