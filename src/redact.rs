//! Secrets and the one place they are scrubbed from text.
//!
//! The bearer token is the only secret scimcheck is handed. It lives in [`Secret`], whose
//! `Debug` and `Display` both print `***`; the value comes out only through
//! [`Secret::expose`], which is called where the `Authorization` header is built and where
//! the reference server compares tokens. Everything that writes text for a person or a file
//! also passes through [`Redactor::redact`], so a token echoed back by a server in a body or
//! an error message is scrubbed too.

use std::fmt;

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

/// Replaces every known secret in a text by [`MASK`].
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

impl Redactor {
    /// A redactor for these secrets. Empty secrets are ignored (they would match everywhere).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let mut secrets: Vec<Secret> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        Redactor { secrets }
    }

    /// The text with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
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
}
