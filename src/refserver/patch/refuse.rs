//! PATCH request shapes that a fault refuses before anything is applied: the forms real servers
//! reject although Entra sends them (client-behaviour §3.5–§3.7, §4.3, §5.2).

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::{is_manager, schema_urn, OpKind, PatchOp};
use crate::refserver::error::{Framework, ScimError, ScimType};
use crate::refserver::faults::{Fault, Faults};
use crate::refserver::filter::parse_path;
use crate::refserver::store::Kind;

/// The first refusal a switched-on fault makes of these operations, if any.
pub(crate) fn refuse(kind: Kind, ops: &[PatchOp], faults: &Faults) -> Result<(), ScimError> {
    if faults.has(Fault::RejectFilteredPath) {
        filtered_path(ops)?;
    }
    if faults.has(Fault::RejectMixedPatch) {
        mixed(ops)?;
    }
    match kind {
        Kind::User => {
            if faults.has(Fault::RejectAddWithPath) {
                add_with_path(ops)?;
            }
            if faults.has(Fault::RejectActiveWithOtherChanges) {
                active_with_others(ops)?;
            }
            if faults.has(Fault::RejectBareStringManager) && ops.iter().any(sets_bare_manager) {
                return Err(bare_manager());
            }
        }
        Kind::Group => {
            if faults.has(Fault::RejectMultiMemberRemoval) {
                multi_member_removal(ops)?;
            }
        }
    }
    Ok(())
}

/// `reject-filtered-path`: a server whose path parser knows only `attr[.sub]` (Q9).
fn filtered_path(ops: &[PatchOp]) -> Result<(), ScimError> {
    let filtered = ops
        .iter()
        .find(|op| op.path.as_ref().is_some_and(|p| p.filter.is_some()));
    match filtered.and_then(|op| op.raw_path.as_deref()) {
        Some(raw) => Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!("Unsupported path: {raw}"),
        )),
        None => Ok(()),
    }
}

/// `reject-mixed-patch`: real captures show `Replace` and `Add` in one PATCH.
fn mixed(ops: &[PatchOp]) -> Result<(), ScimError> {
    let has = |kind: OpKind| ops.iter().any(|op| op.kind == kind);
    if has(OpKind::Replace) && has(OpKind::Add) {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            "Mixing 'replace' and 'add' operations in one request is not supported",
        ));
    }
    Ok(())
}

/// `reject-add-with-path`: Entra's first fill of an attribute is `Add` with a path (Q3).
fn add_with_path(ops: &[PatchOp]) -> Result<(), ScimError> {
    let pathed = ops
        .iter()
        .filter(|op| op.kind == OpKind::Add)
        .find_map(|op| op.raw_path.as_deref());
    match pathed {
        Some(raw) => Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!(
                "Operation 'add' with path '{raw}' is not supported; send the attributes in 'value' without a path"
            ),
        )),
        None => Ok(()),
    }
}

/// `reject-active-with-other-changes`: Entra may disable a user in the PATCH that changes
/// other attributes too (client-behaviour §3.7, observed variants).
fn active_with_others(ops: &[PatchOp]) -> Result<(), ScimError> {
    let touched: Vec<String> = ops.iter().flat_map(touched_attrs).collect();
    let active = touched.iter().any(|a| a.eq_ignore_ascii_case("active"));
    if active && touched.len() > 1 {
        return Err(ScimError::new(
            StatusCode::BAD_REQUEST,
            "Attribute 'active' must be changed in a request of its own",
        ));
    }
    Ok(())
}

/// The attribute names one operation changes: its path, or the keys of a pathless object
/// (an extension URN key contributes the keys it holds).
fn touched_attrs(op: &PatchOp) -> Vec<String> {
    if let Some(path) = &op.path {
        return vec![path.attr.clone()];
    }
    let Some(Value::Object(obj)) = &op.value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") || key.eq_ignore_ascii_case("meta") {
            continue;
        }
        match (schema_urn(key), value) {
            (Some(_), Value::Object(inner)) => out.extend(inner.keys().cloned()),
            (Some(_), _) => {}
            (None, _) => out.push(key.clone()),
        }
    }
    out
}

/// Client-behaviour §3.6: Entra sets the manager as a bare id string, pathed or pathless.
/// An empty string clears the manager and is not a set.
fn sets_bare_manager(op: &PatchOp) -> bool {
    if op.kind == OpKind::Remove {
        return false;
    }
    let bare = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    match (&op.path, &op.value) {
        (Some(path), Some(value)) => is_manager(path) && bare(value),
        (None, Some(Value::Object(obj))) => obj.iter().any(|(key, value)| match schema_urn(key) {
            Some(Some(_)) => value
                .as_object()
                .is_some_and(|ext| manager_in(ext).is_some_and(bare)),
            Some(None) => false,
            None => parse_path(key).is_ok_and(|p| is_manager(&p)) && bare(value),
        }),
        _ => false,
    }
}

fn manager_in(ext: &Map<String, Value>) -> Option<&Value> {
    ext.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("manager"))
        .map(|(_, v)| v)
}

/// ASP.NET Core model binding: a string where the model has a `Manager` object.
fn bare_manager() -> ScimError {
    ScimError::new(
        StatusCode::BAD_REQUEST,
        "One or more validation errors occurred.",
    )
    .in_framework(Framework::AspNetValidation {
        errors: json!({"manager": ["The JSON value could not be converted to Manager."]}),
    })
}

/// `reject-multi-member-removal`: Entra removes several members in one PATCH, as one value
/// array or as several `members[value eq "…"]` ops (client-behaviour §4.3, Q5).
fn multi_member_removal(ops: &[PatchOp]) -> Result<(), ScimError> {
    let removed: usize = ops
        .iter()
        .filter(|op| op.kind == OpKind::Remove)
        .filter_map(|op| {
            let path = op.path.as_ref()?;
            if !path.attr.eq_ignore_ascii_case("members") || path.urn.is_some() {
                return None;
            }
            match (&path.filter, &op.value) {
                (Some(_), _) => Some(1),
                (None, Some(Value::Array(items))) => Some(items.len()),
                (None, _) => None,
            }
        })
        .sum();
    if removed > 1 {
        return Err(ScimError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("Removing {removed} members in one request is not implemented; remove one member per request"),
        ));
    }
    Ok(())
}
