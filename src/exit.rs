//! Exit codes, documented in the README. Chosen like hurl's: the code says who has to act.
//!
//! Only failures that break Entra make a run exit [`CHECK_FAILED`]: a server that works with
//! Entra but re-PATCHes every cycle or deviates from the RFC (see [`crate::check::Severity`])
//! passes, with warnings, unless the run is `--strict`.

use crate::run::{NotRun, PremiseKind, RunSummary, StepStatus};
use crate::verdict::SeverityCounts;

/// Every check passed (or only checks that do not break Entra failed, without `--strict`) and
/// everything the run created was deleted.
pub const OK: i32 = 0;
/// A check failed: the server answered, and the answer breaks Entra (with `--strict`: any
/// failed check); or a step could not run because an earlier one failed.
pub const CHECK_FAILED: i32 = 1;
/// A bad command line or scenario file; nothing was sent. Also a read-only run whose named
/// user or group is not on the server: the name is wrong, not the server.
pub const USAGE: i32 = 2;
/// The server could not be reached or talked to (DNS, refused, TLS, timeout, huge body).
pub const TRANSPORT: i32 = 3;
/// No check that counts failed, but cleanup left resources behind.
pub const LEFTOVERS: i32 = 4;
/// Interrupted (Ctrl-C); cleanup ran first. 128 + SIGINT, as shells report it.
pub const INTERRUPTED: i32 = 130;

/// The exit code of a finished run. `strict` (`--strict`): every failed check counts, not
/// only those that break Entra.
pub fn code(summary: &RunSummary, strict: bool) -> i32 {
    let counts = summary.counts();
    let failed = if strict {
        counts.failed
    } else {
        SeverityCounts::of(summary).breaks_entra
    };
    if summary.interrupted {
        INTERRUPTED
    } else if summary.transport_error().is_some() {
        TRANSPORT
    } else if named_object_missing(summary) {
        USAGE
    } else if failed > 0 || counts.not_run > 0 || counts.errors > 0 {
        CHECK_FAILED
    } else if !summary.cleanup.leftovers.is_empty() {
        LEFTOVERS
    } else {
        OK
    }
}

/// Whether a step found that an object named on the command line is not on the server.
fn named_object_missing(summary: &RunSummary) -> bool {
    summary.scenarios.iter().flat_map(|s| &s.steps).any(|s| {
        matches!(&s.status, StepStatus::NotRun(NotRun::Premise(p))
            if matches!(p.kind.as_ref(), PremiseKind::NotOnServer { .. }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{testing, CheckResult, Severity};
    use crate::run::fixtures::{run, step};

    fn summary(failure: CheckResult) -> RunSummary {
        run(vec![step("S", Vec::new(), vec![failure])])
    }

    #[test]
    fn only_failures_that_break_entra_fail_the_run_unless_strict() {
        let breaks = summary(testing::status(&[200], 400));
        let rfc = summary(testing::content_type("application/json"));
        let degrades = summary(
            testing::attribute("displayName", "A".into(), Some("a".into()))
                .with_severity(Severity::Degrades),
        );
        assert_eq!(code(&breaks, false), CHECK_FAILED);
        assert_eq!(code(&breaks, true), CHECK_FAILED);
        assert_eq!(code(&rfc, false), OK);
        assert_eq!(code(&degrades, false), OK);
        assert_eq!(code(&rfc, true), CHECK_FAILED);
        assert_eq!(code(&degrades, true), CHECK_FAILED);
    }
}
