//! What happened: plain data that every reporter reads. Nothing here formats text for a
//! terminal; nothing here sends a request.

use std::time::Duration;

use crate::attributes::{AttrPath, ResourceKind};
use crate::check::{CheckId, CheckResult, ExchangeRef};
use crate::diag::Location;
use crate::http::{Exchange, TransportError};
use crate::profile::Profile;

/// Why a step was not run (or not finished).
#[derive(Clone, Debug, PartialEq)]
pub enum NotRun {
    /// We could not talk to the server: an error, not a verdict on the server's answers.
    Transport(TransportError),
    /// What the step is about does not hold: an earlier finding, or the named object is not
    /// on the server. The step would have tested something else than its name says.
    Premise(Premise),
    /// The run was interrupted (Ctrl-C).
    Interrupted,
}

/// The premise a step lacks, and which earlier step's finding took it away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Premise {
    /// The step whose finding it is, and the check kind (`USER-CREATE`, `STATUS`).
    pub blame: Option<Blame>,
    pub kind: Box<PremiseKind>,
}

/// An earlier step's failed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blame {
    pub step: String,
    pub check: CheckId,
}

/// What is missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PremiseKind {
    /// The object was never created on the server.
    NeverCreated { object: String, kind: ResourceKind },
    /// An earlier write of this attribute was not stored, so Entra's view and the server's
    /// differ there: a step about the new value would test the old one.
    NotStored { object: String, attr: AttrPath },
    /// The object has no server id (the step that would create or find it did not run).
    NoId { object: String },
    /// The server gave the object an id that cannot address it (`..`, a control character):
    /// no request is sent with it (see [`crate::id`]).
    UnusableId {
        object: String,
        id: String,
        problem: crate::id::IdProblem,
    },
    /// A variable an earlier step should have captured.
    Variable { name: String },
    /// `--read-only --user`/`--group`: no such object on the server.
    NotOnServer {
        kind: ResourceKind,
        attr: AttrPath,
        value: String,
    },
    /// An earlier step got no answer from the server.
    Unreachable,
    /// Test Connection showed a cause that blocks everything (`hint:token`); `--keep-going`
    /// runs the rest anyway.
    Blocked { hint: String },
}

impl Premise {
    pub(crate) fn new(kind: PremiseKind) -> Premise {
        Premise {
            blame: None,
            kind: Box::new(kind),
        }
    }

    pub(crate) fn blamed(kind: PremiseKind, blame: Option<Blame>) -> Premise {
        Premise {
            blame,
            kind: Box::new(kind),
        }
    }
}

impl std::fmt::Display for Premise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let because = self
            .blame
            .as_ref()
            .map(|b| format!(" ({} failed: {})", b.step, b.check))
            .unwrap_or_default();
        match self.kind.as_ref() {
            PremiseKind::NeverCreated { object, kind } => write!(
                f,
                "not run: the {} {object} was never created{because}",
                kind.name().to_ascii_lowercase()
            ),
            PremiseKind::NotStored { object, attr } => write!(
                f,
                "not run: the server did not store {object}'s new `{attr}`{because}, so this step would test the old value"
            ),
            PremiseKind::NoId { object } => write!(
                f,
                "not run: {object} has no id: the step that should have created or found it did not run{because}"
            ),
            PremiseKind::UnusableId { object, id, problem } => write!(
                f,
                "not run: the server gave {object} the id `{}`, which cannot address it ({}){because}",
                crate::id::shown(id),
                problem.describe()
            ),
            PremiseKind::Variable { name } => write!(
                f,
                "not run: `{name}` is not set: the step that should have captured it failed{because}"
            ),
            PremiseKind::NotOnServer { kind, attr, value } => write!(
                f,
                "not run: no {} with {attr} `{value}` on the server; check the name",
                kind.name().to_ascii_lowercase()
            ),
            PremiseKind::Unreachable => write!(f, "not run: the server could not be reached"),
            PremiseKind::Blocked { hint } => write!(
                f,
                "not run: Test Connection shows a cause that blocks everything ({hint}); --keep-going runs the rest anyway"
            ),
        }
    }
}

/// A step judged on a fallback object: Entra's exact create was refused, and a reduced one
/// (derived from the server's answer) made the object, so the rest of the cycle is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    pub object: String,
    pub kind: ResourceKind,
    /// The step whose create was refused.
    pub step: String,
    pub changes: Vec<FallbackChange>,
}

/// How a fallback create differs from Entra's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FallbackChange {
    /// Sent without this schema extension.
    DroppedExtension(String),
    /// Sent with this attribute the server requires (a generated value).
    AddedRequired(AttrPath),
    /// Sent without this attribute the server does not know.
    DroppedUnknown(AttrPath),
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| match c {
                FallbackChange::DroppedExtension(urn)
                    if urn == crate::scim::ENTERPRISE_USER_SCHEMA =>
                {
                    "without the enterprise extension".to_owned()
                }
                FallbackChange::DroppedExtension(urn) => format!("without `{urn}`"),
                FallbackChange::AddedRequired(path) => format!("with `{path}` added"),
                FallbackChange::DroppedUnknown(path) => format!("without `{path}`"),
            })
            .collect();
        // Said of the kind, not of each object: every object of the kind made after the
        // refusal is a fallback of the same form.
        write!(
            f,
            "judged on a fallback {} {}: Entra's own create was refused at {}",
            self.kind.name().to_ascii_lowercase(),
            changes.join(", "),
            self.step
        )
    }
}

/// How a step ended.
#[derive(Clone, Debug, PartialEq)]
pub enum StepStatus {
    Passed,
    /// The server answered, and some check failed.
    Failed,
    NotRun(NotRun),
}

/// One step's record.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    /// The step's stable id (`USER-DISABLE`).
    pub id: String,
    pub name: String,
    pub location: Location,
    pub status: StepStatus,
    /// Every exchange of the step in the order sent: setup (a batch POSTs its members
    /// first), the step's own request, fallback tries, the read-back.
    pub exchanges: Vec<Exchange>,
    /// The step's own request among [`StepOutcome::exchanges`]; those before it are setup.
    pub request: Option<ExchangeRef>,
    pub checks: Vec<CheckResult>,
    /// The objects this step was judged on that are fallbacks (see [`Fallback`]).
    pub fallbacks: Vec<Fallback>,
    pub elapsed: Duration,
}

impl StepOutcome {
    /// The index of the step's own request.
    pub fn request_index(&self) -> Option<usize> {
        self.request.map(ExchangeRef::index)
    }

    /// The step's own request.
    pub fn request(&self) -> Option<&Exchange> {
        self.exchange(self.request?)
    }

    /// The exchange a check read.
    pub fn exchange(&self, at: ExchangeRef) -> Option<&Exchange> {
        self.exchanges.get(at.index())
    }

    /// The exchanges sent before the step's own request (a batch's member creates).
    pub fn setup(&self) -> &[Exchange] {
        &self.exchanges[..self.request_index().unwrap_or(0).min(self.exchanges.len())]
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| !c.passed())
    }
}

/// One scenario run under one profile.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioOutcome {
    pub name: String,
    pub description: String,
    pub source: String,
    pub profile: Profile,
    pub steps: Vec<StepOutcome>,
    pub elapsed: Duration,
}

impl ScenarioOutcome {
    /// Whether every step passed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.status == StepStatus::Passed)
    }

    /// Requests sent, read-backs included.
    pub fn requests(&self) -> usize {
        self.steps.iter().map(|s| s.exchanges.len()).sum()
    }
}

/// A resource the run created and could not delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    pub kind: crate::attributes::ResourceKind,
    /// The server's id, or `None` when only the name is known (an interrupted create).
    pub id: Option<String>,
    /// The name the run gave it (`scimcheck-<run id>-…`).
    pub name: String,
    pub url: String,
    pub reason: String,
}

/// What cleanup did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CleanupReport {
    /// Resources deleted by cleanup (not by scenario steps).
    pub deleted: usize,
    pub leftovers: Vec<Leftover>,
    /// Cleanup's own requests.
    pub exchanges: Vec<Exchange>,
    /// Whether cleanup was skipped (`--keep`).
    pub kept: bool,
}

/// The whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub run_id: String,
    pub scenarios: Vec<ScenarioOutcome>,
    pub cleanup: CleanupReport,
    pub interrupted: bool,
    pub elapsed: Duration,
}

/// Step counts for the closing line, in the one vocabulary the terminal, the JSON and the
/// JUnit share: passed, failed (the server answered wrongly), not run (a premise failed, or
/// the run was interrupted), error (no answer: the transport failed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub not_run: usize,
    pub errors: usize,
}

impl RunSummary {
    /// How many steps passed, failed, were not run, or ended in a transport error.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for step in self.scenarios.iter().flat_map(|s| &s.steps) {
            match step.status {
                StepStatus::Passed => counts.passed += 1,
                StepStatus::Failed => counts.failed += 1,
                StepStatus::NotRun(NotRun::Transport(_)) => counts.errors += 1,
                StepStatus::NotRun(_) => counts.not_run += 1,
            }
        }
        counts
    }

    /// The first transport error, if the server could not be reached.
    pub fn transport_error(&self) -> Option<&TransportError> {
        self.scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .find_map(|s| match &s.status {
                StepStatus::NotRun(NotRun::Transport(e)) => Some(e),
                _ => None,
            })
    }

    /// Requests sent, cleanup included.
    pub fn requests(&self) -> usize {
        self.scenarios
            .iter()
            .map(ScenarioOutcome::requests)
            .sum::<usize>()
            + self.cleanup.exchanges.len()
    }

    /// The 429s the server answered, cleanup's included, and how many said `Retry-After`
    /// (client-behaviour §6.2: the gallery checklist asks for it).
    pub fn throttled(&self) -> Throttled {
        let exchanges = self
            .scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .flat_map(|s| &s.exchanges)
            .chain(&self.cleanup.exchanges);
        let mut throttled = Throttled::default();
        for response in exchanges.filter_map(Exchange::response) {
            if response.status == 429 {
                throttled.answers += 1;
                throttled.with_retry_after += usize::from(response.header("retry-after").is_some());
            }
        }
        throttled
    }
}

/// The 429 answers of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Throttled {
    /// Answers with status 429.
    pub answers: usize,
    /// Those of them that carried `Retry-After`.
    pub with_retry_after: usize,
}

/// Run results made by hand, for unit tests of what reads them (exit codes, severities, hints,
/// reports).
#[cfg(test)]
pub(crate) mod fixtures {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{CleanupReport, RunSummary, ScenarioOutcome, StepOutcome, StepStatus};
    use crate::check::{CheckResult, ExchangeRef};
    use crate::diag::Location;
    use crate::http::Exchange;
    use crate::profile::Profile;

    /// A step as the runner records it: failed when a check failed, else passed.
    pub(crate) fn step(
        id: &str,
        exchanges: Vec<Exchange>,
        checks: Vec<CheckResult>,
    ) -> StepOutcome {
        let failed = checks.iter().any(|c| !c.passed());
        StepOutcome {
            id: id.into(),
            name: id.to_ascii_lowercase(),
            location: Location {
                file: Arc::from("builtin:x.yaml"),
                line: 1,
                column: 1,
            },
            status: if failed {
                StepStatus::Failed
            } else {
                StepStatus::Passed
            },
            request: (!exchanges.is_empty()).then(|| ExchangeRef::new(0)),
            exchanges,
            checks,
            fallbacks: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    /// A run of one scenario `s` with these steps, nothing left behind.
    pub(crate) fn run(steps: Vec<StepOutcome>) -> RunSummary {
        RunSummary {
            run_id: "r1".into(),
            scenarios: vec![ScenarioOutcome {
                name: "s".into(),
                description: String::new(),
                source: "builtin:x.yaml".into(),
                profile: Profile::EntraDefault,
                steps,
                elapsed: Duration::ZERO,
            }],
            cleanup: CleanupReport::default(),
            interrupted: false,
            elapsed: Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::fixtures::step;
    use crate::http::{Exchange, Received, Sent};

    fn sent(method: &'static str) -> Exchange {
        Exchange {
            sent: Sent {
                method,
                url: format!("http://h/{method}"),
                headers: Vec::new(),
                body: None,
            },
            received: Ok(Received {
                full_size: None,
                status: 200,
                headers: Vec::new(),
                body: String::new(),
            }),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_steps_setup_is_what_was_sent_before_its_own_request() {
        // A batch: users POSTed first, then the PATCH, then its read-back.
        let mut batch = step(
            "B",
            ["POST", "POST", "PATCH", "GET"].map(sent).to_vec(),
            Vec::new(),
        );
        batch.request = Some(crate::check::ExchangeRef::new(2));
        assert_eq!(batch.request().map(|e| e.sent.method), Some("PATCH"));
        assert_eq!(batch.setup().len(), 2);
        let lookup = step("L", vec![sent("GET")], Vec::new());
        assert_eq!(lookup.request_index(), Some(0));
        assert!(lookup.setup().is_empty());
        assert_eq!(step("N", Vec::new(), Vec::new()).request(), None);
    }
}
