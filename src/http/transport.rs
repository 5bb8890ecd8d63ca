//! One HTTP/1.1 exchange through hyper-util's client over rustls: the wire head as
//! [`super::wire`] builds it, the timeout, the body cap and the same-origin redirect policy.
//! Both the SCIM client and the OAuth token request go through here.

use std::time::Duration;

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioExecutor;

use super::client::{ClientError, ClientOptions};
use super::exchange::Received;
use super::{wire, TlsProblem, TransportError, TransportErrorKind};
use crate::plan::Method;

use super::proxy::Connector;

/// At most this many redirects are followed, as reqwest and curl's default do.
const MAX_REDIRECTS: usize = 5;

/// Sends requests; cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub(crate) struct Transport {
    pool: Pool<Connector, Full<Bytes>>,
    /// The pool's connector, for `load`'s own connections (`super::lane`).
    connector: Connector,
    matcher: Arc<Matcher>,
    timeout: Duration,
    body_limit: usize,
    /// Held by the one request reading a body past [`SMALL_BODY`] (see [`Transport::read`]).
    large_body: Arc<tokio::sync::Mutex<()>>,
    asked_for_client_cert: super::tls::AskedForClientCert,
}

/// A body up to this size is read alongside any other. Past it, a request waits until no
/// other is reading a body that large: `load`'s 25 workers each reading a 4 MiB answer at
/// once held 100 MB (issue 11: 64 MB for any server). A SCIM answer Entra's traffic gets is
/// a few KiB, so only a server's error pages and ignored filters ever wait.
pub(crate) const SMALL_BODY: usize = 256 * 1024;

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("proxy", &self.matcher)
            .field("timeout", &self.timeout)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

/// One request on its way: method, absolute URL, the wire head, the body.
pub(crate) struct Outgoing<'a> {
    pub(crate) method: Method,
    pub(crate) url: url::Url,
    pub(crate) head: Vec<(String, String)>,
    pub(crate) body: Option<&'a str>,
}

impl Transport {
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    /// Whether requests to `origin` are forwarded by an HTTP proxy (absolute-form request
    /// line, `Proxy-Authorization` in the head) rather than sent on a connection to the origin
    /// itself, directly or through a `CONNECT` tunnel.
    pub(crate) fn forwarded(&self, origin: &http::Uri) -> bool {
        origin.scheme_str() == Some("http") && self.matcher.intercept(origin).is_some()
    }

    pub(crate) fn new(options: &ClientOptions) -> Result<Transport, ClientError> {
        let asked_for_client_cert = super::tls::AskedForClientCert::default();
        let tls = super::tls::config(options, &asked_for_client_cert)?;
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.timeout));
        http.set_nodelay(true);
        let matcher = Arc::new(options.proxy.matcher());
        let connector = Connector::new(http, tls, matcher.clone());
        let pool = Pool::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector.clone());
        Ok(Transport {
            pool,
            connector,
            matcher,
            timeout: options.timeout,
            body_limit: options.body_limit,
            large_body: Arc::default(),
            asked_for_client_cert,
        })
    }

    /// The `Proxy-Authorization` value for `url`, when it goes to a forwarding proxy whose
    /// URL carries credentials (a tunnel sends them in its `CONNECT` instead).
    pub(crate) fn proxy_authorization(&self, url: &url::Url) -> Option<String> {
        if url.scheme() != "http" {
            return None;
        }
        let uri: http::Uri = url.as_str().parse().ok()?;
        let intercept = self.matcher.intercept(&uri)?;
        let value = intercept.basic_auth()?.to_str().ok()?;
        Some(value.to_owned())
    }

    /// Sends `outgoing` and reads the answer, following redirects only within the origin of
    /// the first URL (so a credential is never sent to another host; a redirect elsewhere
    /// comes back as the 3xx it is). The whole exchange, body included, is bounded by the
    /// timeout: a server that trickles bytes forever must not hang the run.
    pub(crate) async fn send(&self, outgoing: Outgoing<'_>) -> Result<Received, TransportError> {
        self.answer(outgoing).await.map(Answer::received)
    }

    /// [`Transport::send`], with the answer as it came off the connection: no text made of
    /// its headers and body (what `load` reads thousands of times a second).
    pub(crate) async fn answer(&self, outgoing: Outgoing<'_>) -> Result<Answer, TransportError> {
        let authority = authority(&outgoing.url);
        let bounded = tokio::time::timeout(self.timeout, self.follow(outgoing, &authority));
        match bounded.await {
            Ok(result) => result,
            Err(_) => Err(TransportError {
                authority,
                kind: TransportErrorKind::Timeout {
                    after: self.timeout,
                },
            }),
        }
    }

    async fn follow(
        &self,
        outgoing: Outgoing<'_>,
        authority: &str,
    ) -> Result<Answer, TransportError> {
        let first = self.once(&outgoing, authority).await?;
        self.redirects(outgoing, first, authority).await
    }

    /// Follows `received`, the answer to `outgoing`, when it is a redirect within the first
    /// URL's origin (see [`Transport::send`]); `received` itself otherwise. `load`'s own
    /// connections hand their rare redirects here (`super::lane`).
    pub(crate) async fn redirects(
        &self,
        mut outgoing: Outgoing<'_>,
        mut received: Answer,
        authority: &str,
    ) -> Result<Answer, TransportError> {
        let mut hops = 0;
        // The first URL's origin and the URLs visited, taken at the first redirect: most
        // answers are none, and a load sends thousands a second.
        let mut redirected: Option<(url::Origin, Vec<url::Url>)> = None;
        loop {
            let Some(location) = received
                .header("location")
                .filter(|_| matches!(received.status, 301 | 302 | 303 | 307 | 308))
            else {
                return Ok(received);
            };
            let (origin, visited) = redirected
                .get_or_insert_with(|| (outgoing.url.origin(), vec![outgoing.url.clone()]));
            let next = outgoing
                .url
                .join(location)
                .ok()
                .filter(|next| next.origin() == *origin && hops < MAX_REDIRECTS)
                // A loop comes back as the redirect it is, at once (hint:redirect-loop).
                .filter(|next| !visited.contains(next));
            let Some(next) = next else {
                return Ok(received);
            };
            hops += 1;
            // RFC 9110 §15.4.2-4: after 301, 302 and 303 a client may (and browsers, reqwest
            // and curl do) repeat a non-GET as a GET without content; 307 and 308 keep both.
            if matches!(received.status, 301..=303) && outgoing.method != Method::Get {
                outgoing.method = Method::Get;
                outgoing.body = None;
                outgoing.head.retain(|(n, _)| {
                    !n.eq_ignore_ascii_case("content-length")
                        && !n.eq_ignore_ascii_case("content-type")
                });
            }
            visited.push(next.clone());
            outgoing.url = next;
            received = self.once(&outgoing, authority).await?;
        }
    }

    async fn once(
        &self,
        outgoing: &Outgoing<'_>,
        authority: &str,
    ) -> Result<Answer, TransportError> {
        let protocol = |detail: String| TransportError {
            authority: authority.to_owned(),
            kind: TransportErrorKind::Protocol { detail },
        };
        let parts = wire::spelled(outgoing.method, &outgoing.url, &outgoing.head)
            .await
            .map_err(protocol)?;
        let body = match outgoing.body {
            Some(body) => Bytes::copy_from_slice(body.as_bytes()),
            None => Bytes::new(),
        };
        let request = http::Request::from_parts(parts, Full::new(body));
        let response = self
            .pool
            .request(request)
            .await
            .map_err(|e| self.classify(authority, &e))?;
        self.read(response, authority).await
    }

    /// Reads an answer's body, within the body cap.
    pub(crate) async fn read(
        &self,
        response: http::Response<hyper::body::Incoming>,
        authority: &str,
    ) -> Result<Answer, TransportError> {
        let (head, mut incoming) = response.into_parts();
        // The rest of the head is let go before the body is read (see `Answer`).
        let http::response::Parts {
            status, headers, ..
        } = head;
        let mut body = Vec::new();
        let mut large = None;
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| self.classify(authority, &e))?;
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            let size = body.len() + chunk.len();
            if size > self.body_limit {
                return Err(TransportError {
                    authority: authority.to_owned(),
                    kind: TransportErrorKind::BodyTooLarge {
                        limit: self.body_limit,
                    },
                });
            }
            if size > SMALL_BODY && large.is_none() {
                // The server waits on this connection meanwhile; the timeout still runs.
                large = Some(self.large_body.lock().await);
            }
            body.extend_from_slice(&chunk);
        }
        // What is kept is what came, not the doubled capacity it grew into.
        body.shrink_to_fit();
        Ok(Answer {
            status: status.as_u16(),
            headers,
            body: Bytes::from(body),
        })
    }
}

/// An answer as it came off the connection: the status, hyper's header map and the body's
/// bytes, with no text made of them yet. [`Answer::received`] makes the [`Received`] a
/// record keeps. (The body is copied out of hyper's frames, as before: keeping the frames, or
/// the rest of the response head, while the body was read made `tests/hostile_transport.rs`'s
/// run of 3.9 MiB pages time out.)
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Answer {
    /// A header's value by case-insensitive name, when it is UTF-8.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        std::str::from_utf8(self.headers.get(name)?.as_bytes()).ok()
    }

    /// The body as it came.
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    /// The answer as text, in the order and spelling hyper read it (lossy UTF-8).
    pub(crate) fn received(self) -> Received {
        let headers = self
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        Received {
            full_size: None,
            status: self.status,
            headers,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
    }
}

impl Transport {
    /// [`TransportError::classify`], knowing whether a server asked for a client certificate:
    /// a server that requires one and gets none breaks off the handshake or the connection.
    pub(crate) fn classify(
        &self,
        authority: &str,
        error: &(dyn std::error::Error + 'static),
    ) -> TransportError {
        let mut classified = TransportError::classify(authority, error, self.timeout);
        let broken = matches!(
            classified.kind,
            TransportErrorKind::Tls { .. } | TransportErrorKind::Protocol { .. }
        );
        if broken && self.asked_for_client_cert.asked() {
            classified.kind = TransportErrorKind::Tls {
                problem: TlsProblem::ClientCertificateRequired,
            };
        }
        classified
    }
}

/// `host:port`, for messages about the connection.
pub(crate) fn authority(url: &url::Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}
