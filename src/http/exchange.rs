//! [`Exchange`]: the single record of one request and its answer. Checks, the terminal report
//! and every later output read it; nothing else looks at the wire.

use std::fmt::Write as _;
use std::time::Duration;

use super::TransportError;
use crate::redact::{Redacted, Redactor, MASK};

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
    /// The body's size as it came, when `body` holds only its first part and a note (see
    /// [`Exchange::kept`]); `None` when `body` is whole.
    pub full_size: Option<usize>,
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
    /// The exchange as the reports keep it: a response body over [`KEPT_BODY`] is cut to
    /// about that size, with a note giving its true size. Checks read the whole answer
    /// before it is recorded; a run of hundreds of exchanges must not hold hundreds of
    /// megabytes of bodies for its reports (a 3.9 MiB error page on every request).
    pub fn kept(self) -> Exchange {
        self.kept_within(KEPT_BODY)
    }

    /// The exchange with its response body cut to about `cap` bytes, as [`Exchange::kept`].
    pub(crate) fn kept_within(mut self, cap: usize) -> Exchange {
        self.cut_to(cap);
        self
    }

    /// The exchange as [`Exchange::kept`] keeps it, and its whole answer for the checks,
    /// with no whole copy of the body made.
    pub(crate) fn split_kept(self) -> (Exchange, Result<Received, TransportError>) {
        let kept = match &self.received {
            Ok(received) => Ok(received.kept_copy(KEPT_BODY)),
            Err(error) => Err(error.clone()),
        };
        let whole = self.received;
        let exchange = Exchange {
            sent: self.sent,
            received: kept,
            elapsed: self.elapsed,
        };
        (exchange, whole)
    }

    /// Cuts the response body to about `cap` bytes, as [`Exchange::kept`].
    pub(crate) fn cut_to(&mut self, cap: usize) {
        if let Ok(received) = &mut self.received {
            received.keep(cap);
        }
    }

    /// The size of the response body as kept.
    pub(crate) fn kept_size(&self) -> usize {
        self.response().map_or(0, |r| r.body.len())
    }

    /// The same exchange with every text in it (URL, header values, bodies, a transport
    /// error's details) passed through `f`.
    pub(crate) fn map_text(&self, f: impl Fn(&str) -> String) -> Exchange {
        let headers = |headers: &[(String, String)]| -> Vec<(String, String)> {
            headers.iter().map(|(n, v)| (f(n), f(v))).collect()
        };
        Exchange {
            sent: Sent {
                method: self.sent.method,
                url: f(&self.sent.url),
                headers: headers(&self.sent.headers),
                body: self.sent.body.as_deref().map(&f),
            },
            received: match &self.received {
                Ok(received) => Ok(Received {
                    full_size: received.full_size,
                    status: received.status,
                    headers: headers(&received.headers),
                    body: f(&received.body),
                }),
                Err(error) => Err(error.map_text(&f)),
            },
            elapsed: self.elapsed,
        }
    }

    /// The record of this exchange: every long secret masked in every form, before anything
    /// (a check, a hint, a report) reads it, so no later cut can leave a piece of one
    /// (see [`crate::redact`]).
    pub(crate) fn recorded(self, redactor: &Redactor) -> Exchange {
        self.map_text(|text| redactor.redact_long(text))
    }

    /// The response, if one came.
    pub fn response(&self) -> Option<&Received> {
        self.received.as_ref().ok()
    }

    /// The request and response as text, for a failure report: request line, headers, body,
    /// then status line, headers, body (cut at `max_body` bytes, after `redactor` masked it).
    pub fn render(&self, redactor: &Redactor, max_body: usize) -> String {
        let mut out = format!("> {} {}\n", self.sent.method, self.sent.url);
        for (name, value) in &self.sent.headers {
            let _ = writeln!(out, "> {name}: {}", structural_redact(name, value));
        }
        if let Some(body) = &self.sent.body {
            let _ = writeln!(out, "> \n{}", cut(&redactor.mask(body), max_body));
        }
        match &self.received {
            Ok(received) => {
                let _ = writeln!(out, "< {}", received.status);
                for (name, value) in &received.headers {
                    let _ = writeln!(out, "< {name}: {}", structural_redact(name, value));
                }
                if !received.body.is_empty() {
                    let _ = writeln!(out, "< \n{}", cut(&redactor.mask(&received.body), max_body));
                }
            }
            Err(error) => {
                let _ = writeln!(out, "< (no response: {})", error.verdict());
            }
        }
        out
    }
}

/// How many bytes of each response body a recorded exchange keeps for the reports.
pub const KEPT_BODY: usize = 64 * 1024;

/// How many bytes the reports keep of a body no failed check read, and of every body once
/// a run has kept [`KEPT_RUN_BUDGET`] of bodies over it: enough for any ordinary SCIM answer
/// whole (a user with every Entra attribute is about 2 KiB, a group of 100 members about
/// 10 KiB), so the hints still read it as JSON.
pub const KEPT_PASSING: usize = 16 * 1024;

/// How many bytes of response bodies over [`KEPT_PASSING`] a run keeps for its failed
/// checks, [`KEPT_BODY`] at most each. A server that pads every answer (256 KiB each over
/// 450 exchanges) must not hold the run's memory (issue 11: 64 MB for any server).
pub const KEPT_RUN_BUDGET: usize = 8 * 1024 * 1024;

/// How far before the cap a cut looks for a place between words.
const CUT_WINDOW: usize = 4 * 1024;

impl Received {
    /// Cuts the body to at most `cap` bytes (plus the note). A body cut before is cut again
    /// only when `cap` is smaller than what it kept, and its note keeps the true size.
    fn keep(&mut self, cap: usize) {
        let (size, text) = match self.full_size {
            None if self.body.len() <= cap => return,
            None => (self.body.len(), self.body.len()),
            // The body is the text kept, then the one-line note written below.
            Some(size) => (size, self.body.rfind('\n').unwrap_or(self.body.len())),
        };
        if text <= cap {
            return;
        }
        let end = cut_point(&self.body[..text], cap);
        self.body.truncate(end);
        self.body.push_str(&cut_note(size, end));
        // After the note: shrunk before it, the body would grow to twice what it keeps.
        self.body.shrink_to_fit();
        self.full_size = Some(size);
    }

    /// A copy cut as [`Received::keep`] cuts it, made without copying the whole body first
    /// (an answer may be 4 MiB, and the checks still read the whole one).
    pub(crate) fn kept_copy(&self, cap: usize) -> Received {
        let body = match self.full_size {
            None if self.body.len() > cap => {
                let end = cut_point(&self.body, cap);
                let note = cut_note(self.body.len(), end);
                let mut body = String::with_capacity(end + note.len());
                body.push_str(&self.body[..end]);
                body.push_str(&note);
                return Received {
                    status: self.status,
                    headers: self.headers.clone(),
                    body,
                    full_size: Some(self.body.len()),
                };
            }
            _ => self.body.clone(),
        };
        let mut copy = Received {
            status: self.status,
            headers: self.headers.clone(),
            body,
            full_size: self.full_size,
        };
        copy.keep(cap);
        copy
    }
}

/// The line a cut body ends with: its true size and what was kept.
fn cut_note(size: usize, kept: usize) -> String {
    format!(
        "\n… body cut: {}, kept {}",
        human_size(size),
        human_size(kept)
    )
}

/// Where to cut `body` to keep at most `cap` bytes: after the last character near the cap
/// that cannot be part of a token, so a cut never leaves the first part of a secret behind
/// for the redactor to miss (tokens are masked whole).
fn cut_point(body: &str, cap: usize) -> usize {
    let mut end = cap.min(body.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let floor = end.saturating_sub(CUT_WINDOW);
    let inside_token = |c: char| {
        c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=' | '%' | '\\')
    };
    body[floor..end]
        .char_indices()
        .rev()
        .find(|&(_, c)| !inside_token(c))
        .map_or(floor, |(at, c)| floor + at + c.len_utf8())
}

/// A byte count as people read it: `812 bytes`, `64 KiB`, `3.9 MiB`.
pub(crate) fn human_size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    #[allow(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} bytes")
    } else if b < KIB * KIB {
        trim(format!("{:.1}", b / KIB)) + " KiB"
    } else {
        trim(format!("{:.1}", b / (KIB * KIB))) + " MiB"
    }
}

fn trim(number: String) -> String {
    number
        .strip_suffix(".0")
        .map_or(number.clone(), str::to_owned)
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

/// Only masked text can be cut (design §2.12, mask before you cut).
fn cut(body: &Redacted, max: usize) -> String {
    let body = body.as_str();
    if body.len() <= max {
        return body.to_owned();
    }
    let mut end = max;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &body[..end], body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(body: String) -> Exchange {
        Exchange {
            sent: Sent {
                method: "GET",
                url: "http://h/scim/Users".into(),
                headers: Vec::new(),
                body: None,
            },
            received: Ok(Received {
                status: 500,
                headers: Vec::new(),
                body,
                full_size: None,
            }),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_kept_body_over_the_cap_is_cut_with_its_true_size_and_a_note() {
        let page = format!("<html>{}</html>", "x ".repeat(2_044_723));
        let size = page.len();
        let kept = answered(page).kept();
        let received = kept.response().expect("answered");
        assert_eq!(received.full_size, Some(size));
        let (text, note) = received.body.rsplit_once('\n').expect("a note");
        assert!(text.len() <= KEPT_BODY, "{}", text.len());
        assert_eq!(note, "… body cut: 3.9 MiB, kept 64 KiB");
        // Cutting twice changes nothing.
        assert_eq!(kept.clone().kept(), kept);
    }

    #[test]
    fn a_kept_body_cut_again_to_a_smaller_cap_keeps_its_true_size_in_the_note() {
        let page = format!("<html>{}</html>", "x ".repeat(2_044_723));
        let size = page.len();
        let kept = answered(page).kept().kept_within(KEPT_PASSING);
        let received = kept.response().expect("answered");
        assert_eq!(received.full_size, Some(size));
        let (text, note) = received.body.rsplit_once('\n').expect("a note");
        assert!(text.len() <= KEPT_PASSING, "{}", text.len());
        assert_eq!(note, "… body cut: 3.9 MiB, kept 16 KiB");
        // A larger cap keeps what the smaller one kept.
        assert_eq!(kept.clone().kept(), kept);
    }

    #[test]
    fn a_kept_copy_is_what_keeping_the_whole_body_keeps() {
        let page = format!("<html>{}</html>", "x ".repeat(2_044_723));
        for body in [page, "{\"a\":1}".to_owned()] {
            let exchange = answered(body);
            let (kept, whole) = exchange.clone().split_kept();
            assert_eq!(kept, exchange.clone().kept());
            assert_eq!(whole, exchange.received);
        }
    }

    #[test]
    fn a_body_within_the_cap_is_kept_whole() {
        let kept = answered("{\"a\":1}".into()).kept();
        let received = kept.response().expect("answered");
        assert_eq!(received.body, "{\"a\":1}");
        assert_eq!(received.full_size, None);
    }

    #[test]
    fn a_cut_never_ends_inside_a_token() {
        let token = "tok-".to_owned() + &"A1b2".repeat(50);
        let filler = "y ".repeat((KEPT_BODY - 100) / 2);
        let body = format!("{filler}Bearer {token} {}", "z".repeat(KEPT_BODY));
        let kept = answered(body).kept();
        let received = kept.response().expect("answered");
        let (text, _) = received.body.rsplit_once('\n').expect("a note");
        assert!(text.ends_with("Bearer "), "{}", &text[text.len() - 20..]);
    }

    #[test]
    fn sizes_read_as_bytes_kib_and_mib() {
        assert_eq!(human_size(812), "812 bytes");
        assert_eq!(human_size(64 * 1024), "64 KiB");
        assert_eq!(human_size(4_089_446), "3.9 MiB");
    }
}
