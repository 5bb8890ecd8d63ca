//! The client that sends every SCIM request: built once with the run's timeout, TLS settings,
//! body cap and redirect policy, and the only code that reads the token.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::exchange::Sent;
use super::oauth::{Issued, OAuthConfig, OAuthError, TokenSource};
use super::proxy::ProxyChoice;
use super::transport::{Answer, Outgoing, Transport};
use super::{wire, Exchange, TenantUrl, TransportError, TransportErrorKind};
use crate::plan::Method;
use crate::redact::{Redactor, Secret, MASK};

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
    /// The HTTP proxy, if any.
    pub proxy: ProxyChoice,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            body_limit: 4 * 1024 * 1024,
            insecure: false,
            ca_cert: None,
            proxy: ProxyChoice::default(),
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
    credential: Credential,
    /// Masks every exchange as it is recorded; the one the outputs use too.
    redactor: Redactor,
}

/// Where the bearer token comes from.
#[derive(Clone, Debug)]
enum Credential {
    /// Entra's "Secret Token": one long-lived token.
    Static(Secret),
    /// OAuth 2.0 client credentials: access tokens from a token endpoint, renewed as they
    /// expire.
    OAuth(Arc<TokenSource>),
}

impl Client {
    /// Builds a client that sends one long-lived bearer token. The token and the Tenant URL's
    /// keys are masked in every exchange it records ([`Client::redactor`]).
    pub fn new(
        tenant: TenantUrl,
        token: Secret,
        options: ClientOptions,
    ) -> Result<Client, ClientError> {
        let redactor = Redactor::new(tenant.secrets().into_iter().chain(options.proxy.secrets()));
        redactor.register(token.clone());
        Ok(Client {
            transport: Transport::new(&options)?,
            tenant,
            credential: Credential::Static(token),
            redactor,
        })
    }

    /// Builds a client that gets its bearer tokens by OAuth 2.0 client credentials. The
    /// client secret and every access token are registered with `redactor`.
    pub fn with_oauth(
        tenant: TenantUrl,
        oauth: OAuthConfig,
        options: ClientOptions,
        redactor: &Redactor,
    ) -> Result<Client, ClientError> {
        let transport = Transport::new(&options)?;
        for secret in tenant.secrets().into_iter().chain(options.proxy.secrets()) {
            redactor.register(secret);
        }
        let source = TokenSource::new(oauth, transport.clone(), redactor.clone());
        Ok(Client {
            transport,
            tenant,
            credential: Credential::OAuth(Arc::new(source)),
            redactor: redactor.clone(),
        })
    }

    /// The redactor that knows every secret of this client: the token (or client secret and
    /// access tokens) and the Tenant URL's keys. Every output writes through it.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// With OAuth, fetches a new access token now: what was issued and the token request.
    /// `None` for a static token.
    pub async fn fetch_token(&self) -> Option<Result<(Issued, Exchange), OAuthError>> {
        match &self.credential {
            Credential::Static(_) => None,
            Credential::OAuth(source) => Some(source.fetch().await),
        }
    }

    /// Whether the bearer token comes from a token endpoint.
    pub fn uses_oauth(&self) -> bool {
        matches!(self.credential, Credential::OAuth(_))
    }

    /// The bearer token for the next request (empty when it is sent without one).
    async fn token_for(&self, send_token: bool) -> Result<Secret, TransportError> {
        match &self.credential {
            _ if !send_token => Ok(Secret::new("")),
            Credential::Static(token) => Ok(token.clone()),
            Credential::OAuth(source) => source.token().await.map_err(|e| TransportError {
                authority: source.authority(),
                kind: TransportErrorKind::TokenEndpoint {
                    detail: e.verdict(),
                },
            }),
        }
    }

    /// The per-request timeout (`--timeout`).
    pub fn timeout(&self) -> std::time::Duration {
        self.transport.timeout()
    }

    /// The Tenant URL requests go to.
    pub fn tenant(&self) -> &TenantUrl {
        &self.tenant
    }

    pub(super) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The one long-lived token, when the client sends one (not OAuth).
    pub(super) fn static_token(&self) -> Option<&Secret> {
        match &self.credential {
            Credential::Static(token) => Some(token),
            Credential::OAuth(_) => None,
        }
    }

    /// The request for the wire: its head with the token, and where a `Proxy-Authorization`
    /// went into it, if one did.
    pub(super) fn outgoing<'a>(
        &self,
        request: &'a Request,
        url: url::Url,
        token: &Secret,
    ) -> (Outgoing<'a>, Option<usize>) {
        let body = request.body.as_deref();
        let authorization = request
            .send_token
            .then(|| format!("Bearer {}", token.expose()));
        let mut head = wire::head(&url, authorization, &request.headers, request.method, body);
        let mut proxy_at = None;
        if let Some(value) = self.transport.proxy_authorization(&url) {
            // After `Host` and `Authorization`, where curl puts it.
            let at = head.len().min(1 + usize::from(request.send_token));
            head.insert(at, ("Proxy-Authorization".to_owned(), value));
            proxy_at = Some(at);
        }
        let outgoing = Outgoing {
            method: request.method,
            url,
            head,
            body,
        };
        (outgoing, proxy_at)
    }

    /// Sends a request as [`Client::send`] does, byte for byte, and keeps no record of it:
    /// the answer as it came, unmasked, and the time it took. For `load`, which reads a
    /// status, one header and one field of each answer; whatever of it the caller keeps, it
    /// masks itself (with [`Client::redactor`]) before it can reach an output.
    pub(crate) async fn answer(
        &self,
        request: &Request,
    ) -> (Result<Answer, TransportError>, Duration) {
        let joined = self.tenant.join(&request.target);
        let started = Instant::now();
        let url = match url::Url::parse(&joined) {
            Ok(url) => url,
            Err(e) => {
                let error = TransportError {
                    authority: self.tenant.authority(),
                    kind: TransportErrorKind::Protocol {
                        detail: format!("the request URL is not valid: {e}"),
                    },
                };
                return (Err(error), started.elapsed());
            }
        };
        let token = match self.token_for(request.send_token).await {
            Ok(token) => token,
            Err(error) => return (Err(error), started.elapsed()),
        };
        let (outgoing, _) = self.outgoing(request, url, &token);
        let answer = self.transport.answer(outgoing).await;
        (answer, started.elapsed())
    }

    /// Sends a request and records the exchange: the head exactly as it went on the wire
    /// (names, values, order; `Host` and `Content-Length` included), with the token masked,
    /// and every secret masked wherever the server echoed it.
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
                }
                .recorded(&self.redactor);
            }
        };
        let authorization = |token: &str| request.send_token.then(|| format!("Bearer {token}"));
        let body = request.body.as_deref();
        let mut sent = Sent {
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
        // A request sent without the token (the 401 probe) needs no access token either.
        let token = match self.token_for(request.send_token).await {
            Ok(token) => token,
            Err(error) => {
                return Exchange {
                    sent,
                    received: Err(error),
                    elapsed: started.elapsed(),
                }
                .recorded(&self.redactor)
            }
        };
        let (outgoing, proxy_at) = self.outgoing(request, url, &token);
        if let Some(at) = proxy_at {
            // Recorded masked, where it was sent.
            sent.headers.insert(
                at,
                ("Proxy-Authorization".to_owned(), format!("Basic {MASK}")),
            );
        }
        let received = self.transport.send(outgoing).await;
        Exchange {
            sent,
            received,
            elapsed: started.elapsed(),
        }
        // Masked whole, here: any cap on how much of a body is kept must come after this,
        // or a token cut by the cap would leave its first part unmasked.
        .recorded(&self.redactor)
    }
}
