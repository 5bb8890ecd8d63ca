//! How much a failed check matters to Entra: the difference between "provisioning stops" and
//! "the RFC says otherwise, Entra does not care". Only [`Severity::BreaksEntra`] failures make
//! a run exit 1 (unless `--strict`); the others are reported as warnings.
//!
//! A check's severity is set where its result is made: [`Severity::of`] gives the default for
//! each [`CheckId`], and the family files lower it where what failed is harmless to Entra
//! (a missing `meta`, a normalised value). The reasons cite client-behaviour §6, which says
//! what Entra accepts and what it does with everything else.

use std::fmt;

use serde_json::Value;

use super::{CheckId, CheckResult};

/// How much a failure matters to Entra. Declared from worst to mildest, so `min` is the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Entra's provisioning fails, skips objects, or quarantines the job (§6.2).
    BreaksEntra,
    /// Entra keeps working, but does needless work or stores data differently, e.g. it
    /// re-PATCHes the same value every 40-minute cycle (§6.1, §9 runner-ups).
    Degrades,
    /// A deviation from RFC 7643/7644 that Entra does not care about.
    Rfc,
}

impl Severity {
    /// Every severity, worst first.
    pub const ALL: [Severity; 3] = [Severity::BreaksEntra, Severity::Degrades, Severity::Rfc];

    /// The default severity of a failed check of this kind.
    pub fn of(id: CheckId) -> Severity {
        match id {
            // §6.1: the media type is in Microsoft's table, but Entra parses
            // `application/json` bodies the same way; the validator only warns (§8.2).
            CheckId::ContentType => Severity::Rfc,
            // §6.1 "values stored/returned exactly as sent": a server that returns a value in
            // another form makes Entra PATCH it again every 40-minute cycle (§9 runner-ups),
            // but provisioning works.
            CheckId::Resync => Severity::Degrades,
            // §6.2, §7: without `Retry-After` Entra (and scimcheck) can only guess how long
            // to back off; provisioning goes on, slower.
            CheckId::RetryAfter => Severity::Degrades,
            // entra-2026 §1.4, §3, client-behaviour §7: the gallery harness fails the app;
            // a tenant's own (non-gallery) provisioning still works.
            CheckId::Discoverable | CheckId::Rate | CheckId::TokenLifetime => Severity::Degrades,
            // §6.1/§6.2: a wrong status fails the request ("retried in the next cycle",
            // quarantine for credential and compliance errors); a body Entra cannot parse or
            // whose list it cannot read is `ServiceIncompatible`; a filter that returns other
            // objects or members Entra excluded gives duplicates or `MultipleEntriesInResponse`
            // (§9 #9); a missing or mistyped attribute is `ServiceIncompatible` or never stored.
            CheckId::Status
            | CheckId::Json
            | CheckId::ListShape
            | CheckId::ListCount
            | CheckId::ListMatches
            | CheckId::ResourceShape
            | CheckId::Attribute
            | CheckId::Members
            | CheckId::MembersExcluded
            | CheckId::BodySubset
            | CheckId::Capture
            // §3.6, §9 #7: a manager Entra cannot deserialize is `ServiceIncompatible`.
            | CheckId::Manager => Severity::BreaksEntra,
        }
    }

    /// The machine name, as the JSON report writes it: `breaks-entra`, `degrades`, `rfc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::BreaksEntra => "breaks-entra",
            Severity::Degrades => "degrades",
            Severity::Rfc => "rfc",
        }
    }

    /// The words the terminal report uses: `breaks Entra`, `degrades`, `RFC`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::BreaksEntra => "breaks Entra",
            Severity::Degrades => "degrades",
            Severity::Rfc => "RFC",
        }
    }

    /// The worst severity among the failed checks, or `None` when every check passed.
    pub fn worst<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> Option<Severity> {
        checks
            .into_iter()
            .filter(|c| !c.passed())
            .map(|c| c.severity)
            .min()
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Whether `actual` is `expected` as a server that normalises values would store it: the same
/// letters and digits, in another case or with other punctuation and spacing
/// (`Alice@Contoso.com` → `alice@contoso.com`, `+1 (555) 010-0100` → `15550100100`).
///
/// Such a server holds the right data, but §6.1 asks for values "stored/returned exactly as
/// sent": Entra compares what it reads with what it sent, sees a change, and PATCHes the same
/// value again every cycle (§9 runner-ups). A value that differs in its letters or digits was
/// not stored at all, which is worse: the change Entra made never arrives.
pub fn is_normalised(expected: &Value, actual: &Value) -> bool {
    let (Some(expected), Some(actual)) = (expected.as_str(), actual.as_str()) else {
        return false;
    };
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    expected != actual && !fold(expected).is_empty() && fold(expected) == fold(actual)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::attributes::{AttrPath, AttrType, ResourceKind};
    use crate::check::Expected;

    #[test]
    fn only_the_content_type_and_resync_do_not_break_entra_by_default() {
        for id in [
            CheckId::Status,
            CheckId::Json,
            CheckId::ListShape,
            CheckId::ListCount,
            CheckId::ListMatches,
            CheckId::ResourceShape,
            CheckId::Attribute,
            CheckId::Members,
            CheckId::MembersExcluded,
            CheckId::BodySubset,
            CheckId::Capture,
            CheckId::Manager,
        ] {
            assert_eq!(Severity::of(id), Severity::BreaksEntra, "{id}");
        }
        assert_eq!(Severity::of(CheckId::ContentType), Severity::Rfc);
        assert_eq!(Severity::of(CheckId::Resync), Severity::Degrades);
    }

    #[test]
    fn worst_is_the_most_severe_failure_and_ignores_passes() {
        let pass = CheckResult::pass(CheckId::Status, crate::check::Target::Status);
        let rfc = crate::check::content_type(&crate::http::Received {
            full_size: None,
            status: 200,
            headers: Vec::new(),
            body: String::new(),
        });
        let degrades = rfc.clone().with_severity(Severity::Degrades);
        let breaks = crate::check::status(
            &crate::http::Received {
                full_size: None,
                status: 500,
                headers: Vec::new(),
                body: String::new(),
            },
            &[200],
        );
        assert_eq!(Severity::worst([&pass]), None);
        assert_eq!(Severity::worst([&pass, &rfc]), Some(Severity::Rfc));
        assert_eq!(
            Severity::worst([&rfc, &degrades, &pass]),
            Some(Severity::Degrades)
        );
        assert_eq!(
            Severity::worst([&rfc, &breaks, &degrades]),
            Some(Severity::BreaksEntra)
        );
    }

    #[test]
    fn names_are_stable() {
        let names: Vec<(&str, &str)> = Severity::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect();
        assert_eq!(
            names,
            [
                ("breaks-entra", "breaks Entra"),
                ("degrades", "degrades"),
                ("rfc", "RFC")
            ]
        );
    }

    fn expected(path: &str, ty: AttrType, value: Value) -> Expected {
        Expected {
            path: AttrPath::parse(path).expect("a valid path"),
            ty,
            value,
        }
    }

    #[test]
    fn attribute_failures_break_entra_and_a_normalised_value_degrades_through_resync() {
        let resource = json!({
            "active": "False",
            "phoneNumbers": [{"type": "work", "value": "15550100100"}],
            "displayName": "Alice",
        });
        let results = crate::check::attributes(
            &resource,
            &[
                expected("active", AttrType::Boolean, json!(false)),
                expected(
                    "phoneNumbers[type eq \"work\"].value",
                    AttrType::String,
                    json!("+1 (555) 010-0100"),
                ),
                expected("displayName", AttrType::String, json!("Alice Renamed")),
                expected("title", AttrType::String, json!("Engineer")),
            ],
        );
        let failed: Vec<(String, Severity)> = results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| (r.subject(), r.severity))
            .collect();
        assert_eq!(
            failed,
            [
                ("attribute `active`".to_owned(), Severity::BreaksEntra), // a string where a boolean belongs
                ("attribute `displayName`".to_owned(), Severity::BreaksEntra), // the old value: the change was lost
                ("attribute `title`".to_owned(), Severity::BreaksEntra),       // absent
            ]
        );
        // The same number, re-formatted, is not a lost change: the next cycle's RESYNC check
        // reports it, as a degradation.
        let phone = expected(
            "phoneNumbers[type eq \"work\"].value",
            AttrType::String,
            json!("+1 (555) 010-0100"),
        );
        let resync = crate::check::resync(&resource, &[phone]);
        assert!(!resync.passed());
        assert_eq!(resync.severity, Severity::Degrades);
    }

    #[test]
    fn a_resource_without_meta_is_an_rfc_matter_without_id_it_breaks_entra() {
        let core = ResourceKind::User.schema();
        let no_meta = crate::check::resource_shape(
            &json!({"schemas": [core], "id": "1"}),
            ResourceKind::User,
        );
        assert!(!no_meta.passed());
        assert_eq!(no_meta.severity, Severity::Rfc);
        let no_id = crate::check::resource_shape(
            &json!({"schemas": [core], "meta": {}}),
            ResourceKind::User,
        );
        assert_eq!(no_id.severity, Severity::BreaksEntra);
        let no_schema =
            crate::check::resource_shape(&json!({"id": "1", "meta": {}}), ResourceKind::User);
        assert_eq!(no_schema.severity, Severity::BreaksEntra);
    }

    #[test]
    fn case_and_punctuation_changes_are_normalisation() {
        assert!(is_normalised(
            &json!("Alice@Contoso.com"),
            &json!("alice@contoso.com")
        ));
        assert!(is_normalised(
            &json!("+1 (555) 010-0100"),
            &json!("15550100100")
        ));
    }

    #[test]
    fn other_values_types_and_equal_values_are_not_normalisation() {
        assert!(!is_normalised(&json!("alice-renamed"), &json!("alice")));
        assert!(!is_normalised(&json!(false), &json!(true)));
        assert!(!is_normalised(&json!("False"), &json!(false)));
        assert!(!is_normalised(&json!("same"), &json!("same")));
        assert!(!is_normalised(&json!("--"), &json!("")));
    }
}
