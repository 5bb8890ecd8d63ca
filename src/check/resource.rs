//! Resource checks: shape (RFC 7643 §3) and the mapped attributes against what Entra holds.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{short, CheckId, CheckResult};
use crate::attributes::{AttrPath, AttrType, ResourceKind};

/// What Entra believes one attribute holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    pub path: AttrPath,
    pub ty: AttrType,
    pub value: Value,
}

/// The resource has `schemas` with the core schema, a string `id` and a `meta` object (§6.1).
pub fn resource_shape(resource: &Value, kind: ResourceKind) -> CheckResult {
    let subject = format!("{} resource", kind.name());
    let fail = |message: String, expected: &str, actual: String| {
        CheckResult::fail(
            CheckId::ResourceShape,
            subject.clone(),
            message,
            expected,
            actual,
        )
    };
    if !resource.is_object() {
        return fail(
            "the body is not a JSON object".into(),
            "a resource object",
            short(resource),
        );
    }
    let schemas = resource.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|v| v.as_str() == Some(kind.schema()))) {
        return fail(
            format!("`schemas` must contain `{}`", kind.schema()),
            kind.schema(),
            resource.get("schemas").map_or("absent".into(), short),
        );
    }
    match resource.get("id") {
        Some(Value::String(id)) if !id.is_empty() => {}
        Some(other) => {
            return fail(
                "`id` must be a non-empty string".into(),
                "a string",
                short(other),
            )
        }
        None => {
            return fail(
                "`id` is missing; Entra caches it to address the object".into(),
                "a string",
                "absent".into(),
            )
        }
    }
    if !resource.get("meta").is_some_and(Value::is_object) {
        return fail(
            "`meta` is missing or not an object".into(),
            "an object",
            resource.get("meta").map_or("absent".into(), short),
        );
    }
    CheckResult::pass(CheckId::ResourceShape, subject)
}

/// Each expected attribute is present with the same value and JSON type. `context` prefixes
/// the message, e.g. "PATCH returned 204 but".
pub fn attributes(resource: &Value, expected: &[Expected], context: &str) -> Vec<CheckResult> {
    expected
        .iter()
        .map(|e| {
            let subject = format!("attribute `{}`", e.path);
            let want = short(&e.value);
            match e.path.get(resource) {
                None | Some(Value::Null) => CheckResult::fail(
                    CheckId::Attribute,
                    subject,
                    format!("{context}`{}` is absent", e.path),
                    want,
                    "absent",
                ),
                Some(actual) if !e.ty.matches(actual) => CheckResult::fail(
                    CheckId::Attribute,
                    subject,
                    format!(
                        "{context}`{}` is {} where a {} is expected",
                        e.path,
                        short(actual),
                        e.ty.name()
                    ),
                    want,
                    short(actual),
                ),
                Some(actual) if actual != &e.value => CheckResult::fail(
                    CheckId::Attribute,
                    subject,
                    format!(
                        "{context}`{}` is {} instead of {want}",
                        e.path,
                        short(actual)
                    ),
                    want,
                    short(actual),
                ),
                Some(_) => CheckResult::pass(CheckId::Attribute, subject),
            }
        })
        .collect()
}

/// The group's `members` hold exactly `expected` ids (§4.3). `names` maps ids to the
/// scenario's object names for the message.
pub fn members(
    resource: &Value,
    expected: &BTreeSet<String>,
    name_of: &dyn Fn(&str) -> String,
    context: &str,
) -> CheckResult {
    let actual: BTreeSet<String> = resource
        .get("members")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if &actual == expected {
        return CheckResult::pass(CheckId::Members, "members");
    }
    // Sorted by name, not by the server's random ids, so the message is stable.
    let sorted = |ids: Vec<&String>| {
        let mut names: Vec<String> = ids.into_iter().map(|id| name_of(id)).collect();
        names.sort();
        names
    };
    let missing = sorted(expected.difference(&actual).collect());
    let extra = sorted(actual.difference(expected).collect());
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("{} missing", missing.join(", ")));
    }
    if !extra.is_empty() {
        problems.push(format!("{} still present", extra.join(", ")));
    }
    let list = |set: &BTreeSet<String>| {
        if set.is_empty() {
            "none".to_owned()
        } else {
            sorted(set.iter().collect()).join(", ")
        }
    };
    CheckResult::fail(
        CheckId::Members,
        "members",
        format!("{context}the members are wrong: {}", problems.join("; ")),
        list(expected),
        list(&actual),
    )
}

/// `members` is left out of a response to `excludedAttributes=members` (§4.2; returning them
/// can fail Entra with `MultipleEntriesInResponse`, §6.1).
pub fn members_excluded(resource: &Value) -> CheckResult {
    match resource.get("members") {
        Some(members) if !members.as_array().is_some_and(Vec::is_empty) => CheckResult::fail(
            CheckId::MembersExcluded,
            "members excluded",
            "the request said `excludedAttributes=members` but the response lists `members`",
            "no `members`",
            short(members),
        ),
        _ => CheckResult::pass(CheckId::MembersExcluded, "members excluded"),
    }
}
