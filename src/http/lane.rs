//! `load`'s own connections: one hyper HTTP/1 connection per worker, kept as long as the
//! server keeps it, as oha keeps them. hyper-util's pool costs `load` a lock to check a
//! connection out and a task spawned per request to hand it back; a worker sends one request
//! at a time and needs neither.
//!
//! The head is the one [`Client::send`] writes, byte for byte: the same
//! `Client::outgoing` builds it, the same `wire::spelled` spells it, and the request target
//! is the URL's path and query, the origin form the pool writes. A head that repeats with
//! only part of its target changing (a user's lookup) is prepared once ([`Prepared`]); each
//! request then writes only that part into its target.
//!
//! Two cases keep going through the pool ([`Client::answer`]), so they work as before:
//! - a token from OAuth, which is renewed while the load runs (the head holds the token);
//! - an `http` Tenant URL forwarded by a proxy: its request line is in absolute form and its
//!   head may carry `Proxy-Authorization`, which the pool's connection info decides.
//!
//! A `CONNECT` tunnel (an `https` Tenant URL behind a proxy) and TLS (`--ca-cert`,
//! `--insecure`) come with the pool's own connector, so they hold on this path too.

use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use tokio::time::Sleep;

use super::client::Client;
use super::transport::{Answer, Outgoing, Transport};
use super::{wire, Request, TransportError, TransportErrorKind};
use crate::redact::Secret;

/// How long a request took and how it ended.
pub(crate) type Answered = (Result<Answer, TransportError>, Duration);

/// One worker's way to the server: its own connection, or the pool (see the module doc).
pub(crate) struct Lane<'c> {
    client: &'c Client,
    own: Option<Own>,
}

/// A connection of the lane's own, opened when the first request goes and again whenever the
/// server closed it.
struct Own {
    /// `scheme://host[:port]/`, what the connector connects to.
    origin: http::Uri,
    /// `scheme://host[:port]`, to rebuild a URL for a redirect.
    origin_text: String,
    /// `host:port`, for messages about the connection.
    authority: String,
    token: Secret,
    conn: Option<SendRequest<Full<Bytes>>>,
    /// One timer for the lane, set again for each request (`--timeout`): a timer made and
    /// dropped per request costs a load thousands a second. Made with the first request,
    /// inside the runtime.
    timer: Option<Pin<Box<Sleep>>>,
}

/// A request whose head is spelled once, and whose target changes only where its sample's
/// `slot` was (see [`Lane::prepare`]).
pub(crate) struct Prepared {
    sample: Request,
    slot: String,
    /// The head as spelled, without its target.
    parts: http::request::Parts,
    /// The wire head, to follow a redirect through the pool.
    head: Vec<(String, String)>,
    /// The origin-form target around the slot.
    before: Bytes,
    after: Bytes,
}

impl Client {
    /// A lane for one `load` worker: its own connection, unless this client must send through
    /// the pool (see `lane`'s module doc).
    pub(crate) fn lane(&self) -> Lane<'_> {
        Lane {
            client: self,
            own: self.own_connection(),
        }
    }

    fn own_connection(&self) -> Option<Own> {
        let token = self.static_token()?;
        let base = url::Url::parse(self.tenant().base()).ok()?;
        let origin_text = format!("{}://{}", base.scheme(), wire::host(&base));
        let origin: http::Uri = format!("{origin_text}/").parse().ok()?;
        // Decided once for the origin: every request of a load goes to the Tenant URL's.
        if self.transport().forwarded(&origin) {
            return None;
        }
        Some(Own {
            origin,
            origin_text,
            authority: super::transport::authority(&base),
            token: token.clone(),
            conn: None,
            timer: None,
        })
    }
}

impl Client {
    /// A lane that always sends through the pool, as [`Client::answer`] does.
    pub(crate) fn pooled(&self) -> Lane<'_> {
        Lane {
            client: self,
            own: None,
        }
    }
}

impl Prepared {
    /// Whether `request` is this request with `fill` in its slot: the same head, and the
    /// same target on the wire.
    pub(crate) fn sends_as(&self, client: &Client, fill: &str, request: &Request) -> bool {
        let sample = &self.sample;
        let same_head = request.method == sample.method
            && request.headers == sample.headers
            && request.send_token == sample.send_token
            && request.body.is_none();
        let Ok(url) = url::Url::parse(&client.tenant().join(&request.target)) else {
            return false;
        };
        let target = [&self.before[..], fill.as_bytes(), &self.after[..]].concat();
        same_head && origin_form(&url).is_ok_and(|t| t.as_bytes() == target)
    }
}

impl Lane<'_> {
    /// Sends `request` as [`Client::answer`] does, byte for byte, on this lane.
    pub(crate) async fn answer(&mut self, request: &Request) -> Answered {
        let Some(own) = &mut self.own else {
            return self.client.answer(request).await;
        };
        let started = Instant::now();
        let transport = self.client.transport();
        let url = match url::Url::parse(&self.client.tenant().join(&request.target)) {
            Ok(url) => url,
            Err(e) => {
                let detail = format!("the request URL is not valid: {e}");
                return (Err(own.protocol(detail)), started.elapsed());
            }
        };
        let (outgoing, _) = self.client.outgoing(request, url, &own.token);
        let parts = match head_parts(&outgoing).await {
            Ok(parts) => parts,
            Err(detail) => return (Err(own.protocol(detail)), started.elapsed()),
        };
        let body = request
            .body
            .as_deref()
            .map_or_else(Bytes::new, |b| Bytes::copy_from_slice(b.as_bytes()));
        let sent = http::Request::from_parts(parts, Full::new(body));
        let answer = own.exchange(transport, sent, |_| Some(outgoing)).await;
        (answer, started.elapsed())
    }

    /// Spells `sample`'s head once, for requests that differ from it only where `slot` is in
    /// its target (exactly once; the slot is what [`Lane::answer_prepared`] fills in). `None`
    /// when the sample has a body or the slot is not found once in its target on the wire.
    pub(crate) async fn prepare(&self, sample: &Request, slot: &str) -> Option<Prepared> {
        if sample.body.is_some() || slot.is_empty() {
            return None;
        }
        let url = url::Url::parse(&self.client.tenant().join(&sample.target)).ok()?;
        let target = origin_form(&url).ok()?;
        let at = target.find(slot)?;
        if target[at + slot.len()..].contains(slot) {
            return None;
        }
        let token = self.client.static_token().cloned();
        let token = token.unwrap_or_else(|| Secret::new(""));
        let (outgoing, _) = self.client.outgoing(sample, url, &token);
        let parts = head_parts(&outgoing).await.ok()?;
        Some(Prepared {
            sample: sample.clone(),
            slot: slot.to_owned(),
            parts,
            head: outgoing.head,
            before: Bytes::copy_from_slice(&target.as_bytes()[..at]),
            after: Bytes::copy_from_slice(&target.as_bytes()[at + slot.len()..]),
        })
    }

    /// Sends `prepared` with `fill` where its slot was: the request [`Lane::answer`] would
    /// send for the sample with its slot replaced by `fill`, byte for byte.
    pub(crate) async fn answer_prepared(&mut self, prepared: &Prepared, fill: &str) -> Answered {
        let Some(own) = &mut self.own else {
            let mut request = prepared.sample.clone();
            request.target = request.target.replacen(&prepared.slot, fill, 1);
            return self.client.answer(&request).await;
        };
        let started = Instant::now();
        let mut target =
            BytesMut::with_capacity(prepared.before.len() + fill.len() + prepared.after.len());
        target.extend_from_slice(&prepared.before);
        target.extend_from_slice(fill.as_bytes());
        target.extend_from_slice(&prepared.after);
        let target = target.freeze();
        let path = match http::uri::PathAndQuery::from_maybe_shared(target.clone()) {
            Ok(path) => path,
            Err(e) => {
                let detail = format!("the request URL is not valid: {e}");
                return (Err(own.protocol(detail)), started.elapsed());
            }
        };
        let mut parts = prepared.parts.clone();
        parts.uri = http::Uri::from(path);
        let sent = http::Request::from_parts(parts, Full::new(Bytes::new()));
        let outgoing = |origin: &str| {
            let text = std::str::from_utf8(&target).ok()?;
            Some(Outgoing {
                method: prepared.sample.method,
                url: url::Url::parse(&format!("{origin}{text}")).ok()?,
                head: prepared.head.clone(),
                body: None,
            })
        };
        let answer = own.exchange(self.client.transport(), sent, outgoing).await;
        (answer, started.elapsed())
    }
}

impl Own {
    fn protocol(&self, detail: String) -> TransportError {
        TransportError {
            authority: self.authority.clone(),
            kind: TransportErrorKind::Protocol { detail },
        }
    }

    /// Sends `request` on the lane's connection and reads the answer, all within the
    /// timeout; a redirect is followed through the pool ([`Transport::redirects`]), with
    /// `outgoing` the request as the pool sends it (given `scheme://host[:port]`).
    async fn exchange<'a>(
        &mut self,
        transport: &Transport,
        request: http::Request<Full<Bytes>>,
        outgoing: impl FnOnce(&str) -> Option<Outgoing<'a>>,
    ) -> Result<Answer, TransportError> {
        let timeout = transport.timeout();
        let deadline = tokio::time::Instant::now() + timeout;
        let Own {
            origin,
            origin_text,
            authority,
            conn,
            timer,
            ..
        } = self;
        let timer = match timer {
            Some(timer) => {
                timer.as_mut().reset(deadline);
                timer
            }
            None => timer.insert(Box::pin(tokio::time::sleep_until(deadline))),
        };
        let work = async {
            let response = send(conn, transport, origin, authority, request).await?;
            transport.read(response, authority).await
        };
        let answered = tokio::select! {
            biased;
            answered = work => Some(answered),
            () = timer.as_mut() => None,
        };
        let timed_out = || TransportError {
            authority: authority.clone(),
            kind: TransportErrorKind::Timeout { after: timeout },
        };
        let answer = match answered {
            Some(Ok(answer)) => answer,
            Some(Err(error)) => {
                *conn = None;
                return Err(error);
            }
            None => {
                // hyper closes a connection whose request was dropped unanswered.
                *conn = None;
                return Err(timed_out());
            }
        };
        let redirect = matches!(answer.status, 301 | 302 | 303 | 307 | 308)
            && answer.header("location").is_some();
        if !redirect {
            return Ok(answer);
        }
        // Built only now: most answers are no redirect.
        let Some(outgoing) = outgoing(origin_text) else {
            return Ok(answer);
        };
        let following = transport.redirects(outgoing, answer, authority);
        tokio::time::timeout_at(deadline, following)
            .await
            .unwrap_or_else(|_| Err(timed_out()))
    }
}

/// Sends `request` on `conn`, connecting first when there is no connection or the server
/// closed it. A request hyper gives back unsent (the server closed the connection as it was
/// reused) is sent once more on a new one, as the pool does (hyper-util's
/// `retry_canceled_requests`); any other failure is the request's.
async fn send(
    conn: &mut Option<SendRequest<Full<Bytes>>>,
    transport: &Transport,
    origin: &http::Uri,
    authority: &str,
    mut request: http::Request<Full<Bytes>>,
) -> Result<http::Response<hyper::body::Incoming>, TransportError> {
    loop {
        let ready = match conn.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        let mut sender = match conn.take() {
            Some(sender) if ready => sender,
            _ => connect(transport, origin, authority).await?,
        };
        match sender.try_send_request(request).await {
            Ok(response) => {
                *conn = Some(sender);
                return Ok(response);
            }
            Err(mut error) => match error.take_message() {
                Some(unsent) if ready => request = unsent,
                _ => return Err(transport.classify(authority, error.error())),
            },
        }
    }
}

/// A new HTTP/1 connection to `origin` through the pool's connector (so TLS and tunnels are
/// as the pool's), its driving task spawned once for as long as it lasts.
async fn connect(
    transport: &Transport,
    origin: &http::Uri,
    authority: &str,
) -> Result<SendRequest<Full<Bytes>>, TransportError> {
    let stream = super::proxy::oneshot(transport.connector().clone(), origin.clone())
        .await
        .map_err(|e| transport.classify(authority, &*e))?;
    let (sender, connection) = hyper::client::conn::http1::Builder::new()
        .handshake(stream)
        .await
        .map_err(|e| transport.classify(authority, &e))?;
    tokio::spawn(async move {
        // Its end (closed, or failed) is seen by the next request on it.
        let _ = connection.await;
    });
    Ok(sender)
}

/// The spelled head of `outgoing`, with its target in origin form.
async fn head_parts(outgoing: &Outgoing<'_>) -> Result<http::request::Parts, String> {
    let mut parts = wire::spelled(outgoing.method, &outgoing.url, &outgoing.head).await?;
    parts.uri = origin_form(&outgoing.url)?
        .parse()
        .map_err(|e: http::uri::InvalidUri| e.to_string())?;
    Ok(parts)
}

/// The path and query of `url` as the pool writes them: the origin form of the URI parsed
/// from the URL's text.
fn origin_form(url: &url::Url) -> Result<String, String> {
    let uri: http::Uri = url
        .as_str()
        .parse()
        .map_err(|e: http::uri::InvalidUri| e.to_string())?;
    Ok(uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::{AttrPath, ResourceKind};
    use crate::http::{ClientOptions, TenantUrl};
    use crate::profile::{Profile, Renderer};

    fn client(url: &str) -> Client {
        let tenant = TenantUrl::parse(url).expect("a Tenant URL");
        Client::new(tenant, Secret::new("t0ken"), ClientOptions::default()).expect("a client")
    }

    fn lookup(name: &str) -> Request {
        let path = AttrPath::parse("userName").expect("a path");
        Renderer::new(Profile::EntraDefault).lookup(ResourceKind::User, &path, name)
    }

    #[tokio::test]
    async fn a_prepared_lookup_sends_the_rendered_target_for_its_fill_and_no_other() {
        // The Tenant URL's key goes after the filter, as `TenantUrl::join` puts it.
        let client = client("http://127.0.0.1:1/scim/v2?code=k3y");
        let lane = client.lane();
        let prepared = lane
            .prepare(&lookup("user-424242@example.com"), "424242")
            .await
            .expect("prepared");
        assert!(prepared.sends_as(&client, "7", &lookup("user-7@example.com")));
        assert!(!prepared.sends_as(&client, "8", &lookup("user-7@example.com")));
        let mut other_head = lookup("user-7@example.com");
        other_head.headers.push(("X-Extra".into(), "1".into()));
        assert!(!prepared.sends_as(&client, "7", &other_head));
        assert_eq!(
            [&prepared.before[..], b"7", &prepared.after[..]].concat(),
            b"/scim/v2/Users?filter=userName+eq+%22user-7%40example.com%22&code=k3y"
        );
    }

    #[tokio::test]
    async fn a_slot_found_twice_or_not_at_all_or_a_body_is_not_prepared() {
        let client = client("http://127.0.0.1:1/scim/v2");
        let lane = client.lane();
        assert!(lane.prepare(&lookup("u-55-55"), "55").await.is_none());
        assert!(lane.prepare(&lookup("u-1"), "99").await.is_none());
        let mut with_body = lookup("u-1");
        with_body.body = Some("{}".into());
        assert!(lane.prepare(&with_body, "1").await.is_none());
    }

    #[test]
    fn an_oauth_token_or_a_forwarding_proxy_keeps_the_lane_on_the_pool() {
        let direct = client("http://127.0.0.1:1/scim/v2");
        assert!(direct.lane().own.is_some());
        let options = ClientOptions {
            proxy: crate::http::ProxyChoice::Url("http://127.0.0.1:3128".into()),
            ..ClientOptions::default()
        };
        let tenant = TenantUrl::parse("http://127.0.0.1:1/scim/v2").expect("a Tenant URL");
        let forwarded =
            Client::new(tenant.clone(), Secret::new("t"), options.clone()).expect("a client");
        assert!(forwarded.lane().own.is_none());
        // An https Tenant URL goes through a CONNECT tunnel: its own connection still.
        let tenant = TenantUrl::parse("https://scim.example/scim/v2").expect("a Tenant URL");
        let tunneled = Client::new(tenant, Secret::new("t"), options).expect("a client");
        assert!(tunneled.lane().own.is_some());
        assert!(direct.pooled().own.is_none());
        let oauth = crate::http::OAuthConfig {
            token_endpoint: url::Url::parse("http://127.0.0.1:1/token").expect("a URL"),
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
            scope: None,
            client_auth: crate::http::ClientAuth::Basic,
        };
        let tenant = TenantUrl::parse("http://127.0.0.1:1/scim/v2").expect("a Tenant URL");
        let redactor = crate::redact::Redactor::new(Vec::new());
        let renewed = Client::with_oauth(tenant, oauth, ClientOptions::default(), &redactor)
            .expect("a client");
        assert!(renewed.lane().own.is_none());
    }
}
