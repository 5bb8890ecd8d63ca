//! ListResponse checks (RFC 7644 §3.4.2; client-behaviour §2.2, §6.1).

use serde_json::Value;

use super::{short, CheckId, CheckResult};
use crate::attributes::AttrPath;
use crate::scim::LIST_RESPONSE_SCHEMA;

/// The body is a ListResponse: the ListResponse schema, an integer `totalResults`, and the
/// results under `Resources` with a capital R (Entra reads no other spelling).
pub fn list_shape(body: &Value) -> CheckResult {
    let subject = "ListResponse";
    let fail = |message: String, expected: &str, actual: String| {
        CheckResult::fail(CheckId::ListShape, subject, message, expected, actual)
    };
    let Some(object) = body.as_object() else {
        return fail(
            "the body is not a JSON object".into(),
            "a ListResponse object",
            short(body),
        );
    };
    let has_schema = object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(LIST_RESPONSE_SCHEMA)));
    if !has_schema {
        return fail(
            format!("`schemas` must contain `{LIST_RESPONSE_SCHEMA}`"),
            LIST_RESPONSE_SCHEMA,
            object.get("schemas").map_or("absent".into(), short),
        );
    }
    let total = match object.get("totalResults") {
        Some(Value::Number(n)) if n.is_u64() => n.as_u64().unwrap_or_default(),
        Some(other) => {
            return fail(
                "`totalResults` must be a non-negative integer".into(),
                "an integer",
                short(other),
            )
        }
        None => {
            return fail(
                "`totalResults` is missing".into(),
                "an integer",
                "absent".into(),
            )
        }
    };
    if !object.contains_key("Resources") {
        if let Some((key, _)) = object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("resources"))
        {
            return fail(
                format!("the results are under `{key}`; Entra reads only `Resources`"),
                "`Resources`",
                format!("`{key}`"),
            );
        }
        // RFC 7644 §3.4.2 lets an empty list omit `Resources`.
        if total > 0 {
            return fail(
                format!("`totalResults` is {total} but `Resources` is missing"),
                "`Resources`",
                "absent".into(),
            );
        }
    } else if !object.get("Resources").is_some_and(Value::is_array) {
        return fail(
            "`Resources` must be an array".into(),
            "an array",
            object.get("Resources").map_or(String::new(), short),
        );
    }
    CheckResult::pass(CheckId::ListShape, subject)
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
    let subject = "number of results";
    if total == expected && listed == expected {
        return CheckResult::pass(CheckId::ListCount, subject);
    }
    let message = if expected == 0 && total > 0 {
        format!("expected no match, the server found {total}: a filter for an object that does not exist must find nothing")
    } else if expected == 1 && total == 0 {
        "expected exactly one match, the server found none".to_owned()
    } else if total != listed {
        format!("`totalResults` is {total} but `Resources` lists {listed}")
    } else {
        format!("expected {expected} result(s), the server found {total}")
    };
    CheckResult::fail(
        CheckId::ListCount,
        subject,
        message,
        expected.to_string(),
        format!("totalResults {total}, {listed} listed"),
    )
}

/// Every listed resource has `value` at `attr` (a server that ignores the filter returns
/// other objects, and Entra then matches the wrong one; §3.4, §9 #9).
pub fn list_matches(body: &Value, attr: &AttrPath, value: &str, case_exact: bool) -> CheckResult {
    let subject = format!("results match `{attr} eq \"{value}\"`");
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
            let actual = found.map_or("absent".to_owned(), |f| format!("\"{f}\""));
            return CheckResult::fail(
                CheckId::ListMatches,
                subject,
                format!("the filter `{attr} eq \"{value}\"` returned a resource whose `{attr}` is {actual}: the server ignores or mis-evaluates the filter"),
                format!("\"{value}\""),
                actual,
            );
        }
    }
    CheckResult::pass(CheckId::ListMatches, subject)
}
