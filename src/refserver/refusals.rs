//! Creates and changes that a fault refuses, in the words real servers use: a pydantic model
//! without the enterprise extension, a required attribute Entra's mapping does not send, a
//! Django REST framework serializer, immutable names (issue 7 and 8 faults). PATCH shapes are
//! refused in `patch/refuse.rs`.

use serde_json::{json, Map, Value};

use super::attrs;
use super::error::{Framework, ScimError, ScimType};
use super::faults::{Fault, Faults};
use super::server::BASE_PATH;
use super::store::Kind;
use crate::scim;

/// The pydantic release whose error text the `reject-enterprise-extension` fault copies.
const PYDANTIC_DOCS: &str = "https://errors.pydantic.dev/2.11/v";

/// The first refusal a switched-on fault makes of a create body (before `values::normalise`).
pub(crate) fn create(
    kind: Kind,
    body: &Map<String, Value>,
    faults: &Faults,
) -> Result<(), ScimError> {
    if kind != Kind::User {
        return Ok(());
    }
    if faults.has(Fault::RejectEnterpriseExtension) {
        if let Some(detail) = enterprise_extension(body) {
            return Err(ScimError::bad_request(ScimType::InvalidValue, detail));
        }
    }
    if faults.has(Fault::RequireUnmappedAttribute) {
        let formatted = attrs::get(body, "name")
            .and_then(Value::as_object)
            .and_then(|name| attrs::get(name, "formatted"));
        if !matches!(formatted, Some(Value::String(s)) if !s.trim().is_empty()) {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                "Field 'formatted' is required",
            ));
        }
    }
    if faults.has(Fault::RequireEmails) {
        let has_emails =
            matches!(attrs::get(body, "emails"), Some(Value::Array(e)) if !e.is_empty());
        if !has_emails {
            // Client-behaviour §3.2: cloud-only users have no `mail`, so Entra sends no emails.
            return Err(ScimError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "emails: This field is required.",
            )
            .in_framework(Framework::DjangoRest {
                errors: json!({"emails": ["This field is required."]}),
            }));
        }
    }
    Ok(())
}

/// A FastAPI server whose `User` model forbids extra keys and lists only the core schema:
/// pydantic's `str(ValidationError)`, one entry per offending key and schema URN.
fn enterprise_extension(body: &Map<String, Value>) -> Option<String> {
    let is_ent = |s: &str| s.eq_ignore_ascii_case(scim::ENTERPRISE_USER_SCHEMA);
    let mut errors: Vec<String> = Vec::new();
    // pydantic reports the model's own fields (`schemas`) before extra keys.
    if let Some(Value::Array(schemas)) = attrs::get(body, "schemas") {
        for (index, urn) in schemas.iter().enumerate() {
            if urn.as_str().is_some_and(is_ent) {
                let message = format!("Input should be '{}'", scim::USER_SCHEMA);
                let loc = format!("schemas.{index}");
                errors.push(pydantic_error(&loc, &message, "literal_error", urn));
            }
        }
    }
    for (key, value) in body {
        if is_ent(key) {
            errors.push(pydantic_error(
                key,
                "Extra inputs are not permitted",
                "extra_forbidden",
                value,
            ));
        }
    }
    if errors.is_empty() {
        return None;
    }
    let plural = if errors.len() == 1 { "" } else { "s" };
    Some(format!(
        "{} validation error{plural} for User\n{}",
        errors.len(),
        errors.join("\n")
    ))
}

fn pydantic_error(loc: &str, message: &str, kind: &str, input: &Value) -> String {
    format!(
        "{loc}\n  {message} [type={kind}, input_value={}, input_type={}]\n    For further information visit {PYDANTIC_DOCS}/{kind}",
        truncate_repr(&python_repr(input)),
        python_type(input)
    )
}

/// pydantic-core shortens an `input_value` repr over 50 characters to its first 25 and last
/// 24, joined by `...`.
fn truncate_repr(repr: &str) -> String {
    let chars: Vec<char> = repr.chars().collect();
    if chars.len() <= 50 {
        return repr.to_owned();
    }
    let head: String = chars[..25].iter().collect();
    let tail: String = chars[chars.len() - 24..].iter().collect();
    format!("{head}...{tail}")
}

/// Python's `repr()` of the value `json.loads` makes of this JSON.
fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(obj) => {
            let items: Vec<String> = obj
                .iter()
                .map(|(k, v)| format!("{}: {}", python_repr(&json!(k)), python_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `immutable-username` and `immutable-group-displayname`: the change a PATCH made to the
/// unique name, whatever op form carried it. Entra renames users when their UPN changes and
/// groups when they are renamed (client-behaviour §3.5, §4.4).
pub(crate) fn immutable(
    kind: Kind,
    id: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    faults: &Faults,
) -> Result<(), ScimError> {
    let name = kind.unique_attr();
    if attrs::get(before, name) == attrs::get(after, name) {
        return Ok(());
    }
    match kind {
        Kind::User if faults.has(Fault::ImmutableUsername) => Err(ScimError::bad_request(
            ScimType::Mutability,
            "Attribute 'userName' is immutable",
        )),
        Kind::Group if faults.has(Fault::ImmutableGroupDisplayname) => Err(ScimError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "displayName is immutable",
        )
        .in_framework(Framework::SpringBoot {
            path: format!("{BASE_PATH}/Groups/{id}"),
        })),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr_matches_json_loads_then_repr() {
        let value = json!({"a": "it's", "b": [true, null, 1, 2.5], "c": {}});
        assert_eq!(
            python_repr(&value),
            r"{'a': 'it\'s', 'b': [True, None, 1, 2.5], 'c': {}}"
        );
        assert_eq!(python_type(&value), "dict");
        assert_eq!(python_type(&json!(2.5)), "float");
    }

    #[test]
    fn long_input_values_keep_25_leading_and_24_trailing_characters() {
        let repr = format!("'{}'", "x".repeat(60));
        let cut = truncate_repr(&repr);
        assert_eq!(cut, format!("'{}...{}'", "x".repeat(24), "x".repeat(23)));
        assert_eq!(truncate_repr("'short'"), "'short'");
    }
}
