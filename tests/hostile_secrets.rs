//! A hostile server in-process (axum on 127.0.0.1:0) that echoes the credentials back in
//! every form it can, and paints the terminal: issue 11, items 1 and 3. Each case runs the
//! binary (its peak RSS within 64 MiB), asserts its verdict (the exit code), and searches every sink (stdout, stderr, the
//! JSON, JUnit, HAR and HTML reports) for the secret in any of its renderings, for any 8
//! characters of it in a row, and for raw escape sequences and carriage returns.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::http::{request::Parts, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::{output_bounded as output, scimcheck};
use proptest::prelude::*;

/// What the hostile server answers, given the request and the bearer token it carried.
type Answer = dyn Fn(&Parts, &str) -> Response + Send + Sync;

/// The hostile server: answers every request with `answer`, and keeps each request's target
/// and `Authorization` header (to prove that the request still carried the secrets).
struct Hostile {
    url: String,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Hostile {
    async fn start(answer: Arc<Answer>) -> Hostile {
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let log = Arc::clone(&seen);
        let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let (answer, log) = (Arc::clone(&answer), Arc::clone(&log));
            async move {
                let (parts, _) = request.into_parts();
                let authorization = header(&parts.headers, "authorization");
                let token = authorization.strip_prefix("Bearer ").unwrap_or_default();
                let response = answer(&parts, token);
                log.lock()
                    .expect("the log is not poisoned")
                    .push((parts.uri.to_string(), authorization.clone()));
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Hostile {
            url: format!("http://{addr}/scim/v2"),
            seen,
            task,
        }
    }

    fn seen(&self) -> Vec<(String, String)> {
        self.seen.lock().expect("the log is not poisoned").clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Every form a server may echo `secret` in: literal, JSON-escaped (each character as
/// `\uXXXX` in either case, `\/`), percent-encoded in either case, form-encoded, twice
/// percent-encoded, XML/HTML-escaped (decimal, hex, named), and Base64 (both alphabets,
/// padded or not) of the secret, of `Bearer <secret>`, of `client:<secret>` and of a JSON
/// text holding it.
fn renderings(secret: &str) -> Vec<String> {
    let every_u = |upper: bool| -> String {
        secret
            .chars()
            .map(|c| {
                let code = format!("{:04x}", u32::from(c));
                format!("\\u{}", if upper { code.to_uppercase() } else { code })
            })
            .collect()
    };
    let percent: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    let decimal: String = secret.bytes().map(|b| format!("&#{b};")).collect();
    let hex: String = secret.bytes().map(|b| format!("&#x{b:X};")).collect();
    let mut out = vec![
        secret.to_owned(),
        secret.replace('/', "\\/").replace('+', "\\u002b"),
        every_u(true),
        every_u(false),
        percent.clone(),
        percent.to_lowercase(),
        percent.replace('%', "%25"),
        form_urlencoded::byte_serialize(format!("Bearer {secret}").as_bytes()).collect(),
        decimal,
        hex,
        secret.replace('+', "&plus;").replace('/', "&sol;"),
    ];
    for text in [
        secret.to_owned(),
        format!("Bearer {secret}"),
        format!("client:{secret}"),
        format!("{{\"authorization\":\"Bearer {secret}\"}}"),
    ] {
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            out.push(engine.encode(&text));
        }
    }
    out
}

/// A SCIM error (400) whose `detail` puts the token just across the 160-character cut of the
/// hints and holds every rendering of it, and whose body puts it again across the 2,000-byte
/// cut of the terminal; with the token echoed in headers too.
fn echo_everything(_: &Parts, token: &str) -> Response {
    let forms = renderings(token).join(" | ");
    let detail = format!("{} Bearer {token} is refused: {forms}", "d".repeat(150));
    let padding = "p".repeat(1990usize.saturating_sub(detail.len() + 100));
    // Written by hand, not by serde: the escapes must reach the wire as they are.
    let body = format!(
        "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"400\",\
         \"scimType\":\"invalidValue\",\"detail\":\"{detail}\",\"padding\":\"{padding}\",\
         \"again\":\"{token}\"}}"
    );
    let mut response = (StatusCode::BAD_REQUEST, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        "application/scim+json".parse().expect("valid"),
    );
    if let Ok(value) = STANDARD.encode(format!("Bearer {token}")).parse() {
        headers.insert("x-echo", value);
    }
    if let Ok(value) = format!("/scim/v2/Users/{token}").parse() {
        headers.insert("location", value);
    }
    response
}

/// Decodes what the file formats escape (`&amp;`, `&#43;`, `\"`), so a rendering hidden under
/// the report's own escaping is found too.
fn unescaped(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("\\\\", "\\")
        .replace("\\\"", "\"")
}

/// 8 characters of `secret` in a row that `text` holds, if any.
fn piece_of(text: &str, secret: &str) -> Option<String> {
    let pieces: HashSet<&[u8]> = secret.as_bytes().windows(8).collect();
    text.as_bytes()
        .windows(8)
        .find(|w| pieces.contains(w))
        .map(|w| String::from_utf8_lossy(w).into_owned())
}

/// Fails if `text` (the sink `what`) holds a rendering of `secret` or a piece of it.
fn assert_clean(what: &str, text: &str, secret: &str) {
    for text in [text.to_owned(), unescaped(text)] {
        if let Some(piece) = piece_of(&text, secret) {
            panic!("{what} holds `{piece}` of the secret:\n{text}");
        }
        for form in renderings(secret) {
            assert!(!text.contains(&form), "{what} holds `{form}`:\n{text}");
        }
    }
}

/// Every sink of one command: stdout, stderr and the report files that were written.
fn sinks(out: &Output, files: &[&Path]) -> Vec<(String, String)> {
    let mut sinks = vec![
        (
            "stdout".to_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    for file in files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("{} is written: {e}", file.display()));
        sinks.push((file.display().to_string(), text));
    }
    sinks
}

/// `run` with every report, then `connect`, against `url` with `token`: each sink of each.
async fn every_sink(url: &str, token: &str, verbosity: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = ["r.json", "r.xml", "r.har", "r.html"];
    let files: Vec<_> = names.iter().map(|n| dir.path().join(n)).collect();
    let mut run = scimcheck();
    run.args(["run", url, verbosity, "--color", "always", "--json"])
        .arg(&files[0])
        .arg("--junit")
        .arg(&files[1])
        .arg("--transcript")
        .arg(&files[2])
        .arg("--html")
        .arg(&files[3])
        .env("SCIMCHECK_TOKEN", token);
    let out = output(run).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "every answer is refused: {out:?}"
    );
    let paths: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    let mut all = sinks(&out, &paths);
    let mut connect = scimcheck();
    connect.args(["connect", url]).env("SCIMCHECK_TOKEN", token);
    // `connect` has no `-q`: it prints its verdict in any case.
    if verbosity != "-q" {
        connect.arg(verbosity);
    }
    let out = output(connect).await;
    assert_eq!(out.status.code(), Some(1), "Test Connection fails: {out:?}");
    all.extend(
        sinks(&out, &[])
            .into_iter()
            .map(|(what, text)| (format!("connect {what}"), text)),
    );
    all
}

/// A JWT-like token of 1,050 characters from the whole `b64token` alphabet.
fn jwt_like() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
    let body: String = (0..1048)
        .map(|i| char::from(alphabet[(i * 7 + i / 13) % alphabet.len()]))
        .collect();
    format!("{body}==")
}

/// A login page (500) whose `<title>` puts the token across the 80-character cut of the
/// hints and the `connect` verdict.
fn echo_in_title(_: &Parts, token: &str) -> Response {
    let page = format!(
        "<!doctype html><html><head><title>{} {token}</title></head><body>{}</body></html>",
        "t".repeat(70),
        renderings(token).join("<br>")
    );
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, page).into_response();
    response
        .headers_mut()
        .insert("content-type", "text/html".parse().expect("valid"));
    response
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_echoed_in_an_html_title_reaches_no_sink_whole_or_cut() {
    let server = Hostile::start(Arc::new(echo_in_title)).await;
    let token = jwt_like();
    for (what, text) in every_sink(&server.url, &token, "-v").await {
        assert_clean(&what, &text, &token);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_echoed_in_every_form_reaches_no_sink_whole_or_cut() {
    let server = Hostile::start(Arc::new(echo_everything)).await;
    let token = jwt_like();
    for verbosity in ["-q", "-v", "-vv"] {
        for (what, text) in every_sink(&server.url, &token, verbosity).await {
            assert_clean(&format!("{verbosity} {what}"), &text, &token);
        }
    }
    // The requests themselves still carried the token (all but the probe sent without one).
    let seen = server.seen();
    let bearer = format!("Bearer {token}");
    assert!(seen.iter().any(|(_, a)| *a == bearer));
    assert!(seen.iter().all(|(_, a)| a.is_empty() || *a == bearer));
}

/// RFC 6750 §2.1 `b64token`, from 8 characters to a long JWT's length.
fn token() -> impl Strategy<Value = String> {
    ("[A-Za-z0-9._~+/-]{8,1100}", "={0,2}").prop_map(|(body, pad)| body + &pad)
}

proptest! {
    // Each case runs the binary twice; a few cases over the whole alphabet and every length.
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn no_sink_holds_any_rendering_of_a_generated_token(token in token()) {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async {
            let server = Hostile::start(Arc::new(echo_everything)).await;
            for (what, text) in every_sink(&server.url, &token, "-v").await {
                assert_clean(&what, &text, &token);
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_password_is_not_quoted_when_the_url_is_refused() {
    for url in [
        "http://admin:hunter2-pw@127.0.0.1:9/scim/v2",
        "http://admin:hunter2-pw@127.0.0.1:notaport/scim/v2",
    ] {
        for command in ["run", "connect"] {
            let mut cmd = scimcheck();
            cmd.args([command, url])
                .env("SCIMCHECK_TOKEN", "tok-1234567890");
            let out = output(cmd).await;
            assert_eq!(out.status.code(), Some(2), "{command} {url}: bad input");
            for (what, text) in sinks(&out, &[]) {
                assert!(!text.contains("hunter2"), "{command} {what}: {text}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_key_in_the_tenant_url_is_sent_but_never_shown() {
    // An Azure Function's key, echoed back with the URL it came in (its `Location`, its
    // `detail`), percent-encoded as the request carried it.
    let key = "fnKEY_Zq3T9vX0pL7mK2sR8wY4nB6cD1fG5hJ0aE3uI9oU+/w==";
    let echo_url = |parts: &Parts, _: &str| {
        let uri = parts.uri.to_string();
        let body = format!(
            "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"400\",\
             \"detail\":\"no such route {uri}\"}}"
        );
        let mut response = (StatusCode::BAD_REQUEST, body).into_response();
        response.headers_mut().insert(
            "content-type",
            "application/scim+json".parse().expect("valid"),
        );
        response
    };
    let server = Hostile::start(Arc::new(echo_url)).await;
    let encoded: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
    let url = format!("{}?code={encoded}", server.url);
    for (what, text) in every_sink(&url, "tok-1234567890-abcdef", "-vv").await {
        assert_clean(&what, &text, key);
    }
    let seen = server.seen();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|(uri, _)| uri.contains(&format!("code={encoded}"))),
        "every request carries the key: {seen:?}"
    );
}

/// The sequences a hostile answer paints with: clear the screen, set the window title, hide
/// text, and a carriage return that draws a fake PASS line.
const PAINT: &str = "\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}[8mhidden\r  PASS  all good";

/// Fails if `text` holds an escape sequence other than the report's own colours, or a bare
/// carriage return; and unless it shows the painting escaped.
fn assert_not_painted(what: &str, text: &str) {
    let ours = [
        "\u{1b}[0m",
        "\u{1b}[1m",
        "\u{1b}[2m",
        "\u{1b}[31m",
        "\u{1b}[32m",
        "\u{1b}[33m",
    ];
    let mut rest = text;
    while let Some(at) = rest.find('\u{1b}') {
        rest = &rest[at..];
        let own = ours.iter().find(|s| rest.starts_with(**s));
        let Some(own) = own else {
            panic!(
                "{what}: a raw escape sequence at `{}`:\n{text}",
                rest.escape_debug()
            );
        };
        rest = &rest[own.len()..];
    }
    assert!(
        !text.contains('\r'),
        "{what}: a bare carriage return:\n{text}"
    );
    assert!(!text.contains('\u{7}'), "{what}: a raw BEL");
}

/// A SCIM error whose `detail` paints (JSON-escaped, as a server writes it).
fn paint_in_detail(_: &Parts, _: &str) -> Response {
    let escaped: String = PAINT
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{:04x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect();
    let body = format!(
        "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"400\",\
         \"detail\":\"{escaped}\"}}"
    );
    let mut response = (StatusCode::BAD_REQUEST, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        "application/scim+json".parse().expect("valid"),
    );
    response
}

/// A 401 whose plain-text body paints, raw.
fn paint_in_text_body(_: &Parts, _: &str) -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, format!("{PAINT}\n")).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", "text/plain".parse().expect("valid"));
    response
}

/// A 500 HTML page whose `<title>` (quoted by the hints and `connect`) paints.
fn paint_in_title(_: &Parts, _: &str) -> Response {
    let page = format!("<html><head><title>{PAINT}</title></head><body>{PAINT}</body></html>");
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, page).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", "text/html".parse().expect("valid"));
    response
}

#[tokio::test(flavor = "multi_thread")]
async fn escape_sequences_from_the_server_are_shown_escaped_in_bodies_detail_and_verdicts() {
    let answers: [(&str, Arc<Answer>); 3] = [
        ("detail", Arc::new(paint_in_detail)),
        ("text body", Arc::new(paint_in_text_body)),
        ("html title", Arc::new(paint_in_title)),
    ];
    for (case, answer) in answers {
        let server = Hostile::start(answer).await;
        for verbosity in ["-q", "-v", "-vv"] {
            for command in ["run", "connect"] {
                for colour in ["always", "never"] {
                    let dir = tempfile::tempdir().expect("temp dir");
                    let junit = dir.path().join("r.xml");
                    let mut cmd = scimcheck();
                    cmd.args([command, &server.url, "--color", colour])
                        .env("SCIMCHECK_TOKEN", "tok-1234567890-abcdef");
                    if command == "run" || verbosity != "-q" {
                        cmd.arg(verbosity);
                    }
                    if command == "run" {
                        cmd.arg("--junit").arg(&junit);
                    }
                    let out = output(cmd).await;
                    let what = format!("{case}: {command} {verbosity} --color {colour}");
                    assert_eq!(out.status.code(), Some(1), "{what}: fails: {out:?}");
                    if command == "run" {
                        // XML 1.0 holds no control characters: the JUnit must still parse.
                        let xml = std::fs::read_to_string(&junit).expect("the JUnit is written");
                        if let Err(e) = roxmltree::Document::parse(&xml) {
                            panic!("{what}: the JUnit is not XML: {e}\n{xml}");
                        }
                    }
                    for (stream, text) in sinks(&out, &[]) {
                        assert_not_painted(&format!("{what} {stream}"), &text);
                    }
                    let shown = common::text(&out);
                    assert!(
                        shown.contains("\\e[2J") || verbosity == "-q" && command == "run",
                        "{what}: the painting is shown, escaped:\n{shown}"
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_secrets_echoed_by_the_token_endpoint_and_the_server_reach_no_sink() {
    let secret = "cs~Zq3T9vX0pL7mK2sR8wY4nB6cD1fG5hJ0aE3uI9oU";
    let access = jwt_like().chars().rev().collect::<String>();
    for refuse in [true, false] {
        let issued = access.clone();
        let answer = move |parts: &Parts, token: &str| {
            if !parts.uri.path().ends_with("/token") {
                return echo_everything(parts, token);
            }
            let body = if refuse {
                // The refusal quotes the Basic credentials it refused, decoded and not.
                let basic = header(&parts.headers, "authorization");
                let decoded = basic
                    .strip_prefix("Basic ")
                    .and_then(|b| STANDARD.decode(b).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                // The secret straddles the verdict's 160-character cut.
                let detail = format!("{} {decoded} {basic}", "e".repeat(140));
                format!("{{\"error\":\"invalid_client\",\"error_description\":\"{detail}\"}}")
            } else {
                format!("{{\"access_token\":\"{issued}\",\"token_type\":\"Bearer\",\"expires_in\":3600}}")
            };
            let status = if refuse {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            let mut response = (status, body).into_response();
            response
                .headers_mut()
                .insert("content-type", "application/json".parse().expect("valid"));
            response
        };
        let server = Hostile::start(Arc::new(answer)).await;
        let endpoint = server.url.replace("/scim/v2", "/oauth/token");
        for command in ["connect", "run"] {
            let mut cmd = scimcheck();
            cmd.args([command, &server.url, "-vv", "--token-endpoint", &endpoint])
                .args(["--client-id", "client-1", "--client-secret-env", "SECRET"])
                .env("SECRET", secret);
            let out = output(cmd).await;
            let what = format!("{command} refuse={refuse}");
            assert_eq!(out.status.code(), Some(1), "{what}: {out:?}");
            for (stream, text) in sinks(&out, &[]) {
                assert_clean(&format!("{what} {stream}"), &text, secret);
                assert_clean(&format!("{what} {stream}"), &text, &access);
            }
        }
    }
}
