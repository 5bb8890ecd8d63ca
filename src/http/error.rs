//! Why a request got no usable answer, in words an admin can act on (xh's error reporting).

use std::fmt;
use std::time::Duration;

/// What went wrong on the way to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The host name does not resolve.
    Dns,
    /// Nothing listens on the port.
    Refused,
    /// The TLS handshake failed (certificate, protocol).
    Tls { problem: TlsProblem },
    /// No complete answer within the timeout.
    Timeout { after: Duration },
    /// The response body is larger than the cap.
    BodyTooLarge { limit: usize },
    /// The connection broke or the answer was not HTTP.
    Protocol { detail: String },
    /// OAuth: no access token could be had from the token endpoint; `detail` says why.
    TokenEndpoint { detail: String },
    /// The HTTP proxy (`proxy`, `host:port`) failed; `detail` ends "the proxy … ".
    Proxy { proxy: String, detail: String },
}

/// A request that got no usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportError {
    /// `host:port` the request went to.
    pub authority: String,
    pub kind: TransportErrorKind,
}

impl TransportError {
    /// The same error with each of its texts (host, detail) passed through `f`: how the record
    /// and the reports mask what a server or a proxy said in it.
    pub(crate) fn map_text(&self, f: impl Fn(&str) -> String) -> TransportError {
        let kind = match &self.kind {
            TransportErrorKind::Protocol { detail } => {
                TransportErrorKind::Protocol { detail: f(detail) }
            }
            TransportErrorKind::TokenEndpoint { detail } => {
                TransportErrorKind::TokenEndpoint { detail: f(detail) }
            }
            TransportErrorKind::Proxy { proxy, detail } => TransportErrorKind::Proxy {
                proxy: f(proxy),
                detail: f(detail),
            },
            other => other.clone(),
        };
        TransportError {
            authority: f(&self.authority),
            kind,
        }
    }

    /// One line saying what happened.
    pub fn verdict(&self) -> String {
        let at = &self.authority;
        match &self.kind {
            TransportErrorKind::Dns => format!("the host of {at} could not be resolved (DNS)"),
            TransportErrorKind::Refused => format!("connection refused: nothing listens on {at}"),
            TransportErrorKind::Tls { problem } => {
                format!("TLS handshake with {at} failed: {problem}")
            }
            TransportErrorKind::Timeout { after } => {
                format!("{at} did not answer within {}", humanize(*after))
            }
            TransportErrorKind::BodyTooLarge { limit } => format!(
                "{at} sent a response body larger than {} MiB",
                limit / (1024 * 1024)
            ),
            TransportErrorKind::Protocol { detail } => {
                format!("the connection to {at} failed: {detail}")
            }
            TransportErrorKind::TokenEndpoint { detail } => {
                format!("no access token, so nothing was sent: {detail}")
            }
            TransportErrorKind::Proxy { proxy, detail } => {
                format!("the proxy {proxy} {detail}; {at} was not reached")
            }
        }
    }

    /// One line saying what to do: the same words as the run's hint for this cause
    /// (`hint:dns`, …), so `connect`, a step's error line and "what to fix first" agree.
    pub fn hint(&self) -> &'static str {
        match &self.kind {
            TransportErrorKind::Dns => advice::DNS,
            TransportErrorKind::Refused => advice::REFUSED,
            TransportErrorKind::Tls { problem } => problem.advice(),
            TransportErrorKind::Timeout { .. } => advice::TIMEOUT,
            TransportErrorKind::BodyTooLarge { .. } => advice::BODY_TOO_LARGE,
            TransportErrorKind::Protocol { .. } => advice::PROTOCOL,
            TransportErrorKind::TokenEndpoint { .. } => advice::TOKEN_ENDPOINT,
            TransportErrorKind::Proxy { .. } => advice::PROXY,
        }
    }

    /// Classifies an error of the HTTP stack by walking its source chain (hyper-util's
    /// connect error, the I/O error under it, rustls' certificate error).
    pub(crate) fn classify(
        authority: &str,
        error: &(dyn std::error::Error + 'static),
        timeout: Duration,
    ) -> Self {
        if let Some(proxy) = find_proxy_error(error) {
            return TransportError {
                authority: authority.to_owned(),
                kind: TransportErrorKind::Proxy {
                    proxy: proxy.proxy.clone(),
                    detail: proxy.detail(),
                },
            };
        }
        let chain = chain_text(error);
        let lower = chain.to_ascii_lowercase();
        let kind = if let Some(problem) = tls_problem(error) {
            TransportErrorKind::Tls { problem }
        } else if lower.contains("timed out") || lower.contains("deadline has elapsed") {
            TransportErrorKind::Timeout { after: timeout }
        } else if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
            || lower.contains("no address associated")
        {
            TransportErrorKind::Dns
        } else if lower.contains("connection refused") {
            TransportErrorKind::Refused
        } else {
            TransportErrorKind::Protocol {
                detail: last_cause(error),
            }
        };
        TransportError {
            authority: authority.to_owned(),
            kind,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.verdict())
    }
}

impl std::error::Error for TransportError {}

/// The proxy's failure, anywhere in the chain.
fn find_proxy_error<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e super::proxy::ProxyError> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(proxy) = e.downcast_ref::<super::proxy::ProxyError>() {
            return Some(proxy);
        }
        current = e.source();
    }
    None
}

fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn last_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut last = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        last = cause.to_string();
        source = cause.source();
    }
    last
}

/// Why a TLS handshake failed, as rustls says it in its error values (never its words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsProblem {
    /// The server requires a client certificate; Entra sends none (client-behaviour §1.3).
    ClientCertificateRequired,
    /// The server speaks only a TLS version before 1.2.
    VersionTooOld,
    /// The certificate chains to no trusted root: self-signed, or a private CA.
    UntrustedIssuer,
    /// The certificate does not name the host.
    WrongName,
    /// The certificate has expired, or is not valid yet.
    Expired,
    /// The server answered something that is not TLS (plain HTTP on an https:// URL).
    NotTls,
    /// Any other certificate or handshake problem.
    Other,
}

impl TlsProblem {
    /// What to do about it: the words of its hint.
    fn advice(&self) -> &'static str {
        match self {
            TlsProblem::ClientCertificateRequired => advice::CLIENT_CERT,
            TlsProblem::VersionTooOld => advice::TLS_VERSION,
            _ => advice::TLS,
        }
    }

    /// The problem a rustls error names.
    fn of(error: &rustls::Error) -> TlsProblem {
        use rustls::{AlertDescription as A, CertificateError as C, PeerIncompatible as P};
        match error {
            rustls::Error::AlertReceived(A::CertificateRequired) => {
                TlsProblem::ClientCertificateRequired
            }
            rustls::Error::AlertReceived(A::ProtocolVersion)
            | rustls::Error::PeerIncompatible(
                P::ServerDoesNotSupportTls12Or13 | P::ServerTlsVersionIsDisabledByOurConfig,
            ) => TlsProblem::VersionTooOld,
            rustls::Error::InvalidCertificate(C::UnknownIssuer) => TlsProblem::UntrustedIssuer,
            rustls::Error::InvalidCertificate(
                C::NotValidForName | C::NotValidForNameContext { .. },
            ) => TlsProblem::WrongName,
            rustls::Error::InvalidCertificate(
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. },
            ) => TlsProblem::Expired,
            // webpki calls a self-signed certificate marked CA:TRUE (`openssl req -x509`) a
            // CA used as an end entity; for the admin it is the same self-signed certificate.
            rustls::Error::InvalidCertificate(C::Other(other))
                if matches!(
                    other.0.downcast_ref::<webpki::Error>(),
                    Some(webpki::Error::CaUsedAsEndEntity)
                ) =>
            {
                TlsProblem::UntrustedIssuer
            }
            rustls::Error::InvalidMessage(_) => TlsProblem::NotTls,
            _ => TlsProblem::Other,
        }
    }
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsProblem::ClientCertificateRequired => "client certificate required: the server asks for a client certificate, and Entra sends none",
            TlsProblem::VersionTooOld => "TLS version too old: the server offers only a TLS version before 1.2, while Entra speaks TLS 1.2",
            TlsProblem::UntrustedIssuer => {
                "the certificate is not signed by a trusted CA (self-signed or a private CA)"
            }
            TlsProblem::WrongName => "the certificate is not valid for this host name",
            TlsProblem::Expired => "the certificate has expired",
            TlsProblem::NotTls => "the server did not answer with TLS (is it plain http?)",
            TlsProblem::Other => "the server's certificate or TLS version was not accepted",
        })
    }
}

/// The TLS problem in the chain: rustls' error, or a connection that ended while the client
/// connected (TCP's connect reads nothing, so an early end there is the TLS handshake's: a
/// server that closes on a ClientHello it will not take).
fn tls_problem(error: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
    if let Some(found) = find_rustls_error(error) {
        return Some(TlsProblem::of(found));
    }
    let connecting = error
        .downcast_ref::<hyper_util::client::legacy::Error>()
        .is_some_and(hyper_util::client::legacy::Error::is_connect);
    let ended =
        find_io_error(error).is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof);
    (connecting && ended).then_some(TlsProblem::Other)
}

/// rustls' error anywhere in the chain. An `io::Error` hides the error it wraps from
/// `source()` (it answers that error's source), so an `io::Error` is looked into instead.
fn find_rustls_error<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e rustls::Error> {
    chain(error).find_map(|e| e.downcast_ref::<rustls::Error>())
}

fn find_io_error<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e std::io::Error> {
    chain(error).find_map(|e| e.downcast_ref::<std::io::Error>())
}

/// The error and its sources, looking into each `io::Error` for the error it wraps.
fn chain<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |e| {
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        }
    })
}

fn humanize(d: Duration) -> String {
    if d.as_millis() % 1000 == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// What to do about each transport failure, in one place: [`TransportError::hint`] and the
/// transport hints (`crate::hints`) both say these words.
pub mod advice {
    pub const DNS: &str = "check the host name in the Tenant URL; Entra resolves it from the public internet (a private host needs the provisioning agent, client-behaviour §1.2)";
    pub const REFUSED: &str =
        "start the SCIM service, or correct the port in the Tenant URL (https:// means 443)";
    pub const TLS: &str = "serve HTTPS with a certificate from a public CA that matches the host, TLS 1.2 (client-behaviour §1.2); for a test server: http:// in the URL, --ca-cert PATH for a private CA, or --insecure";
    pub const CLIENT_CERT: &str = "turn off client-certificate (mutual TLS) authentication for the SCIM endpoint: Entra authenticates with the bearer token only and presents no client certificate (client-behaviour §1.3)";
    pub const TLS_VERSION: &str = "enable TLS 1.2 on the server: Entra's provisioning service connects with TLS 1.2 only (client-behaviour §1.2)";
    pub const TIMEOUT: &str = "find what the endpoint waits for (a database, an upstream call, a firewall that drops packets); Entra gives up and retries in 40 minutes (client-behaviour §6.2); raise --timeout only if the server is merely slow";
    pub const BODY_TOO_LARGE: &str = "check what the endpoint returns: a filter query must return only the matching resources, not a whole collection or a file";
    pub const TOKEN_ENDPOINT: &str = "`scimcheck connect` with the same --token-endpoint, --client-id and secret diagnoses the token endpoint";
    pub const PROXY: &str = "check --proxy, or HTTPS_PROXY / HTTP_PROXY in the environment; --no-proxy (or NO_PROXY=host) connects directly";
    pub const PROTOCOL: &str = "check that the Tenant URL points at an HTTP(S) SCIM service, not at another protocol or a proxy that drops connections";
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::{AlertDescription as A, CertificateError as C, Error as E};

    use super::*;

    /// rustls' error as the HTTP stack hands it on: inside an `io::Error`.
    fn classified(error: rustls::Error) -> TransportErrorKind {
        let io = std::io::Error::other(error);
        TransportError::classify("h:443", &io, Duration::from_secs(1)).kind
    }

    fn tls(problem: TlsProblem) -> TransportErrorKind {
        TransportErrorKind::Tls { problem }
    }

    #[test]
    fn each_rustls_refusal_is_the_tls_problem_it_names() {
        let cases = [
            (
                E::AlertReceived(A::CertificateRequired),
                TlsProblem::ClientCertificateRequired,
            ),
            (
                E::AlertReceived(A::ProtocolVersion),
                TlsProblem::VersionTooOld,
            ),
            (
                E::PeerIncompatible(rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13),
                TlsProblem::VersionTooOld,
            ),
            (
                E::InvalidCertificate(C::UnknownIssuer),
                TlsProblem::UntrustedIssuer,
            ),
            (
                E::InvalidCertificate(C::Other(rustls::OtherError(Arc::new(
                    webpki::Error::CaUsedAsEndEntity,
                )))),
                TlsProblem::UntrustedIssuer,
            ),
            (
                E::InvalidCertificate(C::NotValidForName),
                TlsProblem::WrongName,
            ),
            (E::InvalidCertificate(C::Expired), TlsProblem::Expired),
            (E::InvalidCertificate(C::NotValidYet), TlsProblem::Expired),
            (
                E::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
                TlsProblem::NotTls,
            ),
            (E::InvalidCertificate(C::BadSignature), TlsProblem::Other),
            (E::AlertReceived(A::HandshakeFailure), TlsProblem::Other),
        ];
        for (error, problem) in cases {
            assert_eq!(classified(error), tls(problem));
        }
    }

    #[test]
    fn a_message_that_only_mentions_tls_is_not_a_tls_problem() {
        // The words are the server's or a proxy's; only rustls' values classify.
        let io = std::io::Error::other("certificate handshake tls expired");
        let kind = TransportError::classify("h:443", &io, Duration::from_secs(1)).kind;
        assert!(
            matches!(kind, TransportErrorKind::Protocol { .. }),
            "{kind:?}"
        );
    }

    #[test]
    fn the_problems_with_their_own_hint_name_themselves() {
        let error = |problem| TransportError {
            authority: "h:443".into(),
            kind: tls(problem),
        };
        let cert = error(TlsProblem::ClientCertificateRequired);
        assert!(cert.verdict().contains("client certificate required"));
        assert_eq!(cert.hint(), advice::CLIENT_CERT);
        let old = error(TlsProblem::VersionTooOld);
        assert!(old.verdict().contains("TLS version too old"));
        assert_eq!(old.hint(), advice::TLS_VERSION);
        assert_eq!(error(TlsProblem::WrongName).hint(), advice::TLS);
    }
}
