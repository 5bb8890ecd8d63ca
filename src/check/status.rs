//! The status code (RFC 7644 §3.12; Entra's expectations, client-behaviour §6.1).

use super::server_error::ServerError;
use super::{CheckId, CheckResult, Finding, Target};
use crate::http::Received;

/// The status is one of `allowed`.
pub fn status(received: &Received, allowed: &[u16]) -> CheckResult {
    if allowed.contains(&received.status) {
        return CheckResult::pass(CheckId::Status, Target::Status);
    }
    CheckResult::fail(
        CheckId::Status,
        Target::Status,
        Finding::Status {
            allowed: allowed.to_vec(),
            received: received.status,
            error: ServerError::parse(received),
        },
    )
}
