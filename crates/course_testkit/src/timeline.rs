//! Pictures of what threads did: a trace drawn as a timeline with one lane per thread, as text
//! for the terminal (failure messages quote the failing part of a trace this way) and as SVG
//! for the course book.
//!
//! Time runs down the page in sequence order; each event sits in its thread's lane, so what
//! overlapped what reads across a row, and a thread's story reads down its column.
//!
//! ```text
//!        reader 1         reader 2         writer
//!   #14  enters (read)
//!   #15                   enters (read)
//! > #16                                    enters (write)
//! ```

use std::fmt::{Display, Write as _};

use crate::trace::Event;

/// The widest a lane gets in the terminal; longer events are cut with `…`.
const LANE_WIDTH: usize = 30;

/// The lanes of `events`: each thread once, in the order it first appears.
pub fn lanes<E>(events: &[Event<E>]) -> Vec<String> {
    let mut lanes: Vec<String> = Vec::new();
    for event in events {
        if !lanes.contains(&event.thread) {
            lanes.push(event.thread.clone());
        }
    }
    lanes
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let kept: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// One row's text, padded (by characters, not bytes) to `width`.
fn pad(text: &str, width: usize) -> String {
    let count = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(count)))
}

/// Draws `events` as text lanes. `marked` events get a `>` in the margin; `gap_before` holds
/// the sequence numbers before which events were left out (drawn as a `...` row).
pub fn text_lanes<E: Display>(
    events: &[&Event<E>],
    marked: &[usize],
    gap_before: &[usize],
) -> String {
    let owned: Vec<Event<String>> = events
        .iter()
        .map(|e| Event {
            seq: e.seq,
            thread: e.thread.clone(),
            what: e.what.to_string(),
        })
        .collect();
    let names = lanes(&owned);
    let widths: Vec<usize> = names
        .iter()
        .map(|name| {
            owned
                .iter()
                .filter(|e| &e.thread == name)
                .map(|e| e.what.chars().count())
                .chain([name.chars().count()])
                .max()
                .unwrap_or(0)
                .min(LANE_WIDTH)
        })
        .collect();
    let number = owned
        .iter()
        .map(|e| e.seq.to_string().len() + 1)
        .max()
        .unwrap_or(2);
    let mut out = String::new();
    let mut header = format!("  {} ", " ".repeat(number));
    for (name, width) in names.iter().zip(&widths) {
        header.push_str(&pad(&cut(name, *width), *width));
        header.push_str("  ");
    }
    let _ = writeln!(out, "{}", header.trim_end());
    for event in &owned {
        if gap_before.contains(&event.seq) {
            let _ = writeln!(out, "  {:>number$}", "...");
        }
        let mark = if marked.contains(&event.seq) {
            '>'
        } else {
            ' '
        };
        let mut row = format!("{mark} {:>number$} ", format!("#{}", event.seq));
        for (name, width) in names.iter().zip(&widths) {
            let cell = if &event.thread == name {
                cut(&event.what, *width)
            } else {
                String::new()
            };
            row.push_str(&pad(&cell, *width));
            row.push_str("  ");
        }
        let _ = writeln!(out, "{}", row.trim_end());
    }
    out
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draws `events` as an SVG timeline: a column per thread, a row per event, each event a box
/// in its thread's column, and a line down each column from the thread's first event to its
/// last. The output depends only on the events, byte for byte.
pub fn svg<E: Display>(title: &str, events: &[Event<E>]) -> String {
    const ROW: usize = 26;
    const TOP: usize = 64;
    const LEFT: usize = 48;
    const CHAR: usize = 7;
    let owned: Vec<(usize, String, String)> = events
        .iter()
        .map(|e| (e.seq, e.thread.clone(), e.what.to_string()))
        .collect();
    let names: Vec<String> = {
        let mut names: Vec<String> = Vec::new();
        for (_, thread, _) in &owned {
            if !names.contains(thread) {
                names.push(thread.clone());
            }
        }
        names
    };
    let widths: Vec<usize> = names
        .iter()
        .map(|name| {
            let longest = owned
                .iter()
                .filter(|(_, t, _)| t == name)
                .map(|(_, _, what)| what.chars().count())
                .chain([name.chars().count()])
                .max()
                .unwrap_or(0);
            (longest * CHAR + 24).max(120)
        })
        .collect();
    let mut x = LEFT;
    let columns: Vec<usize> = widths
        .iter()
        .map(|w| {
            let at = x;
            x += w + 16;
            at
        })
        .collect();
    let width = x + 8;
    let height = TOP + owned.len() * ROW + 16;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"12\">"
    );
    let _ = writeln!(out, "  <title>{}</title>", xml(title));
    let _ = writeln!(
        out,
        "  <rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        out,
        "  <text x=\"8\" y=\"20\" font-weight=\"bold\">{}</text>",
        xml(title)
    );
    for (lane, name) in names.iter().enumerate() {
        let (cx, w) = (columns[lane], widths[lane]);
        let rows: Vec<usize> = owned
            .iter()
            .enumerate()
            .filter(|(_, (_, t, _))| t == name)
            .map(|(row, _)| row)
            .collect();
        let (first, last) = (rows[0], rows[rows.len() - 1]);
        let mid = cx + w / 2;
        let _ = writeln!(
            out,
            "  <text x=\"{mid}\" y=\"48\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            xml(name)
        );
        let _ = writeln!(
            out,
            "  <line x1=\"{mid}\" y1=\"{}\" x2=\"{mid}\" y2=\"{}\" stroke=\"#9aa5b1\" \
             stroke-width=\"2\"/>",
            TOP + first * ROW + ROW / 2,
            TOP + last * ROW + ROW / 2
        );
    }
    for (row, (seq, thread, what)) in owned.iter().enumerate() {
        let lane = names.iter().position(|n| n == thread).unwrap_or(0);
        let (cx, w) = (columns[lane], widths[lane]);
        let y = TOP + row * ROW;
        let _ = writeln!(
            out,
            "  <text x=\"8\" y=\"{}\" fill=\"#52606d\">#{seq}</text>",
            y + 17
        );
        let _ = writeln!(
            out,
            "  <rect x=\"{cx}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"4\" fill=\"#e3f2fd\" \
             stroke=\"#1e88e5\"/>",
            y + 3,
            ROW - 6
        );
        let _ = writeln!(
            out,
            "  <text x=\"{}\" y=\"{}\">{}</text>",
            cx + 8,
            y + 17,
            xml(what)
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: usize, thread: &str, what: &str) -> Event<String> {
        Event {
            seq,
            thread: thread.into(),
            what: what.into(),
        }
    }

    #[test]
    fn text_lanes_put_each_event_in_its_threads_column() {
        let events = [
            event(3, "reader", "enters"),
            event(4, "writer", "enters"),
            event(9, "reader", "leaves"),
        ];
        let refs: Vec<&Event<String>> = events.iter().collect();
        let text = text_lanes(&refs, &[4], &[9]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0].trim(), "reader  writer");
        assert!(lines[1].starts_with("  #3 enters"), "{text}");
        assert!(lines[2].starts_with("> #4 "), "{text}");
        assert!(lines[2].ends_with("enters"), "{text}");
        let column = lines[0].find("writer").unwrap();
        assert_eq!(lines[2].find("enters"), Some(column), "{text}");
        assert_eq!(lines[3].trim(), "...");
        assert!(lines[4].starts_with("  #9 leaves"), "{text}");
    }

    #[test]
    fn svg_is_escaped_and_the_same_every_time() {
        let events = [event(0, "a<b>", "x & y"), event(1, "c", "z")];
        let one = svg("t", &events);
        assert_eq!(one, svg("t", &events));
        assert!(one.contains("a&lt;b&gt;"), "{one}");
        assert!(one.contains("x &amp; y"), "{one}");
        assert!(one.starts_with("<svg"), "{one}");
    }
}
