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
//!
//! # Which occurrences are masked
//!
//! - Credential headers (`Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`) are
//!   masked by name, whatever they hold ([`crate::http::Exchange`] and the report context).
//! - A secret of 8 characters (`SHORT_SECRET`) or more is masked wherever it appears, inside
//!   other words too: a real token is long and random, so any occurrence is the token.
//! - A shorter secret (a development token such as `test`, `scim` or `x`) is masked only where
//!   it stands as a whole token: the characters right before and after it are not token
//!   characters. Token characters are those of RFC 6750's `b64token` (ASCII letters and
//!   digits, `-` `.` `_` `~` `+` `/`), and `=` after it (a `b64token` may end in `=`).
//!   So with the token `test`, `Bearer test`, `"test"` and `?t=test&` are masked, while
//!   `test-connection` is not; with `scim`, `/scim/v2` is not; with `x`, `expired` is not.
//!   Masking such a token inside words would mangle every line and hide nothing worth
//!   hiding; `short_secret_warning` tells the user once that such a token is unusual.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// What a redacted secret prints as.
pub const MASK: &str = "***";

/// Secrets shorter than this many characters are masked only as whole tokens (see the module
/// documentation).
pub(crate) const SHORT_SECRET: usize = 8;

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

    /// Whether the secret is so short it cannot be a real one: masked only as a whole token.
    pub(crate) fn is_short(&self) -> bool {
        self.0.chars().count() < SHORT_SECRET
    }
}

/// The warning for a Secret Token shorter than [`SHORT_SECRET`], or `None`; the CLI prints
/// it once, on stderr.
pub(crate) fn short_secret_warning(secret: &Secret) -> Option<String> {
    (!secret.is_empty() && secret.is_short()).then(|| {
        format!(
            "warning: the Secret Token is {} character(s) long; a real one is a long random string. \
             Output masks it only where it stands as a whole word, so `test-connection` stays readable",
            secret.0.chars().count()
        )
    })
}

/// Whether `c` can be part of a bearer token (RFC 6750 `b64token`, without the final `=`).
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/')
}

/// `text` with every whole-token occurrence of the short `secret` masked.
fn mask_whole(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, _) in text.match_indices(secret) {
        if start < last {
            continue;
        }
        let end = start + secret.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let whole =
            !before.is_some_and(token_char) && !after.is_some_and(|c| token_char(c) || c == '=');
        if whole {
            out.push_str(&text[last..start]);
            out.push_str(MASK);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
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

    /// The text with every secret masked: a long one wherever it appears, a short one where
    /// it stands as a whole token (see the module documentation).
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        let mut out = text.to_owned();
        for secret in secrets.iter() {
            if !out.contains(secret.expose()) {
                continue;
            }
            out = if secret.is_short() {
                mask_whole(&out, secret.expose())
            } else {
                out.replace(secret.expose(), MASK)
            };
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
    fn a_long_secret_is_masked_everywhere_and_empty_secrets_are_ignored() {
        let token = "Zq3T9vX0pL7mK2sR8wY4nB6cD1fG5hJ0aE3uI9oU";
        let r = Redactor::new([Secret::new(token), Secret::new("")]);
        assert_eq!(
            r.redact(&format!("{token} and x{token}x /scim/{token}/v2")),
            "*** and x***x /scim/***/v2"
        );
    }

    #[test]
    fn a_secret_registered_later_is_masked_by_every_clone() {
        let r = Redactor::new([Secret::new("first-secret-value")]);
        let clone = r.clone();
        r.register(Secret::new("access-token-2"));
        assert_eq!(clone.redact("first-secret-value access-token-2"), "*** ***");
    }

    #[test]
    fn a_short_secret_is_masked_only_as_a_whole_token() {
        let test = Redactor::new([Secret::new("test")]);
        assert_eq!(
            test.redact("test-connection Bearer test \"test\" ?t=test&u=1 test"),
            "test-connection Bearer *** \"***\" ?t=***&u=1 ***"
        );
        assert_eq!(
            test.redact("testtest test=x contest"),
            "testtest test=x contest"
        );
        let scim = Redactor::new([Secret::new("scim")]);
        assert_eq!(
            scim.redact("GET /scim/v2/Users scim"),
            "GET /scim/v2/Users ***"
        );
        let x = Redactor::new([Secret::new("x")]);
        assert_eq!(x.redact("expired x (x)"), "expired *** (***)");
    }

    #[test]
    fn only_a_short_secret_gets_a_warning() {
        assert!(short_secret_warning(&Secret::new("test"))
            .is_some_and(|w| w.contains("4 character(s)")));
        assert_eq!(short_secret_warning(&Secret::new("12345678")), None);
        assert_eq!(short_secret_warning(&Secret::new("")), None);
    }
}
