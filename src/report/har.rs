//! The transcript (`--transcript PATH`): every exchange of the run, the steps' and cleanup's,
//! as an HTTP Archive (HAR 1.2) that browsers' developer tools, Fiddler and Charles open.
//!
//! The HAR types are written here by hand: the `har` crate's current release needs a newer
//! Rust than this crate's `rust-version`, and its previous one depends on the unmaintained
//! `serde_yaml`; the part of the format we write is small.
//!
//! The runner records how long each exchange took, not when it started; an entry's
//! `startedDateTime` is derived from the run's start plus the durations of the scenarios,
//! steps and exchanges before it, so it is a little early but in order. Each entry's `comment`
//! names the scenario, profile and step it belongs to (or `cleanup`). Only the time waiting
//! for the answer is known, so `timings` is `{send: 0, wait: time, receive: 0}`. A request
//! that got no answer has status 0 and the verdict in `_error` (Chrome's convention for
//! failed requests).
//!
//! Secrets are masked as in every report: the token and cookies read `***`.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::context::{rfc3339, ReportContext};
use crate::http::Exchange;
use crate::run::RunSummary;

/// The HTTP version of every request: the client speaks HTTP/1.1 only (reqwest without its
/// `http2` feature).
const HTTP_VERSION: &str = "HTTP/1.1";

#[derive(Serialize)]
struct Creator {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    started_date_time: String,
    time: f64,
    request: Request,
    response: Response,
    cache: Cache,
    timings: Timings,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    method: &'static str,
    url: String,
    http_version: &'static str,
    cookies: Vec<NameValue>,
    headers: Vec<NameValue>,
    query_string: Vec<NameValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostData>,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    mime_type: String,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    status: u16,
    status_text: String,
    http_version: &'static str,
    cookies: Vec<NameValue>,
    headers: Vec<NameValue>,
    content: Content,
    #[serde(rename = "redirectURL")]
    redirect_url: String,
    headers_size: i64,
    body_size: i64,
    #[serde(rename = "_error", skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    size: i64,
    mime_type: String,
    text: String,
}

#[derive(Serialize)]
struct Cache {}

#[derive(Serialize)]
struct Timings {
    send: f64,
    wait: f64,
    receive: f64,
}

#[derive(Serialize)]
struct NameValue {
    name: String,
    value: String,
}

/// The run's exchanges as a HAR 1.2 document (pretty-printed JSON ending with a newline).
pub fn render(summary: &RunSummary, ctx: &ReportContext) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    write(summary, ctx, &mut out).map_err(serde_json::Error::io)?;
    // Only `serde_json` and `str` text went in.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Writes the HAR document to `out` one entry at a time, so a long run's transcript is never
/// held whole in memory (issue 11: 82 MB of HAR were built as one value). The layout is
/// `serde_json`'s pretty printing of the whole document.
pub fn write(
    summary: &RunSummary,
    ctx: &ReportContext,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let creator = Creator {
        name: "scimcheck",
        version: ctx.version(),
    };
    let creator = indent(&serde_json::to_string_pretty(&creator)?, "    ");
    write!(
        out,
        "{{\n  \"log\": {{\n    \"version\": \"1.2\",\n    \"creator\": {creator},\n    \"entries\": ["
    )?;
    let mut entries = Entries { out, first: true };
    let mut cleanup_at = ctx.started_at;
    for (scenario, started) in summary.scenarios.iter().zip(ctx.scenario_starts(summary)) {
        let mut step_at = started;
        for step in &scenario.steps {
            let comment = format!(
                "{} [{}] / {}",
                scenario.name,
                scenario.profile.name(),
                step.name
            );
            entries.push(ctx, &step.exchanges, step_at, &comment)?;
            step_at += step.elapsed;
        }
        cleanup_at = started + scenario.elapsed;
    }
    entries.push(ctx, &summary.cleanup.exchanges, cleanup_at, "cleanup")?;
    let close = if entries.first { "]" } else { "\n    ]" };
    writeln!(entries.out, "{close}\n  }}\n}}")
}

/// The `entries` array as it is written.
struct Entries<'w> {
    out: &'w mut dyn std::io::Write,
    first: bool,
}

impl Entries<'_> {
    /// Writes one entry per exchange, the first starting at `at`, each after the one before.
    fn push(
        &mut self,
        ctx: &ReportContext,
        exchanges: &[Exchange],
        mut at: SystemTime,
        comment: &str,
    ) -> std::io::Result<()> {
        for exchange in exchanges {
            let entry = entry(&ctx.exchange(exchange), at, ctx.text(comment));
            let text = indent(&serde_json::to_string_pretty(&entry)?, "      ");
            let comma = if self.first { "" } else { "," };
            write!(self.out, "{comma}\n      {text}")?;
            self.first = false;
            at += exchange.elapsed;
        }
        Ok(())
    }
}

/// `json` with every line after the first indented by `by` (JSON strings hold no raw line
/// breaks, so this only moves the layout).
fn indent(json: &str, by: &str) -> String {
    json.replace('\n', &format!("\n{by}"))
}

/// An entry for an exchange already redacted by [`ReportContext::exchange`].
fn entry(redacted: &Exchange, at: SystemTime, comment: String) -> Entry {
    let time = ms(redacted.elapsed);
    let sent = &redacted.sent;
    let request = Request {
        method: sent.method,
        url: sent.url.clone(),
        http_version: HTTP_VERSION,
        cookies: Vec::new(),
        headers: name_values(&sent.headers),
        query_string: query(&sent.url),
        post_data: sent.body.as_ref().map(|body| PostData {
            mime_type: header(&sent.headers, "content-type")
                .unwrap_or("application/scim+json")
                .to_owned(),
            text: body.clone(),
        }),
        headers_size: -1,
        body_size: sent.body.as_ref().map_or(0, |b| size(b)),
    };
    let response = match &redacted.received {
        Ok(received) => Response {
            status: received.status,
            status_text: reqwest::StatusCode::from_u16(received.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or_default()
                .to_owned(),
            http_version: HTTP_VERSION,
            cookies: Vec::new(),
            headers: name_values(&received.headers),
            content: Content {
                size: received_size(received),
                mime_type: received
                    .header("content-type")
                    .unwrap_or_default()
                    .to_owned(),
                text: received.body.clone(),
            },
            // A 201's `Location` names the new resource, not a redirect.
            redirect_url: if (300..400).contains(&received.status) {
                received.header("location").unwrap_or_default().to_owned()
            } else {
                String::new()
            },
            headers_size: -1,
            body_size: received_size(received),
            error: None,
        },
        Err(error) => Response {
            status: 0,
            status_text: String::new(),
            http_version: HTTP_VERSION,
            cookies: Vec::new(),
            headers: Vec::new(),
            content: Content {
                size: 0,
                mime_type: String::new(),
                text: String::new(),
            },
            redirect_url: String::new(),
            headers_size: -1,
            body_size: -1,
            error: Some(error.verdict()),
        },
    };
    Entry {
        started_date_time: rfc3339(at),
        time,
        request,
        response,
        cache: Cache {},
        timings: Timings {
            send: 0.0,
            wait: time,
            receive: 0.0,
        },
        comment,
    }
}

fn name_values(pairs: &[(String, String)]) -> Vec<NameValue> {
    pairs
        .iter()
        .map(|(name, value)| NameValue {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The decoded query pairs of a URL (empty when it has none or does not parse).
fn query(url: &str) -> Vec<NameValue> {
    url::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(name, value)| NameValue {
                    name: name.into_owned(),
                    value: value.into_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The response body's size as it came, also when the transcript keeps only its first part.
fn received_size(received: &crate::http::Received) -> i64 {
    received.full_size.map_or_else(
        || size(&received.body),
        |n| i64::try_from(n).unwrap_or(i64::MAX),
    )
}

fn size(body: &str) -> i64 {
    i64::try_from(body.len()).unwrap_or(i64::MAX)
}

/// Milliseconds with their fraction, as HAR times are.
fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Received, Sent, TransportError, TransportErrorKind};
    use crate::profile::Profile;
    use crate::redact::{Redactor, Secret};
    use crate::run::CleanupReport;

    #[test]
    fn entries_carry_decoded_queries_masked_cookies_and_a_status_0_for_no_answer() {
        let answered = Exchange {
            sent: Sent {
                method: "GET",
                url: "http://h/scim/Users?filter=userName+eq+%22a%22".into(),
                headers: vec![("Authorization".into(), "Bearer ***".into())],
                body: None,
            },
            received: Ok(Received {
                full_size: None,
                status: 200,
                headers: vec![
                    ("content-type".into(), "application/scim+json".into()),
                    ("set-cookie".into(), "s=tok-xyz".into()),
                ],
                body: "{}".into(),
            }),
            elapsed: Duration::from_millis(4),
        };
        let mut refused = answered.clone();
        refused.received = Err(TransportError {
            authority: "h:80".into(),
            kind: TransportErrorKind::Refused,
        });
        let summary = RunSummary {
            run_id: "r".into(),
            scenarios: Vec::new(),
            cleanup: CleanupReport {
                exchanges: vec![answered, refused],
                ..CleanupReport::default()
            },
            interrupted: false,
            elapsed: Duration::from_millis(10),
        };
        let mut ctx = ReportContext::new(
            "http://h/scim",
            vec![Profile::Rfc],
            Redactor::new([Secret::new("tok-xyz")]),
        );
        ctx.started_at = SystemTime::UNIX_EPOCH;
        let har: serde_json::Value =
            serde_json::from_str(&render(&summary, &ctx).expect("renders")).expect("JSON");
        let entries = har["log"]["entries"].as_array().expect("entries");
        assert_eq!(entries[0]["startedDateTime"], "1970-01-01T00:00:00.000Z");
        assert_eq!(entries[1]["startedDateTime"], "1970-01-01T00:00:00.004Z");
        assert_eq!(
            entries[0]["request"]["queryString"],
            serde_json::json!([{"name": "filter", "value": "userName eq \"a\""}])
        );
        assert_eq!(entries[0]["response"]["headers"][1]["value"], "***");
        assert_eq!(entries[0]["response"]["statusText"], "OK");
        assert_eq!(
            entries[0]["timings"],
            serde_json::json!({"send": 0.0, "wait": 4.0, "receive": 0.0})
        );
        assert_eq!(entries[1]["response"]["status"], 0);
        assert_eq!(
            entries[1]["response"]["_error"],
            "connection refused: nothing listens on h:80"
        );
        assert_eq!(entries[1]["comment"], "cleanup");
    }
}
