//! The client that sends every SCIM request: built once with the run's timeout, TLS settings,
//! body cap and redirect policy, and the only code that reads the token.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::exchange::Sent;
use super::transport::{Outgoing, Transport};
use super::{wire, Exchange, TenantUrl, TransportError, TransportErrorKind};
use crate::plan::Method;
use crate::redact::{Secret, MASK};

/// How the client talks to the server.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Per-request timeout, connection included.
    pub timeout: Duration,
    /// Largest response body read; a larger one is a transport error.
    pub body_limit: usize,
    /// Accept any certificate (test setups only).
    pub insecure: bool,
    /// An extra CA certificate (PEM) to trust.
    pub ca_cert: Option<PathBuf>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            body_limit: 4 * 1024 * 1024,
            insecure: false,
            ca_cert: None,
        }
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("failed to read CA certificate `{path}`: {source}")]
    ReadCa {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a PEM certificate: {reason}")]
    BadCa { path: PathBuf, reason: String },
    #[error("failed to set up the HTTP client: {0}")]
    Build(String),
}

/// A request ready for the wire, relative to the Tenant URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Path and query, e.g. `/Users?filter=userName+eq+%22a%22`.
    pub target: String,
    /// Headers besides `Host`, `Authorization` and `Content-Length` (which the client adds),
    /// in the order they are sent.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Option<String>,
    /// Whether to send the bearer token.
    pub send_token: bool,
}

/// Sends requests to one Tenant URL.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
    tenant: TenantUrl,
    token: Secret,
}

impl Client {
    /// Builds the client.
    pub fn new(
        tenant: TenantUrl,
        token: Secret,
        options: ClientOptions,
    ) -> Result<Client, ClientError> {
        Ok(Client {
            transport: Transport::new(&options)?,
            tenant,
            token,
        })
    }

    /// The Tenant URL requests go to.
    pub fn tenant(&self) -> &TenantUrl {
        &self.tenant
    }

    /// Sends a request and records the exchange: the head exactly as it went on the wire
    /// (names, values, order; `Host` and `Content-Length` included), with the token masked.
    /// Never fails: a transport problem is recorded in the exchange.
    pub async fn send(&self, request: &Request) -> Exchange {
        let joined = self.tenant.join(&request.target);
        let started = Instant::now();
        let url = match url::Url::parse(&joined) {
            Ok(url) => url,
            Err(e) => {
                let sent = Sent {
                    method: request.method.as_str(),
                    url: joined,
                    headers: request.headers.clone(),
                    body: request.body.clone(),
                };
                let error = TransportError {
                    authority: self.tenant.authority(),
                    kind: TransportErrorKind::Protocol {
                        detail: format!("the request URL is not valid: {e}"),
                    },
                };
                return Exchange {
                    sent,
                    received: Err(error),
                    elapsed: started.elapsed(),
                };
            }
        };
        let authorization = |token: &str| request.send_token.then(|| format!("Bearer {token}"));
        let body = request.body.as_deref();
        let head = wire::head(
            &url,
            authorization(self.token.expose()),
            &request.headers,
            request.method,
            body,
        );
        let sent = Sent {
            method: request.method.as_str(),
            url: url.to_string(),
            headers: wire::head(
                &url,
                authorization(MASK),
                &request.headers,
                request.method,
                body,
            ),
            body: request.body.clone(),
        };
        let outgoing = Outgoing {
            method: request.method,
            url,
            head,
            body,
        };
        let received = self.transport.send(outgoing).await;
        Exchange {
            sent,
            received,
            elapsed: started.elapsed(),
        }
    }
}
