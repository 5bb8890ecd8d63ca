//! The HTTP proxy (issue 10 item 6): `--proxy URL`, `--no-proxy`, `HTTPS_PROXY` /
//! `HTTP_PROXY` / `NO_PROXY`; a dead proxy is named as the proxy, and a working in-process
//! proxy carries requests by `CONNECT` (https) and by forwarding (http).

mod common;

use std::net::SocketAddr;

use scimcheck::attributes::{AttrPath, AttributeTables};
use scimcheck::http::{ClientOptions, ProxyChoice, TransportErrorKind};
use scimcheck::profile::{Profile, Renderer};
use scimcheck::run::{new_run_id, Runner};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

async fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

fn probe() -> scimcheck::http::Request {
    Renderer::new(Profile::EntraDefault)
        .test_connection(&AttrPath::parse("userName").expect("path"), "g")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_proxy_is_named_as_the_proxy_not_as_the_tenant_url() {
    let proxy = dead_port().await;
    let tenant = dead_port().await;
    let mut cmd = common::scimcheck();
    cmd.args([
        "connect",
        &format!("http://127.0.0.1:{tenant}/scim/v2"),
        "--proxy",
        &format!("http://127.0.0.1:{proxy}"),
    ])
    .env("SCIMCHECK_TOKEN", common::TOKEN);
    let output = common::output(cmd).await;
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(3), "{text}");
    assert!(
        text.contains(&format!(
            "the proxy 127.0.0.1:{proxy} refused the connection; 127.0.0.1:{tenant} was not reached"
        )),
        "{text}"
    );
    assert!(!text.contains("nothing listens"), "{text}");
    assert!(text.contains("hint: check --proxy"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_proxy_from_the_environment_is_used_unless_no_proxy_says_otherwise() {
    let proxy = dead_port().await;
    let tenant = dead_port().await;
    let url = format!("https://127.0.0.1:{tenant}/scim/v2");
    let run = |extra: &'static [&'static str], no_proxy: Option<&'static str>| {
        let mut cmd = common::scimcheck();
        cmd.args(["connect", &url])
            .args(extra)
            .env("SCIMCHECK_TOKEN", common::TOKEN)
            .env("HTTPS_PROXY", format!("http://127.0.0.1:{proxy}"))
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
        if let Some(hosts) = no_proxy {
            cmd.env("NO_PROXY", hosts);
        }
        common::output(cmd)
    };
    let through = common::text(&run(&[], None).await);
    assert!(
        through.contains(&format!(
            "the proxy 127.0.0.1:{proxy} refused the connection"
        )),
        "{through}"
    );
    for direct in [
        run(&["--no-proxy"], None).await,
        run(&[], Some("127.0.0.1")).await,
    ] {
        let text = common::text(&direct);
        assert!(
            text.contains(&format!("nothing listens on 127.0.0.1:{tenant}")),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_forwarding_proxy_carries_http_requests_with_the_exact_wire() {
    let server = common::server(&[]).await;
    let (proxy, seen) = common::proxy().await;
    let options = ClientOptions {
        proxy: ProxyChoice::Url(format!("http://{proxy}")),
        ..ClientOptions::default()
    };
    let client = common::client_with(&server.base_url(), options);
    let exchange = client.send(&probe()).await;
    assert_eq!(
        exchange.response().map(|r| r.status),
        Some(200),
        "{:?}",
        exchange.received
    );
    let head = seen.lock().expect("lock")[0].clone();
    let port = server.addr().port();
    assert_eq!(
        head,
        format!(
            "GET http://127.0.0.1:{port}/scim/v2/Users?filter=userName+eq+%22g%22 HTTP/1.1\r\n\
             Host: 127.0.0.1:{port}\r\n\
             Authorization: Bearer {}\r\n\
             ADSCIMVersion: 5.0\r\n\r\n",
            common::TOKEN
        )
    );
    // The whole suite runs through it too.
    let tables = AttributeTables::atmos();
    let plan = common::builtin_plan(&tables);
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner
        .run(&plan, &[Profile::EntraDefault], &mut |_| {})
        .await;
    server.shutdown().await;
    assert_eq!(common::failing(&summary), Vec::<String>::new());
}

/// A TLS server for `localhost` with a self-signed certificate, answering an empty list.
async fn tls_server() -> SocketAddr {
    let (acceptor, _) = common::tls_for_localhost();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(stream).await {
                    common::read_head(&mut tls).await;
                    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
                    let reply = format!("HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
                    let _ = tls.write_all(reply.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_connect_tunnel_carries_https_requests_end_to_end() {
    let target = tls_server().await;
    let (proxy, seen) = common::proxy().await;
    let options = ClientOptions {
        proxy: ProxyChoice::Url(format!("http://{proxy}")),
        insecure: true,
        ..ClientOptions::default()
    };
    let client = common::client_with(
        &format!("https://localhost:{}/scim/v2", target.port()),
        options,
    );
    let exchange = client.send(&probe()).await;
    assert_eq!(
        exchange.response().map(|r| r.status),
        Some(200),
        "{:?}",
        exchange.received
    );
    let head = seen.lock().expect("lock")[0].clone();
    assert!(
        head.starts_with(&format!("CONNECT localhost:{} HTTP/1.1\r\n", target.port())),
        "{head}"
    );
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_is_named() {
    // A "proxy" that answers every CONNECT with 403.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            common::read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let options = ClientOptions {
        proxy: ProxyChoice::Url(format!("http://{addr}")),
        ..ClientOptions::default()
    };
    let client = common::client_with("https://scim.example.invalid/scim/v2", options);
    let error = client.send(&probe()).await.received.expect_err("refused");
    assert_eq!(
        error.kind,
        TransportErrorKind::Proxy {
            proxy: addr.to_string(),
            detail: "refused to open a tunnel (CONNECT) to the Tenant URL's host".into()
        }
    );
}
