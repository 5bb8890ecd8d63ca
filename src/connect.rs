//! Entra's Test Connection (client-behaviour §2), and the diagnosis of its answer in words an
//! admin can act on: which of the Tenant URL, the token, or the server is wrong.

use serde_json::Value;

use crate::check;
use crate::exit;
use crate::http::{Exchange, Issued, Received, Request, TenantUrl, TransportErrorKind};
use crate::plan::Method;
use crate::run::{CleanupReport, NotRun, RunSummary, ScenarioOutcome, StepOutcome, StepStatus};
use crate::scim;

/// The verdict on one Test Connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Diagnosis {
    pub passed: bool,
    /// One line: what happened, in words.
    pub verdict: String,
    /// One line: what to do (or a note when it passed).
    pub hint: Option<String>,
    /// The process exit code this verdict maps to.
    pub exit_code: i32,
}

impl Diagnosis {
    fn fail(verdict: impl Into<String>, hint: impl Into<String>) -> Diagnosis {
        Diagnosis {
            passed: false,
            verdict: verdict.into(),
            hint: Some(hint.into()),
            exit_code: exit::CHECK_FAILED,
        }
    }
}

/// The request that tells a wrong Tenant URL path from a server that answers 404 to a search
/// that finds nothing: the plain `/Users` list, one item. Entra never sends it; `connect`
/// sends it only after the probe got 404, and it only reads.
pub(crate) fn follow_up_request() -> Request {
    Request {
        method: Method::Get,
        target: "/Users?startIndex=1&count=1".to_owned(),
        headers: Vec::new(),
        body: None,
        send_token: true,
    }
}

/// Diagnoses the answer to Entra's probe `GET /Users?filter=userName eq "<random GUID>"`;
/// `follow_up` is the answer to [`follow_up_request`], sent when the probe got 404.
///
/// The verdict comes from the same checks and the same hint rules as a run's Test
/// Connection step ([`crate::hints::diagnose`]), so `connect` and `run` never disagree.
pub(crate) fn diagnose(
    exchange: &Exchange,
    follow_up: Option<&Exchange>,
    _tenant: &TenantUrl,
) -> Diagnosis {
    let summary = probe_run(exchange, follow_up);
    let step = &summary.scenarios[0].steps[0];
    let hints = crate::hints::diagnose(&summary);
    let breaking = step
        .failures()
        .find(|c| c.severity == check::Severity::BreaksEntra);
    match (&exchange.received, breaking, hints.first()) {
        (Err(error), _, hint) => Diagnosis {
            passed: false,
            verdict: error.verdict(),
            // The hint rules know no proxy or token-endpoint cause yet; their generic
            // fallback would say less than the error's own advice.
            hint: Some(match (&error.kind, hint) {
                (
                    TransportErrorKind::Proxy { .. } | TransportErrorKind::TokenEndpoint { .. },
                    _,
                )
                | (_, None) => error.hint().to_owned(),
                (_, Some(hint)) => hint.fix.clone(),
            }),
            exit_code: exit::TRANSPORT,
        },
        (Ok(_), Some(failure), Some(hint)) => Diagnosis::fail(
            format!("{}: {}", hint.cause, hint.evidence_or(failure.message())),
            hint.fix.clone(),
        ),
        (Ok(_), Some(failure), None) => Diagnosis::fail(
            failure.message(),
            "Entra's Test Connection needs 200 with an empty ListResponse (client-behaviour §2.2)",
        ),
        (Ok(received), None, _) => Diagnosis {
            passed: true,
            verdict: "200 with an empty ListResponse: Entra's Test Connection would succeed"
                .to_owned(),
            hint: hints.first().map(|_| {
                format!(
                    "note: the Content-Type is `{}`, not `{}`; Entra tolerates it here, but other requests are checked",
                    received.header("content-type").unwrap_or("(none)"),
                    scim::MEDIA_TYPE
                )
            }),
            exit_code: exit::OK,
        },
    }
}

/// [`diagnose`] for a probe sent with an access token from a token endpoint: a 401 or 403 is
/// then about the token that endpoint issued, not about a pasted Secret Token.
pub(crate) fn diagnose_oauth(
    exchange: &Exchange,
    follow_up: Option<&Exchange>,
    tenant: &TenantUrl,
    issued: &Issued,
) -> Diagnosis {
    match exchange.response().map(|r| r.status) {
        Some(status @ (401 | 403)) => Diagnosis::fail(
            format!(
                "the SCIM endpoint refused ({status} {}) the access token the token endpoint issued: {}",
                http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or(""),
                issued.describe()
            ),
            if issued.jwt {
                "the SCIM endpoint must accept this token endpoint's JWTs: check the issuer, audience and signing keys it validates against (entra-2026 §3)"
            } else {
                "the SCIM endpoint must accept the tokens this token endpoint issues: check that both use the same token store or introspection (entra-2026 §3)"
            },
        ),
        _ => diagnose(exchange, follow_up, tenant),
    }
}

/// The probe as a one-step run: its checks in a run's order (status, then body, list and
/// count, then media type), and the follow-up read as a second exchange the hints can read.
fn probe_run(exchange: &Exchange, follow_up: Option<&Exchange>) -> RunSummary {
    let mut exchanges = vec![exchange.clone()];
    exchanges.extend(follow_up.cloned());
    let (status, checks) = match &exchange.received {
        Err(error) => (
            StepStatus::NotRun(NotRun::Transport(error.clone())),
            Vec::new(),
        ),
        Ok(received) => {
            let checks = probe_checks(received);
            let failed = checks.iter().any(|c| !c.passed());
            let status = if failed {
                StepStatus::Failed
            } else {
                StepStatus::Passed
            };
            (status, checks)
        }
    };
    let step = StepOutcome {
        id: "TEST-CONNECTION".into(),
        name: "test-connection".into(),
        location: crate::diag::Location {
            file: std::sync::Arc::from("builtin:test-connection.yaml"),
            line: 1,
            column: 1,
        },
        status,
        exchanges,
        request: Some(check::ExchangeRef::new(0)),
        checks,
        fallbacks: Vec::new(),
        elapsed: exchange.elapsed,
    };
    RunSummary {
        run_id: String::new(),
        scenarios: vec![ScenarioOutcome {
            name: "test-connection".into(),
            description: String::new(),
            source: String::new(),
            profile: crate::profile::Profile::EntraDefault,
            steps: vec![step],
            elapsed: exchange.elapsed,
        }],
        cleanup: CleanupReport::default(),
        interrupted: false,
        elapsed: exchange.elapsed,
    }
}

/// §2.2: 200 with a JSON ListResponse that finds nothing, as `application/scim+json`.
fn probe_checks(received: &Received) -> Vec<check::CheckResult> {
    let (mut checks, body) = check::list_answer(received);
    let Some(body) = body else {
        return checks;
    };
    if checks.iter().all(check::CheckResult::passed) {
        checks.push(check::list_count(&body, 0));
    }
    checks.push(check::content_type(received));
    checks
}

/// Whether the body is a SCIM error (a SCIM service's 404, not a web server's).
pub(crate) fn is_scim_error(received: &Received) -> bool {
    let reads = check::Reads::common();
    check::parse_reading(&received.body, &reads)
        .ok()
        .is_some_and(|body: Value| {
            body.get("schemas")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(scim::ERROR_SCHEMA)))
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::http::{Sent, TransportError, TransportErrorKind};

    fn tenant() -> TenantUrl {
        TenantUrl::parse("https://atmos.example/scim/v2").expect("valid")
    }

    fn answer(status: u16, content_type: &str, body: &str) -> Exchange {
        Exchange {
            sent: Sent {
                method: "GET",
                url: "https://atmos.example/scim/v2/Users?filter=userName+eq+%22g%22".into(),
                // As the client records it: the scheme, the token masked.
                headers: vec![("Authorization".into(), "Bearer ***".into())],
                body: None,
            },
            received: Ok(Received {
                full_size: None,
                status,
                headers: vec![("content-type".into(), content_type.into())],
                body: body.into(),
            }),
            elapsed: Duration::from_millis(3),
        }
    }

    const EMPTY: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
    const SCIM_404: &str =
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#;

    #[test]
    fn empty_list_response_passes() {
        let d = diagnose(
            &answer(200, "application/scim+json", EMPTY),
            None,
            &tenant(),
        );
        assert!(d.passed, "{d:?}");
        assert_eq!(d.hint, None);
    }

    #[test]
    fn plain_json_content_type_passes_with_a_note() {
        let d = diagnose(&answer(200, "application/json", EMPTY), None, &tenant());
        assert!(d.passed);
        assert!(d.hint.is_some_and(|h| h.contains("application/json")));
    }

    #[test]
    fn unauthorized_names_the_token() {
        let d = diagnose(
            &answer(401, "application/scim+json", SCIM_404),
            None,
            &tenant(),
        );
        assert!(!d.passed);
        assert!(d.verdict.contains("refuses the token"), "{}", d.verdict);
        assert!(d.hint.is_some_and(|h| h.contains("Secret Token")));
    }

    #[test]
    fn not_found_with_no_users_collection_names_the_path_tried() {
        let mut follow_up = answer(404, "text/plain", "not found");
        follow_up.sent.url = "https://atmos.example/scim/v2/Users?startIndex=1&count=1".into();
        let d = diagnose(
            &answer(404, "application/scim+json", SCIM_404),
            Some(&follow_up),
            &tenant(),
        );
        assert!(
            d.verdict.contains("the Tenant URL's path is wrong"),
            "{}",
            d.verdict
        );
        // The URL tried is the evidence; the fix says where the base path goes.
        assert!(
            d.verdict.contains("/scim/v2/Users?filter="),
            "{}",
            d.verdict
        );
        assert!(d.hint.is_some_and(|h| h.contains("Entra appends /Users")));
    }

    #[test]
    fn not_found_while_the_collection_lists_is_a_404_for_an_empty_search() {
        let mut follow_up = answer(200, "application/scim+json", EMPTY);
        follow_up.sent.url = "https://atmos.example/scim/v2/Users?startIndex=1&count=1".into();
        let d = diagnose(
            &answer(404, "application/scim+json", SCIM_404),
            Some(&follow_up),
            &tenant(),
        );
        assert!(
            d.verdict
                .contains("a filter that matches nothing is answered 404 instead of an empty list"),
            "{}",
            d.verdict
        );
    }

    #[test]
    fn html_page_is_not_a_scim_endpoint() {
        let d = diagnose(
            &answer(200, "text/html", "<!DOCTYPE html><title>Sign in</title>"),
            None,
            &tenant(),
        );
        assert!(d.verdict.contains("HTML page"), "{}", d.verdict);
    }

    #[test]
    fn results_for_a_random_guid_mean_the_filter_is_ignored() {
        let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"1"}]}"#;
        let d = diagnose(&answer(200, "application/scim+json", body), None, &tenant());
        assert!(!d.passed);
        assert!(
            d.verdict.contains("ignores (or mis-evaluates) `filter`"),
            "{}",
            d.verdict
        );
        assert!(d
            .hint
            .is_some_and(|h| h.contains("return only the resources that match")));
    }

    #[test]
    fn missing_total_results_is_named() {
        let body =
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[]}"#;
        let d = diagnose(&answer(200, "application/scim+json", body), None, &tenant());
        assert!(
            d.verdict.contains("`totalResults` is missing"),
            "{}",
            d.verdict
        );
    }

    #[test]
    fn transport_failure_maps_to_exit_code_3() {
        let mut exchange = answer(200, "", "");
        exchange.received = Err(TransportError {
            authority: "atmos.example:443".into(),
            kind: TransportErrorKind::Refused,
        });
        let d = diagnose(&exchange, None, &tenant());
        assert_eq!(d.exit_code, exit::TRANSPORT);
        assert_eq!(
            d.verdict,
            "connection refused: nothing listens on atmos.example:443"
        );
    }
}
