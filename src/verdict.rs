//! A run's failures by [`Severity`]: which failed steps break Entra and which are warnings.
//! The terminal, JSON and JUnit reports and [`crate::exit::code`] all read it from here, so
//! they agree on what a warning is.

use crate::check::Severity;
use crate::run::{RunSummary, StepOutcome, StepStatus};

/// The worst severity among a step's failed checks; `None` when none failed.
pub(crate) fn step_severity(step: &StepOutcome) -> Option<Severity> {
    Severity::worst(&step.checks)
}

/// Whether a failed step only degrades or deviates from the RFC: the terminal shows it as
/// `WARN`, and it makes the exit code 1 only with `--strict`.
pub(crate) fn is_warning(step: &StepOutcome) -> bool {
    step.status == StepStatus::Failed
        && step_severity(step).is_some_and(|s| s != Severity::BreaksEntra)
}

/// Failed steps, each counted once under the worst severity of its failed checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SeverityCounts {
    /// Steps with a failure that breaks Entra.
    pub breaks_entra: usize,
    /// Steps whose worst failure degrades.
    pub degrades: usize,
    /// Steps whose only failures are RFC deviations.
    pub rfc: usize,
}

impl SeverityCounts {
    /// The counts of a run.
    pub(crate) fn of(summary: &RunSummary) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        let failed = summary
            .scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .filter(|s| s.status == StepStatus::Failed);
        for step in failed {
            // A failed step without a failed check cannot happen; counted as breaking so
            // that it still fails the run.
            match step_severity(step).unwrap_or(Severity::BreaksEntra) {
                Severity::BreaksEntra => counts.breaks_entra += 1,
                Severity::Degrades => counts.degrades += 1,
                Severity::Rfc => counts.rfc += 1,
            }
        }
        counts
    }

    /// The count for one severity.
    pub(crate) fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::BreaksEntra => self.breaks_entra,
            Severity::Degrades => self.degrades,
            Severity::Rfc => self.rfc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{testing, CheckId, CheckResult, Target};
    use crate::run::fixtures::{run, step};

    fn fail(id: CheckId) -> CheckResult {
        let mut check = match id {
            CheckId::ContentType => testing::content_type("application/json"),
            _ => testing::status(&[200], 400),
        };
        check.id = id;
        check.severity = Severity::of(id);
        check
    }

    #[test]
    fn a_step_counts_once_under_its_worst_failure() {
        let steps = vec![
            step(
                "S",
                Vec::new(),
                vec![CheckResult::pass(CheckId::Status, Target::Status)],
            ),
            step("S", Vec::new(), vec![fail(CheckId::ContentType)]),
            step(
                "S",
                Vec::new(),
                vec![
                    fail(CheckId::ContentType),
                    fail(CheckId::Attribute).with_severity(Severity::Degrades),
                ],
            ),
            step(
                "S",
                Vec::new(),
                vec![fail(CheckId::ContentType), fail(CheckId::Status)],
            ),
        ];
        assert!(!is_warning(&steps[0]));
        assert!(is_warning(&steps[1]) && is_warning(&steps[2]));
        assert!(!is_warning(&steps[3]));
        let summary = run(steps);
        assert_eq!(
            SeverityCounts::of(&summary),
            SeverityCounts {
                breaks_entra: 1,
                degrades: 1,
                rfc: 1
            }
        );
    }
}
