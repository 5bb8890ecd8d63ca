//! Colours: plain by default, filled in by [`Styles::colorize`] when the output is a terminal
//! and colour is allowed (nextest's `Styles`). Files never contain ANSI.

use colored::Colorize;

/// How each kind of token is drawn.
#[derive(Clone, Copy, Debug, Default)]
pub struct Styles {
    colour: bool,
}

/// `--color` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl Styles {
    /// Styles for an output stream: colour when `choice` allows it, `NO_COLOR` is unset (or
    /// `--color always`), and the stream is a terminal.
    pub fn for_stream(choice: ColorChoice, is_terminal: bool) -> Styles {
        let colour = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        // `colored` keeps its own global switch; ours decides.
        colored::control::set_override(colour);
        Styles { colour }
    }

    /// Whether colour is on.
    pub fn colorize(&self) -> bool {
        self.colour
    }

    pub fn pass(&self, text: &str) -> String {
        self.paint(text, |t| t.green().bold().to_string())
    }

    pub fn fail(&self, text: &str) -> String {
        self.paint(text, |t| t.red().bold().to_string())
    }

    pub fn skip(&self, text: &str) -> String {
        self.paint(text, |t| t.yellow().bold().to_string())
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(text, |t| t.dimmed().to_string())
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, |t| t.bold().to_string())
    }

    fn paint(&self, text: &str, style: impl Fn(&str) -> String) -> String {
        if self.colour {
            style(text)
        } else {
            text.to_owned()
        }
    }
}
