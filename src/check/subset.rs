//! The scenario's `expect.body`: the response contains this JSON (assert-json-diff, inclusive).

use assert_json_diff::{assert_json_matches_no_panic, CompareMode, Config};
use serde_json::Value;

use super::{short, CheckId, CheckResult};

/// `actual` contains everything in `expected`.
pub fn body_subset(actual: &Value, expected: &Value) -> CheckResult {
    match assert_json_matches_no_panic(actual, expected, Config::new(CompareMode::Inclusive)) {
        Ok(()) => CheckResult::pass(CheckId::BodySubset, "body"),
        Err(diff) => CheckResult::fail(
            CheckId::BodySubset,
            "body",
            format!(
                "the body does not contain the expected JSON: {}",
                diff.replace('\n', "; ")
            ),
            short(expected),
            short(actual),
        ),
    }
}
