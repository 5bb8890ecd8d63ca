//! ListResponse checks (RFC 7644 §3.4.2; client-behaviour §2.2, §6.1).

use serde_json::Value;

use super::{CheckId, CheckResult, Finding, ListProblem, Target};
use crate::attributes::AttrPath;
use crate::scim::LIST_RESPONSE_SCHEMA;

/// A filter query's answer judged as far as a list goes: status 200, a JSON body, the
/// ListResponse shape, each only when the one before passed (a wrong status makes the rest
/// noise). The checks, and the body once it is JSON.
pub fn list_answer(received: &crate::http::Received) -> (Vec<CheckResult>, Option<Value>) {
    let status = super::status(received, &[200]);
    if !status.passed() {
        return (vec![status], None);
    }
    let mut checks = vec![status];
    let body = match super::json_body(received) {
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
pub fn list_shape(body: &Value) -> CheckResult {
    match list_problem(body) {
        None => CheckResult::pass(CheckId::ListShape, Target::ListResponse),
        Some(problem) => CheckResult::fail(
            CheckId::ListShape,
            Target::ListResponse,
            Finding::List(problem),
        ),
    }
}

fn list_problem(body: &Value) -> Option<ListProblem> {
    let Some(object) = body.as_object() else {
        return Some(ListProblem::NotAnObject(body.clone()));
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
    match object.get("Resources") {
        Some(Value::Array(_)) => None,
        Some(other) => Some(ListProblem::ResourcesNotArray(other.clone())),
        None => {
            if let Some(key) = object.keys().find(|k| k.eq_ignore_ascii_case("resources")) {
                return Some(ListProblem::ResourcesCasing(key.clone()));
            }
            // RFC 7644 §3.4.2 lets an empty list omit `Resources`.
            (total > 0).then_some(ListProblem::ResourcesMissing { total })
        }
    }
}

/// The results listed (empty when absent).
pub fn resources(body: &Value) -> &[Value] {
    body.get("Resources")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `totalResults` and the number of `Resources` are both `expected`.
pub fn list_count(body: &Value, expected: u64) -> CheckResult {
    let total = body
        .get("totalResults")
        .and_then(Value::as_u64)
        .unwrap_or_default();
    let listed = resources(body).len() as u64;
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
pub fn list_ids(body: &Value, expected: &str, target: Target) -> CheckResult {
    for resource in resources(body) {
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
pub fn list_matches(body: &Value, attr: &AttrPath, value: &str, case_exact: bool) -> CheckResult {
    let target = Target::Filter {
        attr: attr.clone(),
        value: value.to_owned(),
    };
    for resource in resources(body) {
        let found = attr.get(resource).and_then(Value::as_str);
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
