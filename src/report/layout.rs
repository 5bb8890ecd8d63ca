//! Fitting the terminal report to the terminal: its width, and lines cut or folded to it.
//!
//! Widths are measured as a terminal shows them (ANSI escapes take no room, wide characters
//! two columns) by `console`; prose is folded by `textwrap`. Cutting always happens after
//! redaction, so a cut can never leave the first half of a token unmasked.

use std::borrow::Cow;

/// The width when neither `COLUMNS` nor the terminal says (output piped to a file or a CI
/// log): wide enough for a step line with its request, narrow enough to read.
pub(crate) const FALLBACK_WIDTH: usize = 120;

/// The narrowest width the layout honours; below it, lines are cut at this width.
const MIN_WIDTH: usize = 40;

/// What marks a line that was cut.
pub(crate) const MORE: &str = "…";

/// The report's width: `COLUMNS` when set (as `ls` and `git` read it), else the size of the
/// terminal on stdout, else [`FALLBACK_WIDTH`].
pub(crate) fn terminal_width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0);
    let width = columns
        .or_else(|| {
            console::Term::stdout()
                .size_checked()
                .map(|(_, w)| usize::from(w))
        })
        .unwrap_or(FALLBACK_WIDTH);
    width.max(MIN_WIDTH)
}

/// The number of columns `text` takes on screen.
pub(crate) fn width_of(text: &str) -> usize {
    console::measure_text_width(text)
}

/// `line` cut to `width` columns, ending in [`MORE`] when something was left out.
pub(crate) fn cut(line: &str, width: usize) -> Cow<'_, str> {
    console::truncate_str(line, width, MORE)
}

/// `text` padded with spaces to `width` columns (as shown, colour codes not counted).
pub(crate) fn pad(text: &str, width: usize) -> String {
    let room = width.saturating_sub(width_of(text));
    format!("{text}{}", " ".repeat(room))
}

/// Prose folded to `width`: the first line starts with `first`, the others with `rest`.
pub(crate) fn fold(text: &str, width: usize, first: &str, rest: &str) -> String {
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest);
    let mut out = textwrap::fill(text, options);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_counts_columns_not_colour_codes_and_marks_the_cut() {
        let red = "\u{1b}[31mFAIL\u{1b}[0m and more";
        assert_eq!(width_of(red), 13);
        assert_eq!(cut(red, 20), red);
        let short = cut(red, 6);
        assert_eq!(width_of(&short), 6);
        assert!(short.ends_with(MORE), "{short:?}");
    }

    #[test]
    fn pad_fills_to_the_visible_width() {
        assert_eq!(pad("\u{1b}[1mab\u{1b}[0m", 4), "\u{1b}[1mab\u{1b}[0m  ");
        assert_eq!(pad("abcdef", 4), "abcdef");
    }

    #[test]
    fn fold_indents_every_line_after_the_first() {
        assert_eq!(
            fold("one two three four", 12, "  - ", "    "),
            "  - one two\n    three\n    four\n"
        );
    }
}
