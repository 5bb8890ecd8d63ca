//! What the file reports need besides the run's results, and the one redaction point they all
//! write through.
//!
//! [`crate::run::RunSummary`] says what happened; it does not say where the run went, under
//! which profiles, or when it started, because the runner has no use for that. The CLI builds a
//! [`ReportContext`] before the run and hands it to every file reporter after it.
//!
//! Every string a file reporter writes comes out of [`ReportContext::text`] or
//! [`ReportContext::exchange`]: the known secrets are masked by [`Redactor::redact`], and
//! credential headers (`Authorization`, `Cookie`, `Set-Cookie`) are masked structurally, so a
//! token we were never told about still does not reach a file (design §2.7).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::gallery::GalleryVerdict;
use crate::http::{structural_redact, Exchange};
use crate::profile::Profile;
use crate::redact::Redactor;
use crate::run::{RunSummary, ScenarioOutcome};

/// Run metadata for the file reports, and the redactor they write through.
#[derive(Clone, Debug)]
pub struct ReportContext {
    /// The Tenant URL's base, without its query (`?aadOptscim062020` is a switch, not a place).
    pub tenant_url: String,
    /// The profiles the run was asked for, in order.
    pub profiles: Vec<Profile>,
    /// When the run started (wall clock).
    pub started_at: SystemTime,
    /// Masks every known secret.
    pub redactor: Redactor,
    /// With `--suite gallery`: Microsoft's gallery tests, judged after the run.
    pub gallery: Option<Vec<GalleryVerdict>>,
}

impl ReportContext {
    /// A context for a run starting now.
    pub fn new(
        tenant_url: impl Into<String>,
        profiles: Vec<Profile>,
        redactor: Redactor,
    ) -> ReportContext {
        ReportContext {
            tenant_url: tenant_url.into(),
            profiles,
            started_at: SystemTime::now(),
            redactor,
            gallery: None,
        }
    }

    /// The version written into every report.
    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// `text` with every known secret masked.
    pub fn text(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// A header as it may be written: credentials masked by name, secrets masked by value.
    pub fn header(&self, name: &str, value: &str) -> (String, String) {
        (self.text(name), self.text(&structural_redact(name, value)))
    }

    /// A copy of `exchange` in which every string has been through [`Self::text`] and every
    /// header through [`Self::header`]: the only form of an exchange a file reporter reads.
    pub fn exchange(&self, exchange: &Exchange) -> Exchange {
        let mut redacted = exchange.map_text(|text| self.text(text));
        for (name, value) in &mut redacted.sent.headers {
            *value = structural_redact(name, value).into_owned();
        }
        if let Ok(received) = &mut redacted.received {
            for (name, value) in &mut received.headers {
                *value = structural_redact(name, value).into_owned();
            }
        }
        redacted
    }

    /// A request URL relative to the Tenant URL (`/Users?filter=…`), as reports name requests;
    /// the whole URL when it lies elsewhere.
    pub fn target<'u>(&self, url: &'u str) -> &'u str {
        match url.strip_prefix(self.tenant_url.as_str()) {
            Some("") => "/",
            Some(rest) if rest.starts_with(['/', '?']) => rest,
            _ => url,
        }
    }

    /// When each scenario outcome started, in the summary's order.
    ///
    /// The runner measures durations, not wall-clock times, and runs scenarios one after the
    /// other; so scenario `i` started at the run's start plus the durations of those before
    /// it. Cleanup starts after the last one.
    pub fn scenario_starts(&self, summary: &RunSummary) -> Vec<SystemTime> {
        let mut at = self.started_at;
        summary
            .scenarios
            .iter()
            .map(|scenario: &ScenarioOutcome| {
                let start = at;
                at += scenario.elapsed;
                start
            })
            .collect()
    }
}

/// A wall-clock time as RFC 3339 in UTC with milliseconds: `2025-06-01T09:30:00.123Z`.
pub fn rfc3339(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A duration in whole milliseconds, as the JSON report writes durations.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Received, Sent};
    use crate::redact::Secret;

    fn context() -> ReportContext {
        ReportContext::new(
            "http://127.0.0.1:8080/scim/v2",
            vec![Profile::EntraDefault],
            Redactor::new([Secret::new("tok-secret")]),
        )
    }

    #[test]
    fn exchange_masks_secrets_in_every_string_and_credential_headers_by_name() {
        let exchange = Exchange {
            sent: Sent {
                method: "GET",
                url: "http://h/scim/Users?x=tok-secret".into(),
                headers: vec![("Authorization".into(), "Bearer tok-other".into())],
                body: Some("tok-secret".into()),
            },
            received: Ok(Received {
                full_size: None,
                status: 200,
                headers: vec![
                    ("Set-Cookie".into(), "session=abc".into()),
                    ("X-Echo".into(), "tok-secret".into()),
                ],
                body: "{\"token\":\"tok-secret\"}".into(),
            }),
            elapsed: Duration::from_millis(3),
        };
        let redacted = context().exchange(&exchange);
        assert_eq!(redacted.sent.url, "http://h/scim/Users?x=***");
        assert_eq!(
            redacted.sent.headers,
            vec![("Authorization".to_owned(), "Bearer ***".to_owned())]
        );
        assert_eq!(redacted.sent.body.as_deref(), Some("***"));
        let received = redacted.received.as_ref().expect("a response");
        assert_eq!(
            received.headers,
            vec![
                ("Set-Cookie".to_owned(), "***".to_owned()),
                ("X-Echo".to_owned(), "***".to_owned())
            ]
        );
        assert_eq!(received.body, "{\"token\":\"***\"}");
    }

    #[test]
    fn target_cuts_the_tenant_url_only_at_a_path_boundary() {
        let ctx = context();
        assert_eq!(
            ctx.target("http://127.0.0.1:8080/scim/v2/Users?filter=x"),
            "/Users?filter=x"
        );
        assert_eq!(ctx.target("http://127.0.0.1:8080/scim/v2"), "/");
        assert_eq!(
            ctx.target("http://127.0.0.1:8080/scim/v22/Users"),
            "http://127.0.0.1:8080/scim/v22/Users"
        );
    }

    #[test]
    fn rfc3339_is_utc_with_milliseconds() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(rfc3339(time), "2023-11-14T22:13:20.123Z");
    }
}
