//! One test per rule: a run built by hand with the failure the rule explains (and, where two
//! causes look alike, the fact that tells them apart), and the hint it must produce.

use std::time::Duration;

use super::{diagnose, Hint};
use crate::check::{testing, CheckId, CheckResult, Severity, Target};
use crate::http::{Exchange, Received, Sent, TransportError, TransportErrorKind};
use crate::run::fixtures::{run, step};
use crate::run::{NotRun, RunSummary, StepOutcome, StepStatus};

const BASE: &str = "https://app.example/scim/v2";

fn scim_error(status: u16, detail: &str) -> String {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.to_string(),
        "detail": detail,
    })
    .to_string()
}

/// A request to `BASE` + `target` with the token, and its answer.
fn exchange(
    method: &'static str,
    target: &str,
    body: Option<&str>,
    status: u16,
    answer: &str,
) -> Exchange {
    Exchange {
        sent: Sent {
            method,
            url: format!("{BASE}{target}"),
            headers: vec![("Authorization".into(), "Bearer ***".into())],
            body: body.map(str::to_owned),
        },
        received: Ok(Received {
            full_size: None,
            status,
            headers: vec![("content-type".into(), "application/scim+json".into())],
            body: answer.into(),
        }),
        elapsed: Duration::from_millis(1),
    }
}

fn without_token(mut exchange: Exchange) -> Exchange {
    exchange.sent.headers.clear();
    exchange
}

fn with_header(mut exchange: Exchange, name: &str, value: &str) -> Exchange {
    if let Ok(received) = &mut exchange.received {
        received.headers = vec![(name.into(), value.into())];
    }
    exchange
}

/// A passing step: the request and a passing status check.
fn ok(id: &str, exchange: Exchange) -> StepOutcome {
    step(
        id,
        vec![exchange],
        vec![CheckResult::pass(CheckId::Status, Target::Status)],
    )
}

/// A step whose status check failed with `expected`.
fn bad_status(id: &str, exchange: Exchange, expected: &str) -> StepOutcome {
    let allowed: Vec<u16> = expected
        .split(" or ")
        .map(|s| s.parse().expect("a status"))
        .collect();
    let received = exchange.response().expect("an answer");
    let check = crate::check::status(received, &allowed);
    step(id, vec![exchange], vec![check])
}

fn unreachable(id: &str, kind: TransportErrorKind) -> StepOutcome {
    let error = TransportError {
        authority: "app.example:443".into(),
        kind,
    };
    let mut sent = exchange("GET", "/Users?filter=userName+eq+%22g%22", None, 0, "");
    sent.received = Err(error.clone());
    let mut outcome = step(id, vec![sent], Vec::new());
    outcome.status = StepStatus::NotRun(NotRun::Transport(error));
    outcome
}

fn ids(hints: &[Hint]) -> Vec<&'static str> {
    hints.iter().map(|h| h.id).collect()
}

/// The only hint of the run.
fn only(summary: &RunSummary) -> Hint {
    let hints = diagnose(summary);
    assert_eq!(hints.len(), 1, "{hints:#?}");
    hints[0].clone()
}

const PASCAL: &str = r#"{"Operations":[{"op":"Replace","path":"displayName","value":"B"}]}"#;
const PASCAL_FALSE: &str = r#"{"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#;

#[test]
fn a_clean_run_has_no_hints() {
    assert_eq!(
        diagnose(&run(vec![ok(
            "A",
            exchange("GET", "/Users", None, 200, "{}")
        )])),
        []
    );
}

#[test]
fn each_transport_failure_is_its_own_blocking_hint() {
    let cases = [
        (TransportErrorKind::Dns, "hint:dns", "could not be resolved"),
        (
            TransportErrorKind::Refused,
            "hint:connection-refused",
            "nothing listens",
        ),
        (
            TransportErrorKind::Tls {
                problem: crate::http::TlsProblem::Expired,
            },
            "hint:tls",
            "certificate has expired",
        ),
        (
            TransportErrorKind::Tls {
                problem: crate::http::TlsProblem::ClientCertificateRequired,
            },
            "hint:tls-client-certificate",
            "client certificate required",
        ),
        (
            TransportErrorKind::Tls {
                problem: crate::http::TlsProblem::VersionTooOld,
            },
            "hint:tls-version",
            "TLS version too old",
        ),
        (
            TransportErrorKind::Timeout {
                after: Duration::from_secs(10),
            },
            "hint:timeout",
            "did not answer within 10 s",
        ),
        (
            TransportErrorKind::BodyTooLarge { limit: 4 << 20 },
            "hint:body-too-large",
            "larger than 4 MiB",
        ),
        (
            TransportErrorKind::Protocol {
                detail: "connection reset".into(),
            },
            "hint:connection-failed",
            "connection reset",
        ),
        (
            TransportErrorKind::Proxy {
                proxy: "proxy.example:3128".into(),
                detail: "refused the connection".into(),
            },
            "hint:proxy",
            "the proxy proxy.example:3128 refused the connection",
        ),
        (
            TransportErrorKind::TokenEndpoint {
                detail: "the token endpoint answered 401 invalid_client".into(),
            },
            "hint:token-endpoint",
            "invalid_client",
        ),
    ];
    for (kind, id, words) in cases {
        let hint = only(&run(vec![unreachable("TEST-CONNECTION", kind)]));
        assert_eq!(hint.id, id);
        assert!(hint.blocking && hint.severity == Severity::BreaksEntra);
        assert!(hint.evidence.contains(words), "{}", hint.evidence);
        assert!(
            hint.evidence.starts_with("GET /scim/v2/Users?filter="),
            "{}",
            hint.evidence
        );
    }
}

#[test]
fn a_refused_token_is_the_token_unless_it_worked_elsewhere() {
    let refused = exchange(
        "GET",
        "/Users?filter=x",
        None,
        401,
        &scim_error(401, "invalid bearer token"),
    );
    let hint = only(&run(vec![bad_status(
        "TEST-CONNECTION",
        refused.clone(),
        "200",
    )]));
    assert_eq!(hint.id, "hint:token");
    assert!(hint.blocking);
    assert!(hint
        .symptom
        .contains("SystemForCrossDomainIdentityManagementCredentialValidationFailure"));
    assert_eq!(
        hint.evidence,
        "GET /scim/v2/Users?filter=x → 401: \"invalid bearer token\""
    );
    // The same token was accepted before: a 403 on one request is a permission, not the token.
    let forbidden = exchange(
        "DELETE",
        "/Users/1",
        None,
        403,
        &scim_error(403, "not allowed"),
    );
    let summary = run(vec![
        ok(
            "LOOKUP",
            exchange("GET", "/Users?filter=x", None, 200, "{}"),
        ),
        bad_status("DELETE", forbidden, "204"),
    ]);
    assert_eq!(ids(&diagnose(&summary)), ["hint:status"]);
}

#[test]
fn a_404_everywhere_is_the_tenant_url_and_names_a_doubled_users() {
    let probe = exchange("GET", "/Users/Users?filter=x", None, 404, "Not Found");
    let hint = only(&run(vec![bad_status("TEST-CONNECTION", probe, "200")]));
    assert_eq!(hint.id, "hint:wrong-url");
    assert!(hint.blocking);
    assert!(hint.symptom.contains("HTTP/404 Not Found"));
    assert!(
        hint.evidence
            .starts_with("GET https://app.example/scim/v2/Users/Users?filter=x → 404"),
        "{}",
        hint.evidence
    );
    assert!(
        hint.evidence.contains("ends in /Users"),
        "{}",
        hint.evidence
    );
}

#[test]
fn a_scim_404_to_a_filter_while_the_collection_answers_is_an_empty_search() {
    let body = scim_error(404, "no resource matches the filter");
    let summary = run(vec![
        bad_status(
            "TEST-CONNECTION",
            exchange("GET", "/Users?filter=x", None, 404, &body),
            "200",
        ),
        ok("CREATE", exchange("POST", "/Users", Some("{}"), 201, "{}")),
        bad_status(
            "LOOKUP",
            exchange("GET", "/Users?filter=y", None, 404, &body),
            "200",
        ),
    ]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:empty-search-404");
    assert!(!hint.blocking);
    assert_eq!(hint.steps, ["TEST-CONNECTION", "LOOKUP"]);
    assert_eq!(hint.failures, 2);
    // A SCIM 404 and a POST that also got 404: the collection is not there.
    let summary = run(vec![
        bad_status(
            "TEST-CONNECTION",
            exchange("GET", "/Users?filter=x", None, 404, &body),
            "200",
        ),
        bad_status(
            "CREATE",
            exchange("POST", "/Users", Some("{}"), 404, &body),
            "201",
        ),
    ]);
    assert_eq!(ids(&diagnose(&summary)), ["hint:wrong-url"]);
}

#[test]
fn a_406_is_the_accept_header() {
    let hint = only(&run(vec![bad_status(
        "TEST-CONNECTION",
        exchange("GET", "/Users?filter=x", None, 406, ""),
        "200",
    )]));
    assert_eq!(hint.id, "hint:accept-header");
    assert!(hint.fix.contains("without an `Accept` header"));
}

#[test]
fn an_html_page_is_a_login_page_whatever_its_status() {
    let page = with_header(
        exchange(
            "GET",
            "/Users?filter=x",
            None,
            200,
            "<!DOCTYPE html><title> Sign in </title>",
        ),
        "content-type",
        "text/html",
    );
    // A 200 with a page fails the JSON check, as the runner finds it.
    let not_json = crate::check::json_body(page.response().expect("answer"))
        .expect_err("an HTML page is not JSON");
    let hint = only(&run(vec![step(
        "TEST-CONNECTION",
        vec![page],
        vec![*not_json],
    )]));
    assert_eq!(hint.id, "hint:html-login-page");
    assert_eq!(
        hint.evidence,
        "GET /scim/v2/Users?filter=x → 200 with an HTML page titled \"Sign in\""
    );
}

#[test]
fn a_redirect_to_the_same_url_is_a_loop() {
    let looped = with_header(
        exchange("GET", "/Users?filter=x", None, 302, ""),
        "location",
        "/scim/v2/Users?filter=x",
    );
    let hint = only(&run(vec![bad_status("TEST-CONNECTION", looped, "200")]));
    assert_eq!(hint.id, "hint:redirect-loop");
    assert_eq!(hint.evidence, "GET /scim/v2/Users?filter=x → 302 to itself");
}

#[test]
fn a_status_outside_the_http_classes_is_unexpected_not_a_server_error() {
    let odd = exchange("GET", "/Users?filter=x", None, 999, "{}");
    let hint = only(&run(vec![bad_status("TEST-CONNECTION", odd, "200")]));
    assert_eq!(hint.id, "hint:unexpected-status");
    assert_eq!(
        hint.evidence,
        "GET /scim/v2/Users?filter=x → unexpected status 999"
    );
    let failing = exchange("GET", "/Users?filter=x", None, 503, "{}");
    let hint = only(&run(vec![bad_status("TEST-CONNECTION", failing, "200")]));
    assert_eq!(hint.id, "hint:server-error");
}

#[test]
fn a_redirect_names_where_it_goes() {
    let moved = with_header(
        exchange("GET", "/Users?filter=x", None, 302, ""),
        "location",
        "https://login.example/",
    );
    let hint = only(&run(vec![bad_status("TEST-CONNECTION", moved, "200")]));
    assert_eq!(hint.id, "hint:redirect");
    assert!(hint.evidence.ends_with("→ 302 to https://login.example/"));
}

#[test]
fn pascal_case_ops_are_blamed_when_no_pascal_case_patch_got_through() {
    let detail = scim_error(400, "op must be add, replace or remove");
    let summary = run(vec![
        bad_status(
            "UPDATE",
            exchange("PATCH", "/Users/1", Some(PASCAL), 400, &detail),
            "200 or 204",
        ),
        bad_status(
            "DISABLE",
            exchange("PATCH", "/Users/1", Some(PASCAL_FALSE), 400, &detail),
            "200 or 204",
        ),
    ]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:pascal-case-ops");
    assert_eq!(hint.steps, ["UPDATE", "DISABLE"]);
    assert_eq!(
        hint.evidence,
        r#"PATCH /scim/v2/Users/1 sent {"op":"Replace","path":"displayName","value":"B"} → 400: "op must be add, replace or remove""#
    );
}

#[test]
fn string_booleans_are_blamed_when_pascal_case_ops_got_through() {
    let detail = scim_error(400, "invalid value");
    let summary = run(vec![
        ok(
            "UPDATE",
            exchange("PATCH", "/Users/1", Some(PASCAL), 200, "{}"),
        ),
        bad_status(
            "DISABLE",
            exchange("PATCH", "/Users/1", Some(PASCAL_FALSE), 400, &detail),
            "200 or 204",
        ),
    ]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:string-booleans");
    assert_eq!(
        hint.evidence,
        r#"PATCH /scim/v2/Users/1 sent `active` as "False" → 400: "invalid value""#
    );
}

#[test]
fn a_detail_about_booleans_beats_the_case_of_op() {
    let detail = scim_error(400, "`active` must be a boolean");
    let summary = run(vec![bad_status(
        "DISABLE",
        exchange("PATCH", "/Users/1", Some(PASCAL_FALSE), 400, &detail),
        "200 or 204",
    )]);
    assert_eq!(ids(&diagnose(&summary)), ["hint:string-booleans"]);
}

#[test]
fn member_removal_with_a_value_array_and_null_refs_are_told_apart() {
    let add =
        r#"{"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"u1"}]}]}"#;
    let remove =
        r#"{"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"}]}]}"#;
    let refused = scim_error(400, "use members[value eq \"id\"]");
    let summary = run(vec![
        ok("ADD", exchange("PATCH", "/Groups/g", Some(add), 204, "")),
        bad_status(
            "REMOVE",
            exchange("PATCH", "/Groups/g", Some(remove), 400, &refused),
            "200 or 204",
        ),
    ]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:member-removal-form");
    assert!(hint
        .evidence
        .contains(r#"sent {"op":"Remove","path":"members","value":["#));
    // Nothing with a null `$ref` got through, and the detail names it.
    let null_ref = scim_error(400, "`members` entry has a null \"$ref\"");
    let summary = run(vec![bad_status(
        "ADD",
        exchange("PATCH", "/Groups/g", Some(add), 400, &null_ref),
        "200 or 204",
    )]);
    assert_eq!(ids(&diagnose(&summary)), ["hint:null-ref"]);
}

fn list(resources: &[(&str, &str)]) -> String {
    let items: Vec<serde_json::Value> = resources
        .iter()
        .map(|(id, name)| serde_json::json!({"id": id, "userName": name}))
        .collect();
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": items.len(),
        "Resources": items,
    })
    .to_string()
}

#[test]
fn lookups_returning_other_users_are_an_ignored_filter() {
    let lookup = exchange(
        "GET",
        "/Users?filter=userName+eq+%22a%22",
        None,
        200,
        &list(&[("2", "b")]),
    );
    let user_name = crate::attributes::AttrPath::parse("userName").expect("path");
    let listed = crate::check::ListBody::parse(&list(&[("2", "b")])).expect("json");
    let matches = crate::check::list_matches(&listed, &user_name, "a", false);
    let count = testing::list_count(0, 1);
    let summary = run(vec![
        step("LOOKUP", vec![lookup.clone()], vec![matches]),
        step("TEST-CONNECTION", vec![lookup], vec![count]),
    ]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:filter-ignored");
    assert!(hint.symptom.contains("MultipleEntriesInResponse"));
    assert_eq!(hint.steps, ["LOOKUP", "TEST-CONNECTION"]);
}

#[test]
fn deleted_objects_still_readable_are_a_delete_that_only_deactivates() {
    let gone_by_id = exchange("GET", "/Users/7", None, 200, r#"{"id":"7","active":false}"#);
    let gone_by_filter = exchange("GET", "/Users?filter=x", None, 200, &list(&[("7", "a")]));
    let count = testing::list_count(0, 1);
    let summary = run(vec![
        ok("DELETE", exchange("DELETE", "/Users/7", None, 204, "")),
        bad_status("DELETED-GET", gone_by_id, "404"),
        step("DELETED-LOOKUP", vec![gone_by_filter], vec![count]),
    ]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:delete-only-deactivates");
    assert_eq!(hint.steps, ["DELETED-GET", "DELETED-LOOKUP"]);
    assert_eq!(
        hint.evidence,
        "GET /scim/v2/Users/7 → 200 after its DELETE answered 2xx"
    );
}

#[test]
fn lower_case_resources_are_the_list_casing() {
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"resources":[]}"#;
    let shape = crate::check::list_shape(&crate::check::ListBody::parse(body).expect("json"));
    let summary = run(vec![step(
        "TEST-CONNECTION",
        vec![exchange("GET", "/Users?filter=x", None, 200, body)],
        vec![shape],
    )]);
    assert_eq!(only(&summary).id, "hint:list-resources-casing");
}

#[test]
fn members_despite_exclusion_and_an_unchecked_token_have_their_own_hints() {
    let excluded =
        crate::check::members_excluded(&serde_json::json!({"members": [{"value": "1"}]}));
    let open = without_token(exchange("GET", "/Users?filter=x", None, 200, "{}"));
    let summary = run(vec![
        step(
            "GROUP-GET",
            vec![exchange(
                "GET",
                "/Groups/g?excludedAttributes=members",
                None,
                200,
                "{}",
            )],
            vec![excluded],
        ),
        bad_status("NO-TOKEN", open, "401"),
    ]);
    let hints = diagnose(&summary);
    assert_eq!(
        ids(&hints),
        ["hint:members-not-excluded", "hint:no-token-check"]
    );
    assert_eq!(
        hints[1].evidence,
        "GET /scim/v2/Users?filter=x without an Authorization header → 200"
    );
}

#[test]
fn a_manager_string_is_named_and_a_normalised_value_only_degrades() {
    let after = Some(crate::check::WriteAnswer {
        method: "PATCH",
        status: 200,
    });
    let manager = crate::check::manager(
        &serde_json::json!({crate::scim::ENTERPRISE_USER_SCHEMA: {"manager": "9"}}),
        Some(crate::check::Named {
            id: "9".into(),
            name: "boss".into(),
        }),
    )
    .reading_back(after)
    .on(crate::check::ExchangeRef::new(1));
    let normalised = testing::attribute(
        "emails[type eq \"work\"].value",
        "A@x.com".into(),
        Some("a@x.com".into()),
    )
    .with_severity(Severity::Degrades)
    .reading_back(after)
    .on(crate::check::ExchangeRef::new(1));
    let patch = exchange("PATCH", "/Users/1", Some(PASCAL), 200, "{}");
    let read = exchange("GET", "/Users/1", None, 200, "{}");
    let summary = run(vec![
        step(
            "SET-MANAGER",
            vec![patch.clone(), read.clone()],
            vec![manager],
        ),
        step("UPDATE", vec![patch, read], vec![normalised]),
    ]);
    let hints = diagnose(&summary);
    assert_eq!(
        ids(&hints),
        ["hint:manager-as-string", "hint:values-normalised"]
    );
    assert_eq!(hints[1].severity, Severity::Degrades);
    assert!(hints[1].symptom.contains("every 40-minute cycle"));
}

fn absent(path: &str) -> CheckResult {
    testing::attribute(path, "x".into(), None)
        .reading_back(Some(crate::check::WriteAnswer {
            method: "POST",
            status: 201,
        }))
        .on(crate::check::ExchangeRef::new(1))
}

#[test]
fn dropped_attributes_are_the_enterprise_extension_only_when_all_are_in_it() {
    let department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
    let write = || {
        vec![
            exchange("POST", "/Users", Some("{}"), 201, "{}"),
            exchange("GET", "/Users/1", None, 200, "{}"),
        ]
    };
    let summary = run(vec![step("CREATE", write(), vec![absent(department)])]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:enterprise-extension-dropped");
    assert!(hint.evidence.contains(department));
    let summary = run(vec![step(
        "CREATE",
        write(),
        vec![absent(department), absent("title")],
    )]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:write-not-stored");
    assert_eq!(hint.failures, 2);
}

#[test]
fn server_errors_content_type_and_other_failures() {
    let failed = exchange("POST", "/Users", Some("{}"), 500, &scim_error(500, "boom"));
    let conflict = exchange(
        "POST",
        "/Groups",
        Some("{}"),
        409,
        &scim_error(409, "exists"),
    );
    let content_type = testing::content_type("application/json");
    let summary = run(vec![
        step(
            "TEST-CONNECTION",
            vec![exchange("GET", "/Users?filter=x", None, 200, "{}")],
            vec![content_type],
        ),
        bad_status("CREATE-USER", failed, "201"),
        bad_status("CREATE-GROUP", conflict.clone(), "201"),
        bad_status("CREATE-GROUP-AGAIN", conflict, "201"),
    ]);
    let hints = diagnose(&summary);
    // Breaks Entra before RFC; among those, the cause behind more steps first.
    assert_eq!(
        ids(&hints),
        ["hint:status", "hint:server-error", "hint:content-type"]
    );
    assert_eq!(hints[0].steps, ["CREATE-GROUP", "CREATE-GROUP-AGAIN"]);
    assert_eq!(hints[1].evidence, "POST /scim/v2/Users → 500: \"boom\"");
    assert_eq!(hints[2].severity, Severity::Rfc);
}

#[test]
fn blocking_causes_come_first_whatever_their_size() {
    let detail = scim_error(400, "op must be add, replace or remove");
    let summary = run(vec![
        bad_status(
            "A",
            exchange("PATCH", "/Users/1", Some(PASCAL), 400, &detail),
            "200",
        ),
        bad_status(
            "B",
            exchange("PATCH", "/Users/1", Some(PASCAL), 400, &detail),
            "200",
        ),
        unreachable(
            "C",
            TransportErrorKind::Timeout {
                after: Duration::from_secs(1),
            },
        ),
    ]);
    assert_eq!(
        ids(&diagnose(&summary)),
        ["hint:timeout", "hint:pascal-case-ops"]
    );
}

#[test]
fn no_path_filtered_path_and_adscim_rejections_have_their_own_hints() {
    let no_path = r#"{"Operations":[{"op":"Add","value":{"displayName":"D"}}]}"#;
    let filtered =
        r#"{"Operations":[{"op":"Add","path":"emails[type eq \"work\"].value","value":"a@x"}]}"#;
    let adscim = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"G"}"#;
    let summary = run(vec![
        ok(
            "UPDATE",
            exchange("PATCH", "/Users/1", Some(PASCAL), 200, "{}"),
        ),
        bad_status(
            "NO-PATH",
            exchange(
                "PATCH",
                "/Users/1",
                Some(no_path),
                400,
                &scim_error(400, "a path is required"),
            ),
            "200 or 204",
        ),
        bad_status(
            "FILTERED",
            exchange(
                "PATCH",
                "/Users/1",
                Some(filtered),
                400,
                &scim_error(400, "no element matches the filter"),
            ),
            "200 or 204",
        ),
        bad_status(
            "ADSCIM",
            exchange(
                "POST",
                "/Groups",
                Some(adscim),
                400,
                &scim_error(400, "unknown schema"),
            ),
            "201",
        ),
    ]);
    assert_eq!(
        ids(&diagnose(&summary)),
        [
            "hint:no-path-ops",
            "hint:filtered-path-on-absent",
            "hint:adscim-group-schema"
        ]
    );
}

#[test]
fn a_lookup_in_another_case_that_finds_nothing_is_a_case_sensitive_filter() {
    let created = r#"{"userName":"Dora@Example.com"}"#;
    let count = testing::list_count(1, 0);
    let lookup = exchange(
        "GET",
        "/Users?filter=userName+eq+%22DORA%40EXAMPLE.COM%22",
        None,
        200,
        &list(&[]),
    );
    let summary = run(vec![
        ok(
            "CREATE",
            exchange("POST", "/Users", Some(created), 201, "{}"),
        ),
        step(
            "LOOKUP-OTHER-CASE",
            vec![lookup.clone()],
            vec![count.clone()],
        ),
    ]);
    assert_eq!(only(&summary).id, "hint:case-sensitive-filter");
    // Without the server holding the value in another case, it is only a wrong count.
    let summary = run(vec![step("LOOKUP-OTHER-CASE", vec![lookup], vec![count])]);
    assert_eq!(only(&summary).id, "hint:list-count");
}

#[test]
fn rule_ids_are_unique_stable_names_listed_in_the_readme() {
    let readme = include_str!("../../README.md");
    let mut seen = std::collections::BTreeSet::new();
    for rule in super::rules::RULES {
        let name = rule.id.strip_prefix("hint:").expect("a `hint:` id");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            rule.id
        );
        assert!(seen.insert(rule.id), "{} twice", rule.id);
        assert!(
            readme.contains(&format!("`{}`", rule.id)),
            "{} not in the README",
            rule.id
        );
    }
}

#[test]
fn a_refused_filter_on_the_matching_attribute_while_another_is_answered_names_it() {
    let by_user_name = exchange(
        "GET",
        "/Users?filter=userName+eq+%22a%40x%22",
        None,
        200,
        &list(&[]),
    );
    let refused = || {
        let answer = scim_error(400, "filtering on `externalId` is not supported");
        let probe = exchange(
            "GET",
            "/Users?filter=externalId+eq+%22a%22",
            None,
            400,
            &answer,
        );
        bad_status("TEST-CONNECTION", probe, "200")
    };
    let summary = run(vec![ok("LOOKUP", by_user_name), refused()]);
    let hint = only(&summary);
    assert_eq!(hint.id, "hint:filter-attribute-unsupported");
    assert!(hint.cause.contains("`externalId`"), "{}", hint.cause);
    // With no other filter answered, the server may not filter at all: not this cause.
    let summary = run(vec![refused()]);
    assert_ne!(only(&summary).id, "hint:filter-attribute-unsupported");
}

#[test]
fn a_stored_role_holding_the_encoded_role_is_a_role_json_string() {
    let encoded = r#"{"id":"7c1d","value":"25","displayName":"Role1234"}"#;
    let sent = serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "roles", "value": [{"value": encoded}]}]})
    .to_string();
    let patch = exchange("PATCH", "/Users/u1", Some(&sent), 200, "{}");
    let check = testing::attribute(
        "roles",
        serde_json::json!([{"value": "25", "display": "Role1234"}]),
        Some(serde_json::json!([{"value": encoded}])),
    );
    let hint = only(&run(vec![step(
        "ROLES-ADD",
        vec![patch.clone()],
        vec![check],
    )]));
    assert_eq!(hint.id, "hint:role-json-string");
    // A role stored with another value is a write that was lost, not this cause.
    let other = testing::attribute(
        "roles",
        serde_json::json!([{"value": "25", "display": "Role1234"}]),
        Some(serde_json::json!([{"value": "24"}])),
    );
    let hint = only(&run(vec![step("ROLES-ADD", vec![patch], vec![other])]));
    assert_ne!(hint.id, "hint:role-json-string");
}

#[test]
fn a_refused_primary_role_path_while_other_filtered_paths_pass_is_the_primary_filter() {
    let patch = |path: &str, status: u16| {
        let body = serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": path, "value": "x"}]})
        .to_string();
        let answer = if status == 200 {
            "{}".to_owned()
        } else {
            scim_error(400, "no match")
        };
        exchange("PATCH", "/Users/u1", Some(&body), status, &answer)
    };
    let refused = || {
        bad_status(
            "PRIMARY-ROLE-CHANGE",
            patch(r#"roles[primary eq "True"].value"#, 400),
            "200 or 204",
        )
    };
    let email = ok("EMAIL", patch(r#"emails[type eq "work"].value"#, 200));
    let hint = only(&run(vec![email, refused()]));
    assert_eq!(hint.id, "hint:primary-role-filter");
    // No filtered path accepted: the server may take none, which another rule names.
    let hint = only(&run(vec![refused()]));
    assert_ne!(hint.id, "hint:primary-role-filter");
}
