//! Secrets and the one place they are scrubbed from text.
//!
//! The secrets scimcheck is handed or given: the bearer token, or the OAuth client secret and
//! every access token the token endpoint issues. Each lives in [`Secret`], whose `Debug` and
//! `Display` both print `***`; the value comes out only through [`Secret::expose`], which is
//! called where a credential goes on the wire and where the reference server compares
//! tokens. Everything that writes text for a person or a file also passes through
//! [`Redactor::redact`], so a token echoed back by a server in a body or an error message is
//! scrubbed too. Access tokens arrive during a run, so the redactor is shared: a secret
//! [`Redactor::register`]ed on one clone is masked by all of them.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// What a redacted secret prints as.
pub const MASK: &str = "***";

/// A secret string (the bearer token). Prints as `***` in every format.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value. Surrounding white space (a token file's trailing newline) is
    /// dropped, as an admin pasting the token into Entra would drop it.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().trim().to_owned())
    }

    /// The secret itself. Call only where it must go on the wire or be compared.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (an empty token file or variable).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// Replaces every known secret in a text by [`MASK`]. Clones share one set of secrets.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<Secret>>>,
}

impl Redactor {
    /// A redactor for these secrets. Empty secrets are ignored (they would match everywhere).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let redactor = Redactor::default();
        for secret in secrets {
            redactor.register(secret);
        }
        redactor
    }

    /// Masks `secret` from now on, in this redactor and every clone of it.
    pub fn register(&self, secret: Secret) {
        if secret.is_empty() {
            return;
        }
        // A panic while holding the lock leaves a valid list: writers only push and sort.
        let mut secrets = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        if !secrets.contains(&secret) {
            secrets.push(secret);
            // Longest first, so a secret that contains another is masked whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        }
    }

    /// The text with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        let mut out = text.to_owned();
        for secret in secrets.iter() {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_prints_as_mask_in_debug_and_display() {
        let s = Secret::new("tok-123");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
    }

    #[test]
    fn secret_drops_surrounding_whitespace_from_files() {
        assert_eq!(Secret::new(" tok\n").expose(), "tok");
    }

    #[test]
    fn redactor_masks_every_occurrence_and_ignores_empty_secrets() {
        let r = Redactor::new([Secret::new("abc"), Secret::new("")]);
        assert_eq!(r.redact("abc and xabcx"), "*** and x***x");
    }

    #[test]
    fn a_secret_registered_later_is_masked_by_every_clone() {
        let r = Redactor::new([Secret::new("first")]);
        let clone = r.clone();
        r.register(Secret::new("access-token-2"));
        assert_eq!(clone.redact("first access-token-2"), "*** ***");
    }
}
