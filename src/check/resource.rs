//! Resource checks: shape (RFC 7643 §3) and the mapped attributes against what Entra holds.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{
    is_normalised, AttrProblem, CheckId, CheckResult, Differing, Finding, ManagerProblem, Named,
    ResourceProblem, Severity, Target,
};
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
    let target = Target::Resource(kind);
    let problem = if !resource.is_object() {
        ResourceProblem::NotAnObject(resource.clone())
    } else if !resource
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(kind.schema())))
    {
        ResourceProblem::Schemas {
            kind,
            found: resource.get("schemas").cloned(),
        }
    } else {
        match resource.get("id") {
            Some(Value::String(id)) if !id.is_empty() => {
                if let Some(problem) = crate::id::problem(id) {
                    let id = id.clone();
                    return CheckResult::fail(
                        CheckId::ResourceShape,
                        target,
                        Finding::Resource(ResourceProblem::IdUnusable { id, problem }),
                    );
                }
                if resource.get("meta").is_some_and(Value::is_object) {
                    return CheckResult::pass(CheckId::ResourceShape, target);
                }
                // §6.1 lists `meta`, but Entra reads only `id` and the mapped attributes.
                return CheckResult::fail(
                    CheckId::ResourceShape,
                    target,
                    Finding::Resource(ResourceProblem::Meta(resource.get("meta").cloned())),
                )
                .with_severity(Severity::Rfc);
            }
            Some(other) => ResourceProblem::IdNotString(other.clone()),
            None => ResourceProblem::IdMissing,
        }
    };
    CheckResult::fail(CheckId::ResourceShape, target, Finding::Resource(problem))
}

/// A failed `RESOURCE_SHAPE` check when the resource's string `id` cannot address it (see
/// [`crate::id`]); `None` otherwise. For a lookup that links an object without checking the
/// whole shape.
pub fn unusable_id(resource: &Value, kind: ResourceKind) -> Option<CheckResult> {
    let id = resource.get("id")?.as_str()?;
    let problem = crate::id::problem(id)?;
    Some(CheckResult::fail(
        CheckId::ResourceShape,
        Target::Resource(kind),
        Finding::Resource(ResourceProblem::IdUnusable {
            id: id.to_owned(),
            problem,
        }),
    ))
}

/// Each expected attribute is present with the same value and JSON type.
pub fn attributes(resource: &Value, expected: &[Expected]) -> Vec<CheckResult> {
    expected
        .iter()
        .map(|e| {
            let target = Target::Attribute(e.path.clone());
            let problem = match e.path.get(resource) {
                None | Some(Value::Null) => AttrProblem::Absent,
                Some(actual) if !e.ty.matches(actual) => AttrProblem::WrongType {
                    actual: actual.clone(),
                    ty: e.ty,
                },
                // A normalised form of the value (case, punctuation) was stored: Entra works,
                // but re-PATCHes every cycle; the next cycle's RESYNC check names it, once.
                // Any other value means Entra's change was lost.
                Some(actual) if actual != &e.value && !is_normalised(&e.value, actual) => {
                    AttrProblem::WrongValue(actual.clone())
                }
                Some(_) => return CheckResult::pass(CheckId::Attribute, target),
            };
            CheckResult::fail(
                CheckId::Attribute,
                target,
                Finding::Attribute {
                    path: e.path.clone(),
                    expected: e.value.clone(),
                    problem,
                },
            )
        })
        .collect()
}

/// The group's `members` hold exactly `expected` ids (§4.3). `name_of` maps ids to the
/// scenario's object names for the finding.
pub fn members(
    resource: &Value,
    expected: &BTreeSet<String>,
    name_of: &dyn Fn(&str) -> String,
) -> CheckResult {
    let actual = member_ids(resource);
    if &actual == expected {
        return CheckResult::pass(CheckId::Members, Target::Members);
    }
    // Sorted by name, not by the server's random ids, so the finding is stable.
    let sorted = |ids: Vec<&String>| {
        let mut names: Vec<String> = ids.into_iter().map(|id| name_of(id)).collect();
        names.sort();
        names
    };
    CheckResult::fail(
        CheckId::Members,
        Target::Members,
        Finding::Members {
            expected: sorted(expected.iter().collect()),
            actual: sorted(actual.iter().collect()),
            missing: sorted(expected.difference(&actual).collect()),
            extra: sorted(actual.difference(expected).collect()),
        },
    )
}

/// The member ids a group resource lists.
pub fn member_ids(resource: &Value) -> BTreeSet<String> {
    resource
        .get("members")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `members` is left out of a response to `excludedAttributes=members` (§4.2; returning them
/// can fail Entra with `MultipleEntriesInResponse`, §6.1).
pub fn members_excluded(resource: &Value) -> CheckResult {
    match resource.get("members") {
        Some(members) if !members.as_array().is_some_and(Vec::is_empty) => CheckResult::fail(
            CheckId::MembersExcluded,
            Target::MembersExcluded,
            Finding::MembersReturned(members.clone()),
        ),
        _ => CheckResult::pass(CheckId::MembersExcluded, Target::MembersExcluded),
    }
}

/// The enterprise `manager` is `{"value": "<id>"}` inside the extension, or absent when
/// `expected` is `None` (§3.6: a bare string makes Entra fail with "not able to deserialize",
/// `SystemForCrossDomainIdentityManagementServiceIncompatible`).
pub fn manager(resource: &Value, expected: Option<Named>) -> CheckResult {
    let found = resource
        .get(crate::scim::ENTERPRISE_USER_SCHEMA)
        .and_then(|ext| ext.get("manager"))
        .filter(|m| !m.is_null());
    let problem = match (&expected, found) {
        (None, None) => None,
        (None, Some(Value::Object(m))) if m.get("value").is_none_or(|v| v.as_str() == Some("")) => {
            None
        }
        (None, Some(other)) => Some(ManagerProblem::StillSet(other.clone())),
        (Some(_), None) => Some(ManagerProblem::Absent),
        (Some(_), Some(Value::String(s))) => Some(ManagerProblem::BareString(s.clone())),
        (Some(want), Some(Value::Object(m)))
            if m.get("value").and_then(Value::as_str) == Some(want.id.as_str()) =>
        {
            None
        }
        (Some(_), Some(other)) => Some(ManagerProblem::Other(other.clone())),
    };
    match problem {
        None => CheckResult::pass(CheckId::Manager, Target::Manager),
        Some(problem) => CheckResult::fail(
            CheckId::Manager,
            Target::Manager,
            Finding::Manager { expected, problem },
        ),
    }
}

/// What Entra would PATCH on its next cycle: every attribute whose value differs from what
/// Entra sends (§3.4; a server that normalises values gets a PATCH every 40 minutes).
pub fn resync(resource: &Value, source: &[Expected]) -> CheckResult {
    let differing: Vec<Differing> = source
        .iter()
        .filter_map(|e| {
            let actual = e.path.get(resource).filter(|v| !v.is_null());
            (actual != Some(&e.value)).then(|| Differing {
                path: e.path.clone(),
                sent: e.value.clone(),
                returned: actual.cloned(),
            })
        })
        .collect();
    if differing.is_empty() {
        return CheckResult::pass(CheckId::Resync, Target::Resync);
    }
    CheckResult::fail(CheckId::Resync, Target::Resync, Finding::Resync(differing))
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
        assert!(attributes(&resource, &want)[0].passed());
        let resync = resync(&resource, &want);
        assert!(!resync.passed());
        assert!(resync
            .message()
            .contains(r#"Entra sends "+1 555 0100", the server returns "+15550100""#));
    }

    #[test]
    fn a_different_value_fails_the_attribute_check() {
        let resource = json!({"displayName": "old"});
        let after = crate::check::WriteAnswer {
            method: "PATCH",
            status: 204,
        };
        let results: Vec<CheckResult> =
            attributes(&resource, &expected("displayName", json!("new")))
                .into_iter()
                .map(|r| r.reading_back(Some(after)))
                .collect();
        assert_eq!(
            results[0].message(),
            r#"PATCH returned 204 but `displayName` is "old" instead of "new""#
        );
        assert_eq!(results[0].subject(), "read-back attribute `displayName`");
    }

    #[test]
    fn a_string_boolean_is_the_wrong_type() {
        let resource = json!({"active": "False"});
        let want = vec![Expected {
            path: AttrPath::parse("active").expect("path"),
            ty: AttrType::Boolean,
            value: json!(false),
        }];
        assert!(!attributes(&resource, &want)[0].passed());
    }

    #[test]
    fn manager_as_a_bare_string_fails_and_as_an_object_passes() {
        let m1 = || {
            Some(Named {
                id: "m1".into(),
                name: "boss".into(),
            })
        };
        let string = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "m1"}});
        let bare = manager(&string, m1());
        assert_eq!(
            bare.finding(),
            Some(&Finding::Manager {
                expected: m1(),
                problem: ManagerProblem::BareString("m1".into())
            })
        );
        let object = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1"}}});
        assert!(manager(&object, m1()).passed());
        assert!(!manager(&object, None).passed());
    }
}
