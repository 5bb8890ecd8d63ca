//! The request head exactly as it goes on the wire: which headers, in which order, in which
//! spelling. [`head`] decides the list; [`spelled`] turns it into an `http::Request` that
//! hyper writes byte for byte as listed.
//!
//! Order (client-behaviour §1.4 documents the headers, no capture documents their order; it
//! follows .NET's `HttpClient`, which Entra's service is built on): `Host` first, then the
//! request headers (`Authorization`, then the profile's `ADSCIMVersion`, then
//! `Content-Type`), then `Content-Length`. Nothing else: no `Accept`, no `User-Agent`
//! (client-behaviour §1.4: a server requiring `Accept` answered Entra with 406).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{LazyLock, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;

use crate::plan::Method;

/// The header list of one request, in wire order and spelling.
///
/// `authorization` is the full header value (`Bearer …`); `headers` are the request's own
/// (`ADSCIMVersion`, `Content-Type`, a scenario's extras), kept in their order. A `Host`
/// among them replaces the computed one; a `Content-Length` is always computed.
pub(crate) fn head(
    url: &url::Url,
    authorization: Option<String>,
    headers: &[(String, String)],
    method: Method,
    body: Option<&str>,
) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(headers.len() + 3);
    let own_host = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .cloned();
    out.push(own_host.unwrap_or_else(|| ("Host".to_owned(), host(url))));
    if let Some(value) = authorization {
        out.push(("Authorization".to_owned(), value));
    }
    out.extend(
        headers
            .iter()
            .filter(|(n, _)| {
                !n.eq_ignore_ascii_case("host") && !n.eq_ignore_ascii_case("content-length")
            })
            .cloned(),
    );
    // .NET sends `Content-Length: 0` on a bodiless POST, PUT or PATCH, and nothing on a
    // bodiless GET or DELETE (RFC 9110 §8.6: a length for methods that expect content).
    match body {
        Some(body) => out.push(("Content-Length".to_owned(), body.len().to_string())),
        None if matches!(method, Method::Post | Method::Put | Method::Patch) => {
            out.push(("Content-Length".to_owned(), "0".to_owned()));
        }
        None => {}
    }
    out
}

/// `host[:port]` as RFC 9110 §7.2 writes it: the port only when it is not the scheme's.
pub(crate) fn host(url: &url::Url) -> String {
    let name = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{name}:{port}"),
        None => name.to_owned(),
    }
}

/// The path and query of `url` (the request target in origin form, RFC 9112 §3.2.1).
pub(crate) fn origin_form(url: &url::Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The request hyper will write exactly as `head` lists it.
///
/// hyper writes a header name in its original spelling only when the message carries the
/// spelling map hyper's own parser records (`preserve_header_case`); that map has no public
/// constructor. So the head is parsed once by hyper's server-side parser over an in-memory
/// pipe, and the parsed request (its headers in order, and that map) is what is sent.
/// hyper is pinned (`=1.12.0`) for this; `tests/wire.rs` pins the resulting bytes.
pub(crate) async fn spelled(
    method: Method,
    url: &url::Url,
    head: &[(String, String)],
) -> Result<http::request::Parts, String> {
    // The cache key: the method, then the header lines as they are written.
    let mut key = String::with_capacity(
        64 + head
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>(),
    );
    key.push_str(method.as_str());
    key.push_str("\r\n");
    let lines_at = key.len();
    for (name, value) in head {
        // A line break in a value would smuggle in a header of its own.
        http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        http::HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header `{name}` has a control character"))?;
        key.push_str(name);
        key.push_str(": ");
        key.push_str(value);
        key.push_str("\r\n");
    }
    let mut parts = match cached(&key) {
        Some(parts) => parts,
        None => {
            let text = format!(
                "{} {} HTTP/1.1\r\n{}\r\n",
                method.as_str(),
                origin_form(url),
                &key[lines_at..]
            );
            let parts = parse(&text).await?;
            remember(key, &parts);
            parts
        }
    };
    parts.uri = url
        .as_str()
        .parse()
        .map_err(|e: http::uri::InvalidUri| e.to_string())?;
    Ok(parts)
}

/// Heads already parsed, by method and header lines (the URL is set afterwards): a load
/// sends the same head thousands of times, and parsing it costs more than sending it.
static SPELLED: LazyLock<Mutex<HashMap<String, http::request::Parts>>> =
    LazyLock::new(Mutex::default);

/// At most this many heads are kept; a run with more (every create has its own
/// `Content-Length`) starts over.
const SPELLED_KEPT: usize = 256;

fn cached(key: &str) -> Option<http::request::Parts> {
    let spelled = SPELLED.lock().unwrap_or_else(PoisonError::into_inner);
    spelled.get(key).cloned()
}

fn remember(key: String, parts: &http::request::Parts) {
    let mut spelled = SPELLED.lock().unwrap_or_else(PoisonError::into_inner);
    if spelled.len() >= SPELLED_KEPT {
        spelled.clear();
    }
    spelled.insert(key, parts.clone());
}

/// `text`, a whole request head, as hyper's server-side parser reads it.
async fn parse(text: &str) -> Result<http::request::Parts, String> {
    let (mut writer, reader) = tokio::io::duplex(text.len() + 64);
    writer
        .write_all(text.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let (sender, mut parsed) = tokio::sync::mpsc::unbounded_channel();
    let service = hyper::service::service_fn(move |request: http::Request<_>| {
        let _ = sender.send(request.into_parts().0);
        async { Ok::<_, Infallible>(http::Response::new(Empty::<Bytes>::new())) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(reader), service);
    // The connection may end as soon as the head is parsed (the body is never sent), so
    // the parsed head is looked for after that too.
    let parsed_head = tokio::select! {
        biased;
        parts = parsed.recv() => parts,
        result = connection => match parsed.try_recv() {
            Ok(parts) => Some(parts),
            Err(_) => {
                return Err(match result {
                    Ok(()) => "the request head was not parsed".to_owned(),
                    Err(e) => format!("the request head is not valid HTTP: {e}"),
                })
            }
        },
    };
    parsed_head.ok_or_else(|| "the request head was not parsed".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).expect("valid URL")
    }

    #[test]
    fn a_lookup_has_host_authorization_and_the_profile_headers_only() {
        let head = head(
            &url("http://127.0.0.1:8080/scim/Users?filter=x"),
            Some("Bearer t".into()),
            &[("ADSCIMVersion".into(), "5.0".into())],
            Method::Get,
            None,
        );
        assert_eq!(
            head,
            [
                ("Host".to_owned(), "127.0.0.1:8080".to_owned()),
                ("Authorization".to_owned(), "Bearer t".to_owned()),
                ("ADSCIMVersion".to_owned(), "5.0".to_owned()),
            ]
        );
    }

    #[test]
    fn the_default_port_is_left_out_of_host_and_a_body_gets_its_length() {
        let head = head(
            &url("https://h.example/scim/Users"),
            None,
            &[("Content-Type".into(), "application/scim+json".into())],
            Method::Post,
            Some("{}"),
        );
        assert_eq!(
            head,
            [
                ("Host".to_owned(), "h.example".to_owned()),
                (
                    "Content-Type".to_owned(),
                    "application/scim+json".to_owned()
                ),
                ("Content-Length".to_owned(), "2".to_owned()),
            ]
        );
    }

    #[test]
    fn a_bodiless_patch_says_zero_and_a_bodiless_delete_says_nothing() {
        let u = url("http://h/scim/Users/1");
        let patch = head(&u, None, &[], Method::Patch, None);
        assert_eq!(patch.last(), Some(&("Content-Length".into(), "0".into())));
        assert_eq!(head(&u, None, &[], Method::Delete, None).len(), 1);
    }

    #[tokio::test]
    async fn spelled_keeps_the_order_and_the_parsed_values() {
        let u = url("http://h:81/scim/Users?filter=a+eq+%22b%22");
        let list = head(
            &u,
            Some("Bearer t".into()),
            &[("ADSCIMVersion".into(), "5.0".into())],
            Method::Get,
            None,
        );
        let parts = spelled(Method::Get, &u, &list).await.expect("parses");
        let names: Vec<&str> = parts.headers.keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["host", "authorization", "adscimversion"]);
        assert_eq!(parts.uri.to_string(), u.as_str());
    }

    #[tokio::test]
    async fn spelled_refuses_a_header_value_with_a_line_break() {
        let u = url("http://h/scim/Users");
        let list = [("X-Bad".to_owned(), "a\r\nInjected: yes".to_owned())];
        assert_eq!(
            spelled(Method::Get, &u, &list).await.err(),
            Some("the value of header `X-Bad` has a control character".to_owned())
        );
    }
}
