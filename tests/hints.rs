//! "What to fix first": for each setup failure of issue 4's hold-back list, a run against the
//! reference server (with the fault on, a wrong token, a wrong path) or against no server at
//! all puts the hint naming that cause first. And the severities: a failure that does not
//! break Entra is a warning, which fails the run only with `--strict`.

mod common;

use common::{scimcheck, text};

use common::{builtin_plan, messages, run_builtin, server};
use scimcheck::attributes::AttributeTables;
use scimcheck::check::Severity;
use scimcheck::hints::{diagnose, Hint};
use scimcheck::http::{Client, ClientOptions, TenantUrl};
use scimcheck::profile::Profile;
use scimcheck::redact::Secret;
use scimcheck::refserver::Fault;
use scimcheck::run::{new_run_id, NotRun, PremiseKind, RunSummary, Runner, StepStatus};

/// Runs the built-in suite against `url` with `token`.
async fn run_against(url: &str, token: &str) -> RunSummary {
    let tables = AttributeTables::atmos();
    let plan = builtin_plan(&tables);
    let tenant = TenantUrl::parse(url).expect("valid URL");
    let client =
        Client::new(tenant, Secret::new(token), ClientOptions::default()).expect("client builds");
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    runner
        .run(&plan, &[Profile::EntraDefault], &mut |_| {})
        .await
}

fn ids(hints: &[Hint]) -> Vec<&'static str> {
    hints.iter().map(|h| h.id).collect()
}

/// The first hint, after asserting it is `id` and mentions every one of `words`.
fn assert_first(summary: &RunSummary, id: &str, words: &[&str]) -> Hint {
    let hints = diagnose(summary);
    let listing = hints
        .iter()
        .map(|h| {
            format!(
                "{} ({}): {} | {}",
                h.id,
                h.steps.join(","),
                h.cause,
                h.evidence
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let first = hints
        .first()
        .unwrap_or_else(|| panic!("no hint for:\n{}", messages(summary)))
        .clone();
    assert_eq!(first.id, id, "hints:\n{listing}");
    let text = format!(
        "{} {} {} {}",
        first.cause, first.symptom, first.evidence, first.fix
    );
    for word in words {
        assert!(
            text.contains(word),
            "`{word}` not in the first hint:\n{text}"
        );
    }
    first
}

/// Runs the suite with `fault` on; the first hint is `id`, with `words`, and it is the only
/// hint: every failed step has this one cause.
async fn assert_fault(fault: Fault, id: &str, words: &[&str]) -> Hint {
    let summary = run_builtin(&[fault]).await;
    let hint = assert_first(&summary, id, words);
    let hints = diagnose(&summary);
    assert_eq!(hints.len(), 1, "{hints:#?}");
    assert_eq!(hint.steps.len(), summary.counts().failed, "{hint:?}");
    hint
}

#[tokio::test]
async fn a_clean_run_has_no_hints() {
    assert_eq!(diagnose(&run_builtin(&[]).await), Vec::new());
}

#[tokio::test]
async fn a_wrong_token_is_the_token_and_blocks_everything_else() {
    let server = server(&[]).await;
    let summary = run_against(&server.base_url(), "not-the-token").await;
    server.shutdown().await;
    let hint = assert_first(
        &summary,
        "hint:token",
        &[
            "SystemForCrossDomainIdentityManagementCredentialValidationFailure",
            "401",
            "invalid bearer token",
            "Secret Token",
        ],
    );
    assert!(hint.blocking);
    // Every failed request was a 401: nothing else is blamed.
    assert_eq!(diagnose(&summary).len(), 1);
}

#[tokio::test]
async fn a_refused_token_stops_the_run_after_test_connection_unless_keep_going() {
    let server = server(&[]).await;
    let tables = AttributeTables::atmos();
    let plan = builtin_plan(&tables);
    let tenant = TenantUrl::parse(&server.base_url()).expect("valid URL");
    let client = Client::new(
        tenant,
        Secret::new("not-the-token"),
        ClientOptions::default(),
    )
    .expect("client builds");
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let mut runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    runner.stop_rule = Some(Box::new(scimcheck::hints::blocking_cause));
    let stopped = runner
        .run(&plan, &[Profile::EntraDefault], &mut |_| {})
        .await;
    let keep_going = run_against(&server.base_url(), "not-the-token").await;
    server.shutdown().await;
    // Only Test Connection's requests were sent; every later step is "not run", blocked by
    // the one cause, and the one hint still names it.
    let first = &stopped.scenarios[0];
    assert_eq!(first.name, "test-connection");
    assert_eq!(stopped.requests(), first.requests());
    for step in stopped.scenarios.iter().skip(1).flat_map(|s| &s.steps) {
        assert!(
            matches!(&step.status, StepStatus::NotRun(NotRun::Premise(p))
                if matches!(p.kind.as_ref(), PremiseKind::Blocked { hint } if hint == "hint:token")),
            "{}: {:?}",
            step.id,
            step.status
        );
    }
    assert_eq!(ids(&diagnose(&stopped)), ["hint:token"]);
    assert!(keep_going.requests() > 5 * stopped.requests());
}

#[tokio::test]
async fn a_wrong_path_is_the_tenant_url_not_an_empty_search() {
    let server = server(&[]).await;
    let url = format!("http://{}/api", server.addr());
    let summary = run_against(&url, common::TOKEN).await;
    server.shutdown().await;
    let hint = assert_first(
        &summary,
        "hint:wrong-url",
        &[
            "HTTP/404 Not Found",
            "rather than the expected HTTP/200 OK",
            "/api/Users",
            "/scim/v2",
        ],
    );
    assert!(hint.blocking);
    assert_eq!(diagnose(&summary).len(), 1, "{:#?}", diagnose(&summary));
}

#[tokio::test]
async fn a_tenant_url_ending_in_users_is_the_tenant_url() {
    let server = server(&[]).await;
    let url = format!("{}/Users", server.base_url());
    let summary = run_against(&url, common::TOKEN).await;
    server.shutdown().await;
    assert_first(
        &summary,
        "hint:wrong-url",
        &["/scim/v2/Users/Users?filter=", "ends in /Users"],
    );
    assert_eq!(diagnose(&summary).len(), 1, "{:#?}", diagnose(&summary));
}

#[tokio::test]
async fn a_404_for_an_empty_search_is_not_a_wrong_path() {
    let hint = assert_fault(
        Fault::EmptyFilter404,
        "hint:empty-search-404",
        &[
            "HTTP/404 Not Found",
            "no resource matches the filter",
            "\"totalResults\":0",
        ],
    )
    .await;
    assert!(
        hint.steps.contains(&"TEST-CONNECTION".to_owned()),
        "{hint:?}"
    );
}

#[tokio::test]
async fn an_html_login_page_is_a_login_page() {
    let hint = assert_fault(
        Fault::HtmlLoginPage,
        "hint:html-login-page",
        &["HTML page", "titled \"Sign in\"", "login"],
    )
    .await;
    assert!(hint.blocking);
}

#[tokio::test]
async fn a_refused_connection_is_named_with_its_port() {
    let summary = run_against("http://127.0.0.1:9/scim/v2", common::TOKEN).await;
    assert_first(
        &summary,
        "hint:connection-refused",
        &["nothing listens on 127.0.0.1:9", "port"],
    );
    assert_eq!(diagnose(&summary).len(), 1);
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_failure() {
    let server = server(&[]).await;
    let url = format!("https://{}/scim/v2", server.addr());
    let summary = run_against(&url, common::TOKEN).await;
    server.shutdown().await;
    assert_first(
        &summary,
        "hint:tls",
        &["TLS handshake", "did not answer with TLS", "certificate"],
    );
}

#[tokio::test]
async fn pascal_case_ops_rejected_are_one_cause_for_every_patch() {
    let hint = assert_fault(
        Fault::RejectPascalCaseOps,
        "hint:pascal-case-ops",
        &[
            "lower-case",
            "\"op\":\"Replace\"",
            "op must be add, replace or remove",
            "§9 #4",
        ],
    )
    .await;
    for step in [
        "USER-UPDATE",
        "USER-DISABLE",
        "GROUP-REMOVE-MEMBERS",
        "GROUP-RENAME",
    ] {
        assert!(hint.steps.contains(&step.to_owned()), "{step}: {hint:?}");
    }
}

#[tokio::test]
async fn string_booleans_rejected_are_string_booleans_not_pascal_case() {
    let hint = assert_fault(
        Fault::RejectStringBooleans,
        "hint:string-booleans",
        &[
            "`active` as \"False\"",
            "must be a boolean",
            "never deactivated",
        ],
    )
    .await;
    assert!(hint.steps.contains(&"USER-DISABLE".to_owned()), "{hint:?}");
    assert!(!hint.steps.contains(&"USER-UPDATE".to_owned()), "{hint:?}");
}

#[tokio::test]
async fn member_removal_with_a_value_array_rejected_names_the_form() {
    assert_fault(
        Fault::RejectMemberValueArrayRemoval,
        "hint:member-removal-form",
        &[
            "\"op\":\"Remove\",\"path\":\"members\",\"value\":[",
            "members[value eq",
            "never removed",
        ],
    )
    .await;
}

#[tokio::test]
async fn an_ignored_filter_is_named_with_the_duplicates_it_causes() {
    let hint = assert_fault(
        Fault::IgnoreFilter,
        "hint:filter-ignored",
        &["ignores", "MultipleEntriesInResponse", "bystander"],
    )
    .await;
    assert_eq!(hint.severity, Severity::BreaksEntra);
}

#[tokio::test]
async fn a_patch_that_stores_nothing_is_accepts_and_drops() {
    assert_fault(
        Fault::PatchStoresNothing,
        "hint:write-not-stored",
        &["accepts writes", "PATCH returned 200 but", "never arrives"],
    )
    .await;
}

#[tokio::test]
async fn a_dropped_enterprise_extension_is_named_as_the_extension() {
    let hint = assert_fault(
        Fault::DropEnterpriseExtension,
        "hint:enterprise-extension-dropped",
        &[
            "enterprise extension",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ],
    )
    .await;
    assert!(hint.steps.contains(&"USER-CREATE".to_owned()), "{hint:?}");
}

#[tokio::test]
async fn a_delete_that_only_deactivates_is_named() {
    let hint = assert_fault(
        Fault::DeleteOnlyDeactivates,
        "hint:delete-only-deactivates",
        &["only deactivates", "after its DELETE answered 2xx"],
    )
    .await;
    for step in [
        "USER-DELETED-GET",
        "USER-DELETED-LOOKUP",
        "GROUP-DELETED-GET",
    ] {
        assert!(hint.steps.contains(&step.to_owned()), "{step}: {hint:?}");
    }
}

#[tokio::test]
async fn members_despite_exclusion_are_multiple_entries() {
    assert_fault(
        Fault::MembersDespiteExcluded,
        "hint:members-not-excluded",
        &["excludedAttributes=members", "MultipleEntriesInResponse"],
    )
    .await;
}

#[tokio::test]
async fn no_token_check_is_a_security_hole() {
    assert_fault(
        Fault::NoTokenCheck,
        "hint:no-token-check",
        &["without an Authorization header → 200", "401"],
    )
    .await;
}

#[tokio::test]
async fn a_plain_json_content_type_is_an_rfc_note() {
    let hint = assert_fault(
        Fault::ContentTypeJson,
        "hint:content-type",
        &["application/scim+json", "application/json"],
    )
    .await;
    assert_eq!(hint.severity, Severity::Rfc);
}

#[tokio::test]
async fn lower_case_resources_are_the_list_casing() {
    assert_fault(
        Fault::LowercaseResources,
        "hint:list-resources-casing",
        &["`resources`", "capital R"],
    )
    .await;
}

#[tokio::test]
async fn other_rejected_entra_forms_are_named() {
    assert_fault(
        Fault::RejectNoPathValueObjects,
        "hint:no-path-ops",
        &["without a `path`", "a path is required"],
    )
    .await;
    assert_fault(
        Fault::RejectFilteredPathOnAbsent,
        "hint:filtered-path-on-absent",
        &["emails[type eq", "§9 #6"],
    )
    .await;
    assert_fault(
        Fault::RejectAdscimGroupSchema,
        "hint:adscim-group-schema",
        &["ADSCIM/2.0/Group", "POST /scim/v2/Groups → 400"],
    )
    .await;
}

#[tokio::test]
async fn a_case_sensitive_filter_and_normalised_values_are_named() {
    assert_fault(
        Fault::CaseSensitiveUsernameFilter,
        "hint:case-sensitive-filter",
        &["case-insensitively", "DuplicateTargetEntries"],
    )
    .await;
    let hint = assert_fault(
        Fault::NormaliseValues,
        "hint:values-normalised",
        &["every 40-minute cycle", "exactly as sent"],
    )
    .await;
    assert_eq!(hint.severity, Severity::Degrades);
}

#[test]
fn an_rfc_only_failure_is_a_warning_that_fails_only_with_strict() {
    let out = scimcheck()
        .args(["demo", "--fault", "content-type-json"])
        .output()
        .expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("  WARN     test-connection"), "{all}");
    assert!(
        all.contains("✗ TEST-CONNECTION/CONTENT-TYPE (RFC): "),
        "{all}"
    );
    assert!(all.contains(" passed, 1 failed (1 RFC)"), "{all}");
    assert!(all.contains("what to fix first"), "{all}");
    assert!(all.contains("hint:content-type"), "{all}");
    assert!(!all.contains("FAIL"), "{all}");

    let strict = scimcheck()
        .args(["demo", "--strict", "--fault", "content-type-json"])
        .output()
        .expect("runs");
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
}

#[test]
fn a_failure_that_breaks_entra_fails_the_run_and_leads_the_hints() {
    let out = scimcheck()
        .args([
            "demo",
            "--fault",
            "content-type-json",
            "--fault",
            "reject-string-booleans",
        ])
        .output()
        .expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("✗ USER-DISABLE/STATUS: "), "{all}");
    assert!(
        all.contains(" passed, 5 failed (4 breaks Entra, 1 RFC)"),
        "{all}"
    );
    let first = all.find("hint:string-booleans").expect("the boolean hint");
    let second = all
        .find("hint:content-type")
        .expect("the content-type hint");
    assert!(first < second, "{all}");
}
