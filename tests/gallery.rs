//! `scimcheck run --suite gallery` (issue 12, part 3): against the reference server every
//! gallery test that can be checked without a tenant passes; with a fault on, the Microsoft
//! test that notices it fails, by name, in the JSON, and the JUnit carries the names.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use scimcheck::redact::Secret;
use scimcheck::refserver::{self, Fault, OAuthFault, OAuthServer, RunningServer};
use serde_json::Value;

const CLIENT_ID: &str = "gallery client";
const CLIENT_SECRET: &str = "gallery-secret-5d2c&known";

/// Tests a run without a tenant cannot check, with a static token and the Atmos mapping
/// (which maps no manager).
const NOT_CHECKABLE: [&str; 5] = [
    "POD_User_Test",
    "POD_Group_Test",
    "Validate_Credentials_Test",
    "User_Update_Manager_Test",
    "Checklist_429_Retry_After",
];

/// `run --suite gallery --format json` with `args`; the exit code and the report.
async fn gallery_run(server: &RunningServer, args: &[&str]) -> (Option<i32>, Value) {
    let mut cmd = common::scimcheck();
    cmd.args([
        "run",
        &server.base_url(),
        "--suite",
        "gallery",
        "--format",
        "json",
    ])
    .args(args)
    .env("SCIMCHECK_TOKEN", common::TOKEN);
    let output = common::output(cmd).await;
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::text(&output)));
    (output.status.code(), report)
}

/// Test name → status.
fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["gallery"]
        .as_array()
        .expect("a gallery array")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_owned(),
                t["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn test<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["gallery"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["name"] == name))
        .unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_every_gallery_test_checkable_without_a_tenant() {
    let server = common::server(&[]).await;
    let (code, report) = gallery_run(&server, &[]).await;
    server.shutdown().await;
    assert_eq!(code, Some(0));
    let statuses = statuses(&report);
    assert_eq!(statuses.len(), 27, "{statuses:?}");
    for (name, status) in &statuses {
        let expected = if NOT_CHECKABLE.contains(&name.as_str()) {
            "not-checkable"
        } else {
            "pass"
        };
        assert_eq!(status, expected, "{name}");
    }
    // Each verdict names its steps; a direct one the gallery-direct scenario's.
    let schemas = test(&report, "Schema_Discoverability_Test");
    assert_eq!(schemas["evidence"][0]["step"], "GALLERY-SCHEMAS");
    assert_eq!(
        test(&report, "Validate_Credentials_Test")["reason"]
            .as_str()
            .map(|r| r.contains("--token-endpoint")),
        Some(true)
    );
    let direct = report["scenarios"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "gallery-direct"))
        .expect("the direct steps are a scenario of the report");
    assert_eq!(direct["passed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_entra_default_mapping_makes_the_manager_test_checkable_and_it_passes() {
    let server = common::server(&[]).await;
    let tables = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/entra-default.yaml");
    let (code, report) = gallery_run(&server, &["--attributes", tables]).await;
    server.shutdown().await;
    assert_eq!(code, Some(0));
    assert_eq!(test(&report, "User_Update_Manager_Test")["status"], "pass");
    assert_eq!(
        test(&report, "Schema_Discoverability_Test")["status"],
        "pass"
    );
}

/// Each fault family, and the Microsoft test that must fail with it on (`warn` for the
/// optional `Delete_User_Test`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_fails_the_microsoft_test_that_notices_it() {
    let cases: [(Fault, &[&str], &str); 6] = [
        (Fault::DisableDeletes, &["Disable_User_Test"], "fail"),
        (Fault::DeleteOnlyDeactivates, &["Delete_User_Test"], "warn"),
        (
            Fault::IgnoreStartIndex,
            &["SCIM_User_Pagination_Test", "SCIM_Group_Pagination_Test"],
            "fail",
        ),
        (
            Fault::SchemasMissingAttribute,
            &["Schema_Discoverability_Test"],
            "fail",
        ),
        (
            Fault::EmptyFilter404,
            &["Checklist_Zero_Results_200"],
            "fail",
        ),
        (
            Fault::NoTokenCheck,
            &["Checklist_Expired_Token_401"],
            "fail",
        ),
    ];
    for (fault, names, status) in cases {
        let server = common::server(&[fault]).await;
        // --keep-going: a fault Test Connection notices must not stop the other scenarios.
        let (_, report) = gallery_run(&server, &["--keep-going"]).await;
        server.shutdown().await;
        for name in names {
            assert_eq!(test(&report, name)["status"], status, "{fault}: {name}");
            let failed_step = test(&report, name)["evidence"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["status"] == "failed"));
            assert!(failed_step, "{fault}: {name} names no failed step");
        }
        // The fault does not fail what it does not touch.
        assert_eq!(
            test(&report, "Group_Update_Add_Member_Test")["status"],
            "pass",
            "{fault}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_without_retry_after_fails_the_checklist_test_with_one_it_passes() {
    let without = common::server(&[Fault::ThrottleWithoutRetryAfter]).await;
    let (_, report) = gallery_run(&without, &["--only", "test-connection"]).await;
    without.shutdown().await;
    assert_eq!(test(&report, "Checklist_429_Retry_After")["status"], "fail");
    let with = common::server(&[Fault::ThrottleRetryAfterSeconds]).await;
    let (_, report) = gallery_run(&with, &["--only", "test-connection"]).await;
    with.shutdown().await;
    assert_eq!(test(&report, "Checklist_429_Retry_After")["status"], "pass");
    // Every third request throttled for a second: 25 requests/s is not sustained.
    assert_eq!(
        test(&report, "Checklist_25_Requests_Per_Second")["status"],
        "fail"
    );
    // What --only left out is not checkable, and says why.
    let create = test(&report, "Create_User_Test");
    assert_eq!(create["status"], "not-checkable");
    assert!(create["reason"]
        .as_str()
        .is_some_and(|r| r.contains("--only")));
}

async fn oauth_server(lifetime: u64, faults: &[OAuthFault]) -> RunningServer {
    let oauth = OAuthServer {
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
        lifetime: Duration::from_secs(lifetime),
        refuse_after: None,
        faults: faults.iter().copied().collect(),
    };
    // Nobody here knows the static token: only issued tokens get in.
    let token = Secret::new(uuid::Uuid::new_v4().simple().to_string());
    let config = refserver::Config::new(token, BTreeSet::new());
    refserver::spawn_with_oauth(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        config,
        Some(oauth),
    )
    .await
    .expect("the reference server starts")
}

async fn oauth_run(server: &RunningServer) -> (String, Value) {
    let mut cmd = common::scimcheck();
    cmd.args([
        "run",
        &server.base_url(),
        "--suite",
        "gallery",
        "--format",
        "json",
    ])
    .args(["--only", "test-connection"])
    .args([
        "--token-endpoint",
        &server.token_endpoint(),
        "--client-id",
        CLIENT_ID,
    ])
    .env("SCIMCHECK_CLIENT_SECRET", CLIENT_SECRET);
    let output = common::output(cmd).await;
    let text = common::text(&output);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (text, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_credentials_passes_on_an_hour_token_and_fails_on_a_day_long_one() {
    let good = oauth_server(3600, &[]).await;
    let (text, report) = oauth_run(&good).await;
    good.shutdown().await;
    assert!(!text.contains(CLIENT_SECRET), "the secret leaked:\n{text}");
    assert_eq!(
        test(&report, "Validate_Credentials_Test")["status"],
        "pass",
        "{text}"
    );
    let evidence: Vec<&str> = test(&report, "Validate_Credentials_Test")["evidence"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["step"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(evidence, ["GALLERY-TOKEN", "TEST-CONNECTION"]);
    let long = oauth_server(24 * 3600, &[]).await;
    let (text, report) = oauth_run(&long).await;
    long.shutdown().await;
    assert_eq!(
        test(&report, "Validate_Credentials_Test")["status"],
        "fail",
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_names_each_test_case_after_microsofts_test() {
    let server = common::server(&[Fault::DisableDeletes]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("run.xml");
    let mut cmd = common::scimcheck();
    cmd.args(["run", &server.base_url(), "--suite", "gallery"])
        .arg("--junit")
        .arg(&junit)
        .env("SCIMCHECK_TOKEN", common::TOKEN);
    let output = common::output(cmd).await;
    server.shutdown().await;
    let text = common::text(&output);
    assert!(
        text.contains("FAIL          Disable_User_Test"),
        "the terminal names it:\n{text}"
    );
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report is written");
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("gallery"))
        .expect("a gallery suite");
    let cases: Vec<&str> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(cases.len(), 27);
    assert!(cases.contains(&"Schema_Discoverability_Test"));
    let disable = suite
        .children()
        .find(|n| n.attribute("name") == Some("Disable_User_Test"))
        .expect("Disable_User_Test");
    let failure = disable
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("it failed");
    assert!(failure
        .attribute("message")
        .is_some_and(|m| m.contains("USER-DISABLED-GET")));
}
