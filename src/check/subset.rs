//! The scenario's `expect.body`: the response contains this JSON (assert-json-diff, inclusive).

use assert_json_diff::{assert_json_matches_no_panic, CompareMode, Config};
use serde_json::Value;

use super::{CheckId, CheckResult, Finding, Target};

/// `actual` contains everything in `expected`.
pub fn body_subset(actual: &Value, expected: &Value) -> CheckResult {
    match assert_json_matches_no_panic(actual, expected, Config::new(CompareMode::Inclusive)) {
        Ok(()) => CheckResult::pass(CheckId::BodySubset, Target::Body),
        Err(diff) => CheckResult::fail(
            CheckId::BodySubset,
            Target::Body,
            Finding::BodyMismatch {
                expected: expected.clone(),
                actual: actual.clone(),
                diff,
            },
        ),
    }
}
