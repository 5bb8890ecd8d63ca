//! Connections, direct or through an HTTP proxy: `--proxy URL`, `--no-proxy`, or (the
//! default) `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment, as
//! curl and reqwest read them (hyper-util's `Matcher`). An `https` Tenant URL goes through a
//! `CONNECT` tunnel (TLS end to end), an `http` one is forwarded (absolute-form request line).
//! A proxy that fails is named as the proxy ([`ProxyError`]), not as the Tenant URL.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Which proxy to use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxyChoice {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case), like curl.
    #[default]
    Environment,
    /// `--proxy URL` for every request; `NO_PROXY` still exempts hosts.
    Url(String),
    /// `--no-proxy`: always connect directly.
    Direct,
}

impl ProxyChoice {
    /// The proxy's password and its `user:password` (what `Proxy-Authorization: Basic`
    /// encodes), so a proxy or server that echoes them back has them masked.
    pub(crate) fn secrets(&self) -> Vec<crate::redact::Secret> {
        let urls: Vec<String> = match self {
            ProxyChoice::Url(url) => vec![url.clone()],
            ProxyChoice::Environment => [
                "HTTPS_PROXY",
                "https_proxy",
                "HTTP_PROXY",
                "http_proxy",
                "ALL_PROXY",
                "all_proxy",
            ]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .collect(),
            ProxyChoice::Direct => Vec::new(),
        };
        let mut secrets = Vec::new();
        for url in urls {
            if let Ok(parsed) = url::Url::parse(&url) {
                if let Some(password) = parsed.password() {
                    let decoded = |s: &str| {
                        percent_encoding::percent_decode_str(s)
                            .decode_utf8_lossy()
                            .into_owned()
                    };
                    let password = decoded(password);
                    let user = decoded(parsed.username());
                    secrets.push(crate::redact::Secret::new(format!("{user}:{password}")));
                    secrets.push(crate::redact::Secret::new(password));
                }
            }
            secrets.extend(super::tenant::url_secrets(&url));
        }
        secrets
    }

    pub(crate) fn matcher(&self) -> Matcher {
        match self {
            ProxyChoice::Environment => Matcher::from_env(),
            ProxyChoice::Url(url) => {
                let no = std::env::var("NO_PROXY")
                    .or_else(|_| std::env::var("no_proxy"))
                    .unwrap_or_default();
                Matcher::builder().all(url.clone()).no(no).build()
            }
            ProxyChoice::Direct => Matcher::builder().build(),
        }
    }
}

/// A failure on the way through the proxy: connecting to it, or its answer to `CONNECT`.
#[derive(Debug)]
pub(crate) struct ProxyError {
    /// `host:port` of the proxy.
    pub(crate) proxy: String,
    pub(crate) source: BoxError,
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the proxy {} failed", self.proxy)
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

impl ProxyError {
    /// What the proxy did, as the end of "the proxy host:port …".
    pub(crate) fn detail(&self) -> String {
        let mut text = self.source.to_string();
        let mut cause = self.source.source();
        while let Some(next) = cause {
            text.push_str(": ");
            text.push_str(&next.to_string());
            cause = next.source();
        }
        let lower = text.to_ascii_lowercase();
        // hyper-util's tunnel error type is not exported, so its words are matched.
        if lower.contains("proxy authorization required") {
            "asks for credentials (407 Proxy Authentication Required); put them in the proxy URL (http://user:password@host:port)".into()
        } else if lower.contains("tunnel error: unsuccessful") {
            "refused to open a tunnel (CONNECT) to the Tenant URL's host".into()
        } else if lower.contains("tunnel error: unexpected end of file") {
            "closed the connection before answering CONNECT".into()
        } else if lower.contains("connection refused") {
            "refused the connection".into()
        } else if lower.contains("dns error") || lower.contains("failed to lookup") {
            "could not be resolved (DNS)".into()
        } else if lower.contains("timed out") {
            "did not accept the connection in time".into()
        } else {
            format!("failed: {text}")
        }
    }
}

/// `host:port` of a proxy URI.
pub(crate) fn proxy_authority(intercept: &Intercept) -> String {
    let uri = intercept.uri();
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("https") => 443,
        _ => 80,
    });
    format!("{}:{port}", uri.host().unwrap_or_default())
}

/// Connects to the Tenant URL's host, directly or through the chosen proxy.
#[derive(Clone)]
pub(crate) struct Connector {
    http: HttpConnector,
    tls: Arc<rustls::ClientConfig>,
    matcher: Arc<Matcher>,
}

impl Connector {
    pub(crate) fn new(
        http: HttpConnector,
        tls: rustls::ClientConfig,
        matcher: Arc<Matcher>,
    ) -> Self {
        Connector {
            http,
            tls: Arc::new(tls),
            matcher,
        }
    }

    /// TLS over `inner` for `https` destinations (plain for `http`).
    fn https<T>(&self, inner: T) -> HttpsConnector<T> {
        hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*self.tls).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(inner)
    }
}

/// A connection: TLS or plain to the origin (maybe inside a tunnel), or plain to a
/// forwarding proxy, which the client must then address in absolute form.
#[expect(
    clippy::large_enum_variant,
    reason = "one value per connection, kept as long as it; MaybeHttpsStream is as large itself"
)]
pub(crate) enum Stream {
    Origin(MaybeHttpsStream<TokioIo<TcpStream>>),
    Forwarded(TokioIo<TcpStream>),
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        match self {
            Stream::Origin(stream) => stream.connected(),
            Stream::Forwarded(stream) => stream.inner().connected().proxy(true),
        }
    }
}

impl Read for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Origin(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Forwarded(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl Write for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Origin(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Forwarded(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Origin(s) => Pin::new(s).poll_flush(cx),
            Stream::Forwarded(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Origin(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Forwarded(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

type Connecting<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// Readies `service` and calls it once.
pub(super) async fn oneshot<S>(mut service: S, dst: http::Uri) -> Result<S::Response, BoxError>
where
    S: tower_service::Service<http::Uri>,
    S::Error: Into<BoxError>,
{
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    service.call(dst).await.map_err(Into::into)
}

impl tower_service::Service<http::Uri> for Connector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Connecting<Stream>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let Some(intercept) = this.matcher.intercept(&dst) else {
                let direct = this.https(this.http.clone());
                return Ok(Stream::Origin(oneshot(direct, dst).await?));
            };
            let proxy = proxy_authority(&intercept);
            if dst.scheme_str() == Some("https") {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), this.http.clone());
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let via = this.https(Tunneled { tunnel, proxy });
                Ok(Stream::Origin(oneshot(via, dst).await?))
            } else {
                let stream = oneshot(this.http.clone(), intercept.uri().clone())
                    .await
                    .map_err(|source| ProxyError { proxy, source })?;
                Ok(Stream::Forwarded(stream))
            }
        })
    }
}

/// A `CONNECT` tunnel whose failures name the proxy.
#[derive(Clone)]
struct Tunneled {
    tunnel: Tunnel<HttpConnector>,
    proxy: String,
}

impl tower_service::Service<http::Uri> for Tunneled {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Connecting<TokioIo<TcpStream>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.tunnel.poll_ready(cx).map_err(|e| self.fail(e))
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let connecting = self.tunnel.call(dst);
        let this = self.clone();
        Box::pin(async move { connecting.await.map_err(|e| this.fail(e)) })
    }
}

impl Tunneled {
    fn fail(&self, error: impl Into<BoxError>) -> BoxError {
        Box::new(ProxyError {
            proxy: self.proxy.clone(),
            source: error.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_password_and_its_basic_credentials_are_secrets() {
        let choice = ProxyChoice::Url("http://proxy-user:p%40ss-w0rd@127.0.0.1:3128".into());
        let secrets: Vec<String> = choice
            .secrets()
            .iter()
            .map(|s| s.expose().to_owned())
            .collect();
        assert!(
            secrets.contains(&"proxy-user:p@ss-w0rd".to_owned()),
            "{secrets:?}"
        );
        assert!(secrets.contains(&"p@ss-w0rd".to_owned()), "{secrets:?}");
        assert!(ProxyChoice::Direct.secrets().is_empty());
    }
}
