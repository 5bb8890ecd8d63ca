//! Attribute paths as Entra's mapping page and PATCH `path` write them (RFC 7644 §3.10):
//! `userName`, `name.givenName`, `emails[type eq "work"].value`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.

use std::fmt;

use serde_json::{Map, Value};

/// A parsed attribute path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    raw: String,
    /// The extension schema URN the attribute lives under, if any.
    schema: Option<String>,
    attr: String,
    /// `[attr eq "value"]` selecting one element of a multi-valued attribute.
    filter: Option<(String, String)>,
    sub: Option<String>,
}

/// Why a path could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{path}` is not an attribute path: {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: &'static str,
}

impl AttrPath {
    /// Parses a path.
    pub fn parse(text: &str) -> Result<AttrPath, PathError> {
        let err = |reason| PathError {
            path: text.to_owned(),
            reason,
        };
        let (schema, rest) = if text.starts_with("urn:") {
            // RFC 7644 §3.10: the attribute follows the last colon of the schema URN.
            let cut = text
                .rfind(':')
                .ok_or(err("no attribute after the schema URN"))?;
            (Some(text[..cut].to_owned()), &text[cut + 1..])
        } else {
            (None, text)
        };
        let (attr, filter, sub) = match rest.find('[') {
            Some(open) => {
                let close = rest.find(']').ok_or(err("`[` is never closed"))?;
                let inner = &rest[open + 1..close];
                let filter =
                    parse_eq(inner).ok_or(err("the filter must be `attr eq \"value\"`"))?;
                let after = &rest[close + 1..];
                let sub = match after.strip_prefix('.') {
                    Some(sub) => Some(sub.to_owned()),
                    None if after.is_empty() => None,
                    None => return Err(err("only `.subAttribute` may follow `]`")),
                };
                (rest[..open].to_owned(), Some(filter), sub)
            }
            None => match rest.split_once('.') {
                Some((attr, sub)) => (attr.to_owned(), None, Some(sub.to_owned())),
                None => (rest.to_owned(), None, None),
            },
        };
        let is_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        };
        if !is_name(&attr) || !sub.as_deref().is_none_or(is_name) {
            return Err(err("attribute names are letters, digits, `_`, `-` and `$`"));
        }
        Ok(AttrPath {
            raw: text.to_owned(),
            schema,
            attr,
            filter,
            sub,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The extension schema URN, for an extension attribute.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The top-level attribute name (`emails` for `emails[type eq "work"].value`).
    pub fn attr(&self) -> &str {
        &self.attr
    }

    /// The value filter, for a path into a multi-valued attribute.
    pub fn filter(&self) -> Option<(&str, &str)> {
        self.filter.as_ref().map(|(a, v)| (a.as_str(), v.as_str()))
    }

    /// The sub-attribute, if any.
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// The value at this path in a resource. Attribute names match case-insensitively
    /// (RFC 7643 §2.1).
    pub fn get<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        let container = match &self.schema {
            Some(schema) => get_ci(resource, schema)?,
            None => resource,
        };
        let mut value = get_ci(container, &self.attr)?;
        if let Some((key, wanted)) = &self.filter {
            value = value
                .as_array()?
                .iter()
                .find(|element| get_ci(element, key).is_some_and(|v| scalar_eq(v, wanted)))?;
        }
        match &self.sub {
            Some(sub) => get_ci(value, sub),
            None => Some(value),
        }
    }

    /// Writes `value` at this path into a resource object, creating what is missing: the
    /// extension object, the complex attribute, the filtered element (with its filter value).
    pub fn set(&self, resource: &mut Map<String, Value>, value: Value) {
        let container = match &self.schema {
            Some(schema) => object_entry(resource, schema),
            None => resource,
        };
        match (&self.filter, &self.sub) {
            (Some((key, wanted)), sub) => {
                let list = container
                    .entry(self.attr.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !list.is_array() {
                    *list = Value::Array(Vec::new());
                }
                let Value::Array(elements) = list else { return };
                let index = match elements
                    .iter()
                    .position(|e| get_ci(e, key).is_some_and(|v| scalar_eq(v, wanted)))
                {
                    Some(index) => index,
                    None => {
                        let mut element = Map::new();
                        element.insert(key.clone(), Value::String(wanted.clone()));
                        elements.push(Value::Object(element));
                        elements.len() - 1
                    }
                };
                match (sub, elements.get_mut(index)) {
                    (Some(sub), Some(Value::Object(element))) => {
                        element.insert(sub.clone(), value);
                    }
                    (None, Some(element)) => *element = value,
                    _ => {}
                }
            }
            (None, Some(sub)) => {
                object_entry(container, &self.attr).insert(sub.clone(), value);
            }
            (None, None) => {
                container.insert(self.attr.clone(), value);
            }
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// `type eq "work"` → (`type`, `work`).
fn parse_eq(text: &str) -> Option<(String, String)> {
    let mut words = text.trim().splitn(3, ' ');
    let attr = words.next()?;
    let op = words.next()?;
    let value = words.next()?.trim();
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    Some((attr.to_owned(), value.to_owned()))
}

/// A member of a JSON object by case-insensitive name.
pub(crate) fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Compares a JSON scalar with a filter literal (`"True"` equals `true`, Q13).
fn scalar_eq(value: &Value, literal: &str) -> bool {
    match value {
        Value::String(s) => s.eq_ignore_ascii_case(literal),
        Value::Bool(b) => literal.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Number(n) => literal == n.to_string(),
        _ => false,
    }
}

fn object_entry<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(object) => object,
        _ => unreachable!("the slot was just made an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEPT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

    #[test]
    fn parses_the_four_shapes_entra_uses() {
        let p = AttrPath::parse(r#"emails[type eq "work"].value"#).expect("parses");
        assert_eq!(
            (p.attr(), p.filter(), p.sub()),
            ("emails", Some(("type", "work")), Some("value"))
        );
        let p = AttrPath::parse(DEPT).expect("parses");
        assert_eq!(
            (p.schema(), p.attr()),
            (
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
                "department"
            )
        );
        let p = AttrPath::parse("name.givenName").expect("parses");
        assert_eq!((p.attr(), p.sub()), ("name", Some("givenName")));
        assert!(AttrPath::parse("emails[type eq \"work\"").is_err());
        assert!(AttrPath::parse("").is_err());
    }

    #[test]
    fn set_then_get_round_trips_every_shape() {
        let mut user = Map::new();
        for (path, value) in [
            (r#"emails[type eq "work"].value"#, json!("a@x")),
            ("name.givenName", json!("Ann")),
            (DEPT, json!("Retail")),
            ("active", json!(true)),
        ] {
            let p = AttrPath::parse(path).expect("parses");
            p.set(&mut user, value.clone());
            assert_eq!(p.get(&Value::Object(user.clone())), Some(&value), "{path}");
        }
        assert_eq!(
            Value::Object(user)["emails"],
            json!([{"type": "work", "value": "a@x"}])
        );
    }

    #[test]
    fn get_matches_names_case_insensitively_and_misses_absent_elements() {
        let user =
            json!({"Emails": [{"type": "home", "value": "h@x"}], "NAME": {"givenname": "A"}});
        let work = AttrPath::parse(r#"emails[type eq "work"].value"#).expect("parses");
        assert_eq!(work.get(&user), None);
        let given = AttrPath::parse("name.givenName").expect("parses");
        assert_eq!(given.get(&user), Some(&json!("A")));
    }
}
