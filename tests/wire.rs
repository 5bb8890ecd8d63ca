//! The exact bytes scimcheck puts on the wire as Entra (`entra-default`), read by a raw TCP
//! listener: one request of each kind. Entra's headers in Entra's spelling, nothing else
//! (client-behaviour §1.4), and the record of each exchange is the same list.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use scimcheck::attributes::{AttrPath, ResourceKind};
use scimcheck::http::{Exchange, Request};
use scimcheck::profile::{Change, Profile, Renderer};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

/// Reads one request, head and `Content-Length` body, as raw bytes.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => bytes.push(byte[0]),
            _ => return bytes,
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
    bytes
}

/// A listener that records every request's bytes and answers an empty list.
async fn recorder() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let bytes = read_request(&mut stream).await;
            record
                .lock()
                .expect("lock")
                .push(String::from_utf8_lossy(&bytes).into_owned());
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{EMPTY_LIST}",
                EMPTY_LIST.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (addr, seen)
}

/// Sends `request` and returns the bytes the server read and the exchange, with the port
/// written as `PORT` in the bytes and in the record.
async fn on_the_wire(request: &Request) -> (String, Exchange) {
    let (addr, seen) = recorder().await;
    let client = common::client(&format!("http://127.0.0.1:{}/scim/v2", addr.port()));
    let mut exchange = client.send(request).await;
    assert!(exchange.response().is_some(), "{:?}", exchange.received);
    let bytes = seen
        .lock()
        .expect("lock")
        .first()
        .cloned()
        .expect("a request");
    let port = addr.port().to_string();
    for (_, value) in &mut exchange.sent.headers {
        *value = value.replace(&port, "PORT");
    }
    (bytes.replace(&port, "PORT"), exchange)
}

/// The record as wire text (`name: value` lines).
fn recorded(exchange: &Exchange) -> String {
    exchange
        .sent
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect()
}

fn renderer() -> Renderer {
    Renderer::new(Profile::EntraDefault)
}

fn path(p: &str) -> AttrPath {
    AttrPath::parse(p).expect("valid path")
}

#[tokio::test]
async fn a_lookup_get_is_host_authorization_adscimversion_and_nothing_else() {
    let request = renderer().test_connection(&path("userName"), "7d42");
    let (bytes, exchange) = on_the_wire(&request).await;
    assert_eq!(
        bytes,
        format!(
            "GET /scim/v2/Users?filter=userName+eq+%227d42%22 HTTP/1.1\r\n\
             Host: 127.0.0.1:PORT\r\n\
             Authorization: Bearer {}\r\n\
             ADSCIMVersion: 5.0\r\n\
             \r\n",
            common::TOKEN
        )
    );
    // The record is the wire, with the token masked.
    assert_eq!(
        recorded(&exchange),
        "Host: 127.0.0.1:PORT\r\nAuthorization: Bearer ***\r\nADSCIMVersion: 5.0\r\n"
    );
}

#[tokio::test]
async fn a_post_carries_content_type_and_length_after_the_entra_headers() {
    let request = renderer().create_user(&[(path("userName"), json!("a@contoso.com"))]);
    let (bytes, exchange) = on_the_wire(&request).await;
    let body = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@contoso.com","meta":{"resourceType":"User"}}"#;
    assert_eq!(
        bytes,
        format!(
            "POST /scim/v2/Users HTTP/1.1\r\n\
             Host: 127.0.0.1:PORT\r\n\
             Authorization: Bearer {}\r\n\
             ADSCIMVersion: 5.0\r\n\
             Content-Type: application/scim+json\r\n\
             Content-Length: {}\r\n\
             \r\n{body}",
            common::TOKEN,
            body.len()
        )
    );
    let names: Vec<&str> = exchange
        .sent
        .headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Host",
            "Authorization",
            "ADSCIMVersion",
            "Content-Type",
            "Content-Length"
        ]
    );
}

#[tokio::test]
async fn a_patch_is_sent_with_pascal_case_ops_and_its_exact_length() {
    let change = Change {
        path: path("displayName"),
        value: json!("Alice"),
        present: true,
    };
    let request = renderer().patch(ResourceKind::User, "u-1", &[change]);
    let (bytes, _) = on_the_wire(&request).await;
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Alice"}]}"#;
    assert_eq!(
        bytes,
        format!(
            "PATCH /scim/v2/Users/u-1 HTTP/1.1\r\n\
             Host: 127.0.0.1:PORT\r\n\
             Authorization: Bearer {}\r\n\
             ADSCIMVersion: 5.0\r\n\
             Content-Type: application/scim+json\r\n\
             Content-Length: {}\r\n\
             \r\n{body}",
            common::TOKEN,
            body.len()
        )
    );
}

#[tokio::test]
async fn a_delete_has_no_body_and_no_content_headers() {
    let request = renderer().delete(ResourceKind::User, "u-1");
    let (bytes, exchange) = on_the_wire(&request).await;
    assert_eq!(
        bytes,
        format!(
            "DELETE /scim/v2/Users/u-1 HTTP/1.1\r\n\
             Host: 127.0.0.1:PORT\r\n\
             Authorization: Bearer {}\r\n\
             ADSCIMVersion: 5.0\r\n\
             \r\n",
            common::TOKEN
        )
    );
    assert_eq!(exchange.sent.headers.len(), 3);
    assert!(
        !recorded(&exchange).contains(common::TOKEN),
        "the record holds the token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn load_sends_a_lookup_byte_for_byte_as_run_sends_it() {
    let (addr, seen) = recorder().await;
    let url = format!("http://127.0.0.1:{}/scim/v2", addr.port());
    let mut cmd = common::scimcheck();
    cmd.env("SCIMCHECK_TOKEN", common::TOKEN).args([
        "load", &url, "--mix", "lookups", "--users", "1", "--rate", "max",
    ]);
    let out = common::output(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let from_load = seen
        .lock()
        .expect("lock")
        .first()
        .cloned()
        .expect("a request");
    // The lookup's value holds the load's run id: the same lookup, sent as `run` sends it.
    let name = from_load
        .split("%22")
        .nth(1)
        .expect("a quoted filter value")
        .replace("%40", "@");
    let request = renderer().lookup(ResourceKind::User, &path("userName"), &name);
    let client = common::client(&url);
    assert!(client.send(&request).await.response().is_some());
    let from_run = seen
        .lock()
        .expect("lock")
        .get(1)
        .cloned()
        .expect("a request");
    assert_eq!(from_load, from_run);
    assert!(from_load.starts_with("GET /scim/v2/Users?filter=userName+eq+%22scimcheck-load-"));
}
