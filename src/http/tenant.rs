//! The Tenant URL as an admin pastes it into Entra, and how Entra joins resource paths to it.

use std::fmt;

use crate::redact::{Redactor, Secret};

/// The flag that switches Entra to its RFC-compliant PATCH behaviour (client-behaviour §5.1).
pub(crate) const FLAG: &str = "aadoptscim062020";

/// A parsed Tenant URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantUrl {
    /// `scheme://host[:port]/path` without a trailing slash and without a query.
    base: String,
    /// Query pairs of the Tenant URL other than the flag, passed on with every request.
    extra_query: Vec<(String, String)>,
    /// Whether the URL carried `?aadOptscim062020` (any case, with or without `=true`).
    flag: bool,
}

/// Why a Tenant URL is unusable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{url}` is not a usable Tenant URL: {reason}")]
pub struct TenantUrlError {
    pub url: String,
    pub reason: String,
}

impl TenantUrl {
    /// Parses a Tenant URL. Only `http` and `https` are accepted; user info is refused, since it
    /// would be a second secret that Entra never sends.
    pub fn parse(text: &str) -> Result<TenantUrl, TenantUrlError> {
        // The URL is quoted with its secrets masked: a refused `http://admin:pass@host/` must
        // not print the password it is refused for.
        let fail = |reason: &str| TenantUrlError {
            url: Redactor::new(url_secrets(text)).redact(text),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(text.trim()).map_err(|e| {
            fail(&format!(
                "{e} (expected e.g. https://api.example.com/scim/v2)"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(fail(
                "the scheme must be https (or http for a local test server)",
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(fail("it has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(fail(
                "it carries a user name or password; Entra sends only the bearer token",
            ));
        }
        let mut flag = false;
        let mut extra_query = Vec::new();
        for (key, value) in url.query_pairs() {
            if key.eq_ignore_ascii_case(FLAG) {
                flag = true;
            } else {
                extra_query.push((key.into_owned(), value.into_owned()));
            }
        }
        let mut base = url.clone();
        base.set_query(None);
        base.set_fragment(None);
        let base = base.as_str().trim_end_matches('/').to_owned();
        Ok(TenantUrl {
            base,
            extra_query,
            flag,
        })
    }

    /// The absolute URL of `target` (a path and query such as `/Users?filter=…`), joined as
    /// Entra joins it: the base without its trailing slash, then the target (§1.1).
    pub fn join(&self, target: &str) -> String {
        let mut url = format!("{}{}", self.base, target);
        if !self.extra_query.is_empty() {
            url.push(if target.contains('?') { '&' } else { '?' });
            let extra: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.extra_query)
                .finish();
            url.push_str(&extra);
        }
        url
    }

    /// The base URL, without its trailing slash and query: what resource `$ref`s start with.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The values of the query parameters that look like keys (`?code=…` of an Azure
    /// Function, `?sig=…`, `?api-key=…`): secrets, masked in every output, while every
    /// request still carries them.
    pub fn secrets(&self) -> Vec<Secret> {
        self.extra_query
            .iter()
            .filter(|(key, _)| secret_key(key))
            .map(|(_, value)| Secret::new(value.as_str()))
            .collect()
    }

    /// Whether the Tenant URL asked for the `aadOptscim062020` behaviour.
    pub fn has_flag(&self) -> bool {
        self.flag
    }

    /// `host:port`, for messages about the connection.
    pub fn authority(&self) -> String {
        match url::Url::parse(&self.base) {
            Ok(url) => format!(
                "{}:{}",
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or_default()
            ),
            Err(_) => self.base.clone(),
        }
    }

    /// The path part of the base, e.g. `/scim/v2`.
    pub fn path(&self) -> String {
        url::Url::parse(&self.base)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default()
    }
}

/// Query parameter names whose values are keys: the names gateways and function hosts use,
/// and any name ending in one of them after `-` or `_` (`subscription-key`, `client_secret`).
const SECRET_KEYS: [&str; 10] = [
    "code",
    "sig",
    "key",
    "token",
    "secret",
    "password",
    "api-key",
    "apikey",
    "access_token",
    "signature",
];

/// Whether a query parameter of this name carries a secret (any case).
fn secret_key(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|key| {
        name == *key
            || name
                .strip_suffix(key)
                .is_some_and(|head| head.ends_with(['-', '_']))
    })
}

/// The secret parts of a URL as it was typed: the password of its user info and the values
/// of key-like query parameters. Read from the text, so a URL too broken to parse still has
/// them masked when it is quoted.
pub(crate) fn url_secrets(text: &str) -> Vec<Secret> {
    let mut secrets = Vec::new();
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some((_, password)) = authority
        .rsplit_once('@')
        .and_then(|(u, _)| u.split_once(':'))
    {
        secrets.push(Secret::new(password));
    }
    if let Some((_, query)) = text.split_once('?') {
        let query = query.split('#').next().unwrap_or_default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if secret_key(&key) {
                secrets.push(Secret::new(value.into_owned()));
            }
        }
    }
    secrets
}

impl fmt::Display for TenantUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_drops_the_trailing_slash_and_the_flag() {
        let t = TenantUrl::parse("https://h.example/scim/v2/?aadOptscim062020").expect("parses");
        assert!(t.has_flag());
        assert_eq!(t.join("/Users"), "https://h.example/scim/v2/Users");
    }

    #[test]
    fn flag_is_recognised_in_any_case_with_a_value() {
        let t = TenantUrl::parse("https://h.example/scim?aadOptSCIM062020=true").expect("parses");
        assert!(t.has_flag());
        assert_eq!(t.to_string(), "https://h.example/scim");
    }

    #[test]
    fn other_query_parameters_are_passed_on() {
        let t = TenantUrl::parse("http://127.0.0.1:8080/scim?tenant=a").expect("parses");
        assert_eq!(
            t.join("/Users?filter=x"),
            "http://127.0.0.1:8080/scim/Users?filter=x&tenant=a"
        );
        assert_eq!(t.authority(), "127.0.0.1:8080");
    }

    #[test]
    fn key_like_query_values_are_secrets_and_still_sent() {
        let t = TenantUrl::parse(
            "https://f.azurewebsites.net/api/scim?code=fn-KEY-123%2B&Subscription-Key=s1&tenant=a&sig=z",
        )
        .expect("parses");
        let secrets: Vec<String> = t.secrets().iter().map(|s| s.expose().to_owned()).collect();
        assert_eq!(secrets, ["fn-KEY-123+", "s1", "z"]);
        assert!(t.join("/Users").contains("code=fn-KEY-123%2B"));
    }

    #[test]
    fn a_refused_url_is_quoted_without_its_password_or_keys() {
        for url in [
            "http://admin:hunter2@host/scim/v2",
            "http://admin:hunter2@host:notaport/scim",
            "ftp://u:hunter2@h/scim?code=hunter2",
        ] {
            let error = TenantUrl::parse(url).expect_err("refused").to_string();
            assert!(!error.contains("hunter2"), "{error}");
            assert!(error.contains("***"), "{error}");
        }
    }

    #[test]
    fn rejects_what_is_not_an_http_url() {
        assert!(TenantUrl::parse("ftp://h/scim").is_err());
        assert!(TenantUrl::parse("scim.example.com/v2").is_err());
        assert!(TenantUrl::parse("https://user:pw@h/scim").is_err());
    }
}
