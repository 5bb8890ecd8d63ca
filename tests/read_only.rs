//! `scimcheck run --read-only`: only GETs reach the server, with and without `--user` and
//! `--group`; a scenario that would write is refused before anything is sent.

mod common;

use common::{output, text};

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::Command;
use std::sync::{Arc, Mutex};

use assert_cmd::cargo::CommandCargoExt;
use axum::extract::Request;
use axum::middleware::Next;
use common::TOKEN;
use scimcheck::attributes::AttributeTables;
use scimcheck::plan::read_only::{self, Existing};
use scimcheck::profile::Profile;
use scimcheck::redact::Secret;
use scimcheck::refserver;
use scimcheck::run::{new_run_id, Runner};

/// The reference server behind a layer that records every request as `METHOD /path?query`.
struct Recording {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recording {
    async fn start() -> Recording {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let config = refserver::Config::new(Secret::new(TOKEN), BTreeSet::new());
        let app = refserver::router(config).layer(axum::middleware::from_fn(
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
        Recording {
            url: format!("http://{addr}/scim/v2"),
            seen,
            task,
        }
    }

    /// The requests recorded so far, and forgets them.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().expect("the log is not poisoned"))
    }

    /// Creates a resource through the server's HTTP API; returns its id.
    async fn create(&self, collection: &str, body: serde_json::Value) -> String {
        let response = reqwest::Client::new()
            .post(format!("{}/{collection}", self.url))
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 201, "{collection} created");
        let created: serde_json::Value = response.json().await.expect("JSON");
        created["id"].as_str().expect("an id").to_owned()
    }

    async fn create_ada_and_team(&self) -> (String, String) {
        let user = self
            .create(
                "Users",
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "ada@example.com",
                    "active": true,
                    "displayName": "Ada Lovelace"
                }),
            )
            .await;
        let group = self
            .create(
                "Groups",
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Analysts",
                    "members": [{ "value": user }]
                }),
            )
            .await;
        (user, group)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn scimcheck(args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("scimcheck").expect("the binary is built");
    cmd.args(args)
        .env("SCIMCHECK_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .env("CI", "1");
    cmd
}

fn assert_only_gets(seen: &[String]) {
    assert!(!seen.is_empty(), "nothing was sent");
    let writes: Vec<&String> = seen.iter().filter(|r| !r.starts_with("GET ")).collect();
    assert!(writes.is_empty(), "read-only mode sent {writes:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_without_user_or_group_sends_only_the_probe_gets() {
    let server = Recording::start().await;
    let out = output(scimcheck(&["run", &server.url, "--read-only"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let seen = server.take();
    assert_only_gets(&seen);
    assert!(
        seen.iter()
            .all(|r| r.starts_with("GET /scim/v2/Users?filter=")),
        "{seen:#?}"
    );
    assert!(
        text(&out).contains("test-connection: PASS"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_with_an_existing_user_and_group_passes_and_sends_only_gets() {
    let server = Recording::start().await;
    let (user, group) = server.create_ada_and_team().await;
    server.take();
    let out = output(scimcheck(&[
        "run",
        &server.url,
        "--read-only",
        "--user",
        "ada@example.com",
        "--group",
        "Analysts",
        "--profile",
        "all",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let seen = server.take();
    assert_only_gets(&seen);
    for expected in [
        "GET /scim/v2/Users?filter=userName+eq+%22ada%40example.com%22".to_owned(),
        format!("GET /scim/v2/Users/{user}"),
        format!("GET /scim/v2/Groups/{group}?excludedAttributes=members"),
    ] {
        assert!(seen.contains(&expected), "{expected} not in {seen:#?}");
    }
    let report = text(&out);
    for line in ["read-only-user: PASS", "read-only-group: PASS"] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_with_a_user_that_does_not_exist_blames_the_name_not_the_server() {
    let server = Recording::start().await;
    let out = output(scimcheck(&[
        "run",
        &server.url,
        "--read-only",
        "--user",
        "nobody@example.com",
    ]))
    .await;
    // A wrong name on the command line: exit 2, as for other bad input.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_only_gets(&server.take());
    let report = text(&out);
    assert!(
        report.contains(
            "not run: no user with userName `nobody@example.com` on the server; check the name"
        ),
        "{report}"
    );
    // Not a server defect: no failed check, no hint about duplicates.
    assert!(!report.contains("LIST-COUNT"), "{report}");
    assert!(!report.contains("created twice"), "{report}");
    assert!(report.contains("0 failed"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_refuses_a_scenario_that_writes_before_sending_anything() {
    let server = Recording::start().await;
    let mut file = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .expect("a temp file");
    write!(
        file,
        "version: 1
name: writes
users: {{ alice: {{}} }}
steps:
  - entra: {{ lookup-user: alice }}
  - id: MAKE-ALICE
    entra: {{ create-user: alice }}
  - request: {{ method: GET, path: /Users }}
  - request: {{ method: PATCH, path: /Users/x, body: {{}} }}
"
    )
    .expect("written");
    let path = file.path().display().to_string();
    let out = output(scimcheck(&[
        "run",
        &server.url,
        "--read-only",
        "--scenario",
        &path,
    ]))
    .await;
    let report = text(&out);
    assert_eq!(out.status.code(), Some(2), "{report}");
    for expected in [
        format!(
            "error: step `MAKE-ALICE` writes to the server: create-user alice\n --> {path}:6:5"
        ),
        format!(
            "error: step `PATCH-USERS-X` writes to the server: PATCH /Users/x\n --> {path}:9:5"
        ),
        "2 step(s) would write, and `--read-only` sends only GETs; nothing was sent".to_owned(),
    ] {
        assert!(
            report.contains(&expected),
            "{expected:?} missing:\n{report}"
        );
    }
    assert_eq!(server.take(), Vec::<String>::new(), "something was sent");
}

#[test]
fn user_without_read_only_is_a_usage_error() {
    let out = scimcheck(&["run", "http://127.0.0.1:9/scim", "--user", "ada"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--read-only"), "{}", text(&out));
}

/// The built-in read-only plan creates nothing, so cleanup has nothing to send (the runner
/// is used directly, without the CLI's `keep` safeguard).
#[tokio::test(flavor = "multi_thread")]
async fn the_read_only_plan_leaves_cleanup_nothing_to_send() {
    let server = Recording::start().await;
    server.create_ada_and_team().await;
    server.take();
    let tables = AttributeTables::atmos();
    let existing = Existing {
        user: Some("ada@example.com".into()),
        group: Some("Analysts".into()),
    };
    let plan = read_only::builtin(&tables, &existing).unwrap_or_else(|e| panic!("{e}"));
    let client = common::client(&server.url);
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner
        .run(&plan, &[Profile::EntraDefault], &mut |_| {})
        .await;
    assert!(
        common::failing(&summary).is_empty(),
        "{:?}",
        common::failing(&summary)
    );
    assert!(
        summary.cleanup.exchanges.is_empty(),
        "cleanup sent requests"
    );
    assert!(summary.cleanup.leftovers.is_empty());
    assert_only_gets(&server.take());
}
