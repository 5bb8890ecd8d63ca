//! Locations in scenario files and the one renderer for located messages.
//!
//! Every message that points into a file (YAML mistakes, plan mistakes, and later check
//! failures) is a [`Diagnostic`] rendered by [`Diagnostic::render`], rustc/hurl style and without
//! colour, so the terminal, JUnit and JSON always show the same text:
//!
//! ```text
//! error: unknown key `expcet` in a step
//!   --> scenarios/x.yaml:12:5
//!    |
//! 12 |     expcet: { status: 200 }
//!    |     ^ did you mean `expect`?
//! ```

use std::fmt::{self, Write as _};
use std::sync::Arc;

/// Where something came from in a scenario file (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it, or `builtin:NAME` for a built-in scenario.
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A message about one place in a file: a short title, and a note shown at the caret saying
/// what was seen or expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the caret points.
    pub location: Location,
    /// The title, a lower-case fragment ("unknown key `expcet` in a step").
    pub message: String,
    /// Shown after the caret ("did you mean `expect`?").
    pub note: Option<String>,
}

impl Diagnostic {
    /// A diagnostic without a note.
    pub fn new(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            location,
            message: message.into(),
            note: None,
        }
    }

    /// The same diagnostic with a note at the caret.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.note = Some(note.into());
        self
    }

    /// Renders the diagnostic; `source` is the whole text of the file it points into (the
    /// quoted line and caret are left out when it is not given or the line is not in it).
    /// The result ends with a newline.
    pub fn render(&self, source: Option<&str>) -> String {
        let at = &self.location;
        let line = source.and_then(|text| source_line(text, at.line));
        let gutter = " ".repeat(at.line.to_string().len());
        let mut out = format!("error: {}\n{gutter}--> {at}\n", self.message);
        let Some(line) = line else {
            if let Some(note) = &self.note {
                out.push_str(&gutter);
                out.push_str(" = ");
                out.push_str(note);
                out.push('\n');
            }
            return out;
        };
        let (line, column) = window(line, at.column.saturating_sub(1) as usize);
        // Columns count characters; the padding repeats tabs so the caret lines up however
        // the terminal expands them.
        let pad: String = line
            .chars()
            .chain(std::iter::repeat(' '))
            .take(column)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let note = self
            .note
            .as_deref()
            .map_or_else(String::new, |n| format!(" {n}"));
        // Writing to a `String` cannot fail.
        let _ = write!(
            out,
            "{gutter} |\n{} | {line}\n{gutter} | {pad}^{note}\n",
            at.line
        );
        out
    }
}

/// How many characters of a source line a diagnostic quotes at most.
const WINDOW: usize = 120;

/// At most [`WINDOW`] characters of `line` around the 0-based character `column`, with `…`
/// where it was cut, and the column within what is quoted. A 10 MiB line must not be quoted
/// whole (issue 11: 12.5 MB of stderr); the `-->` line still gives the true column.
fn window(line: &str, column: usize) -> (std::borrow::Cow<'_, str>, usize) {
    let count = line.chars().count();
    if count <= WINDOW {
        return (line.into(), column);
    }
    let start = column.saturating_sub(WINDOW / 2).min(count - WINDOW);
    let end = start + WINDOW;
    let quoted: String = line.chars().skip(start).take(WINDOW).collect();
    let before = if start > 0 { "…" } else { "" };
    let after = if end < count { "…" } else { "" };
    let shift = usize::from(start > 0);
    (
        format!("{before}{quoted}{after}").into(),
        column - start + shift,
    )
}

/// Line `number` (1-based) of `text`, without its line ending.
fn source_line(text: &str, number: u32) -> Option<&str> {
    let index = (number as usize).checked_sub(1)?;
    let line = text.split('\n').nth(index)?;
    Some(line.strip_suffix('\r').unwrap_or(line))
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely
/// typo (hurl's and cargo's "did you mean" hint). A candidate that differs only in case wins.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // A third of the word's length, at least one edit: `expcet` → `expect` (one swap) is
    // suggested, `foo` → `name` is not.
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate.eq_ignore_ascii_case(word) {
            return Some(candidate);
        }
        // Optimal string alignment: insertions, deletions, substitutions and swaps of two
        // neighbouring characters each cost one.
        let distance = strsim::osa_distance(word, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Location {
        Location {
            file: Arc::from("scenarios/x.yaml"),
            line,
            column,
        }
    }

    #[test]
    fn renders_title_arrow_source_line_and_caret_with_note() {
        let text = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n    expcet: { status: 200 }\n";
        let d = Diagnostic::new(at(12, 5), "unknown key `expcet` in a step")
            .with_note("did you mean `expect`?");
        assert_eq!(
            d.render(Some(text)),
            "error: unknown key `expcet` in a step\n  --> scenarios/x.yaml:12:5\n   |\n12 |     expcet: { status: 200 }\n   |     ^ did you mean `expect`?\n"
        );
    }

    #[test]
    fn caret_counts_characters_and_repeats_tabs() {
        let d = Diagnostic::new(at(1, 5), "m");
        assert_eq!(
            d.render(Some("é\tx: y\r\n")),
            "error: m\n --> scenarios/x.yaml:1:5\n  |\n1 | é\tx: y\n  |  \t  ^\n"
        );
    }

    #[test]
    fn a_long_line_is_quoted_as_a_window_around_the_column() {
        let line = format!("{}x{}", "a".repeat(100_000), "b".repeat(100_000));
        let d = Diagnostic::new(at(1, 100_001), "m");
        let rendered = d.render(Some(&line));
        assert!(
            rendered.contains("--> scenarios/x.yaml:1:100001"),
            "{rendered}"
        );
        let quoted = rendered.lines().nth(3).expect("quoted line");
        let caret = rendered.lines().nth(4).expect("caret line");
        assert_eq!(
            quoted,
            format!("1 | …{}x{}…", "a".repeat(60), "b".repeat(59))
        );
        // The caret stands under the `x`.
        assert_eq!(caret.chars().count(), quoted.chars().count() - 59 - 1);
        assert!(rendered.len() < 400, "{} bytes", rendered.len());
    }

    #[test]
    fn without_the_source_line_the_note_follows_the_arrow() {
        let d = Diagnostic::new(at(9, 1), "m").with_note("n");
        assert_eq!(
            d.render(Some("one line\n")),
            "error: m\n --> scenarios/x.yaml:9:1\n  = n\n"
        );
        assert_eq!(
            Diagnostic::new(at(1, 1), "m").render(None),
            "error: m\n --> scenarios/x.yaml:1:1\n"
        );
    }

    #[test]
    fn did_you_mean_accepts_swaps_and_case_but_not_unrelated_words() {
        let keys = ["name", "entra", "request", "expect", "capture", "read-back"];
        assert_eq!(did_you_mean("expcet", keys), Some("expect"));
        assert_eq!(did_you_mean("Entra", keys), Some("entra"));
        assert_eq!(did_you_mean("readback", keys), Some("read-back"));
        assert_eq!(did_you_mean("foo", keys), None);
        assert_eq!(did_you_mean("", keys), None);
    }
}
