//! Where the bearer token comes from: an environment variable, a file, or (least safe, since
//! it shows in the process list and shell history) a flag; or, with `--token-endpoint`, OAuth
//! 2.0 client credentials, whose secret comes from a variable or a file only.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::http::{ClientAuth, OAuthConfig};
use crate::redact::Secret;

#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// Read the bearer token from this environment variable.
    #[arg(long, value_name = "VAR", default_value = "SCIMCHECK_TOKEN")]
    token_env: String,
    /// Read the bearer token from this file (surrounding white space is dropped).
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "token",
        env = "SCIMCHECK_TOKEN_FILE"
    )]
    token_file: Option<PathBuf>,
    /// The bearer token itself (prefer --token-env or --token-file: flags show in `ps`).
    #[arg(long, value_name = "TOKEN", hide_default_value = true)]
    token: Option<String>,
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("failed to read the token file `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the token file `{0}` is empty")]
    EmptyFile(PathBuf),
    #[error("no token: `{0}` is not set")]
    Missing(String),
    #[error("`{0}` is not an http(s) URL for --token-endpoint")]
    BadEndpoint(String),
    #[error("--token-endpoint needs --client-id (or SCIMCHECK_CLIENT_ID)")]
    NoClientId,
    /// A line break or other control character inside a secret: it cannot go into an HTTP
    /// header, and sending it would fail as "the connection failed" (issue 11).
    #[error("the secret from {0} holds a control character (a line break?); a token is one line of text")]
    ControlCharacter(String),
}

/// `secret` if it can be sent in a header; `source` names where it came from.
fn one_line(secret: Secret, source: impl FnOnce() -> String) -> Result<Secret, TokenError> {
    if secret.expose().chars().any(char::is_control) {
        return Err(TokenError::ControlCharacter(source()));
    }
    Ok(secret)
}

impl TokenArgs {
    /// The token: `--token`, else `--token-file`, else the variable named by `--token-env`.
    pub(crate) fn resolve(&self) -> Result<Secret, TokenError> {
        if let Some(token) = &self.token {
            return one_line(Secret::new(token.clone()), || "--token".to_owned());
        }
        secret(&self.token_env, self.token_file.as_deref())
    }
}

/// The hint for a missing token.
pub(crate) const TOKEN_HINT: &str =
    "export SCIMCHECK_TOKEN=<the Secret Token entered in Entra>, or pass --token-file PATH";

/// OAuth 2.0 client credentials instead of a static token: Entra's "OAuth2 Client Credentials
/// Grant" authentication method (entra-2026 §3).
#[derive(Debug, Args)]
#[command(next_help_heading = "OAuth 2.0 client credentials")]
pub(crate) struct OAuthArgs {
    /// Get the bearer token from this token endpoint (Entra's Token Endpoint field).
    #[arg(long, value_name = "URL", conflicts_with_all = ["token", "token_file"])]
    token_endpoint: Option<String>,
    /// The client id (Entra's Client Identifier field).
    #[arg(long, value_name = "ID", env = "SCIMCHECK_CLIENT_ID")]
    client_id: Option<String>,
    /// Read the client secret from this environment variable.
    #[arg(long, value_name = "VAR", default_value = "SCIMCHECK_CLIENT_SECRET")]
    client_secret_env: String,
    /// Read the client secret from this file (surrounding white space is dropped).
    #[arg(long, value_name = "PATH")]
    client_secret_file: Option<PathBuf>,
    /// The `scope` to ask for (sent only when given).
    #[arg(long, value_name = "SCOPE")]
    scope: Option<String>,
    /// How the client id and secret are sent: HTTP Basic (Entra's default) or in the form.
    #[arg(long, value_enum, value_name = "HOW", default_value = "basic")]
    client_auth: ClientAuth,
}

impl OAuthArgs {
    /// The OAuth settings, `None` without `--token-endpoint`.
    pub(crate) fn resolve(&self) -> Result<Option<OAuthConfig>, TokenError> {
        let Some(endpoint) = &self.token_endpoint else {
            return Ok(None);
        };
        let token_endpoint = url::Url::parse(endpoint)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| TokenError::BadEndpoint(endpoint.clone()))?;
        let client_id = self
            .client_id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .ok_or(TokenError::NoClientId)?;
        let client_secret = secret(&self.client_secret_env, self.client_secret_file.as_deref())?;
        Ok(Some(OAuthConfig {
            token_endpoint,
            client_id,
            client_secret,
            scope: self.scope.clone(),
            client_auth: self.client_auth,
        }))
    }
}

/// A secret from a file, else from an environment variable.
pub(crate) fn secret(env: &str, file: Option<&Path>) -> Result<Secret, TokenError> {
    if let Some(path) = file {
        let text = crate::input::read_text(path, crate::input::SECRET_LIMIT, "a secret file")
            .map_err(|source| TokenError::Read {
                path: path.to_owned(),
                source,
            })?;
        let secret = Secret::new(text);
        if secret.is_empty() {
            return Err(TokenError::EmptyFile(path.to_owned()));
        }
        return one_line(secret, || format!("the file `{}`", path.display()));
    }
    match std::env::var(env) {
        Ok(value) if !value.trim().is_empty() => one_line(Secret::new(value), || {
            format!("the environment variable `{env}`")
        }),
        _ => Err(TokenError::Missing(env.to_owned())),
    }
}

/// The hint for a missing client secret or id.
pub(crate) const OAUTH_HINT: &str = "give --client-id ID and the client secret in SCIMCHECK_CLIENT_SECRET (or --client-secret-env VAR, --client-secret-file PATH)";
