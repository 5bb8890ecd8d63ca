//! Checks: pure functions from what came back (an [`crate::http::Exchange`]) and what Entra
//! expects, to [`CheckResult`]s. A check never sends a request.
//!
//! Adding a check: a [`CheckId`] variant (its name never changes once released), its logic in
//! the family file (`status`, `headers`, `list`, `resource`, `subset`), a fault in
//! `refserver/faults.rs` that breaks it, a pass test plus a fail test in `tests/`, its default
//! [`Severity`] in `severity.rs` (and, where what failed matters less, `with_severity` where the
//! result is made), and, when a failure of it has a cause of its own, a rule in `hints/rules.rs`.

mod finding;
mod headers;
mod list;
mod resource;
pub mod server_error;
mod severity;
mod status;
mod subset;
mod view;

pub use finding::{
    AttrProblem, Differing, Finding, ListProblem, ManagerProblem, Named, NotJson, ResourceProblem,
    Target, WriteAnswer,
};
pub use headers::content_type;
pub use list::{
    list_answer, list_body, list_count, list_ids, list_matches, list_reading, list_shape,
    resources, ListBody, Listed,
};
pub use resource::{
    attributes, manager, member_ids, members, members_excluded, resource_shape, resync,
    unusable_id, Expected,
};
pub use severity::{is_normalised, Severity};
pub use status::status;
pub use subset::body_subset;
pub use view::{parse_bounded, parse_reading, BodyError, Reads, MAX_VALUES};

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
    /// A 429 says when to try again with `Retry-After` (§6.2; the gallery checklist asks for it).
    RetryAfter,
    /// Every mapped attribute is described by `GET /Schemas` (`Schema_Discoverability_Test`,
    /// entra-2026 §1.4).
    Discoverable,
    /// The server answers 25 requests a second without errors (the gallery checklist, §7).
    Rate,
    /// The OAuth access token lives 60–360 minutes (`Validate_Credentials_Test`, entra-2026 §3).
    TokenLifetime,
}

impl CheckId {
    /// Every check kind, in declaration order (`scimcheck checks` lists them).
    pub const ALL: &[CheckId] = &[
        CheckId::Status,
        CheckId::Json,
        CheckId::ContentType,
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
        CheckId::Resync,
        CheckId::RetryAfter,
        CheckId::Discoverable,
        CheckId::Rate,
        CheckId::TokenLifetime,
    ];

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
            CheckId::RetryAfter => "RETRY-AFTER",
            CheckId::Discoverable => "DISCOVERABLE",
            CheckId::Rate => "RATE",
            CheckId::TokenLifetime => "TOKEN-LIFETIME",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which exchange of a step a check read. Made by the runner as it records the exchange
/// ([`ExchangeRef::new`]), so no one computes an index with offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExchangeRef(usize);

impl ExchangeRef {
    /// The reference to the exchange at `index` of a step's record.
    pub fn new(index: usize) -> ExchangeRef {
        ExchangeRef(index)
    }

    /// The index in the step's exchanges.
    pub fn index(self) -> usize {
        self.0
    }
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    pub id: CheckId,
    /// What was checked.
    pub target: Target,
    /// Whether it read the read-back of a write (the GET Entra would do next).
    pub read_back: bool,
    /// Which exchange of the step it read.
    pub exchange: ExchangeRef,
    pub outcome: Outcome,
    /// How much a failure matters to Entra; set where the result is made, defaulting to
    /// [`Severity::of`] the kind. Meaningless for a pass.
    pub severity: Severity,
    /// For a read-back: the write it checks ("PATCH returned 204 but …").
    pub after: Option<WriteAnswer>,
}

/// Pass, or what was found.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Pass,
    /// The server answered, and the answer breaks what Entra expects.
    Fail(Box<Finding>),
}

impl CheckResult {
    pub(crate) fn pass(id: CheckId, target: Target) -> CheckResult {
        CheckResult {
            id,
            target,
            read_back: false,
            exchange: ExchangeRef::default(),
            outcome: Outcome::Pass,
            severity: Severity::of(id),
            after: None,
        }
    }

    pub(crate) fn fail(id: CheckId, target: Target, finding: Finding) -> CheckResult {
        CheckResult {
            outcome: Outcome::Fail(Box::new(finding)),
            ..CheckResult::pass(id, target)
        }
    }

    /// Marks the result as read from this exchange of the step.
    pub fn on(mut self, exchange: ExchangeRef) -> CheckResult {
        self.exchange = exchange;
        self
    }

    /// Marks the result as the read-back of a write that answered `after`.
    pub(crate) fn reading_back(mut self, after: Option<WriteAnswer>) -> CheckResult {
        self.read_back = true;
        self.after = after;
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

    /// What was found, for a failure.
    pub fn finding(&self) -> Option<&Finding> {
        match &self.outcome {
            Outcome::Fail(finding) => Some(finding),
            Outcome::Pass => None,
        }
    }

    /// What was checked, as reports print it: "read-back attribute `department`".
    pub fn subject(&self) -> String {
        if self.read_back {
            format!("read-back {}", self.target.describe())
        } else {
            self.target.describe()
        }
    }

    /// The failure's sentence (empty for a pass).
    pub fn message(&self) -> String {
        self.finding()
            .map(|f| f.message(self.after))
            .unwrap_or_default()
    }

    /// What Entra expected (empty for a pass).
    pub fn expected(&self) -> String {
        self.finding().map(Finding::expected).unwrap_or_default()
    }

    /// What the server answered (empty for a pass).
    pub fn actual(&self) -> String {
        self.finding().map(Finding::actual).unwrap_or_default()
    }

    /// The check's stable id within a run: the step's id and the check kind,
    /// `USER-DISABLE/STATUS`. Reports, CI filters and support tickets name checks by it, so it
    /// never changes once released (several checks of one kind in a step share it; their
    /// `subject` tells them apart).
    pub fn stable_id(&self, step_id: &str) -> String {
        format!("{step_id}/{}", self.id)
    }
}

/// Parses a response body as JSON, or finds why it is not (an HTML page, empty, …).
pub fn json_body(received: &crate::http::Received) -> Result<serde_json::Value, Box<CheckResult>> {
    received
        .json()
        .map_err(|error| not_json(received, &BodyError::Json(error)))
}

/// Parses a response body as JSON as far as `reads` says ([`parse_reading`]), or finds why
/// it is not JSON.
pub fn json_reading(
    received: &crate::http::Received,
    reads: &Reads,
) -> Result<serde_json::Value, Box<CheckResult>> {
    parse_reading(&received.body, reads).map_err(|error| not_json(received, &error))
}

/// The finding on a body that did not parse as JSON.
fn not_json(received: &crate::http::Received, error: &BodyError) -> Box<CheckResult> {
    let problem = if received.is_html() {
        NotJson::Html
    } else if received.body.trim().is_empty() {
        NotJson::Empty
    } else {
        match error {
            BodyError::Json(error) => NotJson::Invalid(error.to_string()),
            BodyError::TooManyValues => NotJson::TooManyValues,
        }
    };
    Box::new(CheckResult::fail(
        CheckId::Json,
        Target::Body,
        Finding::NotJson(problem),
    ))
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

/// Failed checks made by hand, for unit tests of what reads them.
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::Value;

    use super::{AttrProblem, CheckId, CheckResult, Finding, Target};
    use crate::attributes::AttrPath;

    /// A status check that got `got` where `allowed` was expected.
    pub(crate) fn status(allowed: &[u16], got: u16) -> CheckResult {
        CheckResult::fail(
            CheckId::Status,
            Target::Status,
            Finding::Status {
                allowed: allowed.to_vec(),
                received: got,
                error: None,
            },
        )
    }

    /// An attribute found with `actual` (`None`: absent) instead of `expected`.
    pub(crate) fn attribute(path: &str, expected: Value, actual: Option<Value>) -> CheckResult {
        let path = AttrPath::parse(path).unwrap_or_else(|e| panic!("{e}"));
        CheckResult::fail(
            CheckId::Attribute,
            Target::Attribute(path.clone()),
            Finding::Attribute {
                path,
                expected,
                problem: actual.map_or(AttrProblem::Absent, AttrProblem::WrongValue),
            },
        )
    }

    /// A Content-Type check that found `received`.
    pub(crate) fn content_type(received: &str) -> CheckResult {
        CheckResult::fail(
            CheckId::ContentType,
            Target::ContentType,
            Finding::ContentType {
                received: Some(received.to_owned()),
            },
        )
    }

    /// A list count of `total` where `expected` were expected.
    pub(crate) fn list_count(expected: u64, total: u64) -> CheckResult {
        CheckResult::fail(
            CheckId::ListCount,
            Target::Count,
            Finding::ListCount {
                expected,
                total,
                listed: total,
            },
        )
    }
}
