//! What a terminal is shown of text it must not obey: control characters and escape
//! sequences written out (`\e[2J`, `\r`, `\u{7}`), so a server's answer cannot clear the
//! screen, set the window title, hide text or draw a fake `PASS` line over a real one (design
//! §2.12). Every terminal sink shows server text through [`escape`]; the file reports keep
//! the data exact, since JSON and HAR escape it in their own syntax and HTML and JUnit escape
//! it as markup.

use std::borrow::Cow;
use std::fmt::Write as _;

/// What [`escape`] leaves as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Nothing: a one-line text (a `detail`, a verdict, a header value).
    Nothing,
    /// Newlines and tabs: a body printed over several lines.
    Lines,
    /// Newlines, tabs and the colour codes [`crate::report::Styles`] writes: a whole report
    /// text about to be written, whose server parts were escaped already.
    OurStyles,
}

/// The exact sequences [`crate::report::Styles`] writes (bold, dim, green, red, yellow and
/// reset): nothing else that starts with ESC gets through, even with colour on.
const OUR_STYLES: [&str; 6] = [
    "\u{1b}[1m",
    "\u{1b}[2m",
    "\u{1b}[31m",
    "\u{1b}[32m",
    "\u{1b}[33m",
    "\u{1b}[0m",
];

/// Whether `c` is shown escaped: C0 controls and DEL, C1 controls, and the bidirectional
/// overrides and isolates that reorder what is shown (U+202A–U+202E, U+2066–U+2069).
fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` as a terminal may be shown it, keeping `keep`.
pub(crate) fn escape(text: &str, keep: Keep) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if keep == Keep::OurStyles {
            if let Some(style) = OUR_STYLES.iter().find(|s| rest.starts_with(**s)) {
                out.push_str(style);
                rest = &rest[style.len()..];
                continue;
            }
        }
        match c {
            '\n' | '\t' if keep != Keep::Nothing => out.push(c),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// [`escape`] of one line of server text, owned.
pub(crate) fn line(text: &str) -> String {
    escape(text, Keep::Nothing).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::styles::{ColorChoice, Styles};

    #[test]
    fn escape_sequences_and_carriage_returns_are_written_out() {
        let text = "a\u{1b}[2Jb\u{1b}]0;owned\u{7}c\rPASS\u{9b}d\u{202e}e\u{0}";
        assert_eq!(
            escape(text, Keep::Nothing),
            "a\\e[2Jb\\e]0;owned\\u{7}c\\rPASS\\u{9b}d\\u{202e}e\\u{0}"
        );
    }

    #[test]
    fn a_body_keeps_its_lines_and_tabs_but_never_a_bare_carriage_return() {
        assert_eq!(escape("a\n\tb\r\n", Keep::Lines), "a\n\tb\\r\n");
        assert_eq!(escape("a\n\tb", Keep::Nothing), "a\\n\\tb");
    }

    #[test]
    fn only_our_own_colours_pass_and_only_when_asked() {
        let styles = Styles::for_stream(ColorChoice::Always, &Vec::<u8>::new());
        let ours = format!(
            "{} {} {} {}",
            styles.pass("P"),
            styles.fail("F"),
            styles.skip("S"),
            styles.dim("d")
        );
        let ours = format!("{ours} {}", styles.bold("b"));
        assert_eq!(escape(&ours, Keep::OurStyles), ours);
        assert_eq!(
            escape("\u{1b}[8mhidden\u{1b}[1A", Keep::OurStyles),
            "\\e[8mhidden\\e[1A"
        );
        assert_eq!(escape("\u{1b}[32m", Keep::Lines), "\\e[32m");
    }

    #[test]
    fn plain_text_is_not_copied() {
        assert!(matches!(
            escape("plain é 😀", Keep::Nothing),
            Cow::Borrowed(_)
        ));
    }
}
