//! Response headers.

use super::{CheckId, CheckResult, Finding, Target};
use crate::http::Received;
use crate::scim::MEDIA_TYPE;

/// A response with a body is `application/scim+json` (RFC 7644 §8.1; client-behaviour §6.1).
pub fn content_type(received: &Received) -> CheckResult {
    let actual = received.header("content-type");
    let media = actual
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if media.eq_ignore_ascii_case(MEDIA_TYPE) {
        CheckResult::pass(CheckId::ContentType, Target::ContentType)
    } else {
        CheckResult::fail(
            CheckId::ContentType,
            Target::ContentType,
            Finding::ContentType {
                received: actual.map(str::to_owned),
            },
        )
    }
}
