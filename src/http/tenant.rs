//! The Tenant URL as an admin pastes it into Entra, and how Entra joins resource paths to it.

use std::fmt;

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
        let fail = |reason: &str| TenantUrlError {
            url: text.to_owned(),
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
    fn rejects_what_is_not_an_http_url() {
        assert!(TenantUrl::parse("ftp://h/scim").is_err());
        assert!(TenantUrl::parse("scim.example.com/v2").is_err());
        assert!(TenantUrl::parse("https://user:pw@h/scim").is_err());
    }
}
