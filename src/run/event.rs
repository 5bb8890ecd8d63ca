//! Events the runner emits as it goes, so reporters can stream (the terminal, the progress bar).

use super::outcome::{CleanupReport, ScenarioOutcome, StepOutcome};
use crate::profile::Profile;

/// Something that just happened in a run.
#[derive(Debug)]
pub enum RunEvent<'a> {
    ScenarioStarted {
        name: &'a str,
        profile: Profile,
        steps: usize,
    },
    StepFinished {
        scenario: &'a str,
        profile: Profile,
        step: &'a StepOutcome,
    },
    ScenarioFinished {
        outcome: &'a ScenarioOutcome,
    },
    CleanupStarted {
        resources: usize,
    },
    CleanupFinished {
        report: &'a CleanupReport,
    },
}
