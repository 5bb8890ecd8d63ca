//! The server's error, in its own words, as data: a SCIM error (RFC 7644 §3.12) or the shape
//! a web framework answers with when the SCIM layer never saw the request (pydantic/FastAPI,
//! Django REST framework, Spring Boot, ASP.NET validation problems), and the causes those
//! words name ([`Cause`]). The runner's fallback creates and the hints both read the causes;
//! this is the only place that reads the server's wording.
//!
//! It reads recorded exchanges, whose secrets the client masked in every form before anyone
//! read them ([`crate::redact`]); so the cuts here (`DETAIL_LIMIT`, [`ServerError::quote`],
//! [`ServerError::summary`]) cut masked text and cannot leave the start of a token behind.

use serde_json::{Map, Value};

use crate::http::Received;
use crate::scim;

/// The longest `detail` kept, in characters: enough to quote, not a page.
const DETAIL_LIMIT: usize = 400;

/// Which shape the error came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorShape {
    /// `urn:ietf:params:scim:api:messages:2.0:Error`, or a body with `detail`/`scimType`.
    Scim,
    /// FastAPI's `{"detail": [{"loc": […], "msg": …, "type": …}]}`.
    Pydantic,
    /// Django REST framework's `{"field": ["message"]}`.
    Drf,
    /// Spring Boot's `{"status", "error", "message", "path"}`.
    Spring,
    /// ASP.NET's validation problem, `{"title", "errors": {"field": ["message"]}}`.
    AspNet,
    /// Any other body: its text.
    Text,
}

/// An error answer, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerError {
    pub status: u16,
    pub shape: ErrorShape,
    /// RFC 7644 §3.12 `scimType` (`invalidValue`, `mutability`, `invalidPath`, …).
    pub scim_type: Option<String>,
    /// The server's words, on one line.
    pub detail: Option<String>,
    /// The fields the server blamed, as it names them (`name.formatted`, `manager`).
    pub fields: Vec<String>,
}

/// A cause the server's words name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The server refuses this schema extension (the enterprise extension, usually).
    RefusedExtension { schema: String },
    /// The server requires an attribute the request does not carry (its name for it).
    RequiredAttribute { name: String },
    /// The server does not know an attribute the request carries.
    UnknownAttribute { name: String },
    /// The server will not change this attribute (`mutability`).
    Immutable { name: String },
    /// The server does not support this PATCH path (`invalidPath`).
    UnsupportedPath { path: String },
    /// `uniqueness` or 409.
    Uniqueness,
    /// `noTarget`: a path that selects nothing.
    NoTarget,
}

impl ServerError {
    /// Parses an error answer (status 400 or above; `None` for anything else).
    pub fn parse(received: &Received) -> Option<ServerError> {
        if received.status < 400 || received.is_html() {
            return None;
        }
        let mut error = ServerError {
            status: received.status,
            shape: ErrorShape::Text,
            scim_type: None,
            detail: None,
            fields: Vec::new(),
        };
        match super::parse_reading(&received.body, &error_reads()) {
            Ok(Value::Object(body)) => error.read_json(&body),
            _ => {
                let text = received.body.trim();
                error.detail = (!text.is_empty()).then(|| one_line(text));
            }
        }
        Some(error)
    }

    /// Reads the shapes below; an error is a few lines, so an attribute of more than
    /// 64 KiB is not one of its messages (see [`super::parse_reading`]).
    fn read_json(&mut self, body: &Map<String, Value>) {
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(one_line);
        let is_scim = body
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(scim::ERROR_SCHEMA)));
        if let Some(Value::Array(items)) = body.get("detail") {
            self.shape = ErrorShape::Pydantic;
            let mut messages = Vec::new();
            for item in items {
                let msg = item.get("msg").and_then(Value::as_str).unwrap_or_default();
                let loc = item.get("loc").and_then(Value::as_array);
                let field = loc.and_then(|l| l.iter().rev().find_map(Value::as_str));
                if let Some(field) = field {
                    self.fields.push(field.to_owned());
                    messages.push(format!("{field}: {msg}"));
                } else {
                    messages.push(msg.to_owned());
                }
            }
            self.detail = Some(one_line(&messages.join("; ")));
        } else if is_scim || body.contains_key("scimType") || text("detail").is_some() {
            self.shape = ErrorShape::Scim;
            self.scim_type = text("scimType");
            self.detail = text("detail");
        } else if let Some(Value::Object(errors)) = body.get("errors") {
            self.shape = ErrorShape::AspNet;
            let mut messages: Vec<String> = text("title").into_iter().collect();
            for (field, list) in errors {
                self.fields.push(field.clone());
                messages.push(format!("{field}: {}", strings(list).join(" ")));
            }
            self.detail = Some(one_line(&messages.join("; ")));
        } else if body.contains_key("error") && body.contains_key("message") {
            self.shape = ErrorShape::Spring;
            self.detail = text("message");
        } else if let Some(messages) = drf_messages(body, "") {
            self.shape = ErrorShape::Drf;
            self.fields = messages.iter().map(|(f, _)| f.clone()).collect();
            let joined: Vec<String> = messages.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            self.detail = Some(one_line(&joined.join("; ")));
        } else {
            self.detail = ["message", "error_description", "error", "title"]
                .iter()
                .find_map(|k| text(k));
        }
    }

    /// `detail (scimType x)`, the way a finding's sentence quotes it.
    pub fn summary(&self) -> Option<String> {
        let detail = self.detail.as_deref()?;
        let short: String = detail.chars().take(200).collect();
        Some(match &self.scim_type {
            Some(scim_type) => format!("{short} (scimType {scim_type})"),
            None => short,
        })
    }

    /// The server's words cut to about `limit` characters around what tells the cause (a
    /// long framework message names it after its noise), with `…` where text was left out.
    pub fn quote(&self, limit: usize) -> Option<String> {
        let detail = self.detail.as_deref()?;
        if detail.chars().count() <= limit {
            return Some(detail.to_owned());
        }
        let lower = detail.to_ascii_lowercase();
        let telling = TELLING_WORDS.iter().find_map(|w| lower.find(w));
        let start = telling.map_or(0, |at| at.saturating_sub(limit / 3));
        let start = (0..=start)
            .rev()
            .find(|i| detail.is_char_boundary(*i))
            .unwrap_or(0);
        let window: String = detail[start..].chars().take(limit).collect();
        let before = if start > 0 { "…" } else { "" };
        let after = if detail[start..].chars().count() > limit {
            "…"
        } else {
            ""
        };
        Some(format!("{before}{window}{after}"))
    }

    /// The causes the server's words name, given the request body it answered.
    pub fn causes(&self, sent: Option<&Value>) -> Vec<Cause> {
        let words = self.words();
        let mut causes = Vec::new();
        let scim_type = self.scim_type.as_deref().unwrap_or_default();
        for schema in sent.map(extensions).unwrap_or_default() {
            let named = words.contains(&schema.to_ascii_lowercase())
                || (schema == scim::ENTERPRISE_USER_SCHEMA && words.contains("enterprise"));
            if named && mentions(&words, REFUSAL_WORDS) {
                causes.push(Cause::RefusedExtension { schema });
            }
        }
        if scim_type.eq_ignore_ascii_case("mutability") || mentions(&words, IMMUTABLE_WORDS) {
            if let Some(name) = self.named_field() {
                causes.push(Cause::Immutable { name });
            }
        }
        if scim_type.eq_ignore_ascii_case("invalidPath") || mentions(&words, PATH_WORDS) {
            let path = sent
                .and_then(|s| {
                    sent_paths(s)
                        .into_iter()
                        .find(|p| words.contains(&p.to_ascii_lowercase()))
                })
                .or_else(|| self.named_field());
            if let Some(path) = path {
                causes.push(Cause::UnsupportedPath { path });
            }
        }
        let refused_extension = matches!(causes.first(), Some(Cause::RefusedExtension { .. }));
        if !refused_extension && mentions(&words, REQUIRED_WORDS) {
            // "a path is required" speaks of the PATCH grammar, not of an attribute.
            let grammar = |n: &String| {
                ["path", "value", "op", "operations", "schemas"]
                    .iter()
                    .any(|g| n.eq_ignore_ascii_case(g))
            };
            if let Some(name) = self.named_field().filter(|n| !grammar(n)) {
                causes.push(Cause::RequiredAttribute { name });
            }
        }
        if !refused_extension && mentions(&words, UNKNOWN_WORDS) {
            if let Some(name) = self.named_field() {
                causes.push(Cause::UnknownAttribute { name });
            }
        }
        if scim_type.eq_ignore_ascii_case("uniqueness") || self.status == 409 {
            causes.push(Cause::Uniqueness);
        }
        if scim_type.eq_ignore_ascii_case("noTarget") {
            causes.push(Cause::NoTarget);
        }
        causes
    }

    /// Everything the server said, lower-case, for matching its words.
    fn words(&self) -> String {
        format!(
            "{} {} {}",
            self.detail.as_deref().unwrap_or_default(),
            self.scim_type.as_deref().unwrap_or_default(),
            self.fields.join(" ")
        )
        .to_ascii_lowercase()
    }

    /// The attribute the error names: a field the framework blamed, else the first quoted
    /// word of `detail` (`'formatted'`, `"userName"`, `` `manager` ``), else the word before
    /// "is required" / "is immutable".
    pub fn named_field(&self) -> Option<String> {
        if let Some(field) = self.fields.first() {
            return Some(field.clone());
        }
        let detail = self.detail.as_deref()?;
        for quote in ['\'', '"', '`'] {
            let mut parts = detail.split(quote);
            if let (Some(_), Some(inside), Some(_)) = (parts.next(), parts.next(), parts.next()) {
                if is_field_name(inside) {
                    return Some(inside.to_owned());
                }
            }
        }
        let lower = detail.to_ascii_lowercase();
        for marker in [
            " is required",
            " is immutable",
            " is read-only",
            " is readonly",
        ] {
            if let Some(at) = lower.find(marker) {
                let word = detail[..at].split_whitespace().last()?;
                let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
                if is_field_name(word) {
                    return Some(word.to_owned());
                }
            }
        }
        if let Some(rest) = lower.find("path:").map(|at| detail[at + 5..].trim()) {
            return Some(rest.to_owned());
        }
        None
    }
}

/// What tells a cause in a long message, most telling first.
const TELLING_WORDS: &[&str] = &[
    "extra inputs",
    "not permitted",
    "immutable",
    "is required",
    "required",
    "unsupported",
    "invalid path",
    "not allowed",
    "could not be converted",
    "unknown",
];

const REFUSAL_WORDS: &[&str] = &[
    "extra inputs",
    "not permitted",
    "unknown",
    "unsupported",
    "not supported",
    "not allowed",
    "unrecognized",
    "unrecognised",
    "invalid schema",
    "extension",
];
const IMMUTABLE_WORDS: &[&str] = &[
    "immutable",
    "read-only",
    "readonly",
    "cannot be changed",
    "cannot be modified",
    "can't be changed",
];
const PATH_WORDS: &[&str] = &[
    "unsupported path",
    "invalid path",
    "path not supported",
    "path is not supported",
    "invalidpath",
];
const REQUIRED_WORDS: &[&str] = &[
    "required",
    "missing",
    "must not be null",
    "must not be blank",
];
const UNKNOWN_WORDS: &[&str] = &[
    "unknown attribute",
    "unknown field",
    "unrecognized field",
    "unrecognised field",
    "extra inputs",
    "extra_forbidden",
];

fn mentions(words: &str, list: &[&str]) -> bool {
    list.iter().any(|w| words.contains(w))
}

fn is_field_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 120
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-' | '$'))
}

/// The schema extensions a request body carries (URNs in `schemas` or as keys), core
/// schemas excluded.
fn extensions(body: &Value) -> Vec<String> {
    let core = [scim::USER_SCHEMA, scim::GROUP_SCHEMA];
    let mut found: Vec<String> = Vec::new();
    let listed = body.get("schemas").and_then(Value::as_array);
    let keys = body.as_object().map(|o| o.keys());
    let candidates = listed
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .chain(keys.into_iter().flatten().map(String::as_str));
    for urn in candidates {
        if urn.starts_with("urn:") && !core.contains(&urn) && !found.iter().any(|f| f == urn) {
            found.push(urn.to_owned());
        }
    }
    found
}

/// The `path`s of a PATCH body's operations.
fn sent_paths(body: &Value) -> Vec<String> {
    body.get("Operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|op| op.get("path").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// DRF's `{"name": {"formatted": ["This field is required."]}}` as `(name.formatted, message)`.
fn drf_messages(body: &Map<String, Value>, prefix: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (key, value) in body {
        let field = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Array(list) if !list.is_empty() && list.iter().all(Value::is_string) => {
                out.push((field, strings(value).join(" ")));
            }
            Value::Object(inner) => out.extend(drf_messages(inner, &field)?),
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(DETAIL_LIMIT)
        .collect()
}

/// The members an error body's shapes read by name (see [`ServerError::read_json`]).
fn error_reads() -> super::Reads {
    let mut reads = super::Reads::common();
    let shapes = [
        "detail",
        "scimType",
        "status",
        "errors",
        "title",
        "error",
        "message",
        "error_description",
    ];
    for name in shapes {
        reads.name(name);
    }
    reads
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(status: u16, body: &str) -> ServerError {
        let received = Received {
            full_size: None,
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        };
        ServerError::parse(&received).expect("an error")
    }

    fn enterprise_create() -> Value {
        json!({
            "schemas": [scim::USER_SCHEMA, scim::ENTERPRISE_USER_SCHEMA],
            "userName": "a@x",
            scim::ENTERPRISE_USER_SCHEMA: {"department": "d"}
        })
    }

    #[test]
    fn pydantic_extra_inputs_name_the_refused_extension() {
        let detail = format!("1 validation error for User\n{}\n  Extra inputs are not permitted [type=extra_forbidden]", scim::ENTERPRISE_USER_SCHEMA);
        let body = json!({"schemas": [scim::ERROR_SCHEMA], "status": "400", "detail": detail});
        let error = answer(400, &body.to_string());
        assert_eq!(error.shape, ErrorShape::Scim);
        assert_eq!(
            error.causes(Some(&enterprise_create())),
            [Cause::RefusedExtension {
                schema: scim::ENTERPRISE_USER_SCHEMA.into()
            }]
        );
    }

    #[test]
    fn a_required_field_is_named_in_scim_and_drf_shapes() {
        let scim_body = json!({"schemas": [scim::ERROR_SCHEMA], "scimType": "invalidValue", "detail": "Field 'formatted' is required"});
        let required = |name: &str| Cause::RequiredAttribute { name: name.into() };
        assert_eq!(
            answer(400, &scim_body.to_string()).causes(None),
            [required("formatted")]
        );
        let drf = answer(
            400,
            r#"{"name": {"formatted": ["This field is required."]}}"#,
        );
        assert_eq!(drf.shape, ErrorShape::Drf);
        assert_eq!(drf.causes(None), [required("name.formatted")]);
    }

    #[test]
    fn mutability_names_the_immutable_attribute() {
        let body = json!({"schemas": [scim::ERROR_SCHEMA], "scimType": "mutability", "detail": "Attribute 'userName' is immutable"});
        assert_eq!(
            answer(400, &body.to_string()).causes(None),
            [Cause::Immutable {
                name: "userName".into()
            }]
        );
        let spring = r#"{"timestamp":"t","status":400,"error":"Bad Request","message":"displayName is immutable","path":"/scim/v2/Groups/1"}"#;
        let error = answer(400, spring);
        assert_eq!(error.shape, ErrorShape::Spring);
        assert_eq!(
            error.causes(None),
            [Cause::Immutable {
                name: "displayName".into()
            }]
        );
    }

    #[test]
    fn asp_net_validation_problems_name_their_fields() {
        let body = r#"{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"manager":["The JSON value could not be converted to Manager."]}}"#;
        let error = answer(400, body);
        assert_eq!(error.shape, ErrorShape::AspNet);
        assert_eq!(error.fields, ["manager"]);
        assert!(error
            .detail
            .is_some_and(|d| d.contains("could not be converted")));
    }

    #[test]
    fn invalid_path_names_the_path_the_request_sent() {
        let sent = json!({"Operations": [{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "a@x"}]});
        let body = json!({"schemas": [scim::ERROR_SCHEMA], "scimType": "invalidPath", "detail": "Unsupported path: emails[type eq \"work\"].value"});
        assert_eq!(
            answer(400, &body.to_string()).causes(Some(&sent)),
            [Cause::UnsupportedPath {
                path: "emails[type eq \"work\"].value".into()
            }]
        );
    }

    #[test]
    fn plain_text_and_successes() {
        let error = answer(500, "boom\nat line 3");
        assert_eq!(error.detail.as_deref(), Some("boom at line 3"));
        let ok = Received {
            full_size: None,
            status: 200,
            headers: Vec::new(),
            body: "{}".into(),
        };
        assert_eq!(ServerError::parse(&ok), None);
    }
}
