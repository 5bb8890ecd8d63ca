//! An answer's JSON object parsed as far as its step reads it.
//!
//! A `serde_json::Value` costs ten to forty times the text it was parsed from: each small
//! object is a map of its own. A server may add attributes of any size to what it answers
//! (RFC 7643 §3.3 lets it define its own extensions), and 2 MB of member-like objects cost
//! 25 MB parsed, in each of the answers a run judges at once. So a top-level attribute is
//! parsed when it is of an ordinary size or when the step reads it ([`Reads`]), and left out
//! otherwise: what no check reads cannot change a verdict, and the body as text is kept for
//! the reports as before.

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::attributes::AttrPath;

/// How many JSON values one answer may make. Each costs up to 80 bytes as a
/// `serde_json::Value` whatever its text (`0,` is two bytes), so 4 MiB of zeros would be
/// 160 MB; 131,072 values are at most 10 MB, and a group of 40,000 members is 120,000.
pub const MAX_VALUES: usize = 128 * 1024;

/// Why an answer's text is not a value the checks can read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Not JSON: the parser's own error.
    #[error("{0}")]
    Json(serde_json::Error),
    /// JSON of more than [`MAX_VALUES`] values where the checks read.
    #[error("more than {MAX_VALUES} JSON values")]
    TooManyValues,
}

/// A top-level attribute of this many bytes of text or fewer is always parsed: every
/// ordinary SCIM attribute is far smaller (a group of 1,000 members is about 60 KiB).
const ALWAYS_PARSED: usize = 64 * 1024;

/// The top-level attributes a step reads, by case-insensitive name (RFC 7643 §2.1), so
/// that a large one is parsed all the same.
#[derive(Clone, Debug)]
pub struct Reads {
    names: Vec<String>,
}

impl Reads {
    /// What the checks on any resource or list read: the common attributes (RFC 7643 §3.1),
    /// the names Entra matches on, a group's `members`, the enterprise extension (its
    /// `manager`), and a ListResponse's own attributes (RFC 7644 §3.4.2).
    pub fn common() -> Reads {
        let names = [
            "schemas",
            "id",
            "externalId",
            "meta",
            "userName",
            "displayName",
            "members",
            crate::scim::ENTERPRISE_USER_SCHEMA,
            "totalResults",
            "itemsPerPage",
            "startIndex",
            "Resources",
        ];
        Reads {
            names: names.into_iter().map(str::to_owned).collect(),
        }
    }

    /// Adds the attribute (or extension) a path starts at.
    pub fn path(&mut self, path: &AttrPath) {
        self.name(path.schema().unwrap_or(path.attr()));
    }

    /// Adds a top-level attribute by name.
    pub fn name(&mut self, name: &str) {
        if !self.reads(name) {
            self.names.push(name.to_owned());
        }
    }

    /// Adds the attribute an RFC 6901 pointer starts at.
    pub fn pointer(&mut self, pointer: &str) {
        let first = pointer.trim_start_matches('/').split('/').next();
        if let Some(token) = first.filter(|t| !t.is_empty()) {
            self.name(&token.replace("~1", "/").replace("~0", "~"));
        }
    }

    fn reads(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// Whether the attribute `name` with this text is parsed.
    pub(crate) fn parses(&self, name: &str, text: &str) -> bool {
        text.len() <= ALWAYS_PARSED || self.reads(name)
    }
}

/// `text` as JSON, with each top-level attribute of an object parsed only when `reads`
/// says so. Anything but an object is parsed whole. A body that is not JSON gets the error
/// a whole parse gives.
pub fn parse_reading(text: &str, reads: &Reads) -> Result<Value, BodyError> {
    let budget = Budget::new();
    if !text.trim_start().starts_with('{') {
        return budget.parse(text);
    }
    let members = {
        let mut de = serde_json::Deserializer::from_str(text);
        let members = de
            .deserialize_map(MembersVisitor { reads })
            .map_err(BodyError::Json)?;
        de.end().map_err(BodyError::Json)?;
        members
    };
    let mut object = Map::new();
    for (name, raw) in members {
        let Some(raw) = raw else {
            object.shift_remove(&name);
            continue;
        };
        match budget.parse(raw.get()) {
            // A repeated member takes the last value, as `serde_json::Value` does.
            Ok(value) => {
                object.insert(name, value);
            }
            Err(BodyError::TooManyValues) => return Err(BodyError::TooManyValues),
            // Only the nesting limit fails here (the text parsed as JSON above); the whole
            // parse names where, as it does for any other body.
            Err(BodyError::Json(error)) => {
                return Err(Budget::new()
                    .parse(text)
                    .err()
                    .unwrap_or(BodyError::Json(error)));
            }
        }
    }
    Ok(Value::Object(object))
}

/// JSON text as a value of at most [`MAX_VALUES`] values (one item of a list, a schema list).
pub fn parse_bounded(text: &str) -> Result<Value, BodyError> {
    Budget::new().parse(text)
}

/// The values one answer may still make. The serde visitor counts them as it builds them
/// (serde_json's own `Value` visitor cannot be told to stop), so memory stops with it.
pub(crate) struct Budget {
    left: Cell<usize>,
    exceeded: Cell<bool>,
}

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget {
            left: Cell::new(MAX_VALUES),
            exceeded: Cell::new(false),
        }
    }

    /// `text` as a value, within what is left of the budget.
    pub(crate) fn parse(&self, text: &str) -> Result<Value, BodyError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Counted(self)
            .deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v));
        match value {
            Ok(value) => Ok(value),
            Err(_) if self.exceeded.get() => Err(BodyError::TooManyValues),
            Err(error) => Err(BodyError::Json(error)),
        }
    }

    /// Whether a parse ran out of the budget (its serde error is only a message).
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded.get()
    }

    fn take<E: serde::de::Error>(&self) -> Result<(), E> {
        match self.left.get().checked_sub(1) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.exceeded.set(true);
                Err(E::custom("too many JSON values"))
            }
        }
    }
}

/// Builds a `serde_json::Value` as serde_json does, taking one from the budget per value.
#[derive(Clone, Copy)]
struct Counted<'b>(&'b Budget);

impl<'de> DeserializeSeed<'de> for Counted<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counted<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        self.0.take().map(|()| Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        self.0.take().map(|()| Value::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        self.0.take().map(|()| Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        self.0.take().map(|()| Value::from(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        self.0.take().map(|()| Value::String(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        self.0.take().map(|()| Value::String(v))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        self.0.take().map(|()| Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.0.take()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.0.take()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// The members of an object in order, each with its text when it is to be parsed.
struct MembersVisitor<'r> {
    reads: &'r Reads,
}

type Members<'de> = Vec<(String, Option<&'de RawValue>)>;

impl<'de> Visitor<'de> for MembersVisitor<'_> {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
        let mut members = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let raw: &'de RawValue = map.next_value()?;
            let parsed = self.reads.parses(&name, raw.get()).then_some(raw);
            members.push((name, parsed));
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bulk(n: usize) -> String {
        let members: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"value":"m-{i:08}","display":"Member {i}"}}"#))
            .collect();
        format!("[{}]", members.join(","))
    }

    #[test]
    fn an_ordinary_resource_parses_as_a_whole_parse_does() {
        let text = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"a","meta":{"resourceType":"User"},"x":[1,{"y":null}],"id":"2"}"#;
        let whole: Value = serde_json::from_str(text).expect("json");
        assert_eq!(parse_reading(text, &Reads::common()).expect("json"), whole);
    }

    #[test]
    fn a_large_attribute_no_step_reads_is_left_out_and_one_it_reads_is_parsed() {
        let text = format!(
            r#"{{"id":"1","urn:example:bulk":{},"userName":"a"}}"#,
            bulk(5_000)
        );
        let reads = Reads::common();
        assert_eq!(
            parse_reading(&text, &reads).expect("json"),
            json!({"id": "1", "userName": "a"})
        );
        let mut reads = Reads::common();
        reads.pointer("/URN:example:bulk/0/value");
        let parsed = parse_reading(&text, &reads).expect("json");
        assert_eq!(parsed["urn:example:bulk"][4_999]["value"], "m-00004999");
    }

    #[test]
    fn a_large_members_list_is_parsed_since_checks_read_it() {
        let text = format!(r#"{{"id":"1","members":{}}}"#, bulk(5_000));
        let parsed = parse_reading(&text, &Reads::common()).expect("json");
        assert_eq!(parsed["members"].as_array().map(Vec::len), Some(5_000));
    }

    #[test]
    fn a_path_reads_its_extension_and_a_pointer_unescapes_its_first_token() {
        let mut reads = Reads::common();
        reads.path(&AttrPath::parse("urn:example:ext:2.0:User:department").expect("path"));
        reads.pointer("/a~1b~0c/d");
        assert!(reads.parses("urn:example:ext:2.0:User", &"x".repeat(100_000)));
        assert!(reads.parses("a/b~c", &"x".repeat(100_000)));
        assert!(!reads.parses("a", &"x".repeat(100_000)));
    }

    #[test]
    fn a_body_that_is_not_json_gets_the_error_a_whole_parse_gives() {
        let deep = format!(r#"{{"id":"1","x":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        for text in [
            r#"{"id":"1","#,
            r#"{"id":"1"} trailing"#,
            r#"{"id":1,]"#,
            deep.as_str(),
            "<html>",
        ] {
            let whole = serde_json::from_str::<Value>(text).expect_err("not json");
            let partial = match parse_reading(text, &Reads::common()) {
                Err(BodyError::Json(error)) => error,
                other => panic!("{other:?}"),
            };
            assert_eq!(partial.to_string(), whole.to_string(), "{text}");
        }
    }

    #[test]
    fn an_answer_of_more_values_than_the_budget_is_refused_as_too_many() {
        let zeros = format!("[{}]", vec!["0"; MAX_VALUES].join(","));
        assert!(matches!(
            parse_reading(&zeros, &Reads::common()),
            Err(BodyError::TooManyValues)
        ));
        // Read attributes share one budget: two halves of it are too many together.
        let half = format!("[{}]", vec!["0"; MAX_VALUES / 2].join(","));
        let text = format!(r#"{{"members":{half},"id":{half}}}"#);
        assert!(matches!(
            parse_reading(&text, &Reads::common()),
            Err(BodyError::TooManyValues)
        ));
        let within = format!("[{}]", vec!["0"; MAX_VALUES - 1].join(","));
        let parsed = parse_reading(&within, &Reads::common()).expect("within the budget");
        assert_eq!(parsed.as_array().map(Vec::len), Some(MAX_VALUES - 1));
    }

    #[test]
    fn a_bounded_parse_builds_what_serde_json_builds() {
        let text = r#"{"a":[1,-2,3.5,"x",true,null,{"b":{}}],"a":{"c":[]},"d":1e3}"#;
        let whole: Value = serde_json::from_str(text).expect("json");
        assert_eq!(parse_bounded(text).expect("json"), whole);
    }
}
