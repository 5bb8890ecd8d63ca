//! What the rules read: each failure with the exchange it was about ([`Failure`]), and facts
//! about the whole run that tell causes apart ([`Facts`]: "was any PascalCase PATCH accepted?").
//! Everything here is read from the run's results; nothing sends a request.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::attributes::AttrPath;
use crate::check::server_error::{Cause, ServerError};
use crate::check::{AttrProblem, CheckId, CheckResult, Finding, Severity};
use crate::http::{Exchange, Received, TransportError, TransportErrorKind};
use crate::run::{NotRun, RunSummary, StepOutcome, StepStatus};
use crate::scim;

/// One thing that went wrong: a failed check, or a step that got no answer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Failure<'a> {
    pub(crate) step: &'a StepOutcome,
    /// The failed check; `None` when the step got no answer (a transport error).
    pub(crate) check: Option<&'a CheckResult>,
    /// The exchange the check read, or the one that got no answer.
    pub(crate) exchange: Option<&'a Exchange>,
}

impl<'a> Failure<'a> {
    /// Every failure of the run, in run order.
    pub(crate) fn all(summary: &'a RunSummary) -> Vec<Failure<'a>> {
        let mut out = Vec::new();
        for step in summary.scenarios.iter().flat_map(|s| &s.steps) {
            if let StepStatus::NotRun(NotRun::Transport(_)) = step.status {
                // The request that got no answer is the last one (a batch POSTs users first).
                let unanswered = step.exchanges.iter().rev().find(|e| e.received.is_err());
                out.push(Failure {
                    step,
                    check: None,
                    exchange: unanswered.or(step.exchanges.first()),
                });
            }
            for check in step.failures() {
                out.push(Failure {
                    step,
                    check: Some(check),
                    exchange: step.exchange(check.exchange),
                });
            }
        }
        out
    }

    /// The kind of the failed check.
    pub(crate) fn kind(&self) -> Option<CheckId> {
        self.check.map(|c| c.id)
    }

    /// Whether the failed check is of this kind.
    pub(crate) fn is(&self, kind: CheckId) -> bool {
        self.kind() == Some(kind)
    }

    /// How much it matters; an unanswered request breaks Entra.
    pub(crate) fn severity(&self) -> Severity {
        self.check.map_or(Severity::BreaksEntra, |c| c.severity)
    }

    /// What the failed check found.
    pub(crate) fn finding(&self) -> Option<&'a Finding> {
        self.check?.finding()
    }

    /// The failed check's sentence, or the transport verdict.
    pub(crate) fn message(&self) -> String {
        match (self.check, self.transport()) {
            (Some(check), _) => check.message(),
            (None, Some(error)) => error.verdict(),
            (None, None) => String::new(),
        }
    }

    /// The attribute path the failed check is about.
    pub(crate) fn attribute(&self) -> Option<&'a AttrPath> {
        self.check?.target.attribute()
    }

    /// The server's error, parsed, when the failure is a refused request.
    pub(crate) fn server_error(&self) -> Option<&'a ServerError> {
        self.finding()?.server_error()
    }

    /// The causes the server's words name for this request.
    pub(crate) fn causes(&self) -> Vec<Cause> {
        self.server_error()
            .map(|e| e.causes(self.sent_json().as_ref()))
            .unwrap_or_default()
    }

    /// Whether the failure is an attribute found absent.
    pub(crate) fn is_absent_attribute(&self) -> bool {
        matches!(
            self.finding(),
            Some(Finding::Attribute {
                problem: AttrProblem::Absent,
                ..
            })
        )
    }

    /// The answer, if one came.
    pub(crate) fn received(&self) -> Option<&'a Received> {
        self.exchange?.response()
    }

    /// Why no answer came.
    pub(crate) fn transport(&self) -> Option<&'a TransportError> {
        self.exchange?.received.as_ref().err()
    }

    /// Whether no answer came for this kind of reason.
    pub(crate) fn transport_is(&self, kind: fn(&TransportErrorKind) -> bool) -> bool {
        self.transport().is_some_and(|e| kind(&e.kind))
    }

    /// The answer's status.
    pub(crate) fn status(&self) -> Option<u16> {
        self.received().map(|r| r.status)
    }

    /// The request's method, `GET`, `PATCH`, …
    pub(crate) fn method(&self) -> &'a str {
        self.exchange.map_or("", |e| e.sent.method)
    }

    /// Whether the request was a write the server refused as malformed: a 4xx other than the
    /// credential, path, method and media-type answers, which say nothing about the body.
    pub(crate) fn rejected_write(&self) -> bool {
        matches!(self.method(), "POST" | "PATCH")
            && self.status().is_some_and(|s| {
                (400..500).contains(&s) && !matches!(s, 401 | 403 | 404 | 405 | 406)
            })
    }

    /// The request body as JSON.
    pub(crate) fn sent_json(&self) -> Option<Value> {
        self.exchange?
            .sent
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
    }

    /// The server's own words for the error (RFC 7644 §3.12 `detail`, or a framework's
    /// message), cut to one line.
    pub(crate) fn detail(&self) -> Option<String> {
        let error = match self.server_error() {
            Some(error) => error.clone(),
            None => ServerError::parse(self.received()?)?,
        };
        error.quote(160)
    }

    /// Whether the server's error words or `scimType` mention any of `words` (lower-case).
    pub(crate) fn detail_mentions(&self, words: &[&str]) -> bool {
        let Some(error) = self
            .server_error()
            .cloned()
            .or_else(|| ServerError::parse(self.received()?))
        else {
            return false;
        };
        let text = format!(
            "{} {} {}",
            error.detail.unwrap_or_default(),
            error.scim_type.unwrap_or_default(),
            error.fields.join(" ")
        )
        .to_ascii_lowercase();
        words.iter().any(|w| text.contains(w))
    }

    /// The value of the `eq` filter the request sent (`userName eq "a@x"` → `a@x`).
    pub(crate) fn filter_value(&self) -> Option<String> {
        filter_value(&self.exchange?.sent.url)
    }

    /// The request as `METHOD /path?query`, the way an admin finds it in server logs.
    pub(crate) fn request(&self) -> String {
        self.exchange.map_or_else(String::new, |e| {
            format!("{} {}", e.sent.method, path_and_query(&e.sent.url))
        })
    }

    /// `METHOD /path → status: detail`, the evidence most hints quote.
    pub(crate) fn answered(&self) -> String {
        let Some(received) = self.received() else {
            return format!("{}: {}", self.request(), self.message());
        };
        match self.detail() {
            Some(detail) => format!("{} → {}: \"{detail}\"", self.request(), received.status),
            None => format!("{} → {}", self.request(), received.status),
        }
    }

    /// Whether the request carried the bearer token (the client records it as `Bearer ***`).
    pub(crate) fn sent_token(&self) -> bool {
        self.exchange.is_some_and(carries_token)
    }
}

/// Facts about the whole run that tell one cause from another.
#[derive(Clone, Debug, Default)]
pub(crate) struct Facts {
    /// A request to `/Users` or `/Groups` got a 2xx JSON answer: the Tenant URL's path is right.
    pub(crate) collection_answered: bool,
    /// A POST to `/Users` or `/Groups` got 404 or 405: the collection itself is not there.
    pub(crate) collection_post_refused: bool,
    /// A plain GET of `/Users` or `/Groups` (no filter: `connect`'s follow-up) got 404.
    pub(crate) collection_get_refused: bool,
    /// A request with the token got a 2xx JSON answer: the token is accepted.
    pub(crate) token_accepted: bool,
    /// A PATCH with a PascalCase `op` (`"Replace"`) got a 2xx answer.
    pub(crate) pascal_op_accepted: bool,
    /// A write carrying a `"True"`/`"False"` string got a 2xx answer.
    pub(crate) string_boolean_accepted: bool,
    /// A write carrying `"$ref": null` got a 2xx answer.
    pub(crate) null_ref_accepted: bool,
    /// A PATCH with an operation without `path` got a 2xx answer.
    pub(crate) no_path_accepted: bool,
    /// A user PATCH with an `add` op that has a `path` got a 2xx answer (Q3).
    pub(crate) add_path_accepted: bool,
    /// A PATCH with a `replace` op that has a `path` got a 2xx answer.
    pub(crate) replace_path_accepted: bool,
    /// A PATCH with an add or replace op on a filtered path got a 2xx answer (Q9).
    pub(crate) filtered_accepted: bool,
    /// A PATCH mixing `add` and `replace` ops got a 2xx answer.
    pub(crate) mixed_accepted: bool,
    /// A user PATCH changing `active` and nothing else got a 2xx answer (§3.7).
    pub(crate) active_alone_accepted: bool,
    /// A group filter query found a group.
    pub(crate) group_found: bool,
    /// `(collection, attribute)` of every filter query answered 2xx.
    pub(crate) filters_answered: BTreeSet<(String, String)>,
    /// Values the server is known to hold: `eq` filter values of lookups that found something,
    /// and the `userName`/`displayName` of resources it created.
    pub(crate) known_values: Vec<String>,
    /// URL paths of resources whose DELETE got a 2xx answer.
    pub(crate) deleted: BTreeSet<String>,
    /// Every attribute a check found absent is an enterprise-extension attribute (and there
    /// is at least one).
    pub(crate) only_enterprise_absent: bool,
}

impl Facts {
    /// Reads the facts from every exchange and failure of the run.
    pub(crate) fn of(summary: &RunSummary, failures: &[Failure<'_>]) -> Facts {
        let mut facts = Facts::default();
        let exchanges = summary
            .scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .flat_map(|s| &s.exchanges);
        for exchange in exchanges {
            let Some(received) = exchange.response() else {
                continue;
            };
            let ok = (200..300).contains(&received.status) && !received.is_html();
            let method = exchange.sent.method;
            let collection = is_collection(&exchange.sent.url);
            facts.collection_answered |= ok && collection;
            facts.collection_post_refused |=
                method == "POST" && collection && matches!(received.status, 404 | 405);
            facts.collection_get_refused |= method == "GET"
                && collection
                && !is_filter_query(&exchange.sent.url)
                && received.status == 404;
            facts.token_accepted |= ok && carries_token(exchange);
            if !ok {
                continue;
            }
            if let Some(filtered) = filter_attribute(&exchange.sent.url) {
                facts.filters_answered.insert(filtered);
            }
            let body = exchange
                .sent
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok());
            if let Some(body) = &body {
                facts.pascal_op_accepted |= method == "PATCH" && pascal_case_op(body).is_some();
                facts.string_boolean_accepted |= string_boolean(body).is_some();
                facts.null_ref_accepted |= has_null_ref(body);
                facts.no_path_accepted |= method == "PATCH" && no_path_op(body).is_some();
                if method == "PATCH" {
                    let users = url_path(&exchange.sent.url).contains("/Users/");
                    facts.add_path_accepted |= users && pathed_op(body, "add").is_some();
                    facts.replace_path_accepted |= pathed_op(body, "replace").is_some();
                    facts.mixed_accepted |= mixes_add_and_replace(body);
                    facts.filtered_accepted |= filtered_path_op(body).is_some();
                    let touched = touched_attributes(body);
                    facts.active_alone_accepted |=
                        users && touched.len() == 1 && touched.iter().all(|a| is_active(a));
                }
                if method == "POST" && collection {
                    let names = ["userName", "displayName"]
                        .iter()
                        .filter_map(|k| body.get(k).and_then(Value::as_str));
                    facts.known_values.extend(names.map(str::to_owned));
                }
            }
            let found =
                crate::check::ListBody::parse(&received.body).is_ok_and(|list| !list.is_empty());
            let groups = url_path(&exchange.sent.url).ends_with("/Groups");
            facts.group_found |= found && groups && is_filter_query(&exchange.sent.url);
            if let (true, Some(value)) = (found, filter_value(&exchange.sent.url)) {
                facts.known_values.push(value);
            }
            if method == "DELETE" {
                facts
                    .deleted
                    .insert(url_path(&exchange.sent.url).to_owned());
            }
        }
        let absent: Vec<&AttrPath> = failures
            .iter()
            .filter(|f| f.is_absent_attribute())
            .filter_map(Failure::attribute)
            .collect();
        facts.only_enterprise_absent = !absent.is_empty()
            && absent
                .iter()
                .all(|p| p.schema() == Some(scim::ENTERPRISE_USER_SCHEMA));
        facts
    }

    /// Whether `id` is the id of a resource the run deleted.
    pub(crate) fn was_deleted(&self, id: &str) -> bool {
        self.deleted
            .iter()
            .any(|p| p.rsplit('/').next() == Some(id))
    }
}

/// The first PATCH operation whose `op` has an upper-case letter (Entra's default `Replace`).
pub(crate) fn pascal_case_op(body: &Value) -> Option<&Value> {
    operations(body).find(|op| {
        op.get("op")
            .and_then(Value::as_str)
            .is_some_and(|name| name.chars().any(char::is_uppercase))
    })
}

/// The first `"True"`/`"False"` string in the body (Entra's default booleans, §5.2 Q2), with
/// the key it is under.
pub(crate) fn string_boolean(body: &Value) -> Option<(String, String)> {
    fn walk(value: &Value, key: &str) -> Option<(String, String)> {
        match value {
            Value::String(s)
                if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
            {
                Some((key.to_owned(), s.clone()))
            }
            Value::Array(items) => items.iter().find_map(|v| walk(v, key)),
            Value::Object(map) => {
                // In a PATCH operation, the value belongs to its `path`.
                let key = map.get("path").and_then(Value::as_str).unwrap_or(key);
                map.iter()
                    .find_map(|(k, v)| walk(v, if k == "value" { key } else { k }))
            }
            _ => None,
        }
    }
    walk(body, "")
}

/// Whether the body holds a member or manager object with `"$ref": null` (§5.2 Q7).
pub(crate) fn has_null_ref(body: &Value) -> bool {
    match body {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| (k == "$ref" && v.is_null()) || has_null_ref(v)),
        Value::Array(items) => items.iter().any(has_null_ref),
        _ => false,
    }
}

/// The first operation removing members by a `value` array (Entra's default, §4.3, Q5).
pub(crate) fn member_value_removal(body: &Value) -> Option<&Value> {
    operations(body).find(|op| {
        let is = |key: &str, want: &str| {
            op.get(key)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(want))
        };
        is("op", "remove") && is("path", "members") && op.get("value").is_some_and(Value::is_array)
    })
}

/// The first PATCH operation `op` (any case) that has a `path`.
pub(crate) fn pathed_op<'b>(body: &'b Value, op: &str) -> Option<&'b Value> {
    operations(body).find(|o| {
        let named = o
            .get("op")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(op));
        named && o.get("path").is_some_and(Value::is_string)
    })
}

/// Whether a PATCH holds both `add` and `replace` ops (any case), as Entra's captures show.
pub(crate) fn mixes_add_and_replace(body: &Value) -> bool {
    let has = |want: &str| {
        operations(body).any(|o| {
            o.get("op")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(want))
        })
    };
    has("add") && has("replace")
}

/// The attributes a PATCH changes: each op's path, or the keys of a pathless value object.
pub(crate) fn touched_attributes(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for op in operations(body) {
        match (op.get("path").and_then(Value::as_str), op.get("value")) {
            (Some(path), _) => out.push(path.to_owned()),
            (None, Some(Value::Object(object))) => out.extend(object.keys().cloned()),
            _ => {}
        }
    }
    out
}

/// Whether an attribute name or path is `active`.
pub(crate) fn is_active(attr: &str) -> bool {
    attr.eq_ignore_ascii_case("active")
}

/// How many members a PATCH removes: the value arrays of `remove` on `members`, and one per
/// `remove` on `members[value eq "…"]` (§4.3, Q5).
pub(crate) fn removed_members(body: &Value) -> usize {
    operations(body)
        .filter(|o| {
            o.get("op")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case("remove"))
        })
        .filter_map(|o| {
            let path = o.get("path").and_then(Value::as_str)?.to_ascii_lowercase();
            match o.get("value") {
                _ if path.starts_with("members[") => Some(1),
                Some(Value::Array(items)) if path == "members" => Some(items.len()),
                _ => None,
            }
        })
        .sum()
}

/// The first PATCH operation without a `path` (its value an attribute object; §5.2 Q4/Q10).
pub(crate) fn no_path_op(body: &Value) -> Option<&Value> {
    operations(body).find(|op| op.get("path").is_none_or(Value::is_null))
}

/// The first add or replace operation on a filtered path, `emails[type eq "work"].value`
/// (§3.5, §9 #6).
pub(crate) fn filtered_path_op(body: &Value) -> Option<&Value> {
    operations(body).find(|op| {
        let adds = op
            .get("op")
            .and_then(Value::as_str)
            .is_some_and(|o| o.eq_ignore_ascii_case("add") || o.eq_ignore_ascii_case("replace"));
        let filtered = op
            .get("path")
            .and_then(Value::as_str)
            .is_some_and(|p| p.contains('['));
        adds && filtered
    })
}

/// Whether a POST body names Entra's legacy ADSCIM group schema (§5.2 Q12).
pub(crate) fn has_adscim_schema(body: &Value) -> bool {
    body.get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|v| v.as_str() == Some(scim::ADSCIM_GROUP_SCHEMA))
        })
}

/// The quoted value of the `eq` filter in a URL's query, decoded.
/// The collection and attribute of a filter query (`/Users`, `externalId` for
/// `/Users?filter=externalId eq "a"`).
pub(crate) fn filter_attribute(url: &str) -> Option<(String, String)> {
    let (path, query) = url.split_once('?')?;
    let filter = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())?;
    let attr = filter.split_whitespace().next()?.to_owned();
    let collection = url_path(path).rsplit('/').next()?.to_owned();
    Some((collection, attr))
}

fn filter_value(url: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    let filter = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())?;
    let (_, rest) = filter.split_once(" eq \"")?;
    rest.split('"').next().map(str::to_owned)
}

fn operations(body: &Value) -> impl Iterator<Item = &Value> {
    body.get("Operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn carries_token(exchange: &Exchange) -> bool {
    exchange
        .sent
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
}

/// The path of a URL, without scheme, host and query.
pub(crate) fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

/// The path and query of a URL.
pub(crate) fn path_and_query(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.find('/').map_or("/", |i| &rest[i..])
}

/// Whether the URL is a collection, `…/Users` or `…/Groups` (§1.1).
pub(crate) fn is_collection(url: &str) -> bool {
    let last = url_path(url).trim_end_matches('/').rsplit('/').next();
    last.is_some_and(|l| l.eq_ignore_ascii_case("Users") || l.eq_ignore_ascii_case("Groups"))
}

/// Whether the request was a filter query (`?filter=…`).
pub(crate) fn is_filter_query(url: &str) -> bool {
    url.split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|p| p.starts_with("filter=")))
}

/// The title of an HTML page, if it has one.
pub(crate) fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = body.get(start..end)?.trim();
    (!title.is_empty()).then(|| title.chars().take(80).collect())
}
