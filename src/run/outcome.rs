//! What happened: plain data that every reporter reads. Nothing here formats text for a
//! terminal; nothing here sends a request.

use std::time::Duration;

use crate::check::CheckResult;
use crate::diag::Location;
use crate::http::{Exchange, TransportError};
use crate::profile::Profile;

/// Why a step was not run (or not finished).
#[derive(Clone, Debug, PartialEq)]
pub enum NotRun {
    /// We could not talk to the server.
    Transport(TransportError),
    /// An earlier step's failure left this step without what it needs.
    Skipped(String),
    /// The run was interrupted (Ctrl-C).
    Interrupted,
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
    /// The step's request, then its read-back (if any).
    pub exchanges: Vec<Exchange>,
    pub checks: Vec<CheckResult>,
    pub elapsed: Duration,
}

impl StepOutcome {
    /// The index of the step's own request: its last write (a batch POSTs users before its
    /// PATCH; a read-back GET follows a write), or its first request when it only reads.
    pub fn request_index(&self) -> Option<usize> {
        self.exchanges
            .iter()
            .rposition(|e| e.sent.method != "GET")
            .or((!self.exchanges.is_empty()).then_some(0))
    }

    /// The step's own request (see [`StepOutcome::request_index`]).
    pub fn request(&self) -> Option<&Exchange> {
        self.request_index().and_then(|i| self.exchanges.get(i))
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

/// Step counts for the closing line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub not_run: usize,
}

impl RunSummary {
    /// How many steps passed, failed, or were not run.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for step in self.scenarios.iter().flat_map(|s| &s.steps) {
            match step.status {
                StepStatus::Passed => counts.passed += 1,
                StepStatus::Failed => counts.failed += 1,
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
}

/// Run results made by hand, for unit tests of what reads them (exit codes, severities, hints,
/// reports).
#[cfg(test)]
pub(crate) mod fixtures {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{CleanupReport, RunSummary, ScenarioOutcome, StepOutcome, StepStatus};
    use crate::check::CheckResult;
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
            exchanges,
            checks,
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
                status: 200,
                headers: Vec::new(),
                body: String::new(),
            }),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_steps_request_is_its_last_write_or_its_first_read() {
        // A batch: users POSTed first, then the PATCH, then its read-back.
        let batch = step(
            "B",
            ["POST", "POST", "PATCH", "GET"].map(sent).to_vec(),
            Vec::new(),
        );
        assert_eq!(batch.request().map(|e| e.sent.method), Some("PATCH"));
        let lookup = step("L", vec![sent("GET")], Vec::new());
        assert_eq!(lookup.request_index(), Some(0));
        assert_eq!(step("N", Vec::new(), Vec::new()).request(), None);
    }
}
