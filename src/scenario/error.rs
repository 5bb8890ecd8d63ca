//! Mistakes in the structure of a scenario file (YAML syntax, keys, types), and failures to
//! read one. Mistakes in its meaning (unknown objects, variables, attribute paths) are found by
//! `plan::compile`.

use std::fmt;
use std::sync::Arc;

use crate::diag::{did_you_mean, Diagnostic, Location};

/// A scenario file or folder could not be read.
#[derive(Debug, thiserror::Error)]
#[error("failed to read scenario `{path}`: {source}")]
pub struct LoadError {
    /// The file or folder as the user named it.
    pub path: String,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// A structural mistake at a place in a scenario file (1-based line and character column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong.
    pub kind: ScenarioErrorKind,
}

/// What is wrong; [`ScenarioError::message`] and [`ScenarioError::note`] word it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioErrorKind {
    /// The text is not YAML (the message is serde-saphyr's, without its location).
    Syntax(String),
    /// The file has no content at all.
    Empty,
    /// A key the format does not have; `context` names the mapping ("a step").
    UnknownKey {
        key: String,
        context: Option<String>,
        expected: Vec<&'static str>,
    },
    /// A required key is absent from the mapping that starts here.
    MissingKey {
        key: String,
        context: Option<String>,
    },
    /// The same key twice in one mapping.
    DuplicateKey { key: String },
    /// A name that is not one of a fixed set, e.g. an Entra action.
    UnknownVariant {
        value: String,
        what: String,
        expected: Vec<&'static str>,
    },
    /// A one-key mapping (`{ lookup-user: alice }`) with another number of keys.
    OneKey { what: String, found: usize },
    /// `get-user` written without the user it acts on.
    NeedsValue { variant: String },
    /// `test-connection` written with a value.
    TakesNoValue { variant: String },
    /// A value of the wrong kind; `key` is the mapping key it sits under, if any.
    Type {
        key: Option<String>,
        expected: String,
        found: String,
    },
    /// A control character (NUL, ESC, …) that YAML text cannot hold; the YAML reader would
    /// stop at a NUL without a word, so the steps after it would be lost (issue 11).
    ControlCharacter { code: u32 },
    /// The file is too big or too deeply nested for the YAML reader's limits; the message
    /// says which limit, in words.
    TooLarge(String),
    /// Anything else, worded by whoever found it.
    Other(String),
}

impl ScenarioError {
    /// The title of the diagnostic.
    pub fn message(&self) -> String {
        use ScenarioErrorKind as K;
        let within = |context: &Option<String>| {
            context
                .as_deref()
                .map_or_else(String::new, |c| format!(" in {c}"))
        };
        match &self.kind {
            K::Syntax(_) => "invalid YAML".to_owned(),
            K::Empty => "the scenario file is empty".to_owned(),
            K::UnknownKey { key, context, .. } => format!("unknown key `{key}`{}", within(context)),
            K::MissingKey { key, context } => format!("missing key `{key}`{}", within(context)),
            K::DuplicateKey { key } => format!("duplicate key `{key}`"),
            K::UnknownVariant { value, what, .. } => format!("unknown {what} `{value}`"),
            K::OneKey { what, .. } => format!("expected one {what}"),
            K::NeedsValue { variant } => format!("`{variant}` needs a value"),
            K::TakesNoValue { variant } => format!("`{variant}` takes no value"),
            K::Type {
                key: Some(key),
                expected,
                ..
            } => format!("`{key}` must be {expected}"),
            K::Type { expected, .. } => format!("expected {expected}"),
            K::ControlCharacter { code } => {
                format!("a control character (U+{code:04X}) in the file")
            }
            K::TooLarge(what) => format!("the scenario file is too large to read: {what}"),
            K::Other(message) => message.clone(),
        }
    }

    /// What the caret says: what was seen, or what was expected.
    pub fn note(&self) -> Option<String> {
        use ScenarioErrorKind as K;
        Some(match &self.kind {
            K::Syntax(message) => message.clone(),
            K::Empty => "expected `version: 1`, `name:` and `steps:`".to_owned(),
            K::UnknownKey { key, expected, .. } => suggestion(key, expected),
            K::MissingKey { key, .. } => format!("`{key}` is required here"),
            K::DuplicateKey { .. } => "a key may appear once in a mapping".to_owned(),
            K::UnknownVariant {
                value, expected, ..
            } => suggestion(value, expected),
            K::OneKey { found, .. } => format!("found {found} keys"),
            K::NeedsValue { variant } => format!("write `{variant}: …`"),
            K::TakesNoValue { variant } => format!("write just `{variant}`"),
            K::Type { found, .. } => format!("found {found}"),
            K::ControlCharacter { .. } => {
                "YAML text cannot hold it; remove it, or write it escaped in a double-quoted string"
                    .to_owned()
            }
            K::TooLarge(_) => "split the scenario into several files".to_owned(),
            K::Other(_) => return None,
        })
    }

    /// The diagnostic for this mistake in `file`.
    pub fn to_diagnostic(&self, file: &Arc<str>) -> Diagnostic {
        let location = Location {
            file: Arc::clone(file),
            line: self.line,
            column: self.column,
        };
        let diagnostic = Diagnostic::new(location, self.message());
        match self.note() {
            Some(note) => diagnostic.with_note(note),
            None => diagnostic,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message())
    }
}

impl std::error::Error for ScenarioError {}

/// "did you mean `x`?" when one of `expected` is close, else the whole list.
pub(crate) fn suggestion(word: &str, expected: &[&str]) -> String {
    match did_you_mean(word, expected.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if expected.is_empty() => "nothing is allowed here".to_owned(),
        None => format!("expected {}", one_of(expected.iter().copied())),
    }
}

/// "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
pub(crate) fn one_of<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| format!("`{i}`")).collect();
    match items.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        more => format!("one of {}", more.join(", ")),
    }
}
