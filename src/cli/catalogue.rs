//! `scimcheck checks` and `scimcheck hints`: the stable ids a report and a CI filter use, each
//! with one line saying what it means.

use std::fmt::Write as _;

use crate::check::{CheckId, Severity};

/// One line per check kind: its id, the severity a failure has by default, and what it checks.
pub(crate) fn checks() -> i32 {
    let width = CheckId::ALL
        .iter()
        .map(|id| id.as_str().len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for id in CheckId::ALL {
        let severity = format!("[{}]", Severity::of(*id).label());
        let _ = writeln!(
            text,
            "{:width$}  {severity:<14}  {}",
            id.as_str(),
            describe(*id)
        );
    }
    super::print(&text)
}

/// One line per hint: its id and the cause it names.
pub(crate) fn hints() -> i32 {
    let entries = crate::hints::catalogue::catalogue();
    let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
    let mut text = String::new();
    for entry in &entries {
        let _ = writeln!(text, "{:width$}  {}", entry.id, entry.cause);
    }
    super::print(&text)
}

/// What a check kind verifies, in one line (the `CheckId` docs, for people).
fn describe(id: CheckId) -> &'static str {
    match id {
        CheckId::Status => "the status code is one Entra accepts (client-behaviour §6.1)",
        CheckId::Json => "the body is JSON where Entra parses it",
        CheckId::ContentType => "responses are application/scim+json (§6.1)",
        CheckId::ListShape => {
            "a ListResponse has schemas, totalResults and Resources (capital R) (§6.1)"
        }
        CheckId::ListCount => "the list holds as many results as expected",
        CheckId::ListMatches => "every listed resource matches the filter that was sent (§3.4)",
        CheckId::ResourceShape => "a resource has schemas, id and meta (§6.1)",
        CheckId::Attribute => "each mapped attribute has the value and JSON type Entra sent",
        CheckId::Members => "the group's members are the ones Entra added and did not remove",
        CheckId::MembersExcluded => "excludedAttributes=members leaves members out (§4.2)",
        CheckId::BodySubset => "the body contains the JSON the scenario expects",
        CheckId::Capture => "a capture found its value (e.g. the id of a created user)",
        CheckId::Manager => "the enterprise manager comes back as an object {\"value\": id} (§3.6)",
        CheckId::Resync => {
            "the next cycle finds nothing to PATCH: values come back as sent (§3.4, §6.1)"
        }
        CheckId::RetryAfter => "a 429 says when to try again with Retry-After (§6.2)",
        CheckId::Discoverable => {
            "every mapped attribute is in GET /Schemas, as Schema_Discoverability_Test requires"
        }
        CheckId::Rate => "the server answers 25 requests/s without errors (gallery checklist)",
        CheckId::TokenLifetime => {
            "the OAuth access token lives 60-360 minutes, as Validate_Credentials_Test requires"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_kind_is_listed_once() {
        let ids: std::collections::BTreeSet<&str> =
            CheckId::ALL.iter().map(|id| id.as_str()).collect();
        assert_eq!(ids.len(), CheckId::ALL.len());
        assert!(CheckId::ALL.iter().all(|id| !describe(*id).is_empty()));
    }
}
