//! The status code (RFC 7644 §3.12; Entra's expectations, client-behaviour §6.1).

use super::{CheckId, CheckResult};
use crate::http::Received;

/// The status is one of `allowed`.
pub fn status(received: &Received, allowed: &[u16]) -> CheckResult {
    if allowed.contains(&received.status) {
        return CheckResult::pass(CheckId::Status, "status");
    }
    let expected = allowed
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ");
    let detail = scim_detail(received);
    let message = match detail {
        Some(detail) => format!(
            "expected status {expected}, got {}: {detail}",
            received.status
        ),
        None => format!("expected status {expected}, got {}", received.status),
    };
    CheckResult::fail(
        CheckId::Status,
        "status",
        message,
        expected,
        received.status.to_string(),
    )
}

/// The `detail` of a SCIM error body, if the server sent one (RFC 7644 §3.12).
fn scim_detail(received: &Received) -> Option<String> {
    let body = received.json().ok()?;
    let detail = body.get("detail")?.as_str()?;
    let mut detail: String = detail.chars().take(200).collect();
    if let Some(scim_type) = body.get("scimType").and_then(|t| t.as_str()) {
        detail = format!("{detail} (scimType {scim_type})");
    }
    Some(detail)
}
