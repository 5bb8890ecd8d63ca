//! PATCH (RFC 7644 §3.5.2) as Entra sends it: PascalCase ops (client-behaviour Q1), pathless
//! value objects with flattened keys (Q4/Q10), filtered paths that create the element when it
//! is absent (Q9, RFC 7644 erratum 8097), manager ids (Q8) and both member-removal forms (Q5).
//! Operations are applied to a copy of the attributes; `values::normalise` runs afterwards.

use serde_json::{Map, Value};

use super::attrs;
use super::error::{ScimError, ScimType};
use super::faults::{Fault, Faults};
use super::filter::{parse_path, AttrPath, CaseRules, Filter};
use crate::scim;

mod members;
mod refuse;
mod remove;

pub(crate) use members::{apply as apply_members, change as member_change};
pub(crate) use refuse::refuse;

/// RFC 7644 §3.5.2 `op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    Add,
    Replace,
    Remove,
}

/// One parsed operation.
#[derive(Clone, Debug)]
pub(crate) struct PatchOp {
    pub(crate) kind: OpKind,
    pub(crate) path: Option<AttrPath>,
    /// The `path` as sent, for error details that name it.
    pub(crate) raw_path: Option<String>,
    pub(crate) value: Option<Value>,
}

fn syntax(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidSyntax, detail)
}

fn no_target(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::NoTarget, detail)
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, detail)
}

fn invalid_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidPath, detail)
}

/// Reads a PatchOp message body into operations.
pub(crate) fn parse_request(body: &Value, faults: &Faults) -> Result<Vec<PatchOp>, ScimError> {
    let Value::Object(body) = body else {
        return Err(syntax("PATCH body must be a JSON object"));
    };
    let Some(Value::Array(operations)) = attrs::get(body, "Operations") else {
        return Err(syntax("PATCH body needs an \"Operations\" array"));
    };
    operations.iter().map(|op| parse_op(op, faults)).collect()
}

fn parse_op(op: &Value, faults: &Faults) -> Result<PatchOp, ScimError> {
    let Value::Object(op) = op else {
        return Err(syntax("each operation must be a JSON object"));
    };
    let Some(Value::String(name)) = attrs::get(op, "op") else {
        return Err(syntax("each operation needs an \"op\" string"));
    };
    // Client-behaviour Q1: Entra sends `Add`/`Replace`/`Remove`; RFC 7644 §3.5.2 lists the
    // lower-case forms, and some servers accept nothing else.
    if faults.has(Fault::RejectPascalCaseOps) && name.chars().any(|c| c.is_uppercase()) {
        return Err(syntax("op must be add, replace or remove"));
    }
    let kind = match name.to_ascii_lowercase().as_str() {
        "add" => OpKind::Add,
        "replace" => OpKind::Replace,
        "remove" => OpKind::Remove,
        _ => return Err(syntax(format!("unknown op `{name}`"))),
    };
    let (path, raw_path) = match attrs::get(op, "path") {
        None | Some(Value::Null) => (None, None),
        Some(Value::String(p)) if p.trim().is_empty() => (None, None),
        Some(Value::String(p)) => {
            let path = parse_path(p).map_err(|e| invalid_path(format!("path `{p}`: {e}")))?;
            (Some(path), Some(p.clone()))
        }
        Some(other) => return Err(syntax(format!("path must be a string, got {other}"))),
    };
    Ok(PatchOp {
        kind,
        path,
        raw_path,
        value: attrs::get(op, "value").cloned(),
    })
}

/// Applies the operations in order; the first failure aborts (RFC 7644 §3.5.2: atomic).
pub(crate) fn apply(
    attrs: &mut Map<String, Value>,
    ops: &[PatchOp],
    faults: &Faults,
) -> Result<(), ScimError> {
    ops.iter().try_for_each(|op| apply_op(attrs, op, faults))
}

fn apply_op(
    attrs: &mut Map<String, Value>,
    op: &PatchOp,
    faults: &Faults,
) -> Result<(), ScimError> {
    match (&op.path, op.kind) {
        // RFC 7644 §3.5.2.2: remove without a path is an error.
        (None, OpKind::Remove) => Err(no_target("remove needs a path")),
        (None, kind) => {
            if faults.has(Fault::RejectNoPathValueObjects) {
                return Err(no_target("a path is required"));
            }
            let Some(Value::Object(obj)) = &op.value else {
                return Err(invalid_value(
                    "without a path, value must be an object of attributes",
                ));
            };
            apply_object(attrs, kind, obj, faults)
        }
        (Some(path), OpKind::Remove) => remove::remove(attrs, path, op.value.as_ref(), faults),
        (Some(path), kind) => {
            let value = op
                .value
                .clone()
                .ok_or_else(|| syntax("add and replace need a value"))?;
            set(attrs, path, kind, value, faults)
        }
    }
}

/// Client-behaviour Q4/Q10: a pathless value object whose keys are plain names, dotted
/// sub-attributes, full URN paths or an extension URN holding an object. Each key applies as
/// its own pathed operation.
fn apply_object(
    attrs: &mut Map<String, Value>,
    kind: OpKind,
    obj: &Map<String, Value>,
    faults: &Faults,
) -> Result<(), ScimError> {
    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") || key.eq_ignore_ascii_case("meta") {
            continue;
        }
        if let Some(urn) = schema_urn(key) {
            let Value::Object(inner) = value else {
                return Err(invalid_value(format!("`{key}` must hold an object")));
            };
            for (name, inner_value) in inner {
                let mut path =
                    parse_path(name).map_err(|e| invalid_path(format!("`{name}`: {e}")))?;
                if path.urn.is_none() {
                    path.urn.clone_from(&urn);
                }
                set(attrs, &path, kind, inner_value.clone(), faults)?;
            }
            continue;
        }
        let path = parse_path(key).map_err(|e| invalid_path(format!("`{key}`: {e}")))?;
        set(attrs, &path, kind, value.clone(), faults)?;
    }
    Ok(())
}

/// `Some(None)` for a core schema URN key, `Some(Some(urn))` for an extension schema URN key,
/// `None` for an attribute path.
fn schema_urn(key: &str) -> Option<Option<String>> {
    let is = |s: &str| key.eq_ignore_ascii_case(s);
    if is(scim::USER_SCHEMA) || is(scim::GROUP_SCHEMA) {
        return Some(None);
    }
    if is(scim::ENTERPRISE_USER_SCHEMA) {
        return Some(Some(scim::ENTERPRISE_USER_SCHEMA.to_owned()));
    }
    let is_urn = key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    let last = key.rsplit(':').next().unwrap_or("");
    (is_urn && (last == "User" || last == "Group")).then(|| Some(key.to_owned()))
}

/// The enterprise `manager` (also the legacy un-prefixed `manager` path, L-SCIM Example 5).
fn is_manager(path: &AttrPath) -> bool {
    let urn_ok = match &path.urn {
        None => true,
        Some(urn) => urn == scim::ENTERPRISE_USER_SCHEMA,
    };
    urn_ok
        && path.filter.is_none()
        && path.sub_attr.is_none()
        && path.attr.eq_ignore_ascii_case("manager")
}

fn set(
    attrs: &mut Map<String, Value>,
    path: &AttrPath,
    kind: OpKind,
    value: Value,
    faults: &Faults,
) -> Result<(), ScimError> {
    if path.urn.is_none() && path.attr.eq_ignore_ascii_case("id") {
        return Err(ScimError::bad_request(
            ScimType::Mutability,
            "`id` is read-only",
        ));
    }
    if is_manager(path) {
        // Client-behaviour §3.6: `""` or null clears; other forms are canonicalised later.
        let ext = attrs::object_mut(attrs, scim::ENTERPRISE_USER_SCHEMA);
        match value {
            Value::Null => drop(attrs::remove(ext, "manager")),
            Value::String(s) if s.is_empty() => drop(attrs::remove(ext, "manager")),
            other => attrs::set(ext, "manager", other),
        }
        return Ok(());
    }
    let container = match &path.urn {
        Some(urn) => attrs::object_mut(attrs, urn),
        None => attrs,
    };
    let roles = path.urn.is_none() && path.attr.eq_ignore_ascii_case("roles");
    let value = if roles && path.filter.is_none() && !faults.has(Fault::RoleJsonStringVerbatim) {
        decode_app_roles(value)
    } else {
        value
    };
    // entra-2026 §5 #7: some servers take a `replace` of `members` as an add.
    let appends = faults.has(Fault::ReplaceMembersAppends)
        && path.urn.is_none()
        && path.attr.eq_ignore_ascii_case("members");
    let kind = if appends { OpKind::Add } else { kind };
    match (&path.filter, &path.sub_attr) {
        (None, None) => set_attr(container, &path.attr, kind, value),
        (None, Some(sub)) => set_sub(container, &path.attr, sub, value),
        (Some(filter), sub) => set_filtered(
            container,
            &path.attr,
            filter,
            sub.as_deref(),
            kind,
            value,
            faults,
        )?,
    }
    Ok(())
}

/// Client-behaviour §3.5, Q6: Entra's default roles PATCH carries each role as
/// `{"value": "{\"id\":…,\"value\":…,\"displayName\":…}"}`, the role a JSON-encoded string;
/// Microsoft's apps decode it into the RFC 7643 §4.1.2 role `{value, display}`. Other values
/// are kept as sent.
fn decode_app_roles(value: Value) -> Value {
    let decode = |element: Value| {
        let decoded = element
            .get("value")
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str::<Map<String, Value>>(text).ok());
        let Some(role) = decoded else {
            return element;
        };
        let mut out = Map::new();
        if let Some(value) = attrs::get(&role, "value") {
            out.insert("value".to_owned(), value.clone());
        }
        if let Some(display) = attrs::get(&role, "displayName") {
            out.insert("display".to_owned(), display.clone());
        }
        Value::Object(out)
    };
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(decode).collect()),
        other => other,
    }
}

fn set_attr(container: &mut Map<String, Value>, attr: &str, kind: OpKind, value: Value) {
    if value.is_null() {
        attrs::remove(container, attr);
        return;
    }
    let add = kind == OpKind::Add;
    let leftover = match (attrs::get_mut(container, attr), value) {
        // RFC 7644 §3.5.2.1: add to a multi-valued attribute appends.
        (Some(Value::Array(items)), Value::Array(new)) if add => {
            items.extend(new);
            None
        }
        (Some(Value::Array(items)), new @ Value::Object(_)) if add => {
            items.push(new);
            None
        }
        // Client-behaviour Q10: an object value on a complex attribute merges.
        (Some(Value::Object(obj)), Value::Object(new)) => {
            attrs::merge(obj, new);
            None
        }
        (_, value) => Some(value),
    };
    if let Some(value) = leftover {
        attrs::set(container, attr, value);
    }
}

fn set_sub(container: &mut Map<String, Value>, attr: &str, sub: &str, value: Value) {
    let usable = match attrs::get(container, attr) {
        Some(Value::Object(_)) => true,
        Some(Value::Array(items)) => !items.is_empty(),
        _ => false,
    };
    if !usable {
        attrs::set(container, attr, Value::Object(Map::new()));
    }
    match attrs::get_mut(container, attr) {
        Some(Value::Object(obj)) => attrs::set(obj, sub, value),
        // RFC 7644 §3.5.2.3: a sub-attribute of a multi-valued attribute without a filter
        // addresses every element.
        Some(Value::Array(items)) => {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                attrs::set(item, sub, value.clone());
            }
        }
        _ => {}
    }
}

fn set_filtered(
    container: &mut Map<String, Value>,
    attr: &str,
    filter: &Filter,
    sub: Option<&str>,
    kind: OpKind,
    value: Value,
    faults: &Faults,
) -> Result<(), ScimError> {
    match attrs::get(container, attr) {
        None | Some(Value::Null) => attrs::set(container, attr, Value::Array(Vec::new())),
        Some(Value::Array(_)) => {}
        Some(_) => return Err(invalid_path(format!("`{attr}` is not multi-valued"))),
    }
    let Some(Value::Array(items)) = attrs::get_mut(container, attr) else {
        return Err(invalid_path(format!("`{attr}` is not multi-valued")));
    };
    // `role-primary-boolean-only`: `primary eq "True"` compared strictly with a boolean finds
    // no role, and the server, RFC 7644 §3.5.2.3-strict there, answers noTarget (Q13).
    let strict_roles =
        attr.eq_ignore_ascii_case("roles") && faults.has(Fault::RolePrimaryBooleanOnly);
    let rules = CaseRules {
        booleans_exact: strict_roles,
        ..CaseRules::default()
    };
    let hits = matching(items, attr, filter, rules);
    if hits.is_empty() {
        // Client-behaviour §5.2 Q9: Entra sends filtered add/replace for elements that do not
        // exist yet and expects them created (RFC 7644 erratum 8097).
        if faults.has(Fault::RejectFilteredPathOnAbsent) || strict_roles {
            return Err(no_target(format!("no `{attr}` element matches the filter")));
        }
        let mut element = filter.element_template().ok_or_else(|| {
            no_target(format!("cannot create a `{attr}` element for this filter"))
        })?;
        fill_element(&mut element, sub, kind, value)?;
        items.push(Value::Object(element));
        return Ok(());
    }
    for index in hits {
        if let Some(Value::Object(element)) = items.get_mut(index) {
            fill_element(element, sub, kind, value.clone())?;
        }
    }
    Ok(())
}

fn fill_element(
    element: &mut Map<String, Value>,
    sub: Option<&str>,
    kind: OpKind,
    value: Value,
) -> Result<(), ScimError> {
    match (sub, value, kind) {
        (Some(sub), value, _) => attrs::set(element, sub, value),
        (None, Value::Object(obj), OpKind::Add) => attrs::merge(element, obj),
        (None, Value::Object(obj), _) => *element = obj,
        (None, other, _) => {
            return Err(invalid_value(format!(
                "a filtered path without a sub-attribute needs an object, got {other}"
            )));
        }
    }
    Ok(())
}

fn matching(items: &[Value], attr: &str, filter: &Filter, rules: CaseRules) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| filter.matches_element(item, attr, rules))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
