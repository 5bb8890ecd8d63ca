//! [`CliError`]: why a command could not do its work, as a value. Subcommands return it;
//! [`super::main`] prints it once, on stderr, and exits with its code.

use std::fmt;

use crate::exit;

/// A failure for a person to act on: what went wrong, what to do, and the exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CliError {
    /// Printed before the message: located diagnostics or earlier mistakes of the same kind,
    /// each already rendered and ending with a newline.
    details: String,
    /// The lower-case fragment after `error: `.
    message: String,
    /// What to do about it, after `hint: `.
    hint: Option<String>,
    /// The process exit code (`exit::*`).
    code: i32,
}

impl CliError {
    /// A mistake on the command line or in a file read before anything is sent
    /// ([`exit::USAGE`]).
    pub(crate) fn usage(message: impl Into<String>) -> CliError {
        CliError {
            details: String::new(),
            message: message.into(),
            hint: None,
            code: exit::USAGE,
        }
    }

    /// Several mistakes found together: each but the last is printed as an `error:` line of
    /// its own, the last is the message. `None` when there are none.
    pub(crate) fn usage_all(messages: impl IntoIterator<Item = String>) -> Option<CliError> {
        let mut messages: Vec<String> = messages.into_iter().collect();
        let last = messages.pop()?;
        let details: String = messages.iter().map(|m| format!("error: {m}\n")).collect();
        Some(CliError::usage(last).with_details(details))
    }

    /// The same error with a hint.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    /// The same error with another exit code (e.g. [`exit::TRANSPORT`] when a token endpoint
    /// cannot be reached).
    pub(crate) fn with_code(mut self, code: i32) -> CliError {
        self.code = code;
        self
    }

    /// The same error with rendered diagnostics printed before it.
    pub(crate) fn with_details(mut self, details: impl Into<String>) -> CliError {
        self.details = details.into();
        self
    }

    /// The process exit code.
    pub(crate) fn code(&self) -> i32 {
        self.code
    }

    /// Prints the error on stderr (through anstream, so no stray ANSI reaches a pipe), with
    /// any control character in it written out: a message may quote what a server said.
    pub(crate) fn print(&self) {
        let text = self.to_string();
        anstream::eprint!(
            "{}",
            crate::report::controls::escape(&text, crate::report::controls::Keep::Lines)
        );
    }
}

impl fmt::Display for CliError {
    /// The details, `error: message`, and `hint: …`, each line ending with a newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.details)?;
        writeln!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            writeln!(f, "hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_details_then_the_message_then_the_hint() {
        let error = CliError::usage("2 mistake(s)")
            .with_details("error: at a.yaml:1:1\n")
            .with_hint("see `scimcheck lint`");
        assert_eq!(
            error.to_string(),
            "error: at a.yaml:1:1\nerror: 2 mistake(s)\nhint: see `scimcheck lint`\n"
        );
        assert_eq!(error.code(), exit::USAGE);
    }

    #[test]
    fn several_mistakes_print_each_on_its_own_line_and_none_is_no_error() {
        let error = CliError::usage_all(["one".to_owned(), "two".to_owned()]);
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("error: one\nerror: two\n")
        );
        assert_eq!(CliError::usage_all(Vec::new()), None);
    }
}
