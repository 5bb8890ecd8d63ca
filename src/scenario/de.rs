//! A serde `Deserializer` over the [`Node`] tree that keeps going after a mistake.
//!
//! - An unknown key is recorded (with a did-you-mean) and skipped, so the rest of the mapping is
//!   still checked.
//! - Every other error is recorded where it first crosses a node, with that node's location,
//!   and travels up as an empty marker; the recovering containers of the model
//!   ([`super::model::List`], [`super::model::Entries`], [`super::model::Recover`]) drop the
//!   broken element and go on with the next one.
//!
//! The model types stay plain serde types with `Spanned` fields, so serde-saphyr can still read
//! them directly (then with its first error only).

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Unexpected, Visitor};

use super::access::{EnumAcc, MapAcc, SeqAcc, SpannedDe};
use super::error::{ScenarioError, ScenarioErrorKind as Kind};
use super::model::noun;
use super::node::{short, Node, Pos, Value};

thread_local! {
    // The mistakes recorded by the deserialization running on this thread; `None` when none
    // runs, which is also how the model's containers know whether they may recover.
    static SINK: RefCell<Option<Vec<ScenarioError>>> = const { RefCell::new(None) };
}

/// Deserializes `T` from the tree, returning the value (if the top level could be read) and
/// every mistake found on the way.
pub(crate) fn deserialize<T: DeserializeOwned>(root: &Node) -> (Option<T>, Vec<ScenarioError>) {
    struct Restore(Option<Vec<ScenarioError>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SINK.with(|s| *s.borrow_mut() = previous);
        }
    }
    let restore = Restore(SINK.with(|s| s.replace(Some(Vec::new()))));
    let result = T::deserialize(NodeDe::new(root));
    let mut errors = SINK.with(|s| s.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    match result {
        Ok(value) => (Some(value), errors),
        Err(DeError(pending)) => {
            errors.extend(pending.map(|p| p.finish(root.at)));
            (None, errors)
        }
    }
}

/// A mark taken before reading a value, for [`recorded_since`].
pub(crate) fn mark() -> Option<usize> {
    SINK.with(|s| s.borrow().as_ref().map(Vec::len))
}

/// Whether a mistake was recorded since `mark`: a container that failed to read a value may
/// then skip it. An error that was not recorded (serde's own "missing field", or any error when
/// reading from serde-saphyr directly, where the input cannot be resynchronised) must travel
/// on.
pub(crate) fn recorded_since(mark: Option<usize>) -> bool {
    match (mark, self::mark()) {
        (Some(before), Some(now)) => now > before,
        _ => false,
    }
}

/// Records a mistake; gives it back when no recovering deserialization runs.
fn record(error: ScenarioError) -> Result<(), DeError> {
    SINK.with(|s| match s.borrow_mut().as_mut() {
        Some(errors) => {
            errors.push(error);
            Ok(())
        }
        None => Err(DeError(Some(Box::new(Pending {
            kind: error.kind,
            at: Some(Pos {
                line: error.line,
                column: error.column,
            }),
        })))),
    })
}

/// The error type of [`NodeDe`]: a mistake not yet recorded, or (`None`) the marker of one
/// that is.
#[derive(Debug)]
pub(crate) struct DeError(Option<Box<Pending>>);

#[derive(Debug)]
pub(super) struct Pending {
    kind: Kind,
    at: Option<Pos>,
}

impl Pending {
    fn finish(self, fallback: Pos) -> ScenarioError {
        let at = self.at.unwrap_or(fallback);
        ScenarioError {
            line: at.line,
            column: at.column,
            kind: self.kind,
        }
    }
}

impl DeError {
    pub(super) fn new(kind: Kind) -> DeError {
        DeError(Some(Box::new(Pending { kind, at: None })))
    }

    pub(super) fn at(kind: Kind, at: Pos) -> DeError {
        DeError(Some(Box::new(Pending { kind, at: Some(at) })))
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(p) => {
                let error = ScenarioError {
                    line: 0,
                    column: 0,
                    kind: p.kind.clone(),
                };
                f.write_str(&error.message())
            }
            None => f.write_str("a mistake that was already reported"),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> DeError {
        DeError::new(Kind::Other(msg.to_string()))
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> DeError {
        DeError::new(Kind::Type {
            key: None,
            expected: expected_text(exp),
            found: unexpected_text(&unexp),
        })
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> DeError {
        DeError::invalid_type(unexp, exp)
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> DeError {
        DeError::new(Kind::Type {
            key: None,
            expected: expected_text(exp),
            found: format!("{len} items"),
        })
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> DeError {
        DeError::new(Kind::UnknownVariant {
            value: variant.to_owned(),
            what: "value".to_owned(),
            expected: expected.to_vec(),
        })
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> DeError {
        DeError::new(Kind::UnknownKey {
            key: field.to_owned(),
            context: None,
            expected: expected.to_vec(),
        })
    }

    fn missing_field(field: &'static str) -> DeError {
        DeError::new(Kind::MissingKey {
            key: field.to_owned(),
            context: None,
        })
    }

    fn duplicate_field(field: &'static str) -> DeError {
        DeError::new(Kind::DuplicateKey {
            key: field.to_owned(),
        })
    }
}

/// serde's words for primitive types, in ours.
fn expected_text(exp: &dyn de::Expected) -> String {
    let text = exp.to_string();
    match text.as_str() {
        "u8" | "u16" | "u32" | "u64" => "a whole number, 0 or more".to_owned(),
        "i8" | "i16" | "i32" | "i64" => "a whole number".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "a mapping".to_owned(),
        _ => text,
    }
}

fn unexpected_text(unexp: &Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Bool(b) => format!("`{b}`"),
        Unexpected::Unsigned(n) => format!("the number `{n}`"),
        Unexpected::Signed(n) => format!("the number `{n}`"),
        Unexpected::Float(n) => format!("the number `{n}`"),
        Unexpected::Char(c) => format!("the string `{c}`"),
        Unexpected::Str(s) => format!("the string `{}`", short(s)),
        Unexpected::Unit => "nothing".to_owned(),
        Unexpected::Seq => "a list".to_owned(),
        Unexpected::Map => "a mapping".to_owned(),
        other => other.to_string(),
    }
}

/// Deserializes from one node. `key` is the mapping key the node sits under (for "`status`
/// must be …"); `variant` the Entra action whose value it is (for "unknown key … in
/// `update-user`").
#[derive(Clone, Copy)]
pub(crate) struct NodeDe<'a> {
    pub(super) node: &'a Node,
    pub(super) key: Option<&'a str>,
    pub(super) variant: Option<&'a str>,
}

impl<'a> NodeDe<'a> {
    fn new(node: &'a Node) -> NodeDe<'a> {
        NodeDe {
            node,
            key: None,
            variant: None,
        }
    }

    /// Gives a mistake crossing this node its location and context, and records it.
    fn fail(&self, error: DeError) -> DeError {
        let Some(mut pending) = error.0 else {
            return error;
        };
        let at = *pending.at.get_or_insert(self.node.at);
        match &mut pending.kind {
            Kind::Type { key, .. } if key.is_none() => *key = self.key.map(str::to_owned),
            Kind::UnknownKey { context, .. } | Kind::MissingKey { context, .. }
                if context.is_none() =>
            {
                *context = self.variant.map(|v| format!("`{v}`"));
            }
            _ => {}
        }
        let error = pending.finish(at);
        match record(error) {
            Ok(()) => DeError(None),
            Err(unrecorded) => unrecorded,
        }
    }

    fn guard<T>(&self, result: Result<T, DeError>) -> Result<T, DeError> {
        result.map_err(|e| self.fail(e))
    }

    fn mismatch(&self, expected: &str) -> DeError {
        DeError::new(Kind::Type {
            key: None,
            expected: expected.to_owned(),
            found: self.node.describe(),
        })
    }

    pub(super) fn child(node: &'a Node, key: Option<&'a str>) -> NodeDe<'a> {
        NodeDe {
            node,
            key,
            variant: None,
        }
    }

    fn entries(&self) -> Option<Vec<&'a (Node, Node)>> {
        match &self.node.value {
            Value::Map(entries) => Some(entries.iter().collect()),
            Value::Null => Some(Vec::new()),
            _ => None,
        }
    }
}

macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let result = match &self.node.value {
                Value::Int(n) => visitor.visit_i64(*n),
                Value::UInt(n) => visitor.visit_u64(*n),
                _ => Err(self.mismatch("a whole number")),
            };
            self.guard(result)
        }
    )*};
}

impl<'de, 'a> Deserializer<'de> for NodeDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(n) => visitor.visit_i64(*n),
            Value::UInt(n) => visitor.visit_u64(*n),
            Value::Float(n) => visitor.visit_f64(*n),
            Value::Str(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(SeqAcc {
                items: items.iter(),
            }),
            Value::Map(entries) => visitor.visit_map(MapAcc::new(entries.iter().collect(), self)),
        };
        self.guard(result)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.mismatch("`true` or `false`")),
        };
        self.guard(result)
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Int(n) => visitor.visit_i64(*n),
            Value::UInt(n) => visitor.visit_u64(*n),
            Value::Float(n) => visitor.visit_f64(*n),
            _ => Err(self.mismatch("a number")),
        };
        self.guard(result)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // A scalar YAML read as a number or boolean is still the text the user wrote.
        let result = match self.node.text() {
            Some(text) => visitor.visit_str(text),
            None => Err(self.mismatch("a string")),
        };
        self.guard(result)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        self.guard(result)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.mismatch("nothing")),
        };
        self.guard(result)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // serde-saphyr's `Spanned<T>` asks for this newtype and then for a map of the value
        // and its two locations; we answer with the node's.
        let result = if name == "__yaml_spanned" {
            visitor.visit_newtype_struct(SpannedDe { inner: self })
        } else {
            visitor.visit_newtype_struct(self)
        };
        self.guard(result)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Seq(items) => visitor.visit_seq(SeqAcc {
                items: items.iter(),
            }),
            _ => Err(self.mismatch("a list")),
        };
        self.guard(result)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // An empty value (`alice:`) reads as an empty mapping.
        let result = match self.entries() {
            Some(entries) => visitor.visit_map(MapAcc::new(entries, self)),
            None => Err(self.mismatch("a mapping")),
        };
        self.guard(result)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let context = noun(name)
            .map(str::to_owned)
            .or_else(|| self.variant.map(|v| format!("`{v}`")));
        let Some(entries) = self.entries() else {
            let expected =
                context.map_or_else(|| "a mapping".to_owned(), |c| format!("a mapping ({c})"));
            let error = self.mismatch(&expected);
            return Err(self.fail(error));
        };
        // Unknown keys are recorded and left out, so the known ones are still checked.
        let mut known = Vec::with_capacity(entries.len());
        for entry in entries {
            let key = entry.0.text().unwrap_or_default();
            if fields.contains(&key) {
                known.push(entry);
                continue;
            }
            let error = ScenarioError {
                line: entry.0.at.line,
                column: entry.0.at.column,
                kind: Kind::UnknownKey {
                    key: key.to_owned(),
                    context: context.clone(),
                    expected: fields.to_vec(),
                },
            };
            record(error)?;
        }
        let result = visitor.visit_map(MapAcc::new(known, self));
        let result = result.map_err(|mut e| {
            if let Some(Kind::MissingKey { context: c, .. }) = e.0.as_mut().map(|p| &mut p.kind) {
                if c.is_none() {
                    c.clone_from(&context);
                }
            }
            e
        });
        self.guard(result)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let what = noun(name).unwrap_or("a value");
        let bare = what
            .strip_prefix("an ")
            .or_else(|| what.strip_prefix("a "))
            .unwrap_or(what);
        let unknown = |value: &str, at: Pos| {
            DeError::at(
                Kind::UnknownVariant {
                    value: value.to_owned(),
                    what: bare.to_owned(),
                    expected: variants.to_vec(),
                },
                at,
            )
        };
        let result = match &self.node.value {
            Value::Str(s) if variants.contains(&s.as_str()) => visitor.visit_enum(EnumAcc {
                name: s,
                value: None,
                at: self.node.at,
            }),
            Value::Str(s) => Err(unknown(s, self.node.at)),
            Value::Map(entries) if entries.len() == 1 => {
                let (key, value) = &entries[0];
                match key.text() {
                    Some(k) if variants.contains(&k) => visitor.visit_enum(EnumAcc {
                        name: k,
                        value: Some(value),
                        at: key.at,
                    }),
                    k => Err(unknown(k.unwrap_or_default(), key.at)),
                }
            }
            Value::Map(entries) => Err(DeError::new(Kind::OneKey {
                what: bare.to_owned(),
                found: entries.len(),
            })),
            _ => Err(self.mismatch(what)),
        };
        self.guard(result)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}
