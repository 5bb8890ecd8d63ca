//! Resource checks: shape (RFC 7643 §3) and the mapped attributes against what Entra holds.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{is_normalised, short, CheckId, CheckResult, Severity};
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
        // §6.1 lists `meta`, but Entra reads only `id` and the mapped attributes: RFC only.
        return fail(
            "`meta` is missing or not an object".into(),
            "an object",
            resource.get("meta").map_or("absent".into(), short),
        )
        .with_severity(Severity::Rfc);
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
                // A normalised form of the value (case, punctuation) was stored: Entra works,
                // but re-PATCHes every cycle; the next cycle's RESYNC check names it, once.
                // Any other value means Entra's change was lost.
                Some(actual) if actual != &e.value && !is_normalised(&e.value, actual) => {
                    CheckResult::fail(
                        CheckId::Attribute,
                        subject,
                        format!(
                            "{context}`{}` is {} instead of {want}",
                            e.path,
                            short(actual)
                        ),
                        want,
                        short(actual),
                    )
                }
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

/// The enterprise `manager` is `{"value": "<id>"}` inside the extension, or absent when
/// `expected` is `None` (§3.6: a bare string makes Entra fail with "not able to deserialize",
/// `SystemForCrossDomainIdentityManagementServiceIncompatible`).
pub fn manager(
    resource: &Value,
    expected: Option<&str>,
    name_of: &dyn Fn(&str) -> String,
    context: &str,
) -> CheckResult {
    let subject = "manager";
    let found = resource
        .get(crate::scim::ENTERPRISE_USER_SCHEMA)
        .and_then(|ext| ext.get("manager"))
        .filter(|m| !m.is_null());
    let want = expected.map_or_else(
        || "absent".to_owned(),
        |id| format!("{{\"value\":\"{id}\"}} ({})", name_of(id)),
    );
    match (expected, found) {
        (None, None) => CheckResult::pass(CheckId::Manager, subject),
        (None, Some(Value::Object(m))) if m.get("value").is_none_or(|v| v.as_str() == Some("")) => {
            CheckResult::pass(CheckId::Manager, subject)
        }
        (None, Some(other)) => CheckResult::fail(
            CheckId::Manager,
            subject,
            format!("{context}the manager is still set"),
            want,
            short(other),
        ),
        (Some(_), None) => CheckResult::fail(
            CheckId::Manager,
            subject,
            format!("{context}`manager` is absent from the enterprise extension; Entra will PATCH it again every cycle"),
            want,
            "absent",
        ),
        (Some(_), Some(Value::String(s))) => CheckResult::fail(
            CheckId::Manager,
            subject,
            format!("{context}`manager` comes back as the bare string \"{s}\"; Entra needs an object {{\"value\": …}} and fails with \"not able to deserialize\""),
            want,
            format!("\"{s}\""),
        ),
        (Some(id), Some(Value::Object(m))) if m.get("value").and_then(Value::as_str) == Some(id) => {
            CheckResult::pass(CheckId::Manager, subject)
        }
        (Some(_), Some(other)) => CheckResult::fail(
            CheckId::Manager,
            subject,
            format!("{context}`manager` is {} instead of the manager's id", short(other)),
            want,
            short(other),
        ),
    }
}

/// What Entra would PATCH on its next cycle: every attribute whose value differs from what
/// Entra sends (§3.4; a server that normalises values gets a PATCH every 40 minutes).
pub fn resync(resource: &Value, source: &[Expected]) -> CheckResult {
    let differing: Vec<String> = source
        .iter()
        .filter_map(|e| {
            let actual = e.path.get(resource).filter(|v| !v.is_null());
            (actual != Some(&e.value)).then(|| {
                let shown = actual.map_or_else(|| "nothing".to_owned(), short);
                format!(
                    "`{}` (Entra sends {}, the server returns {shown})",
                    e.path,
                    short(&e.value)
                )
            })
        })
        .collect();
    if differing.is_empty() {
        return CheckResult::pass(CheckId::Resync, "nothing to PATCH");
    }
    CheckResult::fail(
        CheckId::Resync,
        "nothing to PATCH",
        format!(
            "Entra would PATCH {} on every cycle (every 40 minutes): {}",
            if differing.len() == 1 {
                "this attribute"
            } else {
                "these attributes"
            },
            differing.join("; ")
        ),
        "values as Entra sent them",
        format!("{} attribute(s) differ", differing.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expected(path: &str, value: Value) -> Vec<Expected> {
        vec![Expected {
            path: AttrPath::parse(path).expect("path"),
            ty: AttrType::String,
            value,
        }]
    }

    #[test]
    fn a_normalised_value_passes_the_attribute_check_but_fails_resync() {
        let resource = json!({"phoneNumbers": [{"type": "work", "value": "+15550100"}]});
        let want = expected(
            r#"phoneNumbers[type eq "work"].value"#,
            json!("+1 555 0100"),
        );
        assert!(attributes(&resource, &want, "")[0].passed());
        let resync = resync(&resource, &want);
        assert!(!resync.passed());
        assert!(
            matches!(&resync.outcome, crate::check::Outcome::Fail { message, .. } if message.contains(r#"Entra sends "+1 555 0100", the server returns "+15550100""#))
        );
    }

    #[test]
    fn a_different_value_fails_the_attribute_check() {
        let resource = json!({"displayName": "old"});
        let results = attributes(
            &resource,
            &expected("displayName", json!("new")),
            "PATCH returned 204 but ",
        );
        assert!(
            matches!(&results[0].outcome, crate::check::Outcome::Fail { message, .. } if message == r#"PATCH returned 204 but `displayName` is "old" instead of "new""#)
        );
    }

    #[test]
    fn a_string_boolean_is_the_wrong_type() {
        let resource = json!({"active": "False"});
        let want = vec![Expected {
            path: AttrPath::parse("active").expect("path"),
            ty: AttrType::Boolean,
            value: json!(false),
        }];
        assert!(!attributes(&resource, &want, "")[0].passed());
    }

    #[test]
    fn manager_as_a_bare_string_fails_and_as_an_object_passes() {
        let name = |id: &str| id.to_owned();
        let string = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "m1"}});
        assert!(!manager(&string, Some("m1"), &name, "").passed());
        let object = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1"}}});
        assert!(manager(&object, Some("m1"), &name, "").passed());
        assert!(!manager(&object, None, &name, "").passed());
    }
}
