//! ListResponse checks (RFC 7644 §3.4.2; client-behaviour §2.2, §6.1).
//!
//! A list is parsed as a [`ListBody`]: its members as JSON values, but its `Resources` as
//! the raw text of each resource, read one at a time by the checks. A server that ignores
//! the filter answers every lookup with its whole tenant (§9 #9): 40,000 users are 3.8 MB
//! of text, and about 40 MB as `serde_json::Value`s (issue 11: 64 MB for any server).

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::view::{parse_bounded, Budget};
use super::{BodyError, CheckId, CheckResult, Finding, ListProblem, Reads, Target};
use crate::attributes::AttrPath;
use crate::scim::LIST_RESPONSE_SCHEMA;

/// How many bytes of resources [`ListBody::into_value`] makes values of: a lookup finds one
/// or none, and what the runner reads after the checks (the one result's id, a capture) is
/// at the start of the list.
const MATERIALISED: usize = 256 * 1024;

/// A list answer as JSON: every member as a value but `Resources`, whose items stay text.
#[derive(Debug)]
pub enum ListBody {
    /// A JSON object.
    Object {
        /// Its members but `Resources`, in their order.
        members: Map<String, Value>,
        /// `Resources`, if present.
        resources: Option<Listed>,
    },
    /// Any other JSON value.
    Other(Value),
}

/// The value of `Resources`.
#[derive(Debug)]
pub enum Listed {
    /// An array, as its text.
    Array(Items),
    /// Anything else.
    Other(Value),
}

/// The items of an array as the array's JSON text and where each item is in it: 8 bytes an
/// item, where a box of each would take 48 (half a million `0`s are still 4 MB).
#[derive(Debug)]
pub struct Items {
    text: Box<RawValue>,
    spans: Vec<(u32, u32)>,
}

impl Items {
    /// Each item's JSON text, valid JSON (the parse checked it).
    fn texts(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        let text = self.text.get();
        self.spans
            .iter()
            .map(move |&(start, end)| text.get(start as usize..end as usize).unwrap_or("null"))
    }

    fn parse(text: Box<RawValue>) -> Result<Items, serde_json::Error> {
        let spans = {
            let array = text.get();
            let mut de = serde_json::Deserializer::from_str(array);
            let spans = de.deserialize_seq(SpanVisitor { array })?;
            de.end()?;
            spans
        };
        Ok(Items { text, spans })
    }
}

/// Reads an array's items as slices of its text, for where each starts and ends.
struct SpanVisitor<'a> {
    array: &'a str,
}

impl<'de> Visitor<'de> for SpanVisitor<'_> {
    type Value = Vec<(u32, u32)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let base = self.array.as_ptr() as usize;
        let mut spans = Vec::new();
        while let Some(item) = seq.next_element::<&RawValue>()? {
            let start = item.get().as_ptr() as usize - base;
            let end = start + item.get().len();
            let span = u32::try_from(start).and_then(|s| Ok((s, u32::try_from(end)?)));
            spans.push(span.map_err(serde::de::Error::custom)?);
        }
        Ok(spans)
    }
}

impl ListBody {
    /// Parses a list answer's text.
    pub fn parse(text: &str) -> Result<ListBody, BodyError> {
        ListBody::parse_reading(text, &Reads::common())
    }

    /// Parses a list answer's text, with a large member other than `Resources` parsed only
    /// when `reads` names it, and no more values than [`super::MAX_VALUES`] made of its
    /// members (see [`super::parse_reading`]); each resource is bounded alike when read.
    pub fn parse_reading(text: &str, reads: &Reads) -> Result<ListBody, BodyError> {
        let budget = Budget::new();
        if !text.trim_start().starts_with('{') {
            return budget.parse(text).map(ListBody::Other);
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let list = de
            .deserialize_map(ListVisitor {
                reads,
                budget: &budget,
            })
            .and_then(|list| de.end().map(|()| list));
        match list {
            Ok(list) => Ok(list),
            Err(_) if budget.exceeded() => Err(BodyError::TooManyValues),
            Err(error) => Err(BodyError::Json(error)),
        }
    }

    /// A member other than `Resources`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            ListBody::Object { members, .. } => members.get(key),
            ListBody::Other(_) => None,
        }
    }

    /// `totalResults` as an unsigned integer.
    fn total(&self) -> Option<u64> {
        self.get("totalResults").and_then(Value::as_u64)
    }

    fn items(&self) -> Option<&Items> {
        match self {
            ListBody::Object {
                resources: Some(Listed::Array(items)),
                ..
            } => Some(items),
            _ => None,
        }
    }

    /// How many results are listed (0 when `Resources` is absent or not an array).
    pub fn len(&self) -> usize {
        self.items().map_or(0, |items| items.spans.len())
    }

    /// Whether no result is listed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The results listed, each parsed when it is reached.
    pub fn resources(&self) -> impl Iterator<Item = Value> + '_ {
        self.items().into_iter().flat_map(Items::texts).map(value)
    }

    /// The one result, when exactly one is listed.
    pub fn only(&self) -> Option<Value> {
        (self.len() == 1).then(|| self.resources().next()).flatten()
    }

    /// The body as a JSON value for what reads it after the checks (a capture, the id of
    /// the one result): `Resources` holds the results in the first 256 KiB
    /// of them, and always the first.
    pub fn into_value(self) -> Value {
        let (mut members, resources) = match self {
            ListBody::Other(value) => return value,
            ListBody::Object { members, resources } => (members, resources),
        };
        let resources = match resources {
            None => return Value::Object(members),
            Some(Listed::Other(value)) => value,
            Some(Listed::Array(items)) => {
                let mut size = 0;
                let kept = items.texts().take_while(|text| {
                    let first = size == 0;
                    size += text.len();
                    first || size <= MATERIALISED
                });
                Value::Array(kept.map(value).collect())
            }
        };
        members.insert("Resources".to_owned(), resources);
        Value::Object(members)
    }
}

struct ListVisitor<'r> {
    reads: &'r Reads,
    budget: &'r Budget,
}

impl<'de> Visitor<'de> for ListVisitor<'_> {
    type Value = ListBody;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ListBody, A::Error> {
        let mut members = Map::new();
        let mut resources = None;
        // A repeated member takes the last value, as `serde_json::Value` does.
        while let Some(key) = map.next_key::<String>()? {
            if key == "Resources" {
                let raw: Box<RawValue> = map.next_value()?;
                resources = Some(listed(raw, self.budget).map_err(serde::de::Error::custom)?);
            } else {
                let raw: &'de RawValue = map.next_value()?;
                if !self.reads.parses(&key, raw.get()) {
                    members.shift_remove(&key);
                    continue;
                }
                let value = self.budget.parse(raw.get()).map_err(|error| match error {
                    BodyError::Json(error) => serde::de::Error::custom(error),
                    BodyError::TooManyValues => serde::de::Error::custom("too many JSON values"),
                })?;
                members.insert(key, value);
            }
        }
        Ok(ListBody::Object { members, resources })
    }
}

fn listed(raw: Box<RawValue>, budget: &Budget) -> Result<Listed, String> {
    if raw.get().starts_with('[') {
        Items::parse(raw)
            .map(Listed::Array)
            .map_err(|e| e.to_string())
    } else {
        match budget.parse(raw.get()) {
            Ok(value) => Ok(Listed::Other(value)),
            Err(BodyError::Json(error)) => Err(error.to_string()),
            Err(BodyError::TooManyValues) => Err("too many JSON values".into()),
        }
    }
}

/// An item's text as a value. The whole body's parse read it as JSON, so `Null` stands
/// only for an item of more than [`super::MAX_VALUES`] values, which no resource is.
fn value(text: &str) -> Value {
    parse_bounded(text).unwrap_or(Value::Null)
}

/// Parses a list answer, or finds why it is not JSON (an HTML page, empty, …).
pub fn list_body(received: &crate::http::Received) -> Result<ListBody, Box<CheckResult>> {
    list_reading(received, &Reads::common())
}

/// A list answer's body parsed as far as `reads` says ([`ListBody::parse_reading`]), or why
/// it is not JSON.
pub fn list_reading(
    received: &crate::http::Received,
    reads: &Reads,
) -> Result<ListBody, Box<CheckResult>> {
    ListBody::parse_reading(&received.body, reads)
        .map_err(|error| super::not_json(received, &error))
}

/// A filter query's answer judged as far as a list goes: status 200, a JSON body, the
/// ListResponse shape, each only when the one before passed (a wrong status makes the rest
/// noise). The checks, and the body once it is JSON.
pub fn list_answer(received: &crate::http::Received) -> (Vec<CheckResult>, Option<ListBody>) {
    let status = super::status(received, &[200]);
    if !status.passed() {
        return (vec![status], None);
    }
    let mut checks = vec![status];
    let body = match list_body(received) {
        Ok(body) => body,
        Err(not_json) => {
            checks.push(*not_json);
            return (checks, None);
        }
    };
    checks.push(list_shape(&body));
    (checks, Some(body))
}

/// The body is a ListResponse: the ListResponse schema, an integer `totalResults`, and the
/// results under `Resources` with a capital R (Entra reads no other spelling).
pub fn list_shape(body: &ListBody) -> CheckResult {
    match list_problem(body) {
        None => CheckResult::pass(CheckId::ListShape, Target::ListResponse),
        Some(problem) => CheckResult::fail(
            CheckId::ListShape,
            Target::ListResponse,
            Finding::List(problem),
        ),
    }
}

fn list_problem(body: &ListBody) -> Option<ListProblem> {
    let (object, resources) = match body {
        ListBody::Other(value) => return Some(ListProblem::NotAnObject(value.clone())),
        ListBody::Object { members, resources } => (members, resources),
    };
    let has_schema = object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(LIST_RESPONSE_SCHEMA)));
    if !has_schema {
        return Some(ListProblem::Schemas(object.get("schemas").cloned()));
    }
    let total = match object.get("totalResults") {
        Some(Value::Number(n)) if n.is_u64() => n.as_u64().unwrap_or_default(),
        Some(other) => return Some(ListProblem::TotalResultsNotInteger(other.clone())),
        None => return Some(ListProblem::TotalResultsMissing),
    };
    match resources {
        Some(Listed::Array(_)) => None,
        Some(Listed::Other(other)) => Some(ListProblem::ResourcesNotArray(other.clone())),
        None => {
            if let Some(key) = object.keys().find(|k| k.eq_ignore_ascii_case("resources")) {
                return Some(ListProblem::ResourcesCasing(key.clone()));
            }
            // RFC 7644 §3.4.2 lets an empty list omit `Resources`.
            (total > 0).then_some(ListProblem::ResourcesMissing { total })
        }
    }
}

/// The results listed in a list kept as a value (empty when absent).
pub fn resources(body: &Value) -> &[Value] {
    body.get("Resources")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `totalResults` and the number of `Resources` are both `expected`.
pub fn list_count(body: &ListBody, expected: u64) -> CheckResult {
    let total = body.total().unwrap_or_default();
    let listed = body.len() as u64;
    if total == expected && listed == expected {
        return CheckResult::pass(CheckId::ListCount, Target::Count);
    }
    CheckResult::fail(
        CheckId::ListCount,
        Target::Count,
        Finding::ListCount {
            expected,
            total,
            listed,
        },
    )
}

/// Every listed resource is the object Entra created, by its `id` (a lookup right after a
/// create, or a lookup in another case, must find that object and no other; §3.4, §4.1).
pub fn list_ids(body: &ListBody, expected: &str, target: Target) -> CheckResult {
    for resource in body.resources() {
        let found = resource.get("id").and_then(Value::as_str);
        if found != Some(expected) {
            return CheckResult::fail(
                CheckId::ListMatches,
                target,
                Finding::ListWrongId {
                    expected: expected.to_owned(),
                    found: found.map(str::to_owned),
                },
            );
        }
    }
    CheckResult::pass(CheckId::ListMatches, target)
}

/// Every listed resource has `value` at `attr` (a server that ignores the filter returns
/// other objects, and Entra then matches the wrong one; §3.4, §9 #9).
pub fn list_matches(
    body: &ListBody,
    attr: &AttrPath,
    value: &str,
    case_exact: bool,
) -> CheckResult {
    let target = Target::Filter {
        attr: attr.clone(),
        value: value.to_owned(),
    };
    for resource in body.resources() {
        let found = attr.get(&resource).and_then(Value::as_str);
        let matches = found.is_some_and(|f| {
            if case_exact {
                f == value
            } else {
                f.eq_ignore_ascii_case(value)
            }
        });
        if !matches {
            return CheckResult::fail(
                CheckId::ListMatches,
                target,
                Finding::ListMismatch {
                    attr: attr.clone(),
                    value: value.to_owned(),
                    found: found.map(str::to_owned),
                },
            );
        }
    }
    CheckResult::pass(CheckId::ListMatches, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(n: usize) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id":"{i}","userName":"u{i}"}}"#))
            .collect();
        format!(
            r#"{{"schemas":["{LIST_RESPONSE_SCHEMA}"],"totalResults":{n},"Resources":[{}]}}"#,
            items.join(",")
        )
    }

    #[test]
    fn a_list_body_reads_as_the_value_it_parses_from() {
        let text = users(3);
        let list = ListBody::parse(&text).expect("json");
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(list.len(), 3);
        assert_eq!(list.resources().collect::<Vec<_>>(), resources(&value));
        assert_eq!(list.into_value(), value);
    }

    #[test]
    fn a_long_list_keeps_only_its_first_results_as_values_and_counts_them_all() {
        let list = ListBody::parse(&users(40_000)).expect("json");
        assert_eq!(list.len(), 40_000);
        assert!(list_count(&list, 40_000).passed());
        let value = list.into_value();
        let kept = resources(&value);
        assert!(!kept.is_empty() && kept.len() < 40_000, "{}", kept.len());
        assert_eq!(kept[0]["id"], "0");
        assert_eq!(value["totalResults"], 40_000);
    }

    #[test]
    fn a_mismatch_after_the_first_results_still_fails_the_filter() {
        let items: Vec<String> = (0..5_000)
            .map(|i| {
                let name = if i == 4_999 { "other" } else { "a0" };
                format!(r#"{{"id":"{i}","userName":"{name}"}}"#)
            })
            .collect();
        let text = format!(
            r#"{{"schemas":["{LIST_RESPONSE_SCHEMA}"],"totalResults":5000,"Resources":[{}]}}"#,
            items.join(",")
        );
        let list = ListBody::parse(&text).expect("json");
        let attr = AttrPath::parse("userName").expect("path");
        let check = list_matches(&list, &attr, "a0", false);
        assert!(
            matches!(check.finding(), Some(Finding::ListMismatch { found: Some(f), .. }) if f == "other"),
            "{check:?}"
        );
    }

    #[test]
    fn shapes_other_than_an_object_with_an_array_are_told_apart() {
        let shape = |text: &str| list_problem(&ListBody::parse(text).expect("json"));
        assert!(matches!(shape("[1]"), Some(ListProblem::NotAnObject(_))));
        let schemas = format!(r#"{{"schemas":["{LIST_RESPONSE_SCHEMA}"],"totalResults":1"#);
        assert!(matches!(
            shape(&format!(r#"{schemas},"Resources":{{"a":1}}}}"#)),
            Some(ListProblem::ResourcesNotArray(_))
        ));
        assert!(matches!(
            shape(&format!(r#"{schemas},"resources":[]}}"#)),
            Some(ListProblem::ResourcesCasing(_))
        ));
        assert!(matches!(
            shape(&format!("{schemas}}}")),
            Some(ListProblem::ResourcesMissing { total: 1 })
        ));
        // A repeated `Resources` is read as its last value, as a JSON value reads it.
        assert_eq!(
            ListBody::parse(&format!(r#"{schemas},"Resources":[1],"Resources":[]}}"#))
                .expect("json")
                .len(),
            0
        );
    }

    #[test]
    fn text_that_is_not_json_is_the_same_error_as_for_a_value() {
        for text in [r#"{"a":1"#, r#"{"Resources":[1,}"#, "{} x", "<html>"] {
            let list = ListBody::parse(text).expect_err("not JSON").to_string();
            let value = serde_json::from_str::<Value>(text)
                .expect_err("not JSON")
                .to_string();
            assert_eq!(list, value, "{text}");
        }
    }
}
