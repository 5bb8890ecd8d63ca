//! [`Exchange`]: the single record of one request and its answer. Checks, the terminal report
//! and every later output read it; nothing else looks at the wire.

use std::fmt::Write as _;
use std::time::Duration;

use super::TransportError;
use crate::redact::MASK;

/// What was sent. `Authorization` is recorded as `Bearer ***`, never with the token.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// What came back.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.body)
    }

    /// Whether the body looks like an HTML page (a login page, a proxy's error page).
    pub fn is_html(&self) -> bool {
        let content_type = self
            .header("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let start = self
            .body
            .trim_start()
            .get(..15)
            .unwrap_or_default()
            .to_ascii_lowercase();
        content_type.contains("text/html")
            || start.starts_with("<!doctype html")
            || start.starts_with("<html")
    }
}

/// One request and its answer (or why there was none).
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    pub sent: Sent,
    pub received: Result<Received, TransportError>,
    pub elapsed: Duration,
}

impl Exchange {
    /// The response, if one came.
    pub fn response(&self) -> Option<&Received> {
        self.received.as_ref().ok()
    }

    /// The request and response as text, for a failure report: request line, headers, body,
    /// then status line, headers, body (cut at `max_body` bytes).
    pub fn render(&self, max_body: usize) -> String {
        let mut out = format!("> {} {}\n", self.sent.method, self.sent.url);
        for (name, value) in &self.sent.headers {
            let _ = writeln!(out, "> {name}: {}", structural_redact(name, value));
        }
        if let Some(body) = &self.sent.body {
            let _ = writeln!(out, "> \n{}", cut(body, max_body));
        }
        match &self.received {
            Ok(received) => {
                let _ = writeln!(out, "< {}", received.status);
                for (name, value) in &received.headers {
                    let _ = writeln!(out, "< {name}: {}", structural_redact(name, value));
                }
                if !received.body.is_empty() {
                    let _ = writeln!(out, "< \n{}", cut(&received.body, max_body));
                }
            }
            Err(error) => {
                let _ = writeln!(out, "< (no response: {})", error.verdict());
            }
        }
        out
    }
}

/// Header values that carry credentials are masked whatever they hold (design §2.7).
pub(crate) fn structural_redact<'a>(name: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
    let lower = name.to_ascii_lowercase();
    if lower == "authorization" || lower == "proxy-authorization" {
        let scheme = value.split_whitespace().next().unwrap_or_default();
        format!("{scheme} {MASK}").into()
    } else if lower == "cookie" || lower == "set-cookie" {
        MASK.into()
    } else {
        value.into()
    }
}

fn cut(body: &str, max: usize) -> String {
    if body.len() <= max {
        return body.to_owned();
    }
    let mut end = max;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &body[..end], body.len())
}
