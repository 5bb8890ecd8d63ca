//! App roles, when the attribute table maps them (client-behaviour §3.2, §3.5, Q6, Q13): the
//! role PATCH in each Entra profile's form, read back as Entra reads it, and the reference
//! server's faults for the servers that break on those forms.

mod common;

use std::path::Path;

use common::{builtin_plan, client, failing, messages, server};
use scimcheck::attributes::{self, AttributeTables};
use scimcheck::hints::diagnose;
use scimcheck::http::Exchange;
use scimcheck::profile::Profile;
use scimcheck::refserver::Fault;
use scimcheck::run::{new_run_id, RunSummary, Runner};

const ENTRA: [Profile; 2] = [Profile::EntraDefault, Profile::EntraFlag];

fn table(path: &str) -> AttributeTables {
    attributes::load(Path::new(path)).unwrap_or_else(|e| panic!("{path} loads: {e}"))
}

/// `AppRoleAssignmentsComplex` (an exported schema).
fn complex_roles() -> AttributeTables {
    table("fixtures/entra-schema/app-roles-complex.json")
}

/// `SingleAppRoleAssignment`: `roles[primary eq "True"].value/.display/.type` (a YAML table).
fn primary_role() -> AttributeTables {
    table("fixtures/primary-role.yaml")
}

async fn run(tables: &AttributeTables, faults: &[Fault], profile: Profile) -> RunSummary {
    let plan = builtin_plan(tables);
    let server = server(faults).await;
    let client = client(&server.base_url());
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, tables, new_run_id(), interrupt);
    let summary = runner.run(&plan, &[profile], &mut |_| {}).await;
    server.shutdown().await;
    summary
}

/// The request a step sent itself (not its read-back).
fn sent(summary: &RunSummary, id: &str) -> Exchange {
    summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.id == id)
        .and_then(|s| s.request())
        .cloned()
        .unwrap_or_else(|| panic!("{id} sent a request"))
}

fn operations(exchange: &Exchange) -> serde_json::Value {
    let body = exchange.sent.body.as_deref().unwrap_or("null");
    let body: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    body["Operations"].clone()
}

/// Runs the suite with `fault` under `profile`; the failing steps are `expected` and the only
/// hint is `hint`, naming every failed step.
async fn assert_fault(
    tables: &AttributeTables,
    fault: Fault,
    profile: Profile,
    expected: &[&str],
    hint: &str,
) {
    let summary = run(tables, &[fault], profile).await;
    assert_eq!(
        failing(&summary),
        expected,
        "{fault} under {profile}:\n{}",
        messages(&summary)
    );
    let hints = diagnose(&summary);
    let ids: Vec<&str> = hints.iter().map(|h| h.id).collect();
    assert_eq!(ids, [hint], "{fault} under {profile}: {hints:#?}");
    assert_eq!(hints[0].steps.len(), expected.len(), "{:?}", hints[0]);
}

#[tokio::test]
async fn the_default_roles_patch_sends_the_role_as_a_json_encoded_string_and_reads_it_decoded() {
    let summary = run(&complex_roles(), &[], Profile::EntraDefault).await;
    assert!(failing(&summary).is_empty(), "{}", messages(&summary));
    let ops = operations(&sent(&summary, "ROLES-ADD"));
    assert_eq!(
        (&ops[0]["op"], &ops[0]["path"]),
        (&"Add".into(), &"roles".into()),
        "{ops:#}"
    );
    let encoded = ops[0]["value"][0]["value"]
        .as_str()
        .expect("the role is a string");
    let role: serde_json::Value = serde_json::from_str(encoded).expect("holding a JSON object");
    let keys: Vec<&str> = role
        .as_object()
        .map_or(Vec::new(), |o| o.keys().map(String::as_str).collect());
    assert_eq!(keys, ["id", "value", "displayName"], "{role:#}");
    // The read-back Entra does: the role is held decoded, next to the create's.
    let read = sent_read_back(&summary, "ROLES-ADD");
    assert_eq!(read["roles"][1]["value"], role["value"], "{read:#}");
    assert_eq!(read["roles"][1]["display"], role["displayName"], "{read:#}");
}

#[tokio::test]
async fn the_flag_roles_patch_sends_the_role_object_of_the_create() {
    let summary = run(&complex_roles(), &[], Profile::EntraFlag).await;
    assert!(failing(&summary).is_empty(), "{}", messages(&summary));
    let ops = operations(&sent(&summary, "ROLES-ADD"));
    assert_eq!(
        (&ops[0]["op"], &ops[0]["path"]),
        (&"add".into(), &"roles".into()),
        "{ops:#}"
    );
    let role = &ops[0]["value"][0];
    let keys: Vec<&str> = role
        .as_object()
        .map_or(Vec::new(), |o| o.keys().map(String::as_str).collect());
    assert_eq!(keys, ["primary", "type", "display", "value"], "{role:#}");
    assert_eq!(role["type"], "WindowsAzureActiveDirectoryRole");
}

#[tokio::test]
async fn the_primary_role_is_changed_through_paths_that_compare_primary_with_the_string_true() {
    for profile in ENTRA {
        let summary = run(&primary_role(), &[], profile).await;
        assert!(
            failing(&summary).is_empty(),
            "{profile}: {}",
            messages(&summary)
        );
        let create = sent(&summary, "PRIMARY-ROLE-CREATE");
        let body: serde_json::Value =
            serde_json::from_str(create.sent.body.as_deref().unwrap_or("null")).expect("JSON");
        assert_eq!(body["roles"][0]["primary"], "True", "{profile}: {body:#}");
        let ops = operations(&sent(&summary, "PRIMARY-ROLE-CHANGE"));
        let paths: Vec<&str> = ops.as_array().map_or(Vec::new(), |ops| {
            ops.iter().filter_map(|o| o["path"].as_str()).collect()
        });
        assert_eq!(
            paths,
            [
                r#"roles[primary eq "True"].value"#,
                r#"roles[primary eq "True"].display"#,
                r#"roles[primary eq "True"].type"#
            ],
            "{profile}: {ops:#}"
        );
    }
}

#[tokio::test]
async fn an_assertive_mapping_replaces_the_whole_role_list_in_every_entra_profile() {
    let tables = table("fixtures/entra-schema/app-roles-assertive.json");
    for (profile, op) in [
        (Profile::EntraDefault, "Replace"),
        (Profile::EntraFlag, "replace"),
    ] {
        let summary = run(&tables, &[], profile).await;
        assert!(
            failing(&summary).is_empty(),
            "{profile}: {}",
            messages(&summary)
        );
        let ops = operations(&sent(&summary, "ROLES-ADD"));
        assert_eq!(
            (&ops[0]["op"], &ops[0]["path"]),
            (&op.into(), &"roles".into()),
            "{ops:#}"
        );
        // The create's role and the new one, both as the create's objects.
        let roles = ops[0]["value"].as_array().map_or(0, Vec::len);
        assert_eq!(roles, 2, "{profile}: {ops:#}");
        assert!(ops[0]["value"][1]["value"].is_string(), "{ops:#}");
        let read = sent_read_back(&summary, "ROLES-ADD");
        assert_eq!(read["roles"], ops[0]["value"], "{profile}: {read:#}");
    }
}

#[tokio::test]
async fn a_server_that_keeps_the_json_encoded_role_fails_the_default_roles_patch_only() {
    assert_fault(
        &complex_roles(),
        Fault::RoleJsonStringVerbatim,
        Profile::EntraDefault,
        &["user-app-roles / a new app role is added by PATCH in the profile's form: ATTRIBUTE"],
        "hint:role-json-string",
    )
    .await;
    // The flag sends the role object, which that server stores right.
    let summary = run(
        &complex_roles(),
        &[Fault::RoleJsonStringVerbatim],
        Profile::EntraFlag,
    )
    .await;
    assert!(failing(&summary).is_empty(), "{}", messages(&summary));
}

#[tokio::test]
async fn a_server_whose_primary_filter_matches_only_a_boolean_fails_the_primary_role_change() {
    for profile in ENTRA {
        assert_fault(
            &primary_role(),
            Fault::RolePrimaryBooleanOnly,
            profile,
            &[r#"user-primary-role / the primary role is changed through roles[primary eq "True"] paths: STATUS"#],
            "hint:primary-role-filter",
        )
        .await;
    }
}

#[tokio::test]
async fn the_atmos_suite_sends_no_roles_since_atmos_maps_none() {
    let plan = builtin_plan(&AttributeTables::atmos());
    let skipped: Vec<&str> = plan.skipped.iter().map(|s| s.name.as_str()).collect();
    assert!(skipped.contains(&"user-app-roles") && skipped.contains(&"user-primary-role"));
    let summary = common::run_plan(&plan, &[], Profile::EntraDefault).await;
    let bodies = summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.exchanges)
        .filter_map(|e| e.sent.body.as_deref());
    for body in bodies {
        assert!(!body.contains("roles"), "{body}");
    }
}

/// The body of the read-back GET a write step sent after its own request.
fn sent_read_back(summary: &RunSummary, id: &str) -> serde_json::Value {
    let step = summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("a step {id}"));
    let read = step
        .exchanges
        .iter()
        .rfind(|e| e.sent.method == "GET")
        .and_then(|e| e.response())
        .unwrap_or_else(|| panic!("{id} read back"));
    serde_json::from_str(&read.body).expect("a JSON resource")
}
