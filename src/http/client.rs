//! The client that sends every request: built once with the run's timeout, TLS settings, body
//! cap and redirect policy, and the only code that reads the token.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::exchange::{Received, Sent};
use super::{Exchange, TenantUrl, TransportError, TransportErrorKind};
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
    #[error("`{path}` is not a PEM certificate: {source}")]
    BadCa {
        path: PathBuf,
        source: reqwest::Error,
    },
    #[error("failed to set up the HTTP client: {0}")]
    Build(reqwest::Error),
}

/// A request ready for the wire, relative to the Tenant URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Path and query, e.g. `/Users?filter=userName+eq+%22a%22`.
    pub target: String,
    /// Headers besides `Authorization` (which the client adds).
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Option<String>,
    /// Whether to send the bearer token.
    pub send_token: bool,
}

/// Sends requests to one Tenant URL.
#[derive(Clone, Debug)]
pub struct Client {
    inner: reqwest::Client,
    tenant: TenantUrl,
    token: Secret,
    options: ClientOptions,
}

impl Client {
    /// Builds the client.
    pub fn new(
        tenant: TenantUrl,
        token: Secret,
        options: ClientOptions,
    ) -> Result<Client, ClientError> {
        let origin = url::Url::parse(&tenant.join("")).ok();
        // Redirects are followed only within the Tenant URL's origin, so the token is never
        // sent to another host; a redirect elsewhere comes back as the 3xx it is.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            let same_origin = origin.as_ref().is_some_and(|o| {
                o.scheme() == attempt.url().scheme()
                    && o.host_str() == attempt.url().host_str()
                    && o.port_or_known_default() == attempt.url().port_or_known_default()
            });
            if !same_origin || attempt.previous().len() >= 5 {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(policy)
            .danger_accept_invalid_certs(options.insecure);
        if let Some(path) = &options.ca_cert {
            let pem = std::fs::read(path).map_err(|source| ClientError::ReadCa {
                path: path.clone(),
                source,
            })?;
            let cert =
                reqwest::Certificate::from_pem(&pem).map_err(|source| ClientError::BadCa {
                    path: path.clone(),
                    source,
                })?;
            builder = builder.add_root_certificate(cert);
        }
        let inner = builder.build().map_err(ClientError::Build)?;
        Ok(Client {
            inner,
            tenant,
            token,
            options,
        })
    }

    /// The Tenant URL requests go to.
    pub fn tenant(&self) -> &TenantUrl {
        &self.tenant
    }

    /// Sends a request and records the exchange. Never fails: a transport problem is recorded
    /// in the exchange.
    pub async fn send(&self, request: &Request) -> Exchange {
        let url = self.tenant.join(&request.target);
        let headers = &request.headers;
        let mut recorded = headers.clone();
        if request.send_token {
            recorded.insert(0, ("Authorization".to_owned(), format!("Bearer {MASK}")));
        }
        let sent = Sent {
            method: request.method.as_str(),
            url: url.clone(),
            headers: recorded,
            body: request.body.clone(),
        };
        let started = Instant::now();
        let received = self.exchange(&url, request, headers).await;
        Exchange {
            sent,
            received,
            elapsed: started.elapsed(),
        }
    }

    async fn exchange(
        &self,
        url: &str,
        request: &Request,
        headers: &[(String, String)],
    ) -> Result<Received, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.inner.request(method, url);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        if request.send_token {
            builder = builder.header("Authorization", format!("Bearer {}", self.token.expose()));
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let authority = self.tenant.authority();
        let fail =
            |e: &reqwest::Error| TransportError::from_reqwest(&authority, e, self.options.timeout);
        // The whole exchange, body included, is bounded: a server that trickles bytes forever
        // must not hang the run past the timeout.
        let deadline = self.options.timeout + Duration::from_millis(500);
        let result = tokio::time::timeout(deadline, async {
            let mut response = builder.send().await.map_err(|e| fail(&e))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| fail(&e))? {
                if body.len() + chunk.len() > self.options.body_limit {
                    return Err(TransportError {
                        authority: authority.clone(),
                        kind: TransportErrorKind::BodyTooLarge {
                            limit: self.options.body_limit,
                        },
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Received {
                status,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        })
        .await;
        result.unwrap_or_else(|_| {
            Err(TransportError {
                authority: authority.clone(),
                kind: TransportErrorKind::Timeout {
                    after: self.options.timeout,
                },
            })
        })
    }
}
