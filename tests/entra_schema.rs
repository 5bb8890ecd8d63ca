//! `--attributes` with Entra's exported provisioning schema (issue 12, part 1): one test per
//! fixture under `fixtures/entra-schema/`, against the reference server, reading what was sent
//! to show that the run follows the file.

mod common;

use std::path::Path;

use scimcheck::attributes::{self, Apply, AttributeTables};
use scimcheck::http::Exchange;
use scimcheck::profile::Profile;
use scimcheck::run::{new_run_id, RunSummary, Runner};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn fixture(name: &str) -> AttributeTables {
    let path = Path::new("fixtures/entra-schema").join(name);
    attributes::load(&path).unwrap_or_else(|e| panic!("{name} loads: {e}"))
}

/// The built-in suite under `entra-default` with these tables, against a clean server.
async fn run(tables: &AttributeTables) -> RunSummary {
    let plan = common::builtin_plan(tables);
    let server = common::server(&[]).await;
    let client = common::client(&server.base_url());
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, tables, new_run_id(), interrupt);
    let summary = runner
        .run(&plan, &[Profile::EntraDefault], &mut |_| {})
        .await;
    server.shutdown().await;
    summary
}

/// Everything sent, in order.
fn sent(summary: &RunSummary) -> Vec<&Exchange> {
    summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.exchanges)
        .collect()
}

fn body(exchange: &Exchange) -> serde_json::Value {
    let text = exchange.sent.body.as_deref().unwrap_or("null");
    serde_json::from_str(text).expect("the request body is JSON")
}

fn user_posts(summary: &RunSummary) -> Vec<&Exchange> {
    sent(summary)
        .into_iter()
        .filter(|e| e.sent.method == "POST" && e.sent.url.ends_with("/Users"))
        .collect()
}

fn patches(summary: &RunSummary) -> Vec<&Exchange> {
    sent(summary)
        .into_iter()
        .filter(|e| e.sent.method == "PATCH" && e.sent.url.contains("/Users/"))
        .collect()
}

/// The step's own request URL.
fn step_url(summary: &RunSummary, id: &str) -> String {
    let step = summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("a step {id}"));
    step.request().expect("the step sent").sent.url.clone()
}

fn assert_all_pass(summary: &RunSummary) {
    let failing = common::failing(summary);
    assert!(
        failing.is_empty(),
        "{failing:#?}\n{}",
        common::messages(summary)
    );
}

#[tokio::test]
async fn entra_default_schema_matches_on_user_name_and_passes_the_reference_server() {
    let tables = fixture("scim-default.json");
    assert_eq!(tables.app, "customappsso");
    assert_eq!(tables.user.matching.as_str(), "userName");
    assert_eq!(tables.user.attributes.len(), 22);
    assert!(tables.warnings.is_empty(), "{:?}", tables.warnings);
    let summary = run(&tables).await;
    assert_all_pass(&summary);
    assert!(step_url(&summary, "TEST-CONNECTION").contains("filter=userName+eq+"));
    let post = body(user_posts(&summary)[0]);
    assert!(post[ENTERPRISE]["employeeNumber"].is_string(), "{post:#}");
}

#[tokio::test]
async fn custom_extension_attribute_is_sent_and_read_back_under_its_urn() {
    let urn = "urn:ietf:params:scim:schemas:extension:atmos:2.0:User";
    let tables = fixture("atmos-extension.json");
    assert_eq!(tables.app, "Atmos");
    assert_eq!(
        tables.user.scope.as_deref(),
        Some("department EQUALS \"Sales\" AND accountEnabled IS TRUE")
    );
    let summary = run(&tables).await;
    assert_all_pass(&summary);
    let post = body(user_posts(&summary)[0]);
    assert!(post[urn]["costCenter"].is_string(), "{post:#}");
    assert!(
        post["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == urn)),
        "{post:#}"
    );
    let read_back = sent(&summary)
        .into_iter()
        .filter(|e| e.sent.method == "GET" && e.sent.url.contains("/Users/"))
        .filter_map(|e| e.response())
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
        .any(|user| user[urn]["costCenter"] == post[urn]["costCenter"]);
    assert!(read_back, "no read-back held the extension value");
}

#[tokio::test]
async fn probe_and_lookups_filter_on_external_id_when_it_is_matched_first() {
    let tables = fixture("external-id-matching.json");
    assert_eq!(tables.user.matching.as_str(), "externalId");
    let next: Vec<&str> = tables
        .user
        .matching_next
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(next, ["userName"]);
    let summary = run(&tables).await;
    assert_all_pass(&summary);
    for id in [
        "TEST-CONNECTION",
        "USER-LOOKUP-ABSENT",
        "USER-LOOKUP-FOUND",
        "USER-DELETED-LOOKUP",
    ] {
        let url = step_url(&summary, id);
        assert!(url.contains("filter=externalId+eq+"), "{id}: {url}");
    }
}

/// The URLs a step sent, in order.
fn step_urls(summary: &RunSummary, id: &str) -> Vec<String> {
    summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .filter(|s| s.id == id)
        .flat_map(|s| &s.exchanges)
        .map(|e| e.sent.url.clone())
        .collect()
}

#[tokio::test]
async fn a_lookup_that_finds_nothing_by_external_id_is_sent_again_by_user_name() {
    // Client-behaviour §3.1: matching attributes are tried one at a time, in precedence order.
    let summary = run(&fixture("external-id-matching.json")).await;
    assert_all_pass(&summary);
    let absent = step_urls(&summary, "USER-LOOKUP-ABSENT");
    assert_eq!(absent.len(), 2, "{absent:#?}");
    assert!(absent[0].contains("filter=externalId+eq+"), "{}", absent[0]);
    assert!(absent[1].contains("filter=userName+eq+"), "{}", absent[1]);
    // Found by the first: no second lookup.
    let found = step_urls(&summary, "USER-LOOKUP-FOUND");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("filter=externalId+eq+"), "{}", found[0]);
}

#[tokio::test]
async fn a_user_whose_external_id_differs_on_the_server_is_matched_by_user_name() {
    // The server holds eve under another externalId: the lookup by precedence 1 finds
    // nothing, the one by precedence 2 finds her, and Entra links her id (§3.1, §3.4).
    let scenario = r#"
version: 1
name: match-fallback
description: eve is matched by userName when her externalId differs on the server.
vars:
  eve_name: "{{ prefix }}-eve@example.com"
users:
  eve: { userName: "{{ eve_name }}", externalId: "{{ prefix }}-entra-side" }
steps:
  - id: SEED
    request:
      method: POST
      path: /Users
      headers: { Content-Type: application/scim+json }
      body:
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"]
        userName: "{{ eve_name }}"
        externalId: "{{ prefix }}-server-side"
    expect: { status: 201 }
  - id: MATCH
    entra: { lookup-user: eve }
    expect: { list: { totalResults: 1 } }
  - id: LINKED-DELETE
    entra: { delete-user: eve }
"#;
    let mut tables = fixture("external-id-matching.json");
    // Only the two matching attributes, so eve's only difference is the externalId.
    tables
        .user
        .attributes
        .retain(|a| ["userName", "externalId"].contains(&a.path.as_str()));
    let file = scimcheck::scenario::SourceFile {
        name: "match-fallback.yaml".into(),
        text: scenario.to_owned(),
    };
    let plan = scimcheck::plan::compile::compile(&[file], &tables)
        .unwrap_or_else(|e| panic!("the scenario compiles:\n{e}"));
    let server = common::server(&[]).await;
    let client = common::client(&server.base_url());
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner
        .run(&plan, &[Profile::EntraDefault], &mut |_| {})
        .await;
    let users_left = common::count_users(&server.base_url()).await;
    server.shutdown().await;
    // Matched, the found user's externalId differs from Entra's (which Entra then PATCHes):
    // the one failure of the run.
    let failed: Vec<String> = summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| {
            s.failures()
                .map(move |c| format!("{} {}", s.id, c.subject()))
        })
        .collect();
    assert_eq!(failed, ["MATCH attribute `externalId`"]);
    let urls = step_urls(&summary, "MATCH");
    assert_eq!(urls.len(), 2, "{urls:#?}");
    assert!(urls[1].contains("filter=userName+eq+"), "{}", urls[1]);
    // The match linked eve: the DELETE by her id removed the seeded user.
    assert_eq!(users_left, 0);
}

#[tokio::test]
async fn object_add_only_attribute_is_in_the_create_and_never_in_a_patch() {
    let department = format!("{ENTERPRISE}:department");
    let tables = fixture("object-add-only.json");
    let row = tables.user.get(&department).expect("department is mapped");
    assert_eq!(row.apply, Apply::OnCreateOnly);
    let summary = run(&tables).await;
    assert_all_pass(&summary);
    let post = body(user_posts(&summary)[0]);
    assert!(post[ENTERPRISE]["department"].is_string(), "{post:#}");
    let patches = patches(&summary);
    assert!(!patches.is_empty(), "the suite PATCHes users");
    for patch in patches {
        let text = patch.sent.body.as_deref().unwrap_or_default();
        assert!(!text.contains("department"), "{text}");
    }
}

#[tokio::test]
async fn complex_app_roles_are_sent_as_role_objects_and_a_constant_as_written() {
    let tables = fixture("app-roles-complex.json");
    let roles = tables.user.get("roles").expect("roles are mapped");
    assert_eq!(roles.produced, Some(attributes::Produced::AppRoles));
    let user_type = tables.user.get("userType").expect("userType is mapped");
    assert_eq!(
        user_type.produced,
        Some(attributes::Produced::Constant("Employee".to_owned()))
    );
    let summary = run(&tables).await;
    assert_all_pass(&summary);
    let post = body(user_posts(&summary)[0]);
    let role = &post["roles"][0];
    assert_eq!(
        (&role["primary"], &role["type"], role["value"].is_string()),
        (
            &serde_json::json!(false),
            &serde_json::json!("WindowsAzureActiveDirectoryRole"),
            true
        ),
        "{post:#}"
    );
    assert_eq!(post["userType"], "Employee", "{post:#}");
}

#[tokio::test]
async fn single_app_role_is_sent_as_the_primary_role_value() {
    let tables = fixture("app-roles.json");
    let role = tables
        .user
        .get("roles[primary eq \"True\"].value")
        .expect("the role is mapped");
    assert_eq!(
        role.source.as_deref(),
        Some("SingleAppRoleAssignment([appRoleAssignments])")
    );
    let summary = run(&tables).await;
    assert_all_pass(&summary);
    let post = body(user_posts(&summary)[0]);
    assert!(post["roles"][0]["value"].is_string(), "{post:#}");
}
