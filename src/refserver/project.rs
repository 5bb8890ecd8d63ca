//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5) applied to rendered resources.
//! `id`, `schemas` and `meta` are always returned (RFC 7643 §7 `returned: always`).

use serde_json::{Map, Value};

use super::attrs;
use super::filter::{parse_path, AttrPath};

const ALWAYS: [&str; 3] = ["id", "schemas", "meta"];

/// The requested projection of a resource.
#[derive(Clone, Debug, Default)]
pub(crate) struct Projection {
    pub(crate) attributes: Vec<AttrPath>,
    pub(crate) excluded: Vec<AttrPath>,
}

/// Comma-separated attribute paths; entries that do not parse are ignored.
pub(crate) fn parse_list(text: &str) -> Vec<AttrPath> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter_map(|s| parse_path(s).ok())
        .collect()
}

impl Projection {
    /// Drops `members` from the exclusions (fault `members-despite-excluded`).
    pub(crate) fn keep_members(&mut self) {
        self.excluded
            .retain(|p| p.urn.is_some() || !p.attr.eq_ignore_ascii_case("members"));
    }

    pub(crate) fn apply(&self, resource: Map<String, Value>) -> Map<String, Value> {
        let mut out = if self.attributes.is_empty() {
            resource
        } else {
            include(&resource, &self.attributes)
        };
        for path in &self.excluded {
            exclude(&mut out, path);
        }
        out
    }
}

fn is_always(path: &AttrPath) -> bool {
    path.urn.is_none() && ALWAYS.iter().any(|a| path.attr.eq_ignore_ascii_case(a))
}

fn include(resource: &Map<String, Value>, paths: &[AttrPath]) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in resource {
        if ALWAYS.iter().any(|a| key.eq_ignore_ascii_case(a)) {
            out.insert(key.clone(), value.clone());
        }
    }
    for path in paths {
        let source = match &path.urn {
            Some(urn) => match attrs::get(resource, urn) {
                Some(Value::Object(ext)) => ext,
                _ => continue,
            },
            None => resource,
        };
        let Some(value) = attrs::get(source, &path.attr) else {
            continue;
        };
        let target = match &path.urn {
            Some(urn) => attrs::object_mut(&mut out, urn),
            None => &mut out,
        };
        let picked = match (&path.sub_attr, value) {
            (Some(sub), Value::Object(obj)) => match attrs::get(obj, sub) {
                Some(v) => {
                    let mut part = Map::new();
                    part.insert(sub.clone(), v.clone());
                    Value::Object(part)
                }
                None => continue,
            },
            (_, other) => other.clone(),
        };
        match (attrs::get_mut(target, &path.attr), picked) {
            (Some(Value::Object(existing)), Value::Object(part)) => attrs::merge(existing, part),
            (_, picked) => attrs::set(target, &path.attr, picked),
        }
    }
    out
}

fn exclude(resource: &mut Map<String, Value>, path: &AttrPath) {
    if is_always(path) {
        return;
    }
    let container = match &path.urn {
        Some(urn) => match attrs::get_mut(resource, urn) {
            Some(Value::Object(ext)) => ext,
            _ => return,
        },
        None => resource,
    };
    match &path.sub_attr {
        Some(sub) => match attrs::get_mut(container, &path.attr) {
            Some(Value::Object(obj)) => drop(attrs::remove(obj, sub)),
            Some(Value::Array(items)) => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    attrs::remove(item, sub);
                }
            }
            _ => {}
        },
        None => drop(attrs::remove(container, &path.attr)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource() -> Map<String, Value> {
        json!({"schemas": ["s"], "id": "1", "displayName": "G", "externalId": "e",
               "members": [{"value": "u"}], "name": {"givenName": "A", "familyName": "B"},
               "meta": {"resourceType": "Group"}})
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    #[test]
    fn excluded_members_are_omitted_but_id_schemas_meta_stay() {
        let p = Projection {
            excluded: parse_list("members,id,meta"),
            ..Projection::default()
        };
        let out = p.apply(resource());
        assert!(out.get("members").is_none());
        assert!(out.contains_key("id") && out.contains_key("meta") && out.contains_key("schemas"));
    }

    #[test]
    fn attributes_keep_only_requested_plus_always_returned() {
        let p = Projection {
            attributes: parse_list("displayName, name.givenName"),
            ..Projection::default()
        };
        assert_eq!(
            Value::Object(p.apply(resource())),
            json!({"schemas": ["s"], "id": "1", "meta": {"resourceType": "Group"},
                   "displayName": "G", "name": {"givenName": "A"}})
        );
    }

    #[test]
    fn keep_members_ignores_the_members_exclusion() {
        let mut p = Projection {
            excluded: parse_list("members"),
            ..Projection::default()
        };
        p.keep_members();
        assert!(p.apply(resource()).contains_key("members"));
    }
}
