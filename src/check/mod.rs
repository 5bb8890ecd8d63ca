//! Checks: pure functions from what came back (an [`crate::http::Exchange`]) and what Entra
//! expects, to [`CheckResult`]s. A check never sends a request.
//!
//! Adding a check: a [`CheckId`] variant (its name never changes once released), its logic in
//! the family file (`status`, `headers`, `list`, `resource`, `subset`), a fault in
//! `refserver/faults.rs` that breaks it, a pass test plus a fail test in `tests/`, its default
//! [`Severity`] in `severity.rs` (and, where what failed matters less, `with_severity` where the
//! result is made), and, when a failure of it has a cause of its own, a rule in `hints/rules.rs`.

mod headers;
mod list;
mod resource;
mod severity;
mod status;
mod subset;

pub use headers::content_type;
pub use list::{list_count, list_matches, list_shape, resources};
pub use resource::{
    attributes, manager, members, members_excluded, resource_shape, resync, Expected,
};
pub use severity::{is_normalised, Severity};
pub use status::status;
pub use subset::body_subset;

use std::fmt;

/// The stable name of a check kind; with the step's id it makes a check's stable id
/// ([`CheckResult::stable_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    /// The status code is one Entra accepts (§6.1).
    Status,
    /// The body is JSON where Entra parses it.
    Json,
    /// Responses are `application/scim+json` (§6.1).
    ContentType,
    /// A ListResponse has `schemas`, `totalResults` and `Resources` (capital R) (§6.1).
    ListShape,
    /// The list holds as many results as expected.
    ListCount,
    /// Every listed resource matches the filter that was sent (§3.4).
    ListMatches,
    /// A resource has `schemas`, `id` and `meta` (§6.1).
    ResourceShape,
    /// Each mapped attribute has the value and JSON type Entra sent.
    Attribute,
    /// The group's members are the ones Entra added and did not remove.
    Members,
    /// `excludedAttributes=members` leaves `members` out (§4.2).
    MembersExcluded,
    /// The body contains the JSON the scenario expects.
    BodySubset,
    /// A capture found its value.
    Capture,
    /// The enterprise `manager` comes back as an object `{"value": id}` (§3.6).
    Manager,
    /// The next cycle finds nothing to PATCH: values come back as Entra sent them (§3.4, §6.1).
    Resync,
}

impl CheckId {
    /// The id as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Status => "STATUS",
            CheckId::Json => "JSON",
            CheckId::ContentType => "CONTENT-TYPE",
            CheckId::ListShape => "LIST-SHAPE",
            CheckId::ListCount => "LIST-COUNT",
            CheckId::ListMatches => "LIST-MATCHES-FILTER",
            CheckId::ResourceShape => "RESOURCE-SHAPE",
            CheckId::Attribute => "ATTRIBUTE",
            CheckId::Members => "MEMBERS",
            CheckId::MembersExcluded => "MEMBERS-EXCLUDED",
            CheckId::BodySubset => "BODY",
            CheckId::Capture => "CAPTURE",
            CheckId::Manager => "MANAGER",
            CheckId::Resync => "RESYNC",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    pub id: CheckId,
    /// What was checked, e.g. "status", "attribute `department`".
    pub subject: String,
    /// Which exchange of the step it read (0: the step's request, 1: its read-back).
    pub exchange: usize,
    pub outcome: Outcome,
    /// How much a failure matters to Entra; set where the result is made, defaulting to
    /// [`Severity::of`] the kind. Meaningless for a pass.
    pub severity: Severity,
}

/// Pass, or what was wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Pass,
    /// The server answered, and the answer breaks what Entra expects.
    Fail {
        /// One sentence for a person: what is wrong.
        message: String,
        expected: String,
        actual: String,
    },
}

impl CheckResult {
    pub(crate) fn pass(id: CheckId, subject: impl Into<String>) -> CheckResult {
        CheckResult {
            id,
            subject: subject.into(),
            exchange: 0,
            outcome: Outcome::Pass,
            severity: Severity::of(id),
        }
    }

    pub(crate) fn fail(
        id: CheckId,
        subject: impl Into<String>,
        message: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> CheckResult {
        CheckResult {
            id,
            subject: subject.into(),
            exchange: 0,
            outcome: Outcome::Fail {
                message: message.into(),
                expected: expected.into(),
                actual: actual.into(),
            },
            severity: Severity::of(id),
        }
    }

    /// Marks the result as read from exchange `index` of the step.
    pub fn on_exchange(mut self, index: usize) -> CheckResult {
        self.exchange = index;
        self
    }

    /// Sets the severity, where what failed matters more or less than the kind's default.
    pub fn with_severity(mut self, severity: Severity) -> CheckResult {
        self.severity = severity;
        self
    }

    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Pass)
    }

    /// The check's stable id within a run: the step's id and the check kind,
    /// `USER-DISABLE/STATUS`. Reports, CI filters and support tickets name checks by it, so it
    /// never changes once released (several checks of one kind in a step share it; their
    /// `subject` tells them apart).
    pub fn stable_id(&self, step_id: &str) -> String {
        format!("{step_id}/{}", self.id)
    }
}

/// Parses a response body as JSON, or explains why it is not (an HTML page, empty, …).
pub fn json_body(received: &crate::http::Received) -> Result<serde_json::Value, CheckResult> {
    received.json().map_err(|error| {
        let actual = if received.is_html() {
            "an HTML page (a login page or a proxy in front of the SCIM service?)".to_owned()
        } else if received.body.trim().is_empty() {
            "an empty body".to_owned()
        } else {
            format!("not JSON ({error})")
        };
        CheckResult::fail(
            CheckId::Json,
            "body",
            format!("the body is {actual}"),
            "a SCIM JSON body",
            actual,
        )
    })
}

/// Renders a JSON value short enough for a one-line message.
pub(crate) fn short(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.len() > 120 {
        let mut end = 117;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    } else {
        text
    }
}
