//! What a failed check found, as data. Every sentence a report prints about a failure is
//! rendered here, once, from these fields; the runner, the hints and every reporter read the
//! fields, never the sentences (design §2.12, "findings are data").

use serde_json::Value;

use super::server_error::ServerError;
use super::short;
use crate::attributes::{AttrPath, AttrType, ResourceKind};

/// What a check looked at. Rendered as the check's subject ("attribute `department`").
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Status,
    Body,
    ContentType,
    ListResponse,
    /// `totalResults` and the listed resources.
    Count,
    /// The listed resources against the filter that was sent.
    Filter {
        attr: AttrPath,
        value: String,
    },
    Resource(ResourceKind),
    Attribute(AttrPath),
    Members,
    MembersExcluded,
    Capture(String),
    Manager,
    /// The next cycle's comparison of the server's values with Entra's source.
    Resync,
    /// A 429's `Retry-After`.
    RetryAfter,
    /// A mapped attribute in `GET /Schemas`.
    Schema(AttrPath),
    /// The rate the server sustains.
    Rate,
    /// The OAuth access token's `expires_in`.
    TokenLifetime,
}

impl Target {
    /// The subject as reports print it.
    pub fn describe(&self) -> String {
        match self {
            Target::Status => "status".into(),
            Target::Body => "body".into(),
            Target::ContentType => "Content-Type".into(),
            Target::ListResponse => "ListResponse".into(),
            Target::Count => "number of results".into(),
            Target::Filter { attr, value } => format!("results match `{attr} eq \"{value}\"`"),
            Target::Resource(kind) => format!("{} resource", kind.name()),
            Target::Attribute(path) => format!("attribute `{path}`"),
            Target::Members => "members".into(),
            Target::MembersExcluded => "members excluded".into(),
            Target::Capture(name) => format!("capture `{name}`"),
            Target::Manager => "manager".into(),
            Target::Resync => "nothing to PATCH".into(),
            Target::RetryAfter => "Retry-After".into(),
            Target::Schema(path) => format!("`{path}` in /Schemas"),
            Target::Rate => "requests per second".into(),
            Target::TokenLifetime => "token lifetime".into(),
        }
    }

    /// The attribute a check of this target is about.
    pub fn attribute(&self) -> Option<&AttrPath> {
        match self {
            Target::Attribute(path) | Target::Schema(path) => Some(path),
            Target::Filter { attr, .. } => Some(attr),
            _ => None,
        }
    }
}

/// Why a body is not the JSON Entra parses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotJson {
    /// A login page or a proxy's page.
    Html,
    Empty,
    /// The parser's own error.
    Invalid(String),
    /// JSON of more values than scimcheck reads in one answer ([`super::MAX_VALUES`]).
    TooManyValues,
}

/// What is wrong with a ListResponse (RFC 7644 §3.4.2).
#[derive(Clone, Debug, PartialEq)]
pub enum ListProblem {
    NotAnObject(Value),
    /// `schemas` lacks the ListResponse URN; the value found (`None`: absent).
    Schemas(Option<Value>),
    TotalResultsMissing,
    TotalResultsNotInteger(Value),
    /// The results are under another spelling (`resources`).
    ResourcesCasing(String),
    ResourcesMissing {
        total: u64,
    },
    ResourcesNotArray(Value),
}

/// What is wrong with a resource (RFC 7643 §3).
#[derive(Clone, Debug, PartialEq)]
pub enum ResourceProblem {
    NotAnObject(Value),
    Schemas {
        kind: ResourceKind,
        found: Option<Value>,
    },
    IdMissing,
    IdNotString(Value),
    /// An id that cannot be put into a URL as one path segment (`..`, a control character):
    /// no request is sent for the object (see [`crate::id`]).
    IdUnusable {
        id: String,
        problem: crate::id::IdProblem,
    },
    /// `meta` absent (`None`) or not an object.
    Meta(Option<Value>),
}

/// How an attribute differs from what Entra sent.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrProblem {
    Absent,
    /// Another JSON type than the table's.
    WrongType {
        actual: Value,
        ty: AttrType,
    },
    /// Another value: Entra's change was lost.
    WrongValue(Value),
}

/// How the enterprise `manager` differs from what Entra set (§3.6).
#[derive(Clone, Debug, PartialEq)]
pub enum ManagerProblem {
    /// Entra removed it; the server still holds this.
    StillSet(Value),
    Absent,
    /// A bare string where Entra needs `{"value": id}`.
    BareString(String),
    Other(Value),
}

/// One attribute the next cycle would PATCH again.
#[derive(Clone, Debug, PartialEq)]
pub struct Differing {
    pub path: AttrPath,
    pub sent: Value,
    /// What the server returns (`None`: nothing).
    pub returned: Option<Value>,
}

/// A manager Entra set, by id and by the scenario's name for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// What a failed check found.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    Status {
        allowed: Vec<u16>,
        received: u16,
        /// The server's error, parsed (RFC 7644 §3.12, or a framework's own shape).
        error: Option<ServerError>,
    },
    NotJson(NotJson),
    ContentType {
        received: Option<String>,
    },
    List(ListProblem),
    ListCount {
        expected: u64,
        total: u64,
        listed: u64,
    },
    /// A listed resource does not match the `eq` filter (`found`: its value, if any).
    ListMismatch {
        attr: AttrPath,
        value: String,
        found: Option<String>,
    },
    /// A lookup found one resource, but not the object created with that value: its `id` is
    /// `found`, Entra linked `expected` (§3.4, §4.1).
    ListWrongId {
        expected: String,
        found: Option<String>,
    },
    Resource(ResourceProblem),
    Attribute {
        path: AttrPath,
        expected: Value,
        problem: AttrProblem,
    },
    /// Member names (sorted) expected and found, and the differences.
    Members {
        expected: Vec<String>,
        actual: Vec<String>,
        missing: Vec<String>,
        extra: Vec<String>,
    },
    MembersReturned(Value),
    BodyMismatch {
        expected: Value,
        actual: Value,
        diff: String,
    },
    CaptureMissing {
        pointer: String,
    },
    Manager {
        expected: Option<Named>,
        problem: ManagerProblem,
    },
    Resync(Vec<Differing>),
    /// A 429 without `Retry-After`.
    NoRetryAfter,
    /// A mapped attribute `GET /Schemas` does not describe; `missing` says what is absent.
    Undiscoverable {
        kind: ResourceKind,
        path: AttrPath,
        missing: String,
    },
    /// The server did not sustain the rate: what was asked, what it answered, and how many
    /// answers were errors (not 2xx, 429 aside).
    RateNotHeld {
        target_rps: f64,
        throughput_rps: f64,
        errors: u64,
    },
    /// The access token's lifetime (`None`: no `expires_in`) is outside 60–360 minutes.
    TokenLifetime {
        lifetime: Option<std::time::Duration>,
    },
}

/// The write a read-back checks: "PATCH returned 204 but …".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteAnswer {
    pub method: &'static str,
    pub status: u16,
}

impl Finding {
    /// One sentence for a person: what is wrong. `after` prefixes a read-back's finding.
    pub fn message(&self, after: Option<WriteAnswer>) -> String {
        let prefix = after.map_or_else(String::new, |w| {
            format!("{} returned {} but ", w.method, w.status)
        });
        format!("{prefix}{}", self.sentence())
    }

    fn sentence(&self) -> String {
        match self {
            Finding::Status {
                allowed,
                received,
                error,
            } => {
                let detail = error
                    .as_ref()
                    .and_then(ServerError::summary)
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default();
                format!("expected status {}, got {received}{detail}", or_list(allowed))
            }
            Finding::NotJson(problem) => format!("the body is {}", not_json(problem)),
            Finding::ContentType { received } => format!(
                "responses must be `{}`, this one is `{}`",
                crate::scim::MEDIA_TYPE,
                received.as_deref().unwrap_or("(none)")
            ),
            Finding::List(problem) => list_sentence(problem),
            Finding::ListCount {
                expected,
                total,
                listed,
            } => count_sentence(*expected, *total, *listed),
            Finding::ListMismatch { attr, value, found } => format!(
                "the filter `{attr} eq \"{value}\"` returned a resource whose `{attr}` is {}: the server ignores or mis-evaluates the filter",
                quoted(found.as_deref())
            ),
            Finding::ListWrongId { expected, found } => format!(
                "the lookup found a resource whose `id` is {}, not `{expected}`, the object Entra created with that value: Entra would link the wrong object",
                quoted(found.as_deref())
            ),
            Finding::Resource(problem) => resource_sentence(problem),
            Finding::Attribute {
                path,
                expected,
                problem,
            } => match problem {
                AttrProblem::Absent => format!("`{path}` is absent"),
                AttrProblem::WrongType { actual, ty } => format!(
                    "`{path}` is {} where a {} is expected",
                    short(actual),
                    ty.name()
                ),
                AttrProblem::WrongValue(actual) => format!(
                    "`{path}` is {} instead of {}",
                    short(actual),
                    short(expected)
                ),
            },
            Finding::Members { missing, extra, .. } => {
                let mut problems = Vec::new();
                if !missing.is_empty() {
                    problems.push(format!("{} missing", missing.join(", ")));
                }
                if !extra.is_empty() {
                    problems.push(format!("{} still present", extra.join(", ")));
                }
                format!("the members are wrong: {}", problems.join("; "))
            }
            Finding::MembersReturned(_) => {
                "the request said `excludedAttributes=members` but the response lists `members`"
                    .into()
            }
            Finding::BodyMismatch { diff, .. } => format!(
                "the body does not contain the expected JSON: {}",
                diff.replace('\n', "; ")
            ),
            Finding::CaptureMissing { pointer } => {
                format!("`{pointer}` is not in the response body")
            }
            Finding::Manager { problem, .. } => match problem {
                ManagerProblem::StillSet(_) => "the manager is still set".into(),
                ManagerProblem::Absent => "`manager` is absent from the enterprise extension; Entra will PATCH it again every cycle".into(),
                ManagerProblem::BareString(s) => format!("`manager` comes back as the bare string \"{s}\"; Entra needs an object {{\"value\": …}} and fails with \"not able to deserialize\""),
                ManagerProblem::Other(v) => format!("`manager` is {} instead of the manager's id", short(v)),
            },
            Finding::Resync(differing) => {
                let list: Vec<String> = differing
                    .iter()
                    .map(|d| {
                        format!(
                            "`{}` (Entra sends {}, the server returns {})",
                            d.path,
                            short(&d.sent),
                            d.returned.as_ref().map_or_else(|| "nothing".to_owned(), short)
                        )
                    })
                    .collect();
                format!(
                    "Entra would PATCH {} on every cycle (every 40 minutes): {}",
                    if differing.len() == 1 {
                        "this attribute"
                    } else {
                        "these attributes"
                    },
                    list.join("; ")
                )
            }
            Finding::NoRetryAfter => "the server answered 429 without `Retry-After`: Entra can only guess how long to back off (the gallery checklist asks for it)".into(),
            Finding::Undiscoverable { kind, path, missing } => format!(
                "the {} mapping sends `{path}`, but /Schemas does not describe it ({missing}); Schema_Discoverability_Test fails",
                kind.name().to_ascii_lowercase()
            ),
            Finding::RateNotHeld { target_rps, throughput_rps, errors } => format!(
                "asked for {target_rps} requests/s, the server answered {throughput_rps}/s with {errors} error(s); gallery apps must sustain 25/s"
            ),
            Finding::TokenLifetime { lifetime } => match lifetime {
                None => "the token endpoint sent no `expires_in`; Validate_Credentials_Test requires 60–360 minutes".into(),
                Some(l) => format!("the access token lives {} s, outside the 60–360 minutes Validate_Credentials_Test requires", l.as_secs()),
            },
        }
    }

    /// What Entra expects, in a few words.
    pub fn expected(&self) -> String {
        match self {
            Finding::Status { allowed, .. } => or_list(allowed),
            Finding::NotJson(_) => "a SCIM JSON body".into(),
            Finding::ContentType { .. } => crate::scim::MEDIA_TYPE.into(),
            Finding::List(problem) => match problem {
                ListProblem::NotAnObject(_) => "a ListResponse object".into(),
                ListProblem::Schemas(_) => crate::scim::LIST_RESPONSE_SCHEMA.into(),
                ListProblem::TotalResultsMissing | ListProblem::TotalResultsNotInteger(_) => {
                    "an integer".into()
                }
                ListProblem::ResourcesCasing(_) | ListProblem::ResourcesMissing { .. } => {
                    "`Resources`".into()
                }
                ListProblem::ResourcesNotArray(_) => "an array".into(),
            },
            Finding::ListCount { expected, .. } => expected.to_string(),
            Finding::ListMismatch { value, .. } => format!("\"{value}\""),
            Finding::ListWrongId { expected, .. } => format!("\"{expected}\""),
            Finding::Resource(problem) => match problem {
                ResourceProblem::NotAnObject(_) => "a resource object".into(),
                ResourceProblem::Schemas { kind, .. } => kind.schema().into(),
                ResourceProblem::IdMissing | ResourceProblem::IdNotString(_) => "a string".into(),
                ResourceProblem::IdUnusable { .. } => "an id usable as a URL path segment".into(),
                ResourceProblem::Meta(_) => "an object".into(),
            },
            Finding::Attribute { expected, .. } => short(expected),
            Finding::Members { expected, .. } => names(expected),
            Finding::MembersReturned(_) => "no `members`".into(),
            Finding::BodyMismatch { expected, .. } => short(expected),
            Finding::CaptureMissing { pointer } => pointer.clone(),
            Finding::Manager { expected, .. } => expected.as_ref().map_or_else(
                || "absent".to_owned(),
                |m| format!("{{\"value\":\"{}\"}} ({})", m.id, m.name),
            ),
            Finding::Resync(_) => "values as Entra sent them".into(),
            Finding::NoRetryAfter => "a `Retry-After` header".into(),
            Finding::Undiscoverable { .. } => "described in /Schemas".into(),
            Finding::RateNotHeld { target_rps, .. } => format!("{target_rps}/s, no errors"),
            Finding::TokenLifetime { .. } => "60–360 minutes".into(),
        }
    }

    /// What the server answered, in a few words.
    pub fn actual(&self) -> String {
        match self {
            Finding::Status { received, .. } => received.to_string(),
            Finding::NotJson(problem) => not_json(problem),
            Finding::ContentType { received } => received.clone().unwrap_or("(none)".into()),
            Finding::List(problem) => match problem {
                ListProblem::NotAnObject(v) | ListProblem::TotalResultsNotInteger(v) => short(v),
                ListProblem::Schemas(v) => v.as_ref().map_or("absent".into(), short),
                ListProblem::TotalResultsMissing | ListProblem::ResourcesMissing { .. } => {
                    "absent".into()
                }
                ListProblem::ResourcesCasing(key) => format!("`{key}`"),
                ListProblem::ResourcesNotArray(v) => short(v),
            },
            Finding::ListCount { total, listed, .. } => {
                format!("totalResults {total}, {listed} listed")
            }
            Finding::ListMismatch { found, .. } | Finding::ListWrongId { found, .. } => {
                quoted(found.as_deref())
            }
            Finding::Resource(problem) => match problem {
                ResourceProblem::NotAnObject(v) | ResourceProblem::IdNotString(v) => short(v),
                ResourceProblem::Schemas { found, .. } | ResourceProblem::Meta(found) => {
                    found.as_ref().map_or("absent".into(), short)
                }
                ResourceProblem::IdMissing => "absent".into(),
                ResourceProblem::IdUnusable { id, .. } => format!("\"{}\"", crate::id::shown(id)),
            },
            Finding::Attribute { problem, .. } => match problem {
                AttrProblem::Absent => "absent".into(),
                AttrProblem::WrongType { actual, .. } | AttrProblem::WrongValue(actual) => {
                    short(actual)
                }
            },
            Finding::Members { actual, .. } => names(actual),
            Finding::MembersReturned(members) => short(members),
            Finding::BodyMismatch { actual, .. } => short(actual),
            Finding::CaptureMissing { .. } => "absent".into(),
            Finding::Manager { problem, .. } => match problem {
                ManagerProblem::Absent => "absent".into(),
                ManagerProblem::BareString(s) => format!("\"{s}\""),
                ManagerProblem::StillSet(v) | ManagerProblem::Other(v) => short(v),
            },
            Finding::Resync(differing) => format!("{} attribute(s) differ", differing.len()),
            Finding::NoRetryAfter => "absent".into(),
            Finding::Undiscoverable { missing, .. } => missing.clone(),
            Finding::RateNotHeld {
                throughput_rps,
                errors,
                ..
            } => {
                format!("{throughput_rps}/s, {errors} error(s)")
            }
            Finding::TokenLifetime { lifetime } => lifetime.map_or_else(
                || "no expires_in".to_owned(),
                |l| format!("{} s", l.as_secs()),
            ),
        }
    }

    /// The server's error, for a status finding.
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Finding::Status { error, .. } => error.as_ref(),
            _ => None,
        }
    }
}

fn or_list(statuses: &[u16]) -> String {
    statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

fn not_json(problem: &NotJson) -> String {
    match problem {
        NotJson::Html => {
            "an HTML page (a login page or a proxy in front of the SCIM service?)".into()
        }
        NotJson::Empty => "an empty body".into(),
        NotJson::Invalid(error) => format!("not JSON ({error})"),
        NotJson::TooManyValues => format!(
            "JSON of more than {} values, more than any SCIM answer holds (scimcheck parses no further)",
            super::MAX_VALUES
        ),
    }
}

fn quoted(value: Option<&str>) -> String {
    value.map_or("absent".to_owned(), |v| format!("\"{v}\""))
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(", ")
    }
}

fn list_sentence(problem: &ListProblem) -> String {
    match problem {
        ListProblem::NotAnObject(_) => "the body is not a JSON object".into(),
        ListProblem::Schemas(_) => format!(
            "`schemas` must contain `{}`",
            crate::scim::LIST_RESPONSE_SCHEMA
        ),
        ListProblem::TotalResultsMissing => "`totalResults` is missing".into(),
        ListProblem::TotalResultsNotInteger(_) => {
            "`totalResults` must be a non-negative integer".into()
        }
        ListProblem::ResourcesCasing(key) => {
            format!("the results are under `{key}`; Entra reads only `Resources`")
        }
        ListProblem::ResourcesMissing { total } => {
            format!("`totalResults` is {total} but `Resources` is missing")
        }
        ListProblem::ResourcesNotArray(_) => "`Resources` must be an array".into(),
    }
}

fn count_sentence(expected: u64, total: u64, listed: u64) -> String {
    if expected == 0 && total > 0 {
        format!("expected no match, the server found {total}: a filter for an object that does not exist must find nothing")
    } else if expected == 1 && total == 0 {
        "expected exactly one match, the server found none".to_owned()
    } else if total != listed {
        format!("`totalResults` is {total} but `Resources` lists {listed}")
    } else {
        format!("expected {expected} result(s), the server found {total}")
    }
}

fn resource_sentence(problem: &ResourceProblem) -> String {
    match problem {
        ResourceProblem::NotAnObject(_) => "the body is not a JSON object".into(),
        ResourceProblem::Schemas { kind, .. } => {
            format!("`schemas` must contain `{}`", kind.schema())
        }
        ResourceProblem::IdMissing => {
            "`id` is missing; Entra caches it to address the object".into()
        }
        ResourceProblem::IdNotString(_) => "`id` must be a non-empty string".into(),
        ResourceProblem::IdUnusable { problem, .. } => format!(
            "`id` cannot address the resource: {}; Entra reads, updates and deletes it at /Users/{{id}}, so no request was sent with it",
            problem.describe()
        ),
        ResourceProblem::Meta(_) => "`meta` is missing or not an object".into(),
    }
}
