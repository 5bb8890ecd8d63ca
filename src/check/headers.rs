//! Response headers.

use super::{CheckId, CheckResult};
use crate::http::Received;
use crate::scim::MEDIA_TYPE;

/// A response with a body is `application/scim+json` (RFC 7644 §8.1; client-behaviour §6.1).
pub fn content_type(received: &Received) -> CheckResult {
    let actual = received.header("content-type").unwrap_or("(none)");
    let media = actual.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case(MEDIA_TYPE) {
        CheckResult::pass(CheckId::ContentType, "Content-Type")
    } else {
        CheckResult::fail(
            CheckId::ContentType,
            "Content-Type",
            format!("responses must be `{MEDIA_TYPE}`, this one is `{actual}`"),
            MEDIA_TYPE,
            actual,
        )
    }
}
