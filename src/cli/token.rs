//! Where the bearer token comes from: an environment variable, a file, or (least safe, since
//! it shows in the process list and shell history) a flag.

use std::path::PathBuf;

use clap::Args;

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
}

impl TokenArgs {
    /// The token: `--token`, else `--token-file`, else the variable named by `--token-env`.
    pub(crate) fn resolve(&self) -> Result<Secret, TokenError> {
        if let Some(token) = &self.token {
            return Ok(Secret::new(token.clone()));
        }
        if let Some(path) = &self.token_file {
            let text = std::fs::read_to_string(path).map_err(|source| TokenError::Read {
                path: path.clone(),
                source,
            })?;
            let secret = Secret::new(text);
            if secret.is_empty() {
                return Err(TokenError::EmptyFile(path.clone()));
            }
            return Ok(secret);
        }
        match std::env::var(&self.token_env) {
            Ok(value) if !value.trim().is_empty() => Ok(Secret::new(value)),
            _ => Err(TokenError::Missing(self.token_env.clone())),
        }
    }
}

/// The hint for a missing token.
pub(crate) const TOKEN_HINT: &str =
    "export SCIMCHECK_TOKEN=<the Secret Token entered in Entra>, or pass --token-file PATH";
