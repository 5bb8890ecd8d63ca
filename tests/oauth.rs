//! OAuth 2.0 client credentials as Entra performs it (entra-2026 §3): the token request on the
//! wire, tokens renewed before they expire, the lifetime warning, `connect` diagnosing the
//! token endpoint as itself, and the client secret and access tokens masked everywhere.

mod common;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use scimcheck::attributes::{AttrPath, AttributeTables};
use scimcheck::http::{Client, ClientAuth, ClientOptions, OAuthConfig, TenantUrl};
use scimcheck::profile::{Profile, Renderer};
use scimcheck::redact::{Redactor, Secret};
use scimcheck::refserver::{self, OAuthFault, OAuthServer, RunningServer};
use scimcheck::run::{new_run_id, Runner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CLIENT_ID: &str = "scim client";
const CLIENT_SECRET: &str = "sec:ret-7f3a&known";

fn oauth_server(lifetime: u64, faults: &[OAuthFault]) -> OAuthServer {
    OAuthServer {
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
        lifetime: Duration::from_secs(lifetime),
        refuse_after: None,
        faults: faults.iter().copied().collect(),
    }
}

async fn server_with(oauth: OAuthServer) -> RunningServer {
    // No test here knows the static token: only issued tokens get in.
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

fn oauth_client(server: &RunningServer, auth: ClientAuth, redactor: &Redactor) -> Client {
    let config = OAuthConfig {
        token_endpoint: url::Url::parse(&server.token_endpoint()).expect("URL"),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
        scope: None,
        client_auth: auth,
    };
    let tenant = TenantUrl::parse(&server.base_url()).expect("URL");
    Client::with_oauth(tenant, config, ClientOptions::default(), redactor).expect("client")
}

fn probe() -> scimcheck::http::Request {
    Renderer::new(Profile::EntraDefault)
        .test_connection(&AttrPath::parse("userName").expect("path"), "g")
}

#[tokio::test]
async fn the_built_in_suite_passes_on_client_credentials_tokens() {
    for auth in [ClientAuth::Basic, ClientAuth::Body] {
        let server = server_with(oauth_server(3600, &[])).await;
        let client = oauth_client(&server, auth, &Redactor::default());
        let tables = AttributeTables::atmos();
        let plan = common::builtin_plan(&tables);
        let (_stop, interrupt) = tokio::sync::watch::channel(false);
        let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
        let summary = runner
            .run(&plan, &[Profile::EntraDefault], &mut |_| {})
            .await;
        server.shutdown().await;
        assert_eq!(common::failing(&summary), Vec::<String>::new(), "{auth:?}");
    }
}

#[tokio::test]
async fn one_second_tokens_are_renewed_so_every_request_is_on_a_live_token() {
    let server = server_with(oauth_server(1, &[])).await;
    let client = oauth_client(&server, ClientAuth::Basic, &Redactor::default());
    for _ in 0..4 {
        let exchange = client.send(&probe()).await;
        assert_eq!(
            exchange.response().map(|r| r.status),
            Some(200),
            "{:?}",
            exchange.received
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    server.shutdown().await;
}

#[tokio::test]
async fn tokens_refused_after_n_seconds_fail_the_requests_after_that() {
    let mut oauth = oauth_server(3600, &[]);
    oauth.refuse_after = Some(Duration::from_secs(1));
    let server = server_with(oauth).await;
    let client = oauth_client(&server, ClientAuth::Basic, &Redactor::default());
    let first = client.send(&probe()).await;
    assert_eq!(first.response().map(|r| r.status), Some(200));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // The token says one hour, so scimcheck keeps it, and the server refuses it.
    let later = client.send(&probe()).await;
    assert_eq!(later.response().map(|r| r.status), Some(401));
    server.shutdown().await;
}

#[tokio::test]
async fn a_lifetime_outside_60_to_360_minutes_warns_and_one_inside_does_not() {
    for (faults, warns) in [(vec![], false), (vec![OAuthFault::WrongLifetime], true)] {
        let server = server_with(oauth_server(3600, &faults)).await;
        let client = oauth_client(&server, ClientAuth::Basic, &Redactor::default());
        let (issued, _) = client.fetch_token().await.expect("OAuth").expect("a token");
        assert_eq!(issued.lifetime_warning().is_some(), warns, "{faults:?}");
        server.shutdown().await;
    }
}

/// Reads one request (head and `Content-Length` body).
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => bytes.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if stream.read_exact(&mut body).await.is_ok() {
        bytes.extend_from_slice(&body);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A token endpoint that answers `content_type` and `body` to everything, recording requests.
async fn fake_endpoint(content_type: &str, body: &str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let request = read_request(&mut stream).await;
            record.lock().expect("lock").push(request);
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (
        format!("http://127.0.0.1:{}/oauth2/token", addr.port()),
        seen,
    )
}

async fn token_request(auth: ClientAuth, scope: Option<&str>) -> String {
    let (endpoint, seen) = fake_endpoint(
        "application/json",
        r#"{"access_token":"t","expires_in":3600}"#,
    )
    .await;
    let config = OAuthConfig {
        token_endpoint: url::Url::parse(&endpoint).expect("URL"),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
        scope: scope.map(str::to_owned),
        client_auth: auth,
    };
    let tenant = TenantUrl::parse("http://127.0.0.1:9/scim/v2").expect("URL");
    let client = Client::with_oauth(
        tenant,
        config,
        ClientOptions::default(),
        &Redactor::default(),
    )
    .expect("client");
    let (_, exchange) = client.fetch_token().await.expect("OAuth").expect("a token");
    let recorded = format!("{:?}{:?}", exchange.sent.headers, exchange.sent.body);
    assert!(!recorded.contains("sec:ret"), "the record holds the secret");
    let port = endpoint[17..]
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let request = seen.lock().expect("lock")[0].clone();
    request.replace(&port, "PORT")
}

#[tokio::test]
async fn basic_client_auth_form_encodes_id_and_secret_before_base64() {
    let request = token_request(ClientAuth::Basic, None).await;
    // RFC 6749 §2.3.1: "scim client" and "sec:ret-7f3a&known", form-encoded, then Base64.
    let basic =
        base64::engine::general_purpose::STANDARD.encode("scim+client:sec%3Aret-7f3a%26known");
    let body = "grant_type=client_credentials";
    assert_eq!(
        request,
        format!(
            "POST /oauth2/token HTTP/1.1\r\n\
             Host: 127.0.0.1:PORT\r\n\
             Authorization: Basic {basic}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\
             \r\n{body}",
            body.len()
        )
    );
}

#[tokio::test]
async fn body_client_auth_sends_id_secret_and_scope_in_the_form() {
    let request = token_request(ClientAuth::Body, Some("api://scim/.default")).await;
    let body = "grant_type=client_credentials&scope=api%3A%2F%2Fscim%2F.default&client_id=scim+client&client_secret=sec%3Aret-7f3a%26known";
    assert_eq!(
        request,
        format!(
            "POST /oauth2/token HTTP/1.1\r\n\
             Host: 127.0.0.1:PORT\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\
             \r\n{body}",
            body.len()
        )
    );
}

/// `scimcheck connect URL --token-endpoint …` with the known client secret in the environment.
async fn connect(url: &str, endpoint: &str, extra: &[&str]) -> (i32, String) {
    let mut cmd = common::scimcheck();
    cmd.args([
        "connect",
        url,
        "--token-endpoint",
        endpoint,
        "--client-id",
        CLIENT_ID,
    ])
    .args(extra)
    .env("SCIMCHECK_CLIENT_SECRET", CLIENT_SECRET);
    let output = common::output(cmd).await;
    let text = common::text(&output);
    assert!(!text.contains(CLIENT_SECRET), "the secret leaked:\n{text}");
    let hints = text
        .lines()
        .filter(|l| l.trim_start().starts_with("hint:"))
        .count();
    assert!(hints <= 1, "more than one hint:\n{text}");
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_passes_and_describes_the_token_it_got() {
    let server = server_with(oauth_server(3600, &[])).await;
    let (code, text) = connect(&server.base_url(), &server.token_endpoint(), &["-v"]).await;
    server.shutdown().await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("PASS  Token endpoint: POST http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("an opaque token valid for 60 minutes"),
        "{text}"
    );
    // -v shows the token answer; the access token in it is masked.
    assert!(text.contains(r#""access_token":"***""#), "{text}");
    assert!(!text.contains("\"rs-"), "an access token leaked:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_names_an_unreachable_token_endpoint() {
    let dead = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let port = dead.local_addr().expect("addr").port();
    drop(dead);
    let endpoint = format!("http://127.0.0.1:{port}/oauth2/token");
    let (code, text) = connect("http://127.0.0.1:9/scim/v2", &endpoint, &[]).await;
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains(&format!(
            "the token endpoint is unreachable: connection refused: nothing listens on 127.0.0.1:{port}"
        )),
        "{text}"
    );
    assert!(text.contains("hint: check --token-endpoint"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_names_invalid_client() {
    let server = server_with(oauth_server(3600, &[OAuthFault::InvalidClient])).await;
    let (code, text) = connect(&server.base_url(), &server.token_endpoint(), &[]).await;
    server.shutdown().await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the token endpoint refused the client id or secret (401 invalid_client"),
        "{text}"
    );
    assert!(text.contains("hint: check --client-id"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_names_a_200_without_access_token_and_an_html_page() {
    for (content_type, body, verdict) in [
        (
            "application/json",
            r#"{"token_type":"Bearer"}"#,
            "without an `access_token`",
        ),
        (
            "text/html",
            "<!DOCTYPE html><title>Sign in</title>",
            "with an HTML page, not a token",
        ),
    ] {
        let (endpoint, _) = fake_endpoint(content_type, body).await;
        let (code, text) = connect("http://127.0.0.1:9/scim/v2", &endpoint, &[]).await;
        assert_eq!(code, 1, "{text}");
        assert!(text.contains(verdict), "{text}");
        assert!(text.contains("hint: "), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_names_a_jwt_the_scim_endpoint_refuses() {
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"iss":"https://sts.example/","aud":"api://other"}"#);
    let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJl");
    let body = format!(r#"{{"access_token":"{jwt}","token_type":"Bearer","expires_in":3600}}"#);
    let (endpoint, _) = fake_endpoint("application/json", &body).await;
    let server = server_with(oauth_server(3600, &[])).await;
    let (code, text) = connect(&server.base_url(), &endpoint, &["-v"]).await;
    server.shutdown().await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the SCIM endpoint refused (401 Unauthorized) the access token the token endpoint issued: a JWT (iss `https://sts.example/`, aud `api://other`)"),
        "{text}"
    );
    assert!(
        text.contains("hint: the SCIM endpoint must accept this token endpoint's JWTs"),
        "{text}"
    );
    assert!(!text.contains(&jwt), "the access token leaked:\n{text}");
}

/// Whether `text` holds something shaped like a reference-server access token.
fn holds_issued_token(text: &str) -> bool {
    text.match_indices("rs-").any(|(at, _)| {
        let rest = &text[at + 3..];
        rest.len() >= 32 && rest[..32].bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_client_credentials_writes_no_secret_and_no_access_token() {
    let server = server_with(oauth_server(3600, &[])).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("run.json");
    let har = dir.path().join("run.har");
    let junit = dir.path().join("run.xml");
    let mut cmd = common::scimcheck();
    cmd.args(["run", &server.base_url(), "-v", "--only", "test-connection"])
        .args([
            "--token-endpoint",
            &server.token_endpoint(),
            "--client-id",
            CLIENT_ID,
        ])
        .arg("--json")
        .arg(&json)
        .arg("--transcript")
        .arg(&har)
        .arg("--junit")
        .arg(&junit)
        .env("SCIMCHECK_CLIENT_SECRET", CLIENT_SECRET);
    let output = common::output(cmd).await;
    server.shutdown().await;
    let mut everything = common::text(&output);
    for file in [&json, &har, &junit] {
        everything.push_str(&std::fs::read_to_string(file).expect("report written"));
    }
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    assert!(
        !everything.contains(CLIENT_SECRET),
        "the client secret leaked"
    );
    assert!(!holds_issued_token(&everything), "an access token leaked");
    assert!(everything.contains("Bearer ***"), "no request was recorded");
}
