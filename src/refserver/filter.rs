//! Filters (RFC 7644 §3.4.2.2) and attribute paths (RFC 7644 §3.10), restricted to what
//! Entra sends: `attrPath eq value` joined by `and` (client-behaviour §1.5, Q14), quoted or
//! legacy unquoted values (Q15), and value paths such as `emails[type eq "work"].value`.
//! PATCH paths (RFC 7644 §3.5.2) share the attribute-path parser.

use serde_json::{Map, Value};

use super::attrs;
use super::values::parse_bool;
use crate::scim;

/// `clause and clause and ...`; a resource matches when every clause does.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Filter {
    pub(crate) clauses: Vec<Comparison>,
}

/// `attrPath eq value`; the only operator Entra uses.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Comparison {
    pub(crate) path: AttrPath,
    pub(crate) value: Value,
}

/// `[urn:]attr[\[filter\]][.subAttr]` (RFC 7644 §3.10).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AttrPath {
    /// Extension schema URN; `None` for core attributes (a core URN prefix is dropped).
    pub(crate) urn: Option<String>,
    pub(crate) attr: String,
    /// Value filter selecting elements of a multi-valued attribute.
    pub(crate) filter: Option<Filter>,
    pub(crate) sub_attr: Option<String>,
}

/// How strings compare; the switches a fault can flip.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CaseRules {
    /// `case-sensitive-username-filter`: `userName` compared case-sensitively.
    pub(crate) user_name_exact: bool,
    /// `case-sensitive-group-filter`: `displayName` compared case-sensitively (set for
    /// group queries only).
    pub(crate) display_name_exact: bool,
    /// `role-primary-boolean-only`: a boolean equals only a boolean literal, so Entra's
    /// `primary eq "True"` matches nothing (Q13).
    pub(crate) booleans_exact: bool,
}

/// Parses a whole `filter` query value.
pub(crate) fn parse_filter(text: &str) -> Result<Filter, String> {
    let mut parser = Parser { s: text, pos: 0 };
    let filter = parser.filter()?;
    parser.end()?;
    Ok(filter)
}

/// Parses a whole attribute path (a PATCH `path`, an `attributes` entry).
pub(crate) fn parse_path(text: &str) -> Result<AttrPath, String> {
    let mut parser = Parser { s: text, pos: 0 };
    parser.skip_ws();
    let path = parser.attr_path()?;
    parser.end()?;
    Ok(path)
}

impl Filter {
    /// Whether a rendered resource (with `id`, `meta`, extensions) matches.
    pub(crate) fn matches(&self, resource: &Map<String, Value>, rules: CaseRules) -> bool {
        self.clauses
            .iter()
            .all(|c| c.matches(resource, None, rules))
    }

    /// Whether a clause reads what only the rendered resource holds (`id`, `meta`,
    /// `schemas`), so that the stored attributes alone cannot answer the filter.
    pub(crate) fn reads_server_attributes(&self) -> bool {
        self.clauses.iter().any(|c| {
            c.path.urn.is_none()
                && ["id", "meta", "schemas"]
                    .iter()
                    .any(|a| c.path.attr.eq_ignore_ascii_case(a))
        })
    }

    /// Whether an element of multi-valued attribute `parent` matches a value filter.
    pub(crate) fn matches_element(&self, element: &Value, parent: &str, rules: CaseRules) -> bool {
        match element {
            Value::Object(obj) => self
                .clauses
                .iter()
                .all(|c| c.matches(obj, Some(parent), rules)),
            _ => false,
        }
    }

    /// The element a filter of plain `sub eq value` clauses describes, for create-on-absent
    /// (client-behaviour §5.2 Q9): `type eq "work"` gives `{"type":"work"}`. `"True"` for a
    /// boolean sub-attribute becomes `true` (Q13).
    pub(crate) fn element_template(&self) -> Option<Map<String, Value>> {
        let mut element = Map::new();
        for clause in &self.clauses {
            let path = &clause.path;
            if path.urn.is_some() || path.filter.is_some() || path.sub_attr.is_some() {
                return None;
            }
            let value = match (&clause.value, path.attr.eq_ignore_ascii_case("primary")) {
                (Value::String(s), true) => Value::Bool(parse_bool(s)?),
                (other, _) => other.clone(),
            };
            element.insert(path.attr.clone(), value);
        }
        Some(element)
    }
}

impl Comparison {
    fn matches(&self, root: &Map<String, Value>, parent: Option<&str>, rules: CaseRules) -> bool {
        let exact = case_exact(parent, &self.path, rules);
        resolve(root, &self.path, rules)
            .into_iter()
            .any(|actual| values_equal(actual, &self.value, exact, rules.booleans_exact))
    }
}

/// Every value `path` designates in `root` (several for multi-valued attributes).
pub(crate) fn resolve<'a>(
    root: &'a Map<String, Value>,
    path: &AttrPath,
    rules: CaseRules,
) -> Vec<&'a Value> {
    let container = match &path.urn {
        Some(urn) => match attrs::get(root, urn) {
            Some(Value::Object(obj)) => obj,
            _ => return Vec::new(),
        },
        None => root,
    };
    let Some(value) = attrs::get(container, &path.attr) else {
        return Vec::new();
    };
    let selected: Vec<&Value> = match (&path.filter, value) {
        (Some(filter), Value::Array(items)) => items
            .iter()
            .filter(|e| filter.matches_element(e, &path.attr, rules))
            .collect(),
        (Some(_), _) => Vec::new(),
        (None, Value::Array(items)) => items.iter().collect(),
        (None, other) => vec![other],
    };
    match &path.sub_attr {
        Some(sub) => selected
            .into_iter()
            .filter_map(|e| e.as_object().and_then(|o| attrs::get(o, sub)))
            .collect(),
        None => selected,
    }
}

/// RFC 7643 §2.2 `caseExact`: ids, `externalId` and references compare exactly; `userName`,
/// `displayName`, emails and the rest of the core schema do not (Q14).
fn case_exact(parent: Option<&str>, path: &AttrPath, rules: CaseRules) -> bool {
    let owner = parent.or(path.sub_attr.as_ref().map(|_| path.attr.as_str()));
    let leaf = path.sub_attr.as_deref().unwrap_or(&path.attr);
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match owner {
        None if path.filter.is_none() && (is(leaf, "id") || is(leaf, "externalId")) => true,
        None if is(leaf, "userName") => rules.user_name_exact,
        None if is(leaf, "displayName") => rules.display_name_exact,
        None => is(leaf, "members") || is(leaf, "manager"),
        Some(owner) => {
            is(leaf, "$ref")
                || ((is(owner, "members") || is(owner, "manager")) && is(leaf, "value"))
        }
    }
}

fn values_equal(actual: &Value, literal: &Value, exact: bool, booleans_exact: bool) -> bool {
    match (actual, literal) {
        (Value::String(a), Value::String(b)) if exact => a == b,
        (Value::String(a), Value::String(b)) => a.to_lowercase() == b.to_lowercase(),
        (Value::Bool(a), Value::Bool(b)) => a == b,
        // Q13: `roles[primary eq "True"]` compares a boolean with the string "True".
        (Value::Bool(a), Value::String(s)) | (Value::String(s), Value::Bool(a))
            if !booleans_exact =>
        {
            parse_bool(s) == Some(*a)
        }
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            n.to_string() == *s
        }
        // RFC 7644 §3.4.2.2: a complex multi-valued attribute compares by its `value`.
        (Value::Object(obj), _) => attrs::get(obj, "value")
            .is_some_and(|v| values_equal(v, literal, exact, booleans_exact)),
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn end(&mut self) -> Result<(), String> {
        self.skip_ws();
        match self.rest() {
            "" => Ok(()),
            rest => Err(format!("unexpected `{rest}`")),
        }
    }

    /// A run of characters up to white space or a delimiter.
    fn word(&mut self) -> &'a str {
        let rest = self.rest();
        let len = rest
            .find(|c: char| c.is_whitespace() || "[]()\"".contains(c))
            .unwrap_or(rest.len());
        let word = rest.get(..len).unwrap_or("");
        self.pos += len;
        word
    }

    fn peek_word(&self) -> String {
        let rest = self.rest();
        let len = rest
            .find(|c: char| c.is_whitespace() || "[]()\"".contains(c))
            .unwrap_or(rest.len());
        rest.get(..len).unwrap_or("").to_owned()
    }

    fn filter(&mut self) -> Result<Filter, String> {
        let mut clauses = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some('(') {
                self.pos += 1;
                clauses.extend(self.filter()?.clauses);
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err("missing `)`".into());
                }
                self.pos += 1;
            } else {
                clauses.push(self.comparison()?);
            }
            self.skip_ws();
            let next = self.peek_word();
            if next.eq_ignore_ascii_case("and") {
                self.word();
            } else if next.eq_ignore_ascii_case("or") {
                return Err("logical operator `or` is not supported".into());
            } else {
                return Ok(Filter { clauses });
            }
        }
    }

    fn comparison(&mut self) -> Result<Comparison, String> {
        if self.peek_word().eq_ignore_ascii_case("not") {
            return Err("logical operator `not` is not supported".into());
        }
        let path = self.attr_path()?;
        self.skip_ws();
        let op = self.word().to_ascii_lowercase();
        match op.as_str() {
            "eq" => {}
            "ne" | "co" | "sw" | "ew" | "pr" | "gt" | "ge" | "lt" | "le" => {
                return Err(format!("operator `{op}` is not supported (only `eq`)"));
            }
            "" => return Err("expected an operator after the attribute path".into()),
            other => return Err(format!("unknown operator `{other}`")),
        }
        self.skip_ws();
        let value = self.value()?;
        Ok(Comparison { path, value })
    }

    fn value(&mut self) -> Result<Value, String> {
        if self.peek() == Some('"') {
            return self.quoted();
        }
        // Q15: legacy `externalId eq jyoung`, value without quotes.
        let word = self.word();
        if word.is_empty() {
            return Err("expected a value after `eq`".into());
        }
        let value = match word.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => match serde_json::from_str::<serde_json::Number>(word) {
                Ok(n) => Value::Number(n),
                Err(_) => Value::String(word.to_owned()),
            },
        };
        Ok(value)
    }

    /// A JSON string literal (RFC 7644 §3.4.2.2 compValue), escapes included.
    fn quoted(&mut self) -> Result<Value, String> {
        let rest = self.rest();
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let literal = rest.get(..=i).unwrap_or("");
                    let value: String = serde_json::from_str(literal)
                        .map_err(|e| format!("bad string literal {literal}: {e}"))?;
                    self.pos += i + 1;
                    return Ok(Value::String(value));
                }
                _ => escaped = false,
            }
        }
        Err("unterminated string literal".into())
    }

    fn attr_path(&mut self) -> Result<AttrPath, String> {
        let raw = self.word().to_owned();
        let (urn, name) = split_urn(&raw)?;
        let (attr, mut sub_attr) = match name.split_once('.') {
            Some((attr, sub)) => (attr.to_owned(), Some(sub.to_owned())),
            None => (name.to_owned(), None),
        };
        check_name(&attr)?;
        let mut filter = None;
        if self.peek() == Some('[') {
            if sub_attr.is_some() {
                return Err(format!("unexpected `[` after `{raw}`"));
            }
            self.pos += 1;
            filter = Some(self.filter()?);
            self.skip_ws();
            if self.peek() != Some(']') {
                return Err("missing `]`".into());
            }
            self.pos += 1;
            if self.peek() == Some('.') {
                self.pos += 1;
                sub_attr = Some(self.word().to_owned());
            }
        }
        if let Some(sub) = &sub_attr {
            check_name(sub)?;
        }
        Ok(AttrPath {
            urn,
            attr,
            filter,
            sub_attr,
        })
    }
}

/// Splits `urn:…:2.0:User:department` at its last colon. Core schema URNs give `None`.
fn split_urn(raw: &str) -> Result<(Option<String>, &str), String> {
    let is_urn = raw.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    if !is_urn {
        return Ok((None, raw));
    }
    let (urn, name) = raw
        .rsplit_once(':')
        .ok_or_else(|| format!("bad attribute path `{raw}`"))?;
    let is = |s: &str| urn.eq_ignore_ascii_case(s);
    let urn = if is(scim::USER_SCHEMA) || is(scim::GROUP_SCHEMA) {
        None
    } else if is(scim::ENTERPRISE_USER_SCHEMA) {
        Some(scim::ENTERPRISE_USER_SCHEMA.to_owned())
    } else {
        Some(urn.to_owned())
    };
    Ok((urn, name))
}

/// RFC 7643 §2.1 ATTRNAME, plus `$ref`.
fn check_name(name: &str) -> Result<(), String> {
    let ok = name == "$ref"
        || (name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    if ok {
        Ok(())
    } else if name.is_empty() {
        Err("expected an attribute name".into())
    } else {
        Err(format!("bad attribute name `{name}`"))
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
