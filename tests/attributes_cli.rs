//! `scimcheck attributes show|diff` and bad `--attributes` files through the binary (issue 12,
//! parts 1 and 2): `diff` against a server whose `GET /Schemas` we choose, and bad files
//! refused before a single request reaches the server.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use common::{output, scimcheck, text, TOKEN};
use scimcheck::redact::Secret;
use scimcheck::refserver;

const ATMOS_EXTENSION: &str = "fixtures/entra-schema/atmos-extension.json";
const ATMOS_URN: &str = "urn:ietf:params:scim:schemas:extension:atmos:2.0:User";

/// The reference server with a `GET /Schemas` of our choosing, recording every request.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(schemas: serde_json::Value) -> Server {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let config = refserver::Config::new(Secret::new(TOKEN), BTreeSet::new());
        let body = schemas.to_string();
        let app = refserver::router(config)
            .route(
                "/scim/v2/Schemas",
                axum::routing::get(move || {
                    let body = body.clone();
                    async move { ([("content-type", "application/scim+json")], body) }
                }),
            )
            .layer(axum::middleware::from_fn(
                move |request: Request, next: Next| {
                    let log = Arc::clone(&log);
                    async move {
                        let line = format!("{} {}", request.method(), request.uri());
                        log.lock().expect("the log is not poisoned").push(line);
                        next.run(request).await
                    }
                },
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server {
            url: format!("http://{addr}/scim/v2"),
            seen,
            task,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("the log is not poisoned").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn attribute(name: &str, subs: &[&str]) -> serde_json::Value {
    let subs: Vec<_> = subs
        .iter()
        .map(|s| serde_json::json!({ "name": s }))
        .collect();
    serde_json::json!({ "name": name, "subAttributes": subs })
}

/// `/Schemas` describing every attribute the Atmos schema fixture maps, the extension's
/// included when `with_extension`.
fn atmos_schemas(with_extension: bool) -> serde_json::Value {
    let mut list = vec![
        serde_json::json!({"id": "urn:ietf:params:scim:schemas:core:2.0:User", "attributes": [
            attribute("userName", &[]), attribute("active", &[]), attribute("displayName", &[]),
            attribute("emails", &["value", "type"]), attribute("name", &["givenName", "familyName"]),
            attribute("externalId", &[])]}),
        serde_json::json!({"id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "attributes": [attribute("department", &[]), attribute("division", &[])]}),
        serde_json::json!({"id": "urn:ietf:params:scim:schemas:core:2.0:Group", "attributes": [
            attribute("displayName", &[]), attribute("externalId", &[]), attribute("members", &[])]}),
    ];
    if with_extension {
        list.push(
            serde_json::json!({"id": ATMOS_URN, "attributes": [attribute("COSTCENTER", &[])]}),
        );
    }
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": list.len(),
        "Resources": list
    })
}

fn diff(server: &Server, file: &str) -> std::process::Command {
    let mut cmd = scimcheck();
    cmd.args(["attributes", "diff", file, &server.url])
        .env("SCIMCHECK_TOKEN", TOKEN);
    cmd
}

#[tokio::test]
async fn attributes_diff_passes_when_every_mapped_attribute_is_in_schemas() {
    let server = Server::start(atmos_schemas(true)).await;
    let out = output(diff(&server, ATMOS_EXTENSION)).await;
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(
        printed.contains("13 of 13 mapped attributes discoverable in /Schemas"),
        "{printed}"
    );
    assert!(!printed.contains(TOKEN));
    assert_eq!(server.seen(), ["GET /scim/v2/Schemas"]);
}

#[tokio::test]
async fn attributes_diff_fails_naming_the_undiscoverable_extension_attribute() {
    let server = Server::start(atmos_schemas(false)).await;
    let out = output(diff(&server, ATMOS_EXTENSION)).await;
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    let line = format!("MISSING  user {ATMOS_URN}:costCenter: no schema `{ATMOS_URN}`");
    assert!(printed.contains(&line), "{printed}");
    assert!(printed.contains("12 of 13 mapped attributes"), "{printed}");
}

#[tokio::test]
async fn attributes_diff_without_a_schemas_endpoint_is_a_transport_verdict() {
    let server = Server::start(serde_json::json!({"detail": "no"})).await;
    let out = output(diff(&server, ATMOS_EXTENSION)).await;
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(3), "{printed}");
    assert!(printed.contains("no `Resources` array"), "{printed}");
}

#[test]
fn attributes_show_prints_both_mappings_of_a_yaml_table() {
    let out = scimcheck()
        .args(["attributes", "show", "fixtures/entra-default.yaml"])
        .output()
        .expect("the binary runs");
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(
        printed.starts_with("Entra default mappings user mapping\n"),
        "{printed}"
    );
    assert!(
        printed.contains("Entra default mappings group mapping\n"),
        "{printed}"
    );
}

/// Runs `run URL --attributes FILE` with `contents` as the file; returns the exit code,
/// what was printed, and what reached the server.
async fn run_with(contents: &str) -> (Option<i32>, String, Vec<String>) {
    let server = Server::start(atmos_schemas(true)).await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("schema.json");
    std::fs::write(&file, contents).expect("written");
    let mut cmd = scimcheck();
    cmd.args(["run", &server.url, "--attributes"])
        .arg(&file)
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    (out.status.code(), text(&out), server.seen())
}

#[tokio::test]
async fn run_with_json_that_is_no_attribute_file_sends_nothing() {
    let (code, printed, seen) = run_with("{\"value\": []}").await;
    assert_eq!(code, Some(2), "{printed}");
    assert!(
        printed.contains(": at `$`: neither an attribute table"),
        "{printed}"
    );
    assert!(seen.is_empty(), "{seen:?}");
}

#[tokio::test]
async fn run_with_a_schema_without_a_user_mapping_sends_nothing() {
    let text = std::fs::read_to_string("fixtures/entra-schema/scim-default.json").expect("read");
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    schema["synchronizationRules"][0]["objectMappings"][1]["enabled"] = false.into();
    let (code, printed, seen) = run_with(&schema.to_string()).await;
    assert_eq!(code, Some(2), "{printed}");
    assert!(
        printed
            .contains("at `$.synchronizationRules[0].objectMappings`: no enabled object mapping"),
        "{printed}"
    );
    assert!(seen.is_empty(), "{seen:?}");
}

#[tokio::test]
async fn run_with_text_that_is_neither_yaml_table_nor_json_sends_nothing() {
    let (code, printed, seen) = run_with("just: [some, yaml]\n").await;
    assert_eq!(code, Some(2), "{printed}");
    assert!(printed.contains("schema.json: "), "{printed}");
    assert!(seen.is_empty(), "{seen:?}");
}

#[tokio::test]
async fn connect_probes_with_the_first_matching_attribute_of_the_schema() {
    let server = Server::start(atmos_schemas(true)).await;
    let mut cmd = scimcheck();
    cmd.args(["connect", &server.url, "--attributes"])
        .arg("fixtures/entra-schema/external-id-matching.json")
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("GET /scim/v2/Users?filter=externalId+eq+"),
        "{seen:?}"
    );
}
