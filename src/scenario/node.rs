//! A YAML document as a tree of located nodes: what serde-saphyr reads, before the model.
//!
//! Why a tree first: serde stops at the first error, and `plan::compile` must report every
//! mistake of a file at once. Only YAML syntax can fail here; the model is then deserialized
//! from the tree by [`super::de::deserialize`], which keeps going after a mistake.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ScenarioError, ScenarioErrorKind as Kind};

/// A 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// One YAML node with where it is used (`at`) and where it is defined (differs for aliases).
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) at: Pos,
    pub(crate) defined: Pos,
    /// Byte range of the defining text, as serde-saphyr reports it.
    span: (usize, usize),
    /// The text of a plain scalar YAML read as a number or boolean, so `externalId: 007` can
    /// still be the string `007`.
    raw: Option<String>,
}

/// The content of a node.
#[derive(Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// Reads `text` into a tree; fails only on YAML syntax (and duplicate keys, which
/// serde-saphyr refuses while parsing).
pub(crate) fn parse(text: &str) -> Result<Node, ScenarioError> {
    let options = serde_saphyr::Options {
        // The snippet would repeat what our renderer prints.
        with_snippet: false,
        // YAML 1.2: `yes`, `on` and `y` are strings, as they are in JSON.
        strict_booleans: true,
        ..serde_saphyr::Options::default()
    };
    if let Some(error) = control_character(text) {
        return Err(error);
    }
    let lines = LineIndex::new(text);
    let mut root: Node = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| within(syntax_error(&e, &lines), text))?;
    root.finish(text, &lines);
    Ok(root)
}

/// The first character YAML text may not hold (YAML 1.2 §5.1: C0 controls other than tab and
/// line breaks, DEL, and C1 controls other than NEL), located. A carriage return without a
/// line feed is refused too: YAML reads it as a line break where every editor (and our
/// line numbers) sees none.
fn control_character(text: &str) -> Option<ScenarioError> {
    let forbidden = |at: usize, c: char| match c {
        '\r' => !text[at + 1..].starts_with('\n'),
        '\t' | '\n' | '\u{85}' => false,
        c => c.is_control(),
    };
    let (at, c) = text.char_indices().find(|&(at, c)| forbidden(at, c))?;
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Some(ScenarioError {
        line: count(before.matches('\n').count() + 1),
        column: count(before[line_start..].chars().count() + 1),
        kind: Kind::ControlCharacter { code: c.into() },
    })
}

/// `error` moved onto the text's last character when the YAML reader placed it past the end
/// (an unexpected end of input): a diagnostic quotes the line it points at.
fn within(mut error: ScenarioError, text: &str) -> ScenarioError {
    let lines = text.split('\n').count();
    let last = text.rsplit('\n').next().unwrap_or_default();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    if error.line as usize > lines {
        error.line = count(lines);
        error.column = count(last.chars().count() + 1);
    }
    error
}

/// A breached reader limit, in words (serde-saphyr names them by its field names).
fn budget_words(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Events { events } => format!("at least {events} YAML events"),
        B::Aliases { aliases } => format!("at least {aliases} aliases (`*name`)"),
        B::Anchors { anchors } => format!("at least {anchors} anchors (`&name`)"),
        B::Depth { depth } => format!("nested more than {depth} levels deep"),
        B::Documents { documents } => format!("at least {documents} YAML documents"),
        B::Nodes { nodes } => format!("at least {nodes} values (keys, items and scalars)"),
        B::ScalarBytes { total_scalar_bytes } => {
            format!("at least {total_scalar_bytes} bytes of text in its values")
        }
        B::MergeKeys { merge_keys } => format!("at least {merge_keys} merge keys (`<<`)"),
        B::AliasAnchorRatio { aliases, anchors } => {
            format!("{aliases} aliases of only {anchors} anchors (an alias bomb)")
        }
        B::SequenceUnbalanced => "its structure is unbalanced".to_owned(),
        B::InputBytes { input_bytes } => format!("at least {input_bytes} bytes"),
    }
}

fn syntax_error(error: &serde_saphyr::Error, lines: &LineIndex<'_>) -> ScenarioError {
    let at = error.location().map_or(Pos { line: 1, column: 1 }, |l| {
        lines.char_pos(l.line() as u32, l.column() as u32)
    });
    let mut message = error.to_string();
    // serde-saphyr appends its own location; ours is printed by the renderer.
    if let Some(l) = error.location() {
        let suffix = format!(" at line {}, column {}", l.line(), l.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_owned();
        }
    }
    let kind = if let serde_saphyr::Error::Budget { breach, .. } = error {
        Kind::TooLarge(budget_words(breach))
    } else if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
        Kind::DuplicateKey {
            key: key.to_owned(),
        }
    } else if message.starts_with("multiple YAML documents") {
        // serde-saphyr's text names its own API; say what it means for a scenario file.
        Kind::Syntax("a scenario file holds one YAML document; a second one starts here".into())
    } else {
        Kind::Syntax(message)
    };
    ScenarioError {
        line: at.line,
        column: at.column,
        kind,
    }
}

/// Byte offsets of line starts, to turn serde-saphyr's byte columns into character columns.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    fn char_pos(&self, line: u32, byte_column: u32) -> Pos {
        // serde-saphyr 0.0.16 counts columns in bytes (its docs say characters); pinned by
        // `columns_count_characters_after_non_ascii_text`.
        let column = (line as usize)
            .checked_sub(1)
            .and_then(|i| self.starts.get(i))
            .and_then(|&start| {
                let end = start + (byte_column as usize).checked_sub(1)?;
                self.text.get(start..end)
            })
            .map_or(byte_column, |before| before.chars().count() as u32 + 1);
        Pos { line, column }
    }
}

impl Node {
    fn finish(&mut self, text: &str, lines: &LineIndex<'_>) {
        self.at = lines.char_pos(self.at.line, self.at.column);
        self.defined = lines.char_pos(self.defined.line, self.defined.column);
        match &mut self.value {
            Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Float(_) => {
                let (start, len) = self.span;
                self.raw = text.get(start..start + len).map(str::to_owned);
            }
            Value::Seq(items) => items.iter_mut().for_each(|n| n.finish(text, lines)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.finish(text, lines);
                v.finish(text, lines);
            }),
            Value::Null | Value::Str(_) => {}
        }
    }

    /// The node as text, for a scalar.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            Value::Bool(b) => {
                Some(
                    self.raw
                        .as_deref()
                        .unwrap_or(if *b { "true" } else { "false" }),
                )
            }
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => self.raw.as_deref(),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Every mapping key in the tree: names the file declares somewhere, even in a part that
    /// could not be read.
    pub(crate) fn keys(&self, into: &mut BTreeSet<String>) {
        match &self.value {
            Value::Seq(items) => items.iter().for_each(|n| n.keys(into)),
            Value::Map(entries) => {
                for (k, v) in entries {
                    into.extend(k.text().map(str::to_owned));
                    v.keys(into);
                }
            }
            _ => {}
        }
    }

    /// What the node is, for "found …" notes.
    pub(super) fn describe(&self) -> String {
        match &self.value {
            Value::Null => "nothing".to_owned(),
            Value::Bool(b) => format!("`{b}`"),
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => {
                format!("the number `{}`", self.text().unwrap_or("?"))
            }
            Value::Str(s) => format!("the string `{}`", short(s)),
            Value::Seq(_) => "a list".to_owned(),
            Value::Map(_) => "a mapping".to_owned(),
        }
    }
}

pub(super) fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out.replace('\n', "\\n")
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let pos = |l: serde_saphyr::Location| Pos {
            line: l.line() as u32,
            column: l.column() as u32,
        };
        let span = spanned.defined.span();
        Ok(Node {
            value: spanned.value,
            at: pos(spanned.referenced),
            defined: pos(spanned.defined),
            span: (span.offset(), span.len()),
            raw: None,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct AnyVisitor;
        impl<'de> Visitor<'de> for AnyVisitor {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                Value::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Value, E> {
                Ok(Value::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Value::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Value::Map(entries))
            }
        }
        deserializer.deserialize_any(AnyVisitor)
    }
}
