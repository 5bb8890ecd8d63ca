//! Transport safety: TLS verification, custom CAs, and redirects that must not carry the token
//! to another host.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::read_head;
use scimcheck::http::{ClientOptions, Request, TlsProblem, TransportErrorKind};
use scimcheck::plan::Method;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

fn probe() -> Request {
    Request {
        method: Method::Get,
        target: "/Users?filter=userName+eq+%22x%22".into(),
        headers: Vec::new(),
        body: None,
        send_token: true,
    }
}

fn response(status: &str, extra: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}", body.len())
}

/// A plain-HTTP server answering every request with `answer(head)`, recording the heads.
async fn http_server(
    answer: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let head = read_head(&mut stream).await;
            let reply = answer(&head);
            record.lock().expect("lock").push(head);
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (addr, seen)
}

/// A TLS server with a fresh self-signed certificate for `localhost`; returns its PEM.
async fn tls_server() -> (SocketAddr, String) {
    let (acceptor, pem) = common::tls_for_localhost();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(stream).await {
                    read_head(&mut tls).await;
                    let _ = tls
                        .write_all(response("200 OK", "", EMPTY_LIST).as_bytes())
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (addr, pem)
}

#[tokio::test]
async fn a_self_signed_certificate_is_a_tls_failure_named_in_words() {
    let (addr, _) = tls_server().await;
    let client = common::client(&format!("https://localhost:{}/scim/v2", addr.port()));
    let exchange = client.send(&probe()).await;
    let error = exchange.received.expect_err("verification must fail");
    assert_eq!(
        error.kind,
        TransportErrorKind::Tls {
            problem: TlsProblem::UntrustedIssuer
        }
    );
    assert!(
        error.verdict().ends_with(
            "the certificate is not signed by a trusted CA (self-signed or a private CA)"
        ),
        "{}",
        error.verdict()
    );
}

#[tokio::test]
async fn the_ca_cert_option_trusts_a_private_ca() {
    let (addr, pem) = tls_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).expect("write");
    let options = ClientOptions {
        ca_cert: Some(ca),
        ..ClientOptions::default()
    };
    let client = common::client_with(
        &format!("https://localhost:{}/scim/v2", addr.port()),
        options,
    );
    let exchange = client.send(&probe()).await;
    assert_eq!(
        exchange.response().map(|r| r.status),
        Some(200),
        "{:?}",
        exchange.received
    );
}

#[tokio::test]
async fn insecure_accepts_any_certificate() {
    let (addr, _) = tls_server().await;
    let options = ClientOptions {
        insecure: true,
        ..ClientOptions::default()
    };
    let client = common::client_with(
        &format!("https://localhost:{}/scim/v2", addr.port()),
        options,
    );
    assert_eq!(
        client.send(&probe()).await.response().map(|r| r.status),
        Some(200)
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_gets_no_token() {
    let (elsewhere, elsewhere_seen) = http_server(|_| response("200 OK", "", EMPTY_LIST)).await;
    let target = format!("http://127.0.0.1:{}/scim/v2/Users", elsewhere.port());
    let (origin, _) = http_server(move |_| {
        response(
            "307 Temporary Redirect",
            &format!("location: {target}\r\n"),
            "",
        )
    })
    .await;
    let client = common::client(&format!("http://127.0.0.1:{}/scim/v2", origin.port()));
    let exchange = client.send(&probe()).await;
    assert_eq!(exchange.response().map(|r| r.status), Some(307));
    assert!(
        elsewhere_seen.lock().expect("lock").is_empty(),
        "the other host was contacted"
    );
}

#[tokio::test]
async fn a_redirect_within_the_same_origin_is_followed_with_the_token() {
    let (origin, seen) = http_server(|head| {
        if head.starts_with("GET /old/") {
            response(
                "308 Permanent Redirect",
                "location: /scim/v2/Users?filter=x\r\n",
                "",
            )
        } else {
            response("200 OK", "", EMPTY_LIST)
        }
    })
    .await;
    let client = common::client(&format!("http://127.0.0.1:{}/old", origin.port()));
    let exchange = client.send(&probe()).await;
    assert_eq!(exchange.response().map(|r| r.status), Some(200));
    let heads = seen.lock().expect("lock").clone();
    assert_eq!(heads.len(), 2);
    assert!(heads[1].to_ascii_lowercase().contains(&format!(
        "authorization: bearer {}",
        common::TOKEN.to_ascii_lowercase()
    )));
}

#[tokio::test]
async fn requests_carry_no_accept_header_and_the_token_only_in_authorization() {
    let (addr, seen) = http_server(|_| response("200 OK", "", EMPTY_LIST)).await;
    let client = common::client(&format!("http://127.0.0.1:{}/scim/v2", addr.port()));
    let request = scimcheck::profile::Renderer::new(scimcheck::profile::Profile::EntraDefault)
        .test_connection(
            &scimcheck::attributes::AttrPath::parse("userName").expect("path"),
            "g",
        );
    let exchange = client.send(&request).await;
    let head = seen.lock().expect("lock")[0].to_ascii_lowercase();
    // client-behaviour §1.4: Entra sends no `Accept` at all, and spells `ADSCIMVersion`.
    assert!(!head.contains("\r\naccept:"), "{head}");
    let raw = seen.lock().expect("lock")[0].clone();
    assert!(raw.contains("\r\nADSCIMVersion: 5.0\r\n"), "{raw}");
    assert!(
        head.starts_with("get /scim/v2/users?filter=username+eq+%22g%22 http/1.1"),
        "{head}"
    );
    // The recorded exchange masks the token.
    assert!(exchange
        .sent
        .headers
        .contains(&("Authorization".into(), "Bearer ***".into())));
}
