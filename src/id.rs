//! Server-supplied resource ids are data, not paths: each goes into a URL as exactly one
//! percent-encoded path segment, and an id that no encoding can make one segment for every
//! server is refused before any request is built with it.
//!
//! `/`, `?`, `#`, `%`, spaces and non-ASCII are percent-encoded. `.` and `..` cannot be made
//! safe that way: the URL parser (WHATWG, and many servers and proxies after RFC 3986
//! §6.2.2.2) treats `%2E` and `%2E%2E` as the dot segments themselves, so `/Users/%2E%2E`
//! still means the base URL. Such an id, an empty one, one with control characters and an
//! overlong one are [`IdProblem`]s: the create or lookup that returned it gets a finding,
//! and no request is sent for it.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::attributes::ResourceKind;
use crate::http::TenantUrl;

/// RFC 3986 unreserved characters stay as they are; `.` among them is harmless once `.` and
/// `..` themselves are refused.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The longest id accepted. Entra keeps the id in a 1,024-character field of its
/// provisioning cache; real ids (GUIDs, integers, ObjectIds) are far shorter.
pub const MAX_LEN: usize = 1024;

/// Why a server-supplied id cannot address a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdProblem {
    Empty,
    /// `.` or `..`: a dot segment, which URL normalisation removes.
    DotSegment,
    /// A control character (a line break, NUL, an escape).
    Control,
    /// Longer than [`MAX_LEN`] bytes.
    TooLong,
}

impl IdProblem {
    /// Why, in words.
    pub fn describe(self) -> &'static str {
        match self {
            IdProblem::Empty => "it is empty",
            IdProblem::DotSegment => {
                "it is a dot segment, which URL normalisation turns into the collection or the base URL"
            }
            IdProblem::Control => "it contains a control character",
            IdProblem::TooLong => "it is longer than 1024 bytes",
        }
    }
}

/// What is wrong with `id` as a resource id, or `None` when it can be used.
pub fn problem(id: &str) -> Option<IdProblem> {
    if id.is_empty() {
        Some(IdProblem::Empty)
    } else if id == "." || id == ".." {
        Some(IdProblem::DotSegment)
    } else if id.chars().any(char::is_control) {
        Some(IdProblem::Control)
    } else if id.len() > MAX_LEN {
        Some(IdProblem::TooLong)
    } else {
        None
    }
}

/// `id` as one path segment, percent-encoded.
pub fn segment(id: &str) -> String {
    utf8_percent_encode(id, SEGMENT).to_string()
}

/// `/Users/{id}` or `/Groups/{id}`, with the id encoded as one segment.
pub fn resource_path(kind: ResourceKind, id: &str) -> String {
    format!("/{}/{}", kind.collection(), segment(id))
}

/// The resource's absolute URL, or `None` for an id with a [`problem`].
pub fn url(tenant: &TenantUrl, kind: ResourceKind, id: &str) -> Option<String> {
    problem(id)
        .is_none()
        .then(|| tenant.join(&resource_path(kind, id)))
}

/// The id as messages show it: control characters escaped and a long id cut, so that an id
/// never paints the terminal or floods a report.
pub fn shown(id: &str) -> String {
    let mut text: String = id.chars().take(80).flat_map(char::escape_debug).collect();
    if id.chars().count() > 80 {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reserved_character_is_encoded_in_one_segment() {
        assert_eq!(segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(segment("%2e"), "%252e");
        assert_eq!(segment("é"), "%C3%A9");
        assert_eq!(segment("a.b-c_d~e"), "a.b-c_d~e");
    }

    #[test]
    fn dot_segments_empty_control_and_overlong_ids_are_refused() {
        assert_eq!(problem(""), Some(IdProblem::Empty));
        assert_eq!(problem("."), Some(IdProblem::DotSegment));
        assert_eq!(problem(".."), Some(IdProblem::DotSegment));
        assert_eq!(problem("a\nb"), Some(IdProblem::Control));
        assert_eq!(problem("\u{1b}[2J"), Some(IdProblem::Control));
        assert_eq!(problem(&"x".repeat(MAX_LEN + 1)), Some(IdProblem::TooLong));
        for fine in ["...", ".a", "%2e", "a/b", "?x", "#", "2819c223-7f76"] {
            assert_eq!(problem(fine), None, "{fine}");
        }
    }

    #[test]
    fn an_encoded_id_stays_inside_its_collection_after_url_parsing() {
        let tenant = TenantUrl::parse("https://h.example/scim/v2").expect("parses");
        for id in ["a/b", "?x", "#", "%2e", "%2e%2e", "...", "a/../..", " "] {
            let joined = url(&tenant, ResourceKind::User, id).expect("usable");
            let parsed = url::Url::parse(&joined).expect("a URL");
            assert!(
                parsed.path().starts_with("/scim/v2/Users/") && parsed.path().len() > 15,
                "{id} -> {}",
                parsed.path()
            );
            assert_eq!(parsed.query(), None, "{id}");
            assert_eq!(parsed.fragment(), None, "{id}");
        }
        assert_eq!(url(&tenant, ResourceKind::User, ".."), None);
    }

    #[test]
    fn shown_ids_escape_control_characters_and_are_cut() {
        assert_eq!(shown("a\u{1b}[2J"), "a\\u{1b}[2J");
        assert_eq!(shown(&"x".repeat(100)).chars().count(), 81);
    }
}
