//! Terminal output: colors (only on a terminal, never with NO_COLOR), the in-place progress
//! line, and text wrapping.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

/// True when stdout is a terminal: progress lines are drawn only then.
pub(crate) fn interactive() -> bool {
    static INTERACTIVE: OnceLock<bool> = OnceLock::new();
    *INTERACTIVE.get_or_init(|| std::io::stdout().is_terminal())
}

/// True when output may be colored.
fn colored() -> bool {
    static COLORED: OnceLock<bool> = OnceLock::new();
    *COLORED.get_or_init(|| {
        interactive() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
    })
}

fn paint(code: &str, text: &str) -> String {
    if colored() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub(crate) fn bold(text: &str) -> String {
    paint("1", text)
}

pub(crate) fn dim(text: &str) -> String {
    paint("2", text)
}

pub(crate) fn green(text: &str) -> String {
    paint("32", text)
}

pub(crate) fn red(text: &str) -> String {
    paint("31", text)
}

pub(crate) fn yellow(text: &str) -> String {
    paint("33", text)
}

/// Draws `text` as the progress line, replacing the previous one (terminal only). It is cut
/// to 79 columns: a line that wraps could not be replaced in place.
pub(crate) fn status(text: &str) {
    if interactive() {
        let text: String = text.chars().take(79).collect();
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "\r\x1b[2K{text}");
        let _ = out.flush();
    }
}

/// Erases the progress line (terminal only), so normal output starts on a clean line.
pub(crate) fn clear_status() {
    status("");
}

/// Clears the screen (terminal only); used by `watch`.
pub(crate) fn clear_screen() {
    if interactive() {
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "\x1b[2J\x1b[H");
        let _ = out.flush();
    }
}

/// Wraps `text` to `width` columns, each line prefixed by `indent`.
pub(crate) fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
                out.push_str(indent);
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Indents every line of `text` by `indent`.
pub(crate) fn indent(text: &str, indent: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str(indent);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A number of points, without trailing zeros: `10`, `7.5`, `3.33`.
pub(crate) fn points(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_formats() {
        assert_eq!(wrap("aa bb cc", 7, "  "), "  aa bb\n  cc\n");
        assert_eq!(points(10.0), "10");
        assert_eq!(points(7.5), "7.5");
        assert_eq!(points(10.0 / 3.0), "3.33");
        assert_eq!(points(0.0), "0");
    }
}
