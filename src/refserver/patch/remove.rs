//! PATCH `remove` (RFC 7644 §3.5.2.2), including both member-removal forms Entra sends
//! (client-behaviour §5.2 Q5) and manager removal (§3.6).

use serde_json::{Map, Value};

use super::{invalid_value, is_manager, matching, no_target};
use crate::refserver::attrs;
use crate::refserver::error::ScimError;
use crate::refserver::faults::{Fault, Faults};
use crate::refserver::filter::{AttrPath, CaseRules, Filter};
use crate::scim;

pub(super) fn remove(
    attrs: &mut Map<String, Value>,
    path: &AttrPath,
    value: Option<&Value>,
    faults: &Faults,
) -> Result<(), ScimError> {
    let urn = if is_manager(path) {
        Some(scim::ENTERPRISE_USER_SCHEMA)
    } else {
        path.urn.as_deref()
    };
    let container = match urn {
        None => &mut *attrs,
        Some(urn) => match attrs::get_mut(attrs, urn) {
            Some(Value::Object(obj)) => obj,
            _ if path.filter.is_some() => return Err(no_target("nothing matches the filter")),
            _ => return Ok(()),
        },
    };
    match (&path.filter, &path.sub_attr) {
        (None, None) => remove_attr(container, &path.attr, value, faults)?,
        (None, Some(sub)) => match attrs::get_mut(container, &path.attr) {
            Some(Value::Object(obj)) => drop(attrs::remove(obj, sub)),
            Some(Value::Array(items)) => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    attrs::remove(item, sub);
                }
            }
            _ => {}
        },
        (Some(filter), sub) => remove_filtered(container, &path.attr, filter, sub.as_deref())?,
    }
    if let Some(urn) = urn {
        if matches!(attrs::get(attrs, urn), Some(Value::Object(ext)) if ext.is_empty()) {
            attrs::remove(attrs, urn);
        }
    }
    Ok(())
}

fn remove_attr(
    container: &mut Map<String, Value>,
    attr: &str,
    value: Option<&Value>,
    faults: &Faults,
) -> Result<(), ScimError> {
    let Some(Value::Array(victims)) = value else {
        attrs::remove(container, attr);
        return Ok(());
    };
    // Client-behaviour Q5: Entra's default member removal names the members in `value`.
    if attr.eq_ignore_ascii_case("members") && faults.has(Fault::RejectMemberValueArrayRemoval) {
        return Err(invalid_value(
            "remove members with a path filter: members[value eq \"id\"]",
        ));
    }
    match attrs::get_mut(container, attr) {
        Some(Value::Array(items)) => {
            items.retain(|item| !victims.iter().any(|v| same_element(item, v)));
            if items.is_empty() {
                attrs::remove(container, attr);
            }
        }
        _ => drop(attrs::remove(container, attr)),
    }
    Ok(())
}

/// Elements are the same when their `value`s are (members compare by id).
fn same_element(item: &Value, victim: &Value) -> bool {
    let value_of = |v: &Value| v.as_object().and_then(|o| attrs::get(o, "value")).cloned();
    match (value_of(item), value_of(victim)) {
        (Some(a), Some(b)) => a == b,
        _ => item == victim,
    }
}

fn remove_filtered(
    container: &mut Map<String, Value>,
    attr: &str,
    filter: &Filter,
    sub: Option<&str>,
) -> Result<(), ScimError> {
    let Some(Value::Array(items)) = attrs::get_mut(container, attr) else {
        return Err(no_target(format!(
            "`{attr}` has no element matching the filter"
        )));
    };
    let hits = matching(items, attr, filter, CaseRules::default());
    // RFC 7644 §3.5.2.2: a filter that matches nothing is noTarget.
    if hits.is_empty() {
        return Err(no_target(format!(
            "`{attr}` has no element matching the filter"
        )));
    }
    match sub {
        Some(sub) => {
            for index in hits {
                if let Some(Value::Object(element)) = items.get_mut(index) {
                    attrs::remove(element, sub);
                }
            }
        }
        None => {
            let mut index = 0;
            items.retain(|_| {
                let keep = !hits.contains(&index);
                index += 1;
                keep
            });
        }
    }
    if items.is_empty() {
        attrs::remove(container, attr);
    }
    Ok(())
}
