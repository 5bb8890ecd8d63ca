//! `scimcheck load`'s own connections (issue 9, item 4): one per worker, kept while the server
//! keeps it and opened again when it closes; the timeout, TLS and proxies as elsewhere.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{kind, load, read_head, tls_for_localhost};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the list server saw.
#[derive(Debug, Default)]
struct Seen {
    connections: AtomicUsize,
    requests: AtomicUsize,
}

impl Seen {
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// How the list server treats each connection.
#[derive(Clone, Copy, Debug)]
enum Conduct {
    /// Answers every request and keeps the connection.
    KeepAlive,
    /// Answers the connection's n-th request with `Connection: close`, then closes it.
    SaysClose(usize),
    /// Reads the connection's n-th request and closes it without an answer.
    Drops(usize),
    /// Reads every request and never answers.
    Hangs,
    /// Answers a request `307` to its own target with `&moved=1` added, and that one as
    /// usual.
    Redirects,
}

const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

/// A server that answers every request with an empty ListResponse (what a lookup of a new
/// user gets), over TLS when given an acceptor, treating connections as `conduct` says.
async fn list_server(
    conduct: Conduct,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (SocketAddr, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Seen::default());
    let counts = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counts.connections.fetch_add(1, Ordering::SeqCst);
            let (counts, tls) = (Arc::clone(&counts), tls.clone());
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            serve(stream, conduct, &counts).await;
                        }
                    }
                    None => serve(stream, conduct, &counts).await,
                }
            });
        }
    });
    (addr, seen)
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, conduct: Conduct, seen: &Seen) {
    for n in 1.. {
        let head = read_head(&mut stream).await;
        if head.is_empty() {
            return;
        }
        seen.requests.fetch_add(1, Ordering::SeqCst);
        let target = head.split_whitespace().nth(1).unwrap_or_default();
        if matches!(conduct, Conduct::Redirects) && !target.ends_with("&moved=1") {
            let reply = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}&moved=1\r\ncontent-length: 0\r\n\r\n"
            );
            if stream.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        let close = match conduct {
            Conduct::KeepAlive | Conduct::Redirects => false,
            Conduct::SaysClose(last) => n == last,
            Conduct::Drops(last) if n == last => return,
            Conduct::Drops(_) => false,
            Conduct::Hangs => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
        };
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\n{}\r\n{EMPTY_LIST}",
            EMPTY_LIST.len(),
            if close { "connection: close\r\n" } else { "" },
        );
        if stream.write_all(reply.as_bytes()).await.is_err() || close {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

fn lookups(users: usize, concurrency: usize) -> Vec<String> {
    ["--mix", "lookups", "--rate", "max", "--users"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain([
            users.to_string(),
            "--concurrency".into(),
            concurrency.to_string(),
        ])
        .collect()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_worker_sends_all_its_lookups_on_one_connection() {
    let (addr, seen) = list_server(Conduct::KeepAlive, None).await;
    let url = format!("http://127.0.0.1:{}/scim/v2", addr.port());
    let (code, text, report) = load(&url, &strs(&lookups(50, 3))).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(kind(&report, "user lookup")["count"], 50, "{text}");
    assert_eq!(seen.requests(), 50);
    assert_eq!(seen.connections(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_whose_connection_the_server_closes_reconnects_and_every_lookup_is_counted() {
    let (addr, seen) = list_server(Conduct::SaysClose(3), None).await;
    let url = format!("http://127.0.0.1:{}/scim/v2", addr.port());
    let (code, text, report) = load(&url, &strs(&lookups(60, 4))).await;
    assert_eq!(code, 0, "{text}");
    let lookups = kind(&report, "user lookup");
    assert_eq!(lookups["count"], 60, "{text}");
    assert_eq!(lookups["errors"], json!({}), "{text}");
    assert_eq!(seen.requests(), 60);
    // No connection carried more than 3 requests.
    assert!(
        seen.connections() >= 20,
        "{} connections",
        seen.connections()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_dropped_under_a_lookup_counts_an_error_and_the_worker_goes_on() {
    let (addr, seen) = list_server(Conduct::Drops(3), None).await;
    let url = format!("http://127.0.0.1:{}/scim/v2", addr.port());
    let (code, text, report) = load(&url, &strs(&lookups(30, 1))).await;
    assert_eq!(code, 1, "{text}");
    let lookups = kind(&report, "user lookup");
    assert_eq!(lookups["count"], 30, "{text}");
    // Every third lookup was sent and dropped unanswered: sent once, not again.
    assert_eq!(lookups["errors"], json!({ "transport": 10 }), "{text}");
    assert_eq!(seen.requests(), 30);
    assert_eq!(seen.connections(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_timeout_still_ends_a_lookup_the_server_never_answers() {
    let (addr, seen) = list_server(Conduct::Hangs, None).await;
    let url = format!("http://127.0.0.1:{}/scim/v2", addr.port());
    let mut args = lookups(3, 1);
    args.extend(["--timeout".to_owned(), "1".to_owned()]);
    let started = Instant::now();
    let (code, text, report) = load(&url, &strs(&args)).await;
    let wall = started.elapsed();
    assert_ne!(code, 0, "{text}");
    let lookups = kind(&report, "user lookup");
    assert_eq!(lookups["errors"], json!({ "transport": 3 }), "{text}");
    // Each waited its second, no more: the three in turn, well within ten.
    let p50 = lookups["p50_ms"].as_f64().expect("a p50");
    assert!((1000.0..2000.0).contains(&p50), "{p50} ms");
    assert!(wall < Duration::from_secs(10), "{wall:?}");
    // A timed-out request takes its connection with it.
    assert_eq!(seen.requests(), 3);
    assert_eq!(seen.connections(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn https_lookups_go_on_own_connections_with_insecure_and_with_a_given_ca() {
    let (acceptor, pem) = tls_for_localhost();
    let (addr, seen) = list_server(Conduct::SaysClose(5), Some(acceptor)).await;
    let url = format!("https://localhost:{}/scim/v2", addr.port());
    let mut insecure = lookups(20, 2);
    insecure.push("--insecure".to_owned());
    let (code, text, report) = load(&url, &strs(&insecure)).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(kind(&report, "user lookup")["errors"], json!({}), "{text}");

    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).expect("writes the certificate");
    let mut given = lookups(20, 2);
    given.extend(["--ca-cert".to_owned(), ca.display().to_string()]);
    let (code, text, report) = load(&url, &strs(&given)).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(kind(&report, "user lookup")["errors"], json!({}), "{text}");
    assert_eq!(seen.requests(), 40);
    assert!(
        seen.connections() >= 8,
        "{} connections",
        seen.connections()
    );

    // Without either, the self-signed certificate is refused, each lookup an error.
    let (code, text, report) = load(&url, &strs(&lookups(4, 2))).await;
    assert_ne!(code, 0, "{text}");
    assert_eq!(
        kind(&report, "user lookup")["errors"],
        json!({ "transport": 4 }),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forwarding_proxy_still_carries_the_lookups_in_absolute_form() {
    let (addr, seen) = list_server(Conduct::KeepAlive, None).await;
    let (proxy, heads) = common::proxy().await;
    let url = format!("http://127.0.0.1:{}/scim/v2", addr.port());
    let mut args = lookups(10, 2);
    args.extend(["--proxy".to_owned(), format!("http://{proxy}")]);
    let (code, text, report) = load(&url, &strs(&args)).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(kind(&report, "user lookup")["errors"], json!({}), "{text}");
    assert_eq!(seen.requests(), 10);
    // The pool may open a connection a worker then does not need (another came free first):
    // it closes carrying no head, and is no request.
    let heads: Vec<String> = heads
        .lock()
        .expect("lock")
        .iter()
        .filter(|h| !h.is_empty())
        .cloned()
        .collect();
    let absolute = format!(
        "GET http://127.0.0.1:{}/scim/v2/Users?filter=userName+eq+%22scimcheck-load-",
        addr.port()
    );
    assert!(
        !heads.is_empty() && heads.iter().all(|h| h.starts_with(&absolute)),
        "{heads:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_tunnel_carries_https_lookups_one_tunnel_per_worker() {
    let (acceptor, _) = tls_for_localhost();
    let (addr, seen) = list_server(Conduct::KeepAlive, Some(acceptor)).await;
    let (proxy, heads) = common::proxy().await;
    let url = format!("https://localhost:{}/scim/v2", addr.port());
    let mut args = lookups(12, 2);
    args.extend([
        "--proxy".to_owned(),
        format!("http://{proxy}"),
        "--insecure".to_owned(),
    ]);
    let (code, text, report) = load(&url, &strs(&args)).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(kind(&report, "user lookup")["errors"], json!({}), "{text}");
    assert_eq!(seen.requests(), 12);
    let heads = heads.lock().expect("lock").clone();
    let connect = format!("CONNECT localhost:{} HTTP/1.1\r\n", addr.port());
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(heads.iter().all(|h| h.starts_with(&connect)), "{heads:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirected_lookup_is_followed_within_the_origin_and_counted_once() {
    let (addr, seen) = list_server(Conduct::Redirects, None).await;
    let url = format!("http://127.0.0.1:{}/scim/v2", addr.port());
    let (code, text, report) = load(&url, &strs(&lookups(10, 2))).await;
    assert_eq!(code, 0, "{text}");
    let lookups = kind(&report, "user lookup");
    assert_eq!(lookups["count"], 10, "{text}");
    assert_eq!(lookups["errors"], json!({}), "{text}");
    // Each lookup, then its redirect.
    assert_eq!(seen.requests(), 20);
}
