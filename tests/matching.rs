//! Matching on another attribute than `userName` from a YAML attribute table (client-behaviour
//! §3.1, §2.1): `fixtures/external-id-matching.yaml` makes `externalId` the matching
//! attribute, so Test Connection and every user lookup filter on it, and a server that cannot
//! filter on it fails exactly those steps.

mod common;

use std::path::Path;

use common::{builtin_plan, client, failing, messages, server};
use scimcheck::attributes::{self, AttributeTables};
use scimcheck::hints::diagnose;
use scimcheck::profile::Profile;
use scimcheck::refserver::Fault;
use scimcheck::run::{new_run_id, RunSummary, Runner};

fn external_id_table() -> AttributeTables {
    attributes::load(Path::new("fixtures/external-id-matching.yaml"))
        .expect("the externalId-matching table loads")
}

async fn run(faults: &[Fault], profile: Profile) -> RunSummary {
    let tables = external_id_table();
    let plan = builtin_plan(&tables);
    let server = server(faults).await;
    let client = client(&server.base_url());
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner.run(&plan, &[profile], &mut |_| {}).await;
    server.shutdown().await;
    summary
}

/// The URLs of a step's own requests (its lookups), in order.
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
async fn probe_and_lookups_filter_on_external_id_from_a_yaml_table() {
    let tables = external_id_table();
    assert_eq!(tables.user.matching.as_str(), "externalId");
    assert!(tables.user.matching_next.is_empty());
    let summary = run(&[], Profile::EntraDefault).await;
    assert!(failing(&summary).is_empty(), "{}", messages(&summary));
    for id in [
        "TEST-CONNECTION",
        "USER-LOOKUP-ABSENT",
        "USER-LOOKUP-FOUND",
        "USER-DELETED-LOOKUP",
    ] {
        let urls = step_urls(&summary, id);
        assert!(!urls.is_empty(), "{id} sent nothing");
        assert!(
            urls[0].contains("/Users?filter=externalId+eq+"),
            "{id}: {urls:?}"
        );
        // One matching attribute in a YAML table: no lookup by a next one.
        assert!(
            urls.iter().all(|u| !u.contains("filter=userName+eq+")),
            "{id}: {urls:?}"
        );
    }
}

/// The lookups by the matching attribute: Test Connection's probe and user-lifecycle's and
/// user-sync's lookups of the user.
const LOOKUPS: [&str; 7] = [
    "test-connection / test-connection: STATUS",
    "user-lifecycle / alice is not there yet: STATUS",
    "user-lifecycle / alice is found by her matching attribute: STATUS",
    "user-lifecycle / lookup-user-by-each-filter alice by externalId: STATUS",
    "user-lifecycle / the disabled user is still returned by filter: STATUS",
    "user-lifecycle / the deleted user is gone by filter: STATUS",
    "user-sync / the renamed user is found by the new userName: STATUS",
];

#[tokio::test]
async fn a_server_that_filters_users_on_user_name_only_fails_every_lookup_by_external_id() {
    for profile in [Profile::EntraDefault, Profile::EntraFlag] {
        let summary = run(&[Fault::UserFilterUserNameOnly], profile).await;
        assert_eq!(
            failing(&summary),
            LOOKUPS,
            "{profile}:\n{}",
            messages(&summary)
        );
        let hints = diagnose(&summary);
        let ids: Vec<&str> = hints.iter().map(|h| h.id).collect();
        assert_eq!(
            ids,
            ["hint:filter-attribute-unsupported"],
            "{profile}: {hints:#?}"
        );
        assert_eq!(hints[0].steps.len(), LOOKUPS.len(), "{:?}", hints[0]);
        assert!(
            hints[0].cause.contains("`externalId`"),
            "{}",
            hints[0].cause
        );
    }
}

#[tokio::test]
async fn the_same_server_passes_the_atmos_suite_which_matches_on_user_name() {
    let plan = builtin_plan(&AttributeTables::atmos());
    let summary = common::run_plan(
        &plan,
        &[Fault::UserFilterUserNameOnly],
        Profile::EntraDefault,
    )
    .await;
    assert!(failing(&summary).is_empty(), "{}", messages(&summary));
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_probes_on_external_id_from_a_yaml_table() {
    let server = server(&[Fault::UserFilterUserNameOnly]).await;
    let connect = |table: Option<&str>| {
        let mut cmd = common::scimcheck();
        cmd.args(["connect", &server.base_url()])
            .env("SCIMCHECK_TOKEN", common::TOKEN);
        if let Some(table) = table {
            cmd.args(["--attributes", table]);
        }
        common::output(cmd)
    };
    // The probe by userName passes; by externalId the same server refuses it.
    let by_user_name = connect(None).await;
    assert_eq!(
        by_user_name.status.code(),
        Some(0),
        "{}",
        common::text(&by_user_name)
    );
    let by_external_id = connect(Some("fixtures/external-id-matching.yaml")).await;
    let printed = common::text(&by_external_id);
    assert_eq!(by_external_id.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("/Users?filter=externalId+eq+"),
        "{printed}"
    );
    server.shutdown().await;
}
