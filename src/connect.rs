//! Entra's Test Connection (client-behaviour §2), and the diagnosis of its answer in words an
//! admin can act on: which of the Tenant URL, the token, or the server is wrong.

use serde_json::Value;

use crate::check;
use crate::exit;
use crate::http::{Exchange, Received, Request, TenantUrl};
use crate::plan::Method;
use crate::scim;

/// The verdict on one Test Connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
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
pub fn follow_up_request() -> Request {
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
pub fn diagnose(
    exchange: &Exchange,
    follow_up: Option<&Exchange>,
    tenant: &TenantUrl,
) -> Diagnosis {
    let received = match &exchange.received {
        Ok(received) => received,
        Err(error) => {
            return Diagnosis {
                passed: false,
                verdict: error.verdict(),
                hint: Some(error.hint().to_owned()),
                exit_code: exit::TRANSPORT,
            }
        }
    };
    if let Some(location) = received
        .header("location")
        .filter(|_| (300..400).contains(&received.status))
    {
        return Diagnosis::fail(
            format!("the Tenant URL redirects ({}) to {location}", received.status),
            "enter the URL it redirects to as the Tenant URL; the token was not sent to the other address",
        );
    }
    if received.is_html() {
        return Diagnosis::fail(
            format!("not a SCIM endpoint: the answer ({}) is an HTML page, maybe a login page or a proxy", received.status),
            format!("the Tenant URL must be the SCIM base (e.g. https://host/scim/v2), reachable without a browser login; tried {}", exchange.sent.url),
        );
    }
    match received.status {
        200 => diagnose_list(received),
        401 | 403 => Diagnosis::fail(
            format!("the server refused the token ({} {}); Entra shows CredentialValidationFailure", received.status, reason(received.status)),
            "check the Secret Token: paste it without `Bearer ` or spaces, and check it has not expired or been revoked (client-behaviour §9 #2)",
        ),
        404 if collection_exists(follow_up).unwrap_or_else(|| is_scim_error(received)) => Diagnosis::fail(
            "the endpoint answered 404 to a search that finds nothing; Entra needs 200 with an empty ListResponse",
            "return {\"totalResults\":0,\"Resources\":[]} with status 200 when a filter matches nothing (client-behaviour §2.2)",
        ),
        404 => {
            let path = tenant.path();
            let hint = if path.to_ascii_lowercase().ends_with("/users") {
                format!("the Tenant URL ends in /Users, but Entra appends /Users itself: drop it (tried {})", exchange.sent.url)
            } else {
                format!("Entra appends /Users to the Tenant URL; tried {}. Check the base path (often /scim/v2 or /scim)", exchange.sent.url)
            };
            Diagnosis::fail(format!("404 Not Found for {path}/Users: the Tenant URL's path is probably wrong"), hint)
        }
        406 => Diagnosis::fail(
            "the server answered 406 Not Acceptable: it wants an Accept header, and Entra sends none",
            "accept requests without an Accept header (client-behaviour §1.4)",
        ),
        400 => Diagnosis::fail(
            format!("the server rejected the filter with 400{}", detail(received)),
            "support `filter=userName eq \"…\"` on /Users, form-encoded as Entra sends it (client-behaviour §1.5, §2.1)",
        ),
        status @ 500..=599 => Diagnosis::fail(
            format!("the server failed with {status}{}", detail(received)),
            "look at the SCIM service's own logs for this request",
        ),
        status => Diagnosis::fail(
            format!("unexpected status {status} {}{}", reason(status), detail(received)),
            "Entra's Test Connection needs 200 with an empty ListResponse (client-behaviour §2.2)",
        ),
    }
}

fn diagnose_list(received: &Received) -> Diagnosis {
    let body = match check::json_body(received) {
        Ok(body) => body,
        Err(result) => {
            let message = result.message();
            return Diagnosis::fail(
                format!("200, but {message}"),
                "the Tenant URL must point at the SCIM API, which answers JSON (client-behaviour §2.2)",
            );
        }
    };
    for result in [check::list_shape(&body), check::list_count(&body, 0)] {
        if let Some(message) = result.finding().map(|f| f.message(None)) {
            let hint = if result.id == check::CheckId::ListCount {
                "the filter for a random GUID must find nothing; a server that ignores `filter` makes Entra match the wrong users (client-behaviour §9 #9)"
            } else {
                "answer with {\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":0,\"Resources\":[]} (client-behaviour §2.2)"
            };
            return Diagnosis::fail(
                format!("200, but the ListResponse is wrong: {message}"),
                hint,
            );
        }
    }
    let content_type = check::content_type(received);
    Diagnosis {
        passed: true,
        verdict: "200 with an empty ListResponse: Entra's Test Connection would succeed".to_owned(),
        hint: (!content_type.passed()).then(|| {
            format!(
                "note: the Content-Type is `{}`, not `{}`; Entra tolerates it here, but other requests are checked",
                received.header("content-type").unwrap_or("(none)"),
                scim::MEDIA_TYPE
            )
        }),
        exit_code: exit::OK,
    }
}

/// Whether the plain `/Users` list answered with a ListResponse (`None`: not asked).
fn collection_exists(follow_up: Option<&Exchange>) -> Option<bool> {
    let received = follow_up?.response();
    Some(received.is_some_and(|r| {
        r.status == 200
            && r.json()
                .ok()
                .is_some_and(|body| check::list_shape(&body).passed())
    }))
}

/// Whether the body is a SCIM error (a SCIM service's 404, not a web server's).
pub(crate) fn is_scim_error(received: &Received) -> bool {
    received.json().ok().is_some_and(|body: Value| {
        body.get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(scim::ERROR_SCHEMA)))
    })
}

fn detail(received: &Received) -> String {
    received
        .json()
        .ok()
        .and_then(|b: Value| {
            b.get("detail")
                .and_then(Value::as_str)
                .map(|d| format!(": {}", d.chars().take(160).collect::<String>()))
        })
        .unwrap_or_default()
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
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
                headers: Vec::new(),
                body: None,
            },
            received: Ok(Received {
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
        assert!(d.verdict.contains("refused the token"), "{}", d.verdict);
        assert!(d.hint.is_some_and(|h| h.contains("Secret Token")));
    }

    #[test]
    fn not_found_with_no_users_collection_names_the_path_tried() {
        let follow_up = answer(404, "text/plain", "not found");
        let d = diagnose(
            &answer(404, "application/scim+json", SCIM_404),
            Some(&follow_up),
            &tenant(),
        );
        assert!(
            d.verdict.contains("path is probably wrong"),
            "{}",
            d.verdict
        );
        assert!(d
            .hint
            .is_some_and(|h| h.contains("https://atmos.example/scim/v2/Users?filter")));
    }

    #[test]
    fn not_found_while_the_collection_lists_is_a_404_for_an_empty_search() {
        let follow_up = answer(200, "application/scim+json", EMPTY);
        let d = diagnose(
            &answer(404, "application/scim+json", SCIM_404),
            Some(&follow_up),
            &tenant(),
        );
        assert!(
            d.verdict.contains("404 to a search that finds nothing"),
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
        assert!(d.hint.is_some_and(|h| h.contains("ignores `filter`")));
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
