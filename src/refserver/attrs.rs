//! Case-insensitive access to attribute maps: RFC 7643 §2.1 makes attribute names
//! case-insensitive, so `userName`, `username` and `USERNAME` name the same attribute.

use serde_json::{Map, Value};

/// The key actually stored for `name`, compared case-insensitively.
pub(crate) fn key_of(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

pub(crate) fn get<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

pub(crate) fn get_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    map.iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Sets `name`, keeping the stored spelling if the attribute already exists.
pub(crate) fn set(map: &mut Map<String, Value>, name: &str, value: Value) {
    match key_of(map, name) {
        Some(key) => {
            map.insert(key, value);
        }
        None => {
            map.insert(name.to_owned(), value);
        }
    }
}

pub(crate) fn remove(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_of(map, name)?;
    map.shift_remove(&key)
}

/// The object stored at `name`, created (or replacing a non-object) when needed.
pub(crate) fn object_mut<'a>(
    map: &'a mut Map<String, Value>,
    name: &str,
) -> &'a mut Map<String, Value> {
    let key = key_of(map, name).unwrap_or_else(|| name.to_owned());
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(obj) => obj,
        _ => unreachable!("slot was just made an object"),
    }
}

/// Merges `from` into `into`, sub-attribute by sub-attribute (RFC 7644 §3.5.2.3 replace on a
/// complex attribute; client-behaviour §5.2 Q10).
pub(crate) fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        set(into, &k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_ignores_case_and_set_keeps_stored_spelling() {
        let mut map = json!({"userName": "a"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(get(&map, "USERNAME"), Some(&json!("a")));
        set(&mut map, "username", json!("b"));
        assert_eq!(Value::Object(map), json!({"userName": "b"}));
    }
}
