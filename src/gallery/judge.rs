//! Each gallery test judged from the run's step outcomes: pass when every step that shows it
//! passed, fail when one failed, not run when a premise failed, and not checkable here when
//! its steps are not in the run (with the reason).

use super::catalogue::{GalleryTest, Judged, TESTS};
use crate::check::CheckId;
use crate::plan::SkippedScenario;
use crate::profile::Profile;
use crate::run::{NotRun, RunSummary, StepOutcome, StepStatus};

/// A gallery test's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GalleryStatus {
    Passed,
    /// A step that shows it failed; for an optional test (`Delete_User_Test`) a warning.
    Failed,
    /// A step that shows it was not run: its premise failed, or the server could not be
    /// reached. The reason, in words.
    NotRun(String),
    /// Not checkable without a tenant, or its steps were not in the run. The reason.
    NotCheckable(String),
}

impl GalleryStatus {
    /// `pass`, `fail`, `warn` (an optional test failed), `not-run` or `not-checkable`.
    pub fn label(&self, required: bool) -> &'static str {
        match self {
            GalleryStatus::Passed => "pass",
            GalleryStatus::Failed if required => "fail",
            GalleryStatus::Failed => "warn",
            GalleryStatus::NotRun(_) => "not-run",
            GalleryStatus::NotCheckable(_) => "not-checkable",
        }
    }

    /// The reason of a test not run or not checkable.
    pub fn reason(&self) -> Option<&str> {
        match self {
            GalleryStatus::NotRun(why) | GalleryStatus::NotCheckable(why) => Some(why),
            GalleryStatus::Passed | GalleryStatus::Failed => None,
        }
    }
}

/// One step that shows a test, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub scenario: String,
    pub profile: Profile,
    /// The step's id (`USER-DISABLE`).
    pub step: String,
    /// `passed`, `failed` or `not-run`.
    pub status: &'static str,
}

/// A test, its verdict, and the steps it rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GalleryVerdict {
    pub test: GalleryTest,
    pub status: GalleryStatus,
    pub evidence: Vec<Evidence>,
}

impl GalleryVerdict {
    /// `pass`, `fail`, `warn`, `not-run` or `not-checkable`.
    pub fn label(&self) -> &'static str {
        self.status.label(self.test.required)
    }
}

/// What the run knows of steps that are absent on purpose: scenarios the mapping skipped, and
/// direct checks that could not be made here (with the reason).
#[derive(Clone, Debug, Default)]
pub struct Absent {
    pub skipped: Vec<SkippedScenario>,
    /// (scenario, step id, reason).
    pub not_checkable: Vec<(String, String, String)>,
}

/// Every gallery test, judged.
pub fn judge(summary: &RunSummary, absent: &Absent) -> Vec<GalleryVerdict> {
    TESTS
        .iter()
        .map(|test| match test.judged {
            Judged::Steps(steps) => by_steps(*test, steps, summary, absent),
            Judged::Throttling => by_throttling(*test, summary),
            Judged::Tenant(why) => GalleryVerdict {
                test: *test,
                status: GalleryStatus::NotCheckable(why.to_owned()),
                evidence: Vec::new(),
            },
        })
        .collect()
}

fn evidence(scenario: &str, profile: Profile, step: &StepOutcome) -> Evidence {
    Evidence {
        scenario: scenario.to_owned(),
        profile,
        step: step.id.clone(),
        status: match step.status {
            StepStatus::Passed => "passed",
            StepStatus::Failed => "failed",
            StepStatus::NotRun(_) => "not-run",
        },
    }
}

fn not_run_reason(step: &StepOutcome) -> Option<String> {
    match &step.status {
        StepStatus::NotRun(NotRun::Premise(premise)) => {
            Some(format!("{} not run: {premise}", step.id))
        }
        StepStatus::NotRun(NotRun::Transport(error)) => {
            Some(format!("{} got no answer: {error}", step.id))
        }
        StepStatus::NotRun(NotRun::Interrupted) => Some(format!("{} interrupted", step.id)),
        StepStatus::Passed | StepStatus::Failed => None,
    }
}

fn by_steps(
    test: GalleryTest,
    steps: &[(&str, &str)],
    summary: &RunSummary,
    absent: &Absent,
) -> GalleryVerdict {
    let mut found = Vec::new();
    let mut missing = None;
    for (scenario, id) in steps {
        let before = found.len();
        for outcome in summary.scenarios.iter().filter(|s| s.name == *scenario) {
            for step in outcome.steps.iter().filter(|s| s.id == *id) {
                found.push((outcome.name.as_str(), outcome.profile, step));
            }
        }
        if found.len() == before && missing.is_none() {
            missing = Some(absent_reason(scenario, id, absent));
        }
    }
    let status = if found.iter().any(|(_, _, s)| s.status == StepStatus::Failed) {
        GalleryStatus::Failed
    } else if let Some(why) = missing {
        GalleryStatus::NotCheckable(why)
    } else if let Some(why) = found.iter().find_map(|(_, _, s)| not_run_reason(s)) {
        GalleryStatus::NotRun(why)
    } else {
        GalleryStatus::Passed
    };
    GalleryVerdict {
        test,
        status,
        evidence: found
            .iter()
            .map(|(scenario, profile, step)| evidence(scenario, *profile, step))
            .collect(),
    }
}

fn absent_reason(scenario: &str, id: &str, absent: &Absent) -> String {
    if let Some((_, _, why)) = absent
        .not_checkable
        .iter()
        .find(|(s, i, _)| s == scenario && i == id)
    {
        return why.clone();
    }
    if let Some(skipped) = absent.skipped.iter().find(|s| s.name == scenario) {
        return format!("scenario `{scenario}` skipped: {}", skipped.reason);
    }
    format!("step {id} of `{scenario}` is not in this run (--only, --skip or --scenario)")
}

/// `Checklist_429_Retry_After`: every 429 of the run, scenario steps and the load alike.
fn by_throttling(test: GalleryTest, summary: &RunSummary) -> GalleryVerdict {
    let mut evidence_steps = Vec::new();
    let mut failed = false;
    for outcome in &summary.scenarios {
        for step in &outcome.steps {
            let throttled = step
                .exchanges
                .iter()
                .any(|e| e.response().is_some_and(|r| r.status == 429));
            let checked: Vec<bool> = step
                .checks
                .iter()
                .filter(|c| c.id == CheckId::RetryAfter)
                .map(crate::check::CheckResult::passed)
                .collect();
            if throttled || !checked.is_empty() {
                failed |= checked.contains(&false);
                evidence_steps.push(evidence(&outcome.name, outcome.profile, step));
            }
        }
    }
    let status = if failed {
        GalleryStatus::Failed
    } else if evidence_steps.is_empty() {
        GalleryStatus::NotCheckable(
            "the server never answered 429, not even at 25 requests/s, so its Retry-After could not be seen".to_owned(),
        )
    } else {
        GalleryStatus::Passed
    };
    GalleryVerdict {
        test,
        status,
        evidence: evidence_steps,
    }
}
