//! What the server does to a resource before storing it: string booleans become booleans,
//! member and manager objects take one canonical form, and the value-changing faults act.
//! Runs after POST and after every PATCH, so each request form ends up stored the same way.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::attrs;
use super::error::{ScimError, ScimType};
use super::faults::{Fault, Faults};
use super::store::Kind;
use crate::scim;

/// `"True"`, `"true"`, `"False"`, `"false"` (any case) as a boolean (client-behaviour Q2/Q13).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Brings a resource's attributes into stored form, or rejects them.
pub(crate) fn normalise(
    kind: Kind,
    attrs: &mut Map<String, Value>,
    faults: &Faults,
) -> Result<(), ScimError> {
    for reserved in ["schemas", "meta", "id"] {
        attrs::remove(attrs, reserved);
    }
    if faults.has(Fault::DropEnterpriseExtension) {
        attrs::remove(attrs, scim::ENTERPRISE_USER_SCHEMA);
    }
    coerce_booleans(attrs, faults)?;
    match kind {
        Kind::User => normalise_manager(attrs, faults)?,
        Kind::Group => normalise_members(attrs, faults)?,
    }
    if faults.has(Fault::NormaliseValues) {
        rewrite_values(attrs);
    }
    Ok(())
}

/// Client-behaviour Q2/Q13: Entra sends `active` and `primary` as strings.
fn coerce_booleans(attrs: &mut Map<String, Value>, faults: &Faults) -> Result<(), ScimError> {
    if let Some(active) = attrs::get_mut(attrs, "active") {
        coerce_one("active", active, faults)?;
    }
    // `primary` lives in elements of multi-valued attributes, core or extension.
    let mut arrays: Vec<&mut Vec<Value>> = Vec::new();
    for value in attrs.values_mut() {
        match value {
            Value::Array(items) => arrays.push(items),
            Value::Object(ext) => arrays.extend(ext.values_mut().filter_map(Value::as_array_mut)),
            _ => {}
        }
    }
    for element in arrays.into_iter().flatten() {
        if let Some(primary) = element
            .as_object_mut()
            .and_then(|o| attrs::get_mut(o, "primary"))
        {
            coerce_one("primary", primary, faults)?;
        }
    }
    Ok(())
}

fn coerce_one(name: &str, value: &mut Value, faults: &Faults) -> Result<(), ScimError> {
    let shown = value.to_string();
    let invalid = || {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("attribute `{name}` must be a boolean, got {shown}"),
        )
    };
    match value {
        Value::Bool(_) | Value::Null => Ok(()),
        Value::String(_) if faults.has(Fault::RejectStringBooleans) => Err(invalid()),
        Value::String(s) => match parse_bool(s) {
            Some(b) => {
                *value = Value::Bool(b);
                Ok(())
            }
            None => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

/// Group `members`: always an array of `{"value", "display"?, "$ref"?, "type"?}` without
/// nulls or duplicates. Entra sends `{"$ref":null,"value":id}` (client-behaviour Q7).
fn normalise_members(attrs: &mut Map<String, Value>, faults: &Faults) -> Result<(), ScimError> {
    let raw = match attrs::remove(attrs, "members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(single) => vec![single],
    };
    let mut seen = HashSet::new();
    let mut members: Vec<Value> = Vec::new();
    for item in raw {
        let member = reference_object(item, "members", faults)?;
        // `reference_object` leaves only members with a string `value`.
        let new = match attrs::get(&member, "value") {
            Some(Value::String(id)) => seen.insert(id.clone()),
            _ => true,
        };
        if new {
            members.push(Value::Object(member));
        }
    }
    attrs.insert("members".into(), Value::Array(members));
    Ok(())
}

/// Members a PATCH adds, in the stored form [`normalise`] would give them: `primary`
/// coerced first (as `coerce_booleans` runs before the members are read), then each made a
/// reference object. Duplicates are left for the store to drop.
pub(crate) fn new_members(
    items: Vec<Value>,
    faults: &Faults,
) -> Result<Vec<Map<String, Value>>, ScimError> {
    let mut items = items;
    for item in &mut items {
        if let Some(primary) = item
            .as_object_mut()
            .and_then(|o| attrs::get_mut(o, "primary"))
        {
            coerce_one("primary", primary, faults)?;
        }
    }
    items
        .into_iter()
        .map(|item| reference_object(item, "members", faults))
        .collect()
}

/// A member or manager reference as an object with a string `value` and no null fields.
fn reference_object(
    item: Value,
    what: &str,
    faults: &Faults,
) -> Result<Map<String, Value>, ScimError> {
    let invalid = |detail: String| ScimError::bad_request(ScimType::InvalidValue, detail);
    let obj = match item {
        Value::String(id) => return Ok(id_object(id)),
        Value::Object(obj) => obj,
        other => {
            return Err(invalid(format!(
                "`{what}` entry must be an object, got {other}"
            )))
        }
    };
    if faults.has(Fault::RejectNullRef) && attrs::get(&obj, "$ref") == Some(&Value::Null) {
        return Err(invalid(format!("`{what}` entry has a null \"$ref\"")));
    }
    let out: Map<String, Value> = obj.into_iter().filter(|(_, v)| !v.is_null()).collect();
    match attrs::get(&out, "value") {
        Some(Value::String(id)) if !id.is_empty() => Ok(out),
        _ => Err(invalid(format!("`{what}` entry needs a string \"value\""))),
    }
}

fn id_object(id: String) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("value".into(), Value::String(id));
    obj
}

/// Enterprise `manager`: Entra sends a bare id string (client-behaviour Q8, §3.6) but must
/// get an object back; the legacy form is a one-element array. Empty string or null clears.
fn normalise_manager(attrs: &mut Map<String, Value>, faults: &Faults) -> Result<(), ScimError> {
    let Some(Value::Object(ext)) = attrs::get_mut(attrs, scim::ENTERPRISE_USER_SCHEMA) else {
        return Ok(());
    };
    let Some(raw) = attrs::remove(ext, "manager") else {
        return Ok(());
    };
    let raw = match raw {
        Value::Array(items) => items.into_iter().next().unwrap_or(Value::Null),
        other => other,
    };
    let cleared = match &raw {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(o) => {
            matches!(attrs::get(o, "value"), None | Some(Value::Null))
                || attrs::get(o, "value") == Some(&json!(""))
        }
        _ => false,
    };
    if !cleared {
        let manager = reference_object(raw, "manager", faults)?;
        let stored = match (
            faults.has(Fault::ManagerAsString),
            attrs::get(&manager, "value"),
        ) {
            (true, Some(id)) => id.clone(),
            _ => Value::Object(manager),
        };
        ext.insert("manager".into(), stored);
    }
    Ok(())
}

/// `normalise-values`: the server rewrites what it was sent (client-behaviour §6.1 says values
/// must come back exactly as sent).
fn rewrite_values(attrs: &mut Map<String, Value>) {
    let rewrite = |attrs: &mut Map<String, Value>, name: &str, f: fn(&str) -> String| {
        if let Some(Value::Array(items)) = attrs::get_mut(attrs, name) {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(Value::String(v)) = attrs::get_mut(item, "value") {
                    *v = f(v);
                }
            }
        }
    };
    rewrite(attrs, "emails", |v| v.to_lowercase());
    rewrite(attrs, "phoneNumbers", |v| {
        let plus = if v.trim_start().starts_with('+') {
            "+"
        } else {
            ""
        };
        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
        format!("{plus}{digits}")
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn faults(list: &[Fault]) -> Faults {
        Faults::new(list.iter().copied().collect::<BTreeSet<_>>())
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn string_booleans_become_booleans() {
        let mut a = obj(json!({"active": "False", "emails": [{"value": "x", "primary": "True"}]}));
        normalise(Kind::User, &mut a, &faults(&[])).unwrap();
        assert_eq!(a["active"], json!(false));
        assert_eq!(a["emails"][0]["primary"], json!(true));
    }

    #[test]
    fn string_booleans_rejected_with_fault() {
        let mut a = obj(json!({"active": "true"}));
        let err = normalise(Kind::User, &mut a, &faults(&[Fault::RejectStringBooleans]));
        assert_eq!(err.unwrap_err().scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn manager_string_becomes_object_and_legacy_array_is_accepted() {
        let ent = scim::ENTERPRISE_USER_SCHEMA;
        for raw in [json!("m1"), json!([{"$ref": null, "value": "m1"}])] {
            let mut a = obj(json!({ent: {"manager": raw}}));
            normalise(Kind::User, &mut a, &faults(&[])).unwrap();
            assert_eq!(a[ent]["manager"], json!({"value": "m1"}));
        }
    }

    #[test]
    fn manager_as_string_fault_stores_bare_id() {
        let ent = scim::ENTERPRISE_USER_SCHEMA;
        let mut a = obj(json!({ent: {"manager": {"value": "m1"}}}));
        normalise(Kind::User, &mut a, &faults(&[Fault::ManagerAsString])).unwrap();
        assert_eq!(a[ent]["manager"], json!("m1"));
    }

    #[test]
    fn members_drop_null_ref_and_duplicates() {
        let mut a = obj(json!({"members": [{"$ref": null, "value": "u1"}, {"value": "u1"}]}));
        normalise(Kind::Group, &mut a, &faults(&[])).unwrap();
        assert_eq!(a["members"], json!([{"value": "u1"}]));
        let mut b = obj(json!({"members": [{"$ref": null, "value": "u1"}]}));
        assert!(normalise(Kind::Group, &mut b, &faults(&[Fault::RejectNullRef])).is_err());
    }

    #[test]
    fn normalise_values_fault_rewrites_emails_and_phones() {
        let mut a = obj(json!({"emails": [{"value": "A@B.com"}],
                               "phoneNumbers": [{"value": "+1 (555) 010-2"}]}));
        normalise(Kind::User, &mut a, &faults(&[Fault::NormaliseValues])).unwrap();
        assert_eq!(a["emails"][0]["value"], "a@b.com");
        assert_eq!(a["phoneNumbers"][0]["value"], "+15550102");
    }
}
