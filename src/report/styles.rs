//! Colours: plain by default, filled in by [`Styles::for_stream`] when colour is allowed for
//! the stream (nextest's `Styles`). Files never contain ANSI.
//!
//! The policy is anstream's (the one clap's own errors follow): `--color always|never` wins;
//! with `auto`, `NO_COLOR` turns colour off, `CLICOLOR_FORCE` turns it on even through a pipe,
//! `CLICOLOR=0` turns it off, and otherwise a terminal that supports colour gets it.

use anstream::stream::RawStream;
use anstyle::{AnsiColor, Style};

/// How each kind of token is drawn.
#[derive(Clone, Copy, Debug, Default)]
pub struct Styles {
    colour: bool,
}

/// `--color` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, following NO_COLOR, CLICOLOR and CLICOLOR_FORCE.
    Auto,
    /// Always colour, also into a pipe or a file.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// The same choice for anstream (and so for clap's own messages).
    fn anstream(self) -> anstream::ColorChoice {
        match self {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        }
    }
}

impl Styles {
    /// Styles for an output stream, as anstream decides for it under `choice` (see the module
    /// doc). The choice also becomes anstream's global one, so `anstream::eprintln!` in the
    /// command line follows `--color` too.
    pub fn for_stream<S: RawStream>(choice: ColorChoice, stream: &S) -> Styles {
        choice.anstream().write_global();
        let colour = match anstream::AutoStream::choice(stream) {
            anstream::ColorChoice::Never => false,
            anstream::ColorChoice::Always | anstream::ColorChoice::AlwaysAnsi => true,
            // `choice` resolves `Auto` for the stream; keep plain if a future version does not.
            anstream::ColorChoice::Auto => false,
        };
        Styles { colour }
    }

    /// Whether colour is on.
    pub fn colorize(&self) -> bool {
        self.colour
    }

    pub fn pass(&self, text: &str) -> String {
        self.paint(text, bold(AnsiColor::Green))
    }

    pub fn fail(&self, text: &str) -> String {
        self.paint(text, bold(AnsiColor::Red))
    }

    pub fn skip(&self, text: &str) -> String {
        self.paint(text, bold(AnsiColor::Yellow))
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(text, Style::new().dimmed())
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, Style::new().bold())
    }

    fn paint(&self, text: &str, style: Style) -> String {
        if self.colour {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

fn bold(colour: AnsiColor) -> Style {
    Style::new().bold().fg_color(Some(colour.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_styles_return_the_text_unchanged() {
        let styles = Styles::default();
        assert_eq!(styles.fail("FAIL"), "FAIL");
        assert!(!styles.colorize());
    }

    #[test]
    fn always_colours_a_stream_that_is_not_a_terminal_and_never_does_not() {
        let always = Styles::for_stream(ColorChoice::Always, &Vec::<u8>::new());
        assert_eq!(always.pass("PASS"), "\u{1b}[1m\u{1b}[32mPASS\u{1b}[0m");
        assert_eq!(always.dim("-"), "\u{1b}[2m-\u{1b}[0m");
        let never = Styles::for_stream(ColorChoice::Never, &Vec::<u8>::new());
        assert_eq!(never.pass("PASS"), "PASS");
    }
}
