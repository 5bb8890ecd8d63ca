//! The reference server's OAuth 2.0 token endpoint (`serve --oauth`): client credentials
//! only (RFC 6749 §4.4), the client authenticated by HTTP Basic or in the form body
//! (§2.3.1), and the SCIM routes accepting the tokens it issued while they live. Its faults
//! reproduce what goes wrong with real token endpoints (entra-2026 §3).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use crate::redact::Secret;

/// Where the token endpoint lives, beside `/scim/v2`.
pub(crate) const TOKEN_PATH: &str = "/oauth2/token";

/// A defect of the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OAuthFault {
    /// `expires_in` is 24 hours, outside the 60–360 minutes Microsoft's gallery requires.
    WrongLifetime,
    /// Every token request is refused with `invalid_client`.
    InvalidClient,
}

impl OAuthFault {
    pub const ALL: [OAuthFault; 2] = [OAuthFault::WrongLifetime, OAuthFault::InvalidClient];

    pub fn name(self) -> &'static str {
        match self {
            OAuthFault::WrongLifetime => "wrong-lifetime",
            OAuthFault::InvalidClient => "invalid-client",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            OAuthFault::WrongLifetime => {
                "issue tokens with expires_in 86400 (24 h; the gallery requires 60–360 minutes)"
            }
            OAuthFault::InvalidClient => "refuse every token request with 401 invalid_client",
        }
    }
}

impl fmt::Display for OAuthFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An OAuth fault name that is not one of [`OAuthFault::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown OAuth fault `{0}` (expected one of: wrong-lifetime, invalid-client)")]
pub struct UnknownOAuthFault(pub String);

impl FromStr for OAuthFault {
    type Err = UnknownOAuthFault;

    fn from_str(s: &str) -> Result<OAuthFault, UnknownOAuthFault> {
        OAuthFault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownOAuthFault(s.to_owned()))
    }
}

/// The token endpoint's settings.
#[derive(Clone, Debug)]
pub struct OAuthServer {
    pub client_id: String,
    pub client_secret: Secret,
    /// The `expires_in` of each token, honoured as stated.
    pub lifetime: Duration,
    /// Refuse each token this long after it was issued, whatever `expires_in` said.
    pub refuse_after: Option<Duration>,
    pub faults: BTreeSet<OAuthFault>,
}

/// Issues tokens and remembers until when each one is accepted.
#[derive(Debug)]
pub(crate) struct Issuer {
    config: OAuthServer,
    issued: Mutex<HashMap<String, Instant>>,
}

impl Issuer {
    pub(crate) fn new(config: OAuthServer) -> Issuer {
        Issuer {
            config,
            issued: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `token` was issued here and is still alive.
    pub(crate) fn accepts(&self, token: &str) -> bool {
        let issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued
            .get(token)
            .is_some_and(|until| Instant::now() < *until)
    }

    /// `POST /oauth2/token`.
    pub(crate) fn token(&self, method: &Method, headers: &HeaderMap, body: &Bytes) -> Response {
        if method != Method::POST {
            return oauth_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "POST only",
            );
        }
        let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only grant_type=client_credentials is supported",
            );
        }
        let presented = basic_credentials(headers).or_else(|| {
            Some((
                form.get("client_id")?.clone(),
                form.get("client_secret")?.clone(),
            ))
        });
        let valid = presented.is_some_and(|(id, secret)| {
            id == self.config.client_id && secret == self.config.client_secret.expose()
        });
        if !valid || self.config.faults.contains(&OAuthFault::InvalidClient) {
            let mut response = oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"scimcheck\""),
            );
            return response;
        }
        let lifetime = if self.config.faults.contains(&OAuthFault::WrongLifetime) {
            Duration::from_secs(24 * 60 * 60)
        } else {
            self.config.lifetime
        };
        let alive = self
            .config
            .refuse_after
            .map_or(lifetime, |after| after.min(lifetime));
        let token = format!("rs-{}", uuid::Uuid::new_v4().simple());
        self.issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.clone(), Instant::now() + alive);
        let body = json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
        });
        // RFC 6749 §5.1: a token response must not be cached.
        let mut response = (StatusCode::OK, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let pair = String::from_utf8(decoded).ok()?;
    let (id, secret) = pair.split_once(':')?;
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

/// RFC 6749 §5.2 error response.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (status, axum::Json(body)).into_response()
}
