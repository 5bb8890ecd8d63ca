//! OAuth 2.0 client credentials as Entra performs it (entra-2026 §3): a form-encoded
//! `POST` of `grant_type=client_credentials` to the token endpoint (RFC 6749 §4.4), the
//! client authenticated by HTTP Basic (`credentialLocationInRequest: Header`, the default)
//! or in the body (RFC 6749 §2.3.1), and the `access_token` sent as the bearer token. A token
//! is fetched again before it expires (client-behaviour §1.3: Entra checks the token before
//! each cycle and refreshes it if needed).
//!
//! The client secret and every access token are [`Secret`]s, registered with the run's
//! [`Redactor`] the moment they are known.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use super::exchange::{Exchange, Received, Sent};
use super::transport::{self, Outgoing, Transport};
use super::{wire, TransportError};
use crate::plan::Method;
use crate::redact::{Redactor, Secret, MASK};

/// How the client id and secret travel (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientAuth {
    /// `Authorization: Basic`, Entra's `credentialLocationInRequest: Header`.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// What the token request needs.
#[derive(Clone, Debug)]
pub struct OAuthConfig {
    pub token_endpoint: url::Url,
    pub client_id: String,
    pub client_secret: Secret,
    /// Sent as `scope` when given (Microsoft's harness asks for one "or none").
    pub scope: Option<String>,
    pub client_auth: ClientAuth,
}

/// The lifetime Microsoft's gallery requires of an access token (entra-2026 §3).
pub const LIFETIME_RANGE: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(60 * 60)..=Duration::from_secs(360 * 60);

/// What the token endpoint issued, as far as it may be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// `expires_in`, if the answer had one.
    pub lifetime: Option<Duration>,
    /// `iss` and `aud` when the token is a JWT (read, not verified).
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub jwt: bool,
}

impl Issued {
    /// A warning when the lifetime is outside what Microsoft's gallery harness accepts.
    pub fn lifetime_warning(&self) -> Option<String> {
        match self.lifetime {
            None => Some("the token endpoint sent no `expires_in`; Microsoft's gallery harness requires a lifetime of 60–360 minutes (entra-2026 §3)".to_owned()),
            Some(lifetime) if !LIFETIME_RANGE.contains(&lifetime) => Some(format!(
                "the access token lives {}, outside the 60–360 minutes Microsoft's gallery harness requires (entra-2026 §3)",
                humanize(lifetime)
            )),
            Some(_) => None,
        }
    }

    /// One line describing the token, e.g. `a JWT (iss …, aud …) for 60 minutes`.
    pub fn describe(&self) -> String {
        let kind = if self.jwt {
            let mut claims = Vec::new();
            if let Some(iss) = &self.issuer {
                claims.push(format!("iss `{iss}`"));
            }
            if let Some(aud) = &self.audience {
                claims.push(format!("aud `{aud}`"));
            }
            if claims.is_empty() {
                "a JWT".to_owned()
            } else {
                format!("a JWT ({})", claims.join(", "))
            }
        } else {
            "an opaque token".to_owned()
        };
        match self.lifetime {
            Some(lifetime) => format!("{kind} valid for {}", humanize(lifetime)),
            None => format!("{kind} with no stated lifetime"),
        }
    }
}

/// Why no access token could be had.
#[derive(Clone, Debug, PartialEq)]
pub enum OAuthProblem {
    /// The token endpoint could not be reached.
    Unreachable(TransportError),
    /// RFC 6749 §5.2 `invalid_client`: the id or secret is wrong.
    InvalidClient { status: u16, description: String },
    /// Another RFC 6749 §5.2 error (`unauthorized_client`, `invalid_scope`, …) or status.
    Refused {
        status: u16,
        error: Option<String>,
        description: String,
    },
    /// An HTML page, e.g. a login page or a proxy's error page.
    Html { status: u16 },
    /// A 2xx whose body is not JSON.
    NotJson { status: u16 },
    /// A 2xx JSON answer without a string `access_token`.
    NoAccessToken { status: u16 },
}

/// A failed token request: what went wrong, and the exchange when there was one.
#[derive(Clone, Debug, PartialEq)]
pub struct OAuthError {
    pub endpoint: String,
    pub problem: OAuthProblem,
    pub exchange: Exchange,
}

impl OAuthError {
    /// One line saying what happened.
    pub fn verdict(&self) -> String {
        let at = &self.endpoint;
        match &self.problem {
            OAuthProblem::Unreachable(e) => {
                format!("the token endpoint is unreachable: {}", e.verdict())
            }
            OAuthProblem::InvalidClient {
                status,
                description,
            } => format!(
                "the token endpoint refused the client id or secret ({status} invalid_client{})",
                suffix(description)
            ),
            OAuthProblem::Refused {
                status,
                error,
                description,
            } => format!(
                "the token endpoint {at} answered {status}{}{}",
                error
                    .as_deref()
                    .map(|e| format!(" {e}"))
                    .unwrap_or_default(),
                suffix(description)
            ),
            OAuthProblem::Html { status } => format!(
                "the token endpoint {at} answered ({status}) with an HTML page, not a token"
            ),
            OAuthProblem::NotJson { status } => {
                format!("the token endpoint {at} answered {status} with a body that is not JSON")
            }
            OAuthProblem::NoAccessToken { status } => {
                format!("the token endpoint {at} answered {status} without an `access_token`")
            }
        }
    }

    /// One line saying what to do.
    pub fn hint(&self) -> String {
        match &self.problem {
            OAuthProblem::Unreachable(e) => format!("check --token-endpoint (the Token Endpoint field in Entra); {}", e.hint()),
            OAuthProblem::InvalidClient { .. } => "check --client-id and the client secret against the app's registration; with --client-auth basic they are form-encoded before Base64 (RFC 6749 §2.3.1), try --client-auth body if the server expects them in the form".to_owned(),
            OAuthProblem::Refused { .. } => "the token endpoint must grant `grant_type=client_credentials` (RFC 6749 §4.4) to this client; check --scope".to_owned(),
            OAuthProblem::Html { .. } => "the Token Endpoint must be the OAuth token URL itself (often …/oauth2/token), not a sign-in page".to_owned(),
            OAuthProblem::NotJson { .. } | OAuthProblem::NoAccessToken { .. } => "answer with JSON {\"access_token\":\"…\",\"token_type\":\"Bearer\",\"expires_in\":3600} (RFC 6749 §5.1)".to_owned(),
        }
    }

    /// Whether the token endpoint could not be reached at all (exit code 3).
    pub fn is_transport(&self) -> bool {
        matches!(self.problem, OAuthProblem::Unreachable(_))
    }
}

fn suffix(description: &str) -> String {
    if description.is_empty() {
        String::new()
    } else {
        format!(": {}", description.chars().take(160).collect::<String>())
    }
}

/// The access token in use and when to fetch the next one.
#[derive(Debug)]
struct Cached {
    token: Secret,
    refresh_at: Option<Instant>,
}

/// Fetches access tokens and keeps the current one.
#[derive(Debug)]
pub(crate) struct TokenSource {
    config: OAuthConfig,
    transport: Transport,
    redactor: Redactor,
    current: tokio::sync::Mutex<Option<Cached>>,
}

impl TokenSource {
    pub(crate) fn new(config: OAuthConfig, transport: Transport, redactor: Redactor) -> Self {
        redactor.register(config.client_secret.clone());
        // What HTTP Basic encodes (RFC 6749 §2.3.1), so its Base64 is masked whole too.
        redactor.register(Secret::new(format!(
            "{}:{}",
            config.client_id,
            config.client_secret.expose()
        )));
        TokenSource {
            config,
            transport,
            redactor,
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// The access token to send now: the current one while it has time left, else a new one.
    pub(crate) async fn token(&self) -> Result<Secret, OAuthError> {
        let mut current = self.current.lock().await;
        if let Some(cached) = current.as_ref() {
            if cached.refresh_at.is_none_or(|at| Instant::now() < at) {
                return Ok(cached.token.clone());
            }
        }
        let (token, _, _) = self.fetch_into(&mut current).await?;
        Ok(token)
    }

    /// Fetches a new token now (for `connect`, and before a run): what was issued, and the
    /// token request's exchange.
    pub(crate) async fn fetch(&self) -> Result<(Issued, Exchange), OAuthError> {
        let mut current = self.current.lock().await;
        let (_, issued, exchange) = self.fetch_into(&mut current).await?;
        Ok((issued, exchange))
    }

    async fn fetch_into(
        &self,
        current: &mut Option<Cached>,
    ) -> Result<(Secret, Issued, Exchange), OAuthError> {
        let requested = Instant::now();
        let exchange = self.request().await;
        let endpoint = self.config.token_endpoint.to_string();
        // Masked before anything reads them: a refusal may quote the secret it refused.
        let fail = |problem, exchange: &Exchange| OAuthError {
            endpoint: endpoint.clone(),
            problem: self.masked(problem),
            exchange: exchange.clone().recorded(&self.redactor),
        };
        let received = match &exchange.received {
            Ok(received) => received,
            Err(e) => return Err(fail(OAuthProblem::Unreachable(e.clone()), &exchange)),
        };
        let (token, issued) = read_answer(received).map_err(|p| fail(p, &exchange))?;
        self.redactor.register(token.clone());
        // Fetch again a little before the end (a fifth of the lifetime, at most a minute),
        // so no request goes out on a token that expires on its way.
        let refresh_at = issued.lifetime.map(|lifetime| {
            let margin = (lifetime / 5).min(Duration::from_secs(60));
            requested + lifetime.saturating_sub(margin)
        });
        *current = Some(Cached {
            token: token.clone(),
            refresh_at,
        });
        Ok((token, issued, exchange.recorded(&self.redactor)))
    }

    /// A problem whose texts (the endpoint's words, a transport detail) are masked.
    fn masked(&self, problem: OAuthProblem) -> OAuthProblem {
        let mask = |text: &str| self.redactor.redact_long(text);
        match problem {
            OAuthProblem::Unreachable(e) => OAuthProblem::Unreachable(e.map_text(mask)),
            OAuthProblem::InvalidClient {
                status,
                description,
            } => OAuthProblem::InvalidClient {
                status,
                description: mask(&description),
            },
            OAuthProblem::Refused {
                status,
                error,
                description,
            } => OAuthProblem::Refused {
                status,
                error: error.as_deref().map(mask),
                description: mask(&description),
            },
            other => other,
        }
    }

    /// Sends the token request and records it with the secret masked.
    async fn request(&self) -> Exchange {
        let config = &self.config;
        let url = config.token_endpoint.clone();
        let form = |secret: &str| {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if let Some(scope) = &config.scope {
                form.append_pair("scope", scope);
            }
            if config.client_auth == ClientAuth::Body {
                form.append_pair("client_id", &config.client_id);
                form.append_pair("client_secret", secret);
            }
            form.finish()
        };
        let authorization = |secret: &str| {
            (config.client_auth == ClientAuth::Basic)
                .then(|| basic_credentials(&config.client_id, secret))
        };
        let headers = [(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )];
        let body = form(config.client_secret.expose());
        let head = wire::head(
            &url,
            authorization(config.client_secret.expose()),
            &headers,
            Method::Post,
            Some(&body),
        );
        // The record keeps the real length, so it stays the wire; only credentials change.
        let mut recorded = head.clone();
        for (name, value) in &mut recorded {
            if name == "Authorization" {
                *value = format!("Basic {MASK}");
            }
        }
        let sent = Sent {
            method: Method::Post.as_str(),
            url: url.to_string(),
            headers: recorded,
            body: Some(form(MASK)),
        };
        let started = Instant::now();
        let received = self
            .transport
            .send(Outgoing {
                method: Method::Post,
                url,
                head,
                body: Some(&body),
            })
            .await;
        Exchange {
            sent,
            received,
            elapsed: started.elapsed(),
        }
    }

    /// `host:port` of the token endpoint.
    pub(crate) fn authority(&self) -> String {
        transport::authority(&self.config.token_endpoint)
    }
}

/// RFC 6749 §2.3.1: the id and secret are form-encoded, then joined by `:` and Base64-encoded.
pub(crate) fn basic_credentials(client_id: &str, secret: &str) -> String {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The access token and what is known of it, or why the answer is not a token (RFC 6749
/// §5.1, §5.2).
fn read_answer(received: &Received) -> Result<(Secret, Issued), OAuthProblem> {
    let status = received.status;
    if received.is_html() {
        return Err(OAuthProblem::Html { status });
    }
    // An answer of the token endpoint is a server's too: parsed within the same bounds,
    // with the members RFC 6749 §5.1 and §5.2 name.
    let mut reads = crate::check::Reads::common();
    for name in [
        "access_token",
        "token_type",
        "expires_in",
        "error",
        "error_description",
    ] {
        reads.name(name);
    }
    let body = crate::check::parse_reading(&received.body, &reads).ok();
    if !(200..300).contains(&status) {
        let field = |name: &str| {
            body.as_ref()
                .and_then(|b| b.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let error = field("error");
        let description = field("error_description").unwrap_or_default();
        return Err(if error.as_deref() == Some("invalid_client") {
            OAuthProblem::InvalidClient {
                status,
                description,
            }
        } else {
            OAuthProblem::Refused {
                status,
                error,
                description,
            }
        });
    }
    let Some(body) = body else {
        return Err(OAuthProblem::NotJson { status });
    };
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or(OAuthProblem::NoAccessToken { status })?;
    // RFC 6749 §5.1 gives `expires_in` as a number; some servers send a string.
    let lifetime = match body.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|secs| secs.is_finite() && *secs >= 0.0)
    .map(Duration::from_secs_f64);
    let claims = jwt_claims(token);
    let claim = |name: &str| {
        claims.as_ref().and_then(|c| match c.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        })
    };
    let issued = Issued {
        lifetime,
        issuer: claim("iss"),
        audience: claim("aud"),
        jwt: claims.is_some(),
    };
    Ok((Secret::new(token), issued))
}

/// The claims of a JWT (RFC 7519), read without verifying the signature: only to name the
/// issuer and audience when the SCIM endpoint refuses the token.
fn jwt_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

fn humanize(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 120 && secs % 60 == 0 {
        format!("{} minutes", secs / 60)
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Received {
        Received {
            full_size: None,
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        // RFC 6749 §2.3.1: "s:e cret&" is sent as "s%3Ae+cret%26".
        let expected = base64::engine::general_purpose::STANDARD.encode("my+id:s%3Ae+cret%26");
        assert_eq!(
            basic_credentials("my id", "s:e cret&"),
            format!("Basic {expected}")
        );
    }

    #[test]
    fn an_access_token_with_a_lifetime_is_read() {
        let (token, issued) = read_answer(&answer(
            200,
            r#"{"access_token":"abc","token_type":"Bearer","expires_in":3600}"#,
        ))
        .expect("a token");
        assert_eq!(token.expose(), "abc");
        assert_eq!(issued.lifetime, Some(Duration::from_secs(3600)));
        assert_eq!(issued.lifetime_warning(), None);
        assert_eq!(issued.describe(), "an opaque token valid for 60 minutes");
    }

    #[test]
    fn a_lifetime_outside_60_to_360_minutes_warns() {
        let (_, issued) = read_answer(&answer(200, r#"{"access_token":"a","expires_in":"86400"}"#))
            .expect("a token");
        assert_eq!(
            issued.lifetime_warning().as_deref(),
            Some("the access token lives 1440 minutes, outside the 60–360 minutes Microsoft's gallery harness requires (entra-2026 §3)")
        );
        let (_, short) =
            read_answer(&answer(200, r#"{"access_token":"a","expires_in":1}"#)).expect("a token");
        assert!(short.lifetime_warning().is_some());
    }

    #[test]
    fn invalid_client_and_a_missing_token_are_told_apart() {
        assert_eq!(
            read_answer(&answer(
                401,
                r#"{"error":"invalid_client","error_description":"bad secret"}"#
            ))
            .err(),
            Some(OAuthProblem::InvalidClient {
                status: 401,
                description: "bad secret".into()
            })
        );
        assert_eq!(
            read_answer(&answer(200, r#"{"token_type":"Bearer"}"#)).err(),
            Some(OAuthProblem::NoAccessToken { status: 200 })
        );
        let html = Received {
            full_size: None,
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html>sign in</html>".into(),
        };
        assert_eq!(
            read_answer(&html).err(),
            Some(OAuthProblem::Html { status: 200 })
        );
    }

    #[test]
    fn a_jwt_names_its_issuer_and_audience() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"iss":"https://sts.example/","aud":["api://scim"]}"#);
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.sig");
        let body = format!(r#"{{"access_token":"{token}","expires_in":3600}}"#);
        let (_, issued) = read_answer(&answer(200, &body)).expect("a token");
        assert_eq!(
            issued.describe(),
            "a JWT (iss `https://sts.example/`, aud `api://scim`) valid for 60 minutes"
        );
    }
}
