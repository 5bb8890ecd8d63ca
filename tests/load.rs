//! `scimcheck load` against the reference server: the rate it holds, the cleanup, the JSON,
//! the 429s, and Ctrl-C (issue 9, item 3).

mod common;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{kind, load, text, TOKEN};
use scimcheck::redact::Secret;
use scimcheck::refserver::{self, Fault, RunningServer};
use serde_json::Value;

async fn server_with(faults: &[Fault], delay: Duration) -> RunningServer {
    let config = refserver::Config {
        response_delay: delay,
        ..refserver::Config::new(
            Secret::new(TOKEN),
            faults.iter().copied().collect::<BTreeSet<_>>(),
        )
    };
    refserver::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
        .await
        .expect("the reference server starts on a free port")
}

/// How many resources of `collection` the server holds (asked again while it throttles).
async fn count(base_url: &str, collection: &str) -> u64 {
    for _ in 0..10 {
        let body: Value = reqwest::Client::new()
            .get(format!("{base_url}/{collection}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON body");
        if let Some(total) = body["totalResults"].as_u64() {
            return total;
        }
    }
    panic!("the server throttled every count of {collection}");
}

#[tokio::test(flavor = "multi_thread")]
async fn load_at_a_low_rate_holds_it_within_five_percent_cleans_up_and_writes_the_json() {
    let server = server_with(&[], Duration::ZERO).await;
    let url = server.base_url();
    let args = [
        "--users",
        "20",
        "--groups",
        "2",
        "--members-per-group",
        "5",
        "--rate",
        "20",
    ];
    let (code, text, report) = load(&url, &args).await;
    assert_eq!(code, 0, "{text}");
    // 20 × (lookup, create) + 2 × (lookup, create) + 2 × 5 member adds.
    assert_eq!(report["requests"], 54, "{report:#}");
    let rate = report["sent_rps"].as_f64().expect("a sent rate");
    assert!(
        (rate - 20.0).abs() <= 1.0,
        "sent at {rate}/s against a target of 20"
    );
    let throughput = report["throughput_rps"].as_f64().expect("a throughput");
    assert!((throughput - 20.0).abs() <= 2.0, "{throughput} answers/s");
    assert_eq!(report["rate_held"], true);
    assert_eq!(kind(&report, "member add")["count"], 10);
    assert_eq!(
        kind(&report, "user create")["errors"],
        serde_json::json!({})
    );
    assert_eq!(report["cleanup"]["created"], 22);
    assert_eq!(report["cleanup"]["deleted"], 22);
    assert_eq!(report["estimate"]["requests"], 54);
    assert_eq!(
        (count(&url, "Users").await, count(&url, "Groups").await),
        (0, 0)
    );
    assert!(text.contains("cleanup: deleted 22 of 22 created"), "{text}");
    assert!(!text.contains(TOKEN) && !report.to_string().contains(TOKEN));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_too_slow_for_the_rate_fails_with_the_rate_not_held() {
    // 100 ms an answer and one request in flight: at most 10 requests/s against 25 asked.
    let server = server_with(&[], Duration::from_millis(100)).await;
    let args = ["--users", "8", "--groups", "0", "--concurrency", "1"];
    let (code, text, report) = load(&server.base_url(), &args).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["rate_held"], false, "{report:#}");
    assert!(text.contains("target 25: NOT held"), "{text}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_group_create_fails_the_load_and_is_counted_by_status() {
    let server = server_with(&[Fault::RejectAdscimGroupSchema], Duration::ZERO).await;
    let url = server.base_url();
    let args = ["--users", "3", "--groups", "2", "--rate", "max"];
    let (code, text, report) = load(&url, &args).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        kind(&report, "group create")["errors"],
        serde_json::json!({"400": 2})
    );
    assert_eq!(kind(&report, "member add"), &Value::Null);
    assert_eq!(count(&url, "Users").await, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_requests_are_sent_again_after_retry_after_and_pass() {
    let server = server_with(&[Fault::ThrottleRetryAfterSeconds], Duration::ZERO).await;
    let url = server.base_url();
    let args = ["--users", "4", "--groups", "0", "--rate", "max"];
    let (code, text, report) = load(&url, &args).await;
    assert_eq!(code, 0, "{text}");
    let throttled: u64 = ["user lookup", "user create"]
        .iter()
        .map(|k| kind(&report, k)["throttled"].as_u64().unwrap_or(0))
        .sum();
    assert!(
        throttled >= 2,
        "every third request is throttled: {report:#}"
    );
    assert_eq!(report["cleanup"]["created"], 4);
    assert_eq!(count(&url, "Users").await, 0);
    assert!(text.contains("every one said when to come back"), "{text}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_without_retry_after_fails_the_load_but_the_cycle_still_completes() {
    let server = server_with(&[Fault::ThrottleWithoutRetryAfter], Duration::ZERO).await;
    let url = server.base_url();
    let args = ["--users", "4", "--groups", "0", "--rate", "max"];
    let (code, text, report) = load(&url, &args).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("with Retry-After 0 of"), "{text}");
    assert_eq!(report["cleanup"]["created"], 4);
    assert_eq!(count(&url, "Users").await, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lookups_mix_sends_only_user_lookups_and_creates_nothing() {
    let server = server_with(&[], Duration::ZERO).await;
    let url = server.base_url();
    let (code, text, report) = load(
        &url,
        &["--mix", "lookups", "--users", "50", "--rate", "max"],
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(kind(&report, "user lookup")["count"], 50);
    assert_eq!(report["kinds"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["rate_held"], Value::Null);
    assert_eq!(report["estimate"], Value::Null);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duration_ends_the_load_in_time_and_still_cleans_up() {
    let server = server_with(&[], Duration::ZERO).await;
    let url = server.base_url();
    let started = Instant::now();
    let args = ["--users", "100000", "--rate", "40", "--duration", "1"];
    let (code, text, report) = load(&url, &args).await;
    assert!(started.elapsed() < Duration::from_secs(20), "{text}");
    assert_eq!(code, 0, "{text}");
    let requests = report["requests"].as_u64().unwrap_or(0);
    assert!(
        (30..=50).contains(&requests),
        "{requests} requests in 1 s at 40/s"
    );
    assert_eq!(count(&url, "Users").await, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_the_load_and_still_cleans_up() {
    let server = server_with(&[], Duration::ZERO).await;
    let url = server.base_url();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("scimcheck"));
    cmd.env("SCIMCHECK_TOKEN", TOKEN)
        .env("CI", "1")
        .args(["load", &url, "--users", "100000", "--rate", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("the binary starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&url, "Users").await < 5 {
        assert!(Instant::now() < deadline, "the load created no users");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("the wait finishes")
        .expect("the binary ends");
    let text = text(&out);
    assert_eq!(out.status.code(), Some(130), "{text}");
    assert!(text.contains("interrupted: cleaning up"), "{text}");
    assert_eq!(count(&url, "Users").await, 0, "{text}");
    server.shutdown().await;
}

/// A load of one group of 200 members, each added by its own PATCH, against a server with
/// `faults`: the JSON report's growth check.
async fn growth_against(faults: &[Fault]) -> (i32, String, Value) {
    let server = server_with(faults, Duration::ZERO).await;
    let url = server.base_url();
    let args = [
        "--users",
        "200",
        "--groups",
        "1",
        "--members-per-group",
        "200",
        "--rate",
        "max",
    ];
    let (code, text, report) = load(&url, &args).await;
    server.shutdown().await;
    (code, text, report["growth"].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_whose_member_patches_slow_down_with_the_group_is_named_o_n_squared() {
    let (code, text, growth) = growth_against(&[Fault::SlowMemberGrowth]).await;
    assert_eq!(growth["grows"], true, "{text}");
    assert!(text.contains("GROWS") && text.contains("O(n²)"), "{text}");
    // The fault's own cost: the last adds wait about 20 ms each (200 members × 100 µs).
    let last = growth["last_tenth_p50_ms"].as_f64().unwrap_or_default();
    assert!(last >= 15.0, "{text}");
    assert_eq!(code, 1, "{text}");
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The Entra default attribute table, which maps the enterprise manager.
const MAPS_MANAGER: &str = "fixtures/entra-default.yaml";

/// A resource as the server holds it, by id.
async fn read(base_url: &str, collection: &str, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base_url}/{collection}/{id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

/// The users `--keep` listed, as (index in the load, id): the index ends the userName
/// (`scimcheck-load-RUN-7@example.com`).
fn kept_users(report: &Value) -> Vec<(usize, String)> {
    let leftovers = report["cleanup"]["leftovers"].as_array().cloned();
    leftovers
        .unwrap_or_default()
        .iter()
        .filter(|l| l["kind"] == "User")
        .filter_map(|l| {
            let name = l["name"].as_str()?;
            let index = name.strip_suffix("@example.com")?.rsplit('-').next()?;
            Some((index.parse().ok()?, l["id"].as_str()?.to_owned()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_manager_pass_sets_each_managed_user_s_manager_in_the_default_and_legacy_forms() {
    for profile in ["entra-default", "entra-legacy"] {
        let server = server_with(&[], Duration::ZERO).await;
        let url = server.base_url();
        let args = [
            "--users",
            "23",
            "--groups",
            "0",
            "--rate",
            "max",
            "--attributes",
            MAPS_MANAGER,
            "--profile",
            profile,
            "--keep",
        ];
        let (code, text, report) = load(&url, &args).await;
        // 4: what --keep leaves is listed, as in `run`.
        assert_eq!(code, 4, "{profile}: {text}");
        assert_eq!(report["manager_pass"], true);
        // Every user but the first has a manager: one PATCH each, answered 2xx.
        assert_eq!(kind(&report, "manager set")["count"], 22, "{report:#}");
        assert_eq!(
            kind(&report, "manager set")["errors"],
            serde_json::json!({})
        );
        assert_eq!(report["estimate"]["manager_sets"], 22);
        assert_eq!(report["estimate"]["requests"], 2 * 23 + 22);
        let users = kept_users(&report);
        assert_eq!(users.len(), 23, "{report:#}");
        let id_of = |i: usize| {
            users
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, id)| id.clone())
        };
        for (i, id) in &users {
            let manager = read(&url, "Users", id).await[ENTERPRISE]["manager"]["value"].clone();
            // The documented tree: user i is managed by user (i - 1) / 10; user 0 by nobody.
            let expected = i.checked_sub(1).and_then(|m| id_of(m / 10));
            assert_eq!(
                manager.as_str().map(str::to_owned),
                expected,
                "{profile}: user {i}"
            );
        }
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_mapped_manager_the_cycle_sends_no_manager_pass() {
    let server = server_with(&[], Duration::ZERO).await;
    // The built-in Atmos table maps no manager.
    let args = ["--users", "12", "--groups", "0", "--rate", "max"];
    let (code, text, report) = load(&server.base_url(), &args).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["manager_pass"], false);
    assert_eq!(kind(&report, "manager set"), &Value::Null, "{report:#}");
    assert_eq!(report["requests"], 24);
    assert_eq!(report["estimate"]["manager_sets"], 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn incremental_reads_and_patches_the_stated_share_of_the_users() {
    for share in ["0.25", "25%"] {
        let server = server_with(&[], Duration::ZERO).await;
        let url = server.base_url();
        let args = [
            "--users",
            "20",
            "--groups",
            "0",
            "--rate",
            "max",
            "--incremental",
            share,
            "--keep",
        ];
        let (code, text, report) = load(&url, &args).await;
        assert_eq!(code, 4, "{share}: {text}");
        assert_eq!(report["incremental_users"], 5);
        assert_eq!(report["incremental_attribute"], "displayName");
        for name in ["user read", "user update"] {
            assert_eq!(kind(&report, name)["count"], 5, "{share}: {report:#}");
            assert_eq!(kind(&report, name)["errors"], serde_json::json!({}));
        }
        assert_eq!(report["estimate"]["incremental_requests"], 10);
        assert_eq!(report["estimate"]["requests"], 2 * 20 + 10);
        let mut changed = Vec::new();
        for (i, id) in kept_users(&report) {
            let name = read(&url, "Users", &id).await["displayName"].clone();
            if name.as_str().is_some_and(|n| n.ends_with("changed")) {
                changed.push(i);
            }
        }
        changed.sort_unstable();
        // Spread evenly: every fourth user.
        assert_eq!(changed, [0, 4, 8, 12, 16], "{share}");
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_above_one_is_refused_before_anything_is_sent() {
    let server = server_with(&[], Duration::ZERO).await;
    let url = server.base_url();
    let (code, text, _) = load(&url, &["--incremental", "150%"]).await;
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("150%"), "{text}");
    assert_eq!(count(&url, "Users").await, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn creates_whose_answer_was_dropped_are_found_by_name_and_deleted() {
    let server = server_with(&[Fault::DropCreateAnswers], Duration::ZERO).await;
    let url = server.base_url();
    // Creates 3 and 6 of 7 users and a group lose their answer; the server keeps them.
    let args = ["--users", "7", "--groups", "1", "--members-per-group", "3"];
    let (code, text, report) = load(&url, &[&args[..], &["--rate", "max"]].concat()).await;
    // 1: the dropped answers are transport errors of the load.
    assert_eq!(code, 1, "{text}");
    let cleanup = &report["cleanup"];
    assert_eq!(cleanup["unanswered"], 2, "{report:#}");
    assert_eq!(cleanup["found"], 2, "{report:#}");
    assert_eq!(cleanup["created"], 8);
    assert_eq!(cleanup["deleted"], 8);
    assert_eq!(cleanup["leftovers"], serde_json::json!([]));
    assert_eq!(kind(&report, "cleanup lookup")["count"], 2);
    assert_eq!(
        (count(&url, "Users").await, count(&url, "Groups").await),
        (0, 0),
        "{text}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_dies_after_a_create_leaves_it_listed_as_may_exist_by_name() {
    let server = server_with(&[Fault::DieAfterCreate], Duration::ZERO).await;
    let url = server.base_url();
    // One at a time, so the third create is user 2's and no create of user 3 or 4 is sent
    // (their lookups get no answer): with creates in flight together, which one the server
    // stores last, and how many more were sent, depends on timing.
    let args = [
        "--users",
        "5",
        "--groups",
        "0",
        "--rate",
        "max",
        "--concurrency",
        "1",
        "--timeout",
        "2",
    ];
    let (code, text, report) = load(&url, &args).await;
    assert_eq!(code, 4, "{text}");
    // The server holds three users: two whose create was answered, and the third, stored
    // before the server died. Each is listed: two by id, one by name as "may exist".
    let leftovers = report["cleanup"]["leftovers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(leftovers.len(), 3, "{report:#}");
    let may_exist: Vec<&Value> = leftovers
        .iter()
        .filter(|l| l["may_exist"] == true)
        .collect();
    assert_eq!(may_exist.len(), 1, "{report:#}");
    assert_eq!(may_exist[0]["id"], Value::Null);
    let name = may_exist[0]["name"].as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("may exist: User `{name}`")),
        "{text}"
    );
    assert!(leftovers
        .iter()
        .filter(|l| l["may_exist"] == false)
        .all(|l| l["id"].is_string()));
    let names: BTreeSet<&str> = leftovers
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(names.len(), 3);
    assert_eq!(report["cleanup"]["unanswered"], 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_refusing_the_bare_string_manager_fails_the_default_pass_not_the_legacy_one() {
    let server = server_with(&[Fault::RejectBareStringManager], Duration::ZERO).await;
    let url = server.base_url();
    let args = ["--users", "4", "--groups", "0", "--rate", "max"];
    let with = |profile: &'static str| {
        [
            &args[..],
            &["--attributes", MAPS_MANAGER, "--profile", profile],
        ]
        .concat()
    };
    let (code, text, report) = load(&url, &with("entra-default")).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        kind(&report, "manager set")["errors"],
        serde_json::json!({"400": 3}),
        "{report:#}"
    );
    let (code, text, report) = load(&url, &with("entra-legacy")).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        kind(&report, "manager set")["errors"],
        serde_json::json!({})
    );
    server.shutdown().await;
}

/// A server that answers every create with an id that carries the token (after 60 bytes,
/// so that a cut of the id at 80 characters would split it) and refuses every delete, so
/// that the id is left behind and shown.
async fn token_echoing_server() -> String {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("binds");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let mut stream = BufReader::new(stream);
            let mut head = String::new();
            while !head.ends_with("\r\n\r\n") {
                if stream.read_line(&mut head).await.unwrap_or(0) == 0 {
                    break;
                }
            }
            let length = head
                .to_ascii_lowercase()
                .lines()
                .find_map(|l| l.strip_prefix("content-length: ")?.trim().parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = stream.read_exact(&mut body).await;
            let (status, body) = match head.split(' ').next() {
                Some("GET") => ("200 OK", r#"{"totalResults":0,"Resources":[]}"#.to_owned()),
                Some("POST") => (
                    "201 Created",
                    format!(r#"{{"id":"{}{TOKEN}"}}"#, "x".repeat(60)),
                ),
                _ => ("500 Internal Server Error", String::new()),
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.get_mut().write_all(reply.as_bytes()).await;
        }
    });
    format!("http://127.0.0.1:{port}/scim/v2")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_id_that_echoes_the_token_is_masked_in_the_leftovers_text_and_json() {
    let url = token_echoing_server().await;
    let args = ["--users", "2", "--groups", "0", "--rate", "max"];
    let (code, text, report) = load(&url, &args).await;
    assert_eq!(code, 4, "{text}");
    let leftovers = report["cleanup"]["leftovers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(leftovers.len(), 2, "{report}");
    assert!(
        text.contains("left behind: User ") && text.contains("(id xxxx"),
        "{text}"
    );
    let half = &TOKEN[..TOKEN.len() / 2];
    assert!(!text.contains(half), "{text}");
    assert!(!report.to_string().contains(half), "{report}");
}
