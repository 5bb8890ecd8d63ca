//! The JUnit XML report (`--junit PATH`), for the test views of CI systems (GitHub Actions,
//! GitLab, Azure DevOps).
//!
//! One `<testsuite>` per scenario and profile, named `"{scenario} [{profile}]"`, and one
//! `<testcase>` per step, so the CI view names the request that failed. The step's status maps
//! onto JUnit's own split (design §2.3):
//!
//! - the server answered wrongly → `<failure message="first failed check" type="STEP-ID/CHECK">`
//!   (the worst failed check's stable id) whose text lists every failed check and the step's
//!   `file:line:column`. A step whose failures only degrade or deviate from the RFC is still a
//!   `<failure>` (CI test views know no "warning", and hiding it would hide the finding), but its
//!   message starts with `[degrades]` or `[RFC]`, and the test case has a `severity` property
//!   (`breaks-entra`, `degrades`, `rfc`); whether such a step fails the build is the exit
//!   code's call (`--strict`);
//! - the server could not be talked to → `<error message="verdict" type="transport">` with the
//!   hint as its text;
//! - skipped or interrupted → `<skipped message="why">`.
//!
//! Each test case carries the properties `method` and `path` of its first request, and its
//! redacted exchanges (plus, when it failed, a `curl` command reproducing it) in
//! `<system-out>`. The XML is written by `quick-junit`, which escapes markup and drops what
//! XML cannot hold (control characters, ANSI escapes).

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::context::ReportContext;
use crate::check::Severity;
use crate::http::{curl, Exchange};
use crate::run::{NotRun, RunSummary, ScenarioOutcome, StepOutcome, StepStatus};
use crate::verdict::step_severity;

/// How much of each body `<system-out>` shows; a CI page is not the place for megabytes.
const BODY_LIMIT: usize = 16 * 1024;

/// The report as a JUnit XML document.
pub fn render(
    summary: &RunSummary,
    ctx: &ReportContext,
) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("scimcheck");
    report
        .set_timestamp(DateTime::<Utc>::from(ctx.started_at))
        .set_time(summary.elapsed);
    for (outcome, started) in summary.scenarios.iter().zip(ctx.scenario_starts(summary)) {
        let mut suite = suite(outcome, ctx);
        suite.set_timestamp(DateTime::<Utc>::from(started));
        report.add_test_suite(suite);
    }
    report.to_string()
}

fn suite(outcome: &ScenarioOutcome, ctx: &ReportContext) -> TestSuite {
    let mut suite = TestSuite::new(xml(
        ctx,
        &format!("{} [{}]", outcome.name, outcome.profile.name()),
    ));
    suite.set_time(outcome.elapsed);
    suite.add_property(Property::new("profile", outcome.profile.name()));
    suite.add_property(Property::new("source", xml(ctx, &outcome.source)));
    for step in &outcome.steps {
        suite.add_test_case(case(&outcome.name, step, ctx));
    }
    suite
}

fn case(scenario: &str, step: &StepOutcome, ctx: &ReportContext) -> TestCase {
    let exchanges: Vec<Exchange> = step.exchanges.iter().map(|e| ctx.exchange(e)).collect();
    let mut case = TestCase::new(xml(ctx, &step.name), status(step, ctx));
    case.set_classname(xml(ctx, scenario));
    case.set_time(step.elapsed);
    if let Some(first) = step.request_index().and_then(|i| exchanges.get(i)) {
        // Properties inside a test case are what pytest's `record_property` writes; the CI
        // views named above accept them.
        case.add_property(Property::new("method", first.sent.method));
        case.add_property(Property::new("path", xml(ctx, ctx.target(&first.sent.url))));
    }
    if let (StepStatus::Failed, Some(severity)) = (&step.status, step_severity(step)) {
        case.add_property(Property::new("severity", severity.as_str()));
    }
    let out = system_out(step, &exchanges, ctx);
    if !out.is_empty() {
        case.set_system_out(xml(ctx, &out));
    }
    case
}

fn status(step: &StepOutcome, ctx: &ReportContext) -> TestCaseStatus {
    match &step.status {
        StepStatus::Passed => TestCaseStatus::success(),
        StepStatus::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            // The worst failure names the step; the first of equal severity, in check order.
            let worst = step_severity(step);
            let first = step
                .failures()
                .filter(|c| Some(c.severity) == worst)
                .map(|c| (c, c.message()))
                .next();
            if let Some((check, message)) = first {
                let message = match check.severity {
                    Severity::BreaksEntra => message.clone(),
                    other => format!("[{}] {message}", other.label()),
                };
                status
                    .set_message(xml(ctx, &message))
                    .set_type(xml(ctx, &check.stable_id(&step.id)));
            }
            status.set_description(xml(ctx, &failure_text(step)));
            status
        }
        StepStatus::NotRun(NotRun::Transport(error)) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(xml(ctx, &error.verdict()))
                .set_type("transport")
                .set_description(error.hint());
            status
        }
        StepStatus::NotRun(NotRun::Premise(premise)) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(xml(ctx, &premise.to_string()));
            status
        }
        StepStatus::NotRun(NotRun::Interrupted) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message("interrupted");
            status
        }
    }
}

/// Every failed check as `ID subject: message` with expected and actual, then where the step
/// is written (the terminal report's layout, without colour).
fn failure_text(step: &StepOutcome) -> String {
    let mut text = String::new();
    for check in step.failures() {
        {
            let (message, expected, actual) = (check.message(), check.expected(), check.actual());
            // Writing to a String cannot fail.
            let severity = match check.severity {
                Severity::BreaksEntra => String::new(),
                other => format!(" ({})", other.label()),
            };
            let _ = writeln!(
                text,
                "{} {}{severity}: {message}\n  expected: {expected}\n  actual:   {actual}",
                check.stable_id(&step.id),
                check.subject()
            );
        }
    }
    let _ = writeln!(text, "--> {}", step.location);
    text
}

/// The step's exchanges as text, and for a failed step the command that reproduces it.
fn system_out(step: &StepOutcome, redacted: &[Exchange], ctx: &ReportContext) -> String {
    let mut out = String::new();
    for (index, exchange) in redacted.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&exchange.render(BODY_LIMIT));
        let _ = writeln!(out, "({})", millis(exchange.elapsed));
    }
    if step.status == StepStatus::Failed {
        if let Some(first) = redacted.first() {
            let _ = writeln!(out, "\nreproduce:\n{}", ctx.text(&curl(&first.sent)));
        }
    }
    out
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// `text` redacted and stripped of the characters XML 1.0 cannot hold that quick-junit keeps
/// (it already drops C0 controls and ANSI escapes; U+FFFE and U+FFFF remain).
fn xml(ctx: &ReportContext, text: &str) -> String {
    ctx.text(text).replace(['\u{FFFE}', '\u{FFFF}'], "")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::SystemTime;

    use super::*;
    use crate::check::CheckResult;
    use crate::diag::Location;
    use crate::http::{Received, Sent, TransportError, TransportErrorKind};
    use crate::profile::Profile;
    use crate::redact::{Redactor, Secret};
    use crate::run::CleanupReport;

    fn exchange(body: &str) -> Exchange {
        Exchange {
            sent: Sent {
                method: "PATCH",
                url: "http://h/scim/Users/1".into(),
                headers: vec![("Authorization".into(), "Bearer ***".into())],
                body: Some(body.into()),
            },
            received: Ok(Received {
                status: 400,
                headers: vec![("Set-Cookie".into(), "s=1".into())],
                body: body.into(),
            }),
            elapsed: Duration::from_millis(5),
        }
    }

    fn step(
        name: &str,
        status: StepStatus,
        exchanges: Vec<Exchange>,
        checks: Vec<CheckResult>,
    ) -> StepOutcome {
        StepOutcome {
            id: "STEP".into(),
            name: name.into(),
            location: Location {
                file: Arc::from("builtin:x.yaml"),
                line: 7,
                column: 5,
            },
            status,
            request: (!exchanges.is_empty()).then(|| crate::check::ExchangeRef::new(0)),
            exchanges,
            checks,
            fallbacks: Vec::new(),
            elapsed: Duration::from_millis(6),
        }
    }

    fn summary(steps: Vec<StepOutcome>) -> RunSummary {
        RunSummary {
            run_id: "r1".into(),
            scenarios: vec![ScenarioOutcome {
                name: "s".into(),
                description: "d".into(),
                source: "builtin:x.yaml".into(),
                profile: Profile::EntraDefault,
                steps,
                elapsed: Duration::from_millis(20),
            }],
            cleanup: CleanupReport::default(),
            interrupted: false,
            elapsed: Duration::from_millis(30),
        }
    }

    fn ctx() -> ReportContext {
        let mut ctx = ReportContext::new(
            "http://h/scim",
            vec![Profile::EntraDefault],
            Redactor::new([Secret::new("tok-xyz")]),
        );
        ctx.started_at = SystemTime::UNIX_EPOCH;
        ctx
    }

    #[test]
    fn hostile_bodies_still_make_well_formed_xml() {
        let body = "tok-xyz \u{1}\u{1b}[31mred\u{1b}[0m ]]> <a href=\"x\">&amp; \u{FFFF}";
        let failed = crate::check::testing::status(&[200, 204], 400);
        let xml = render(
            &summary(vec![step(
                "p",
                StepStatus::Failed,
                vec![exchange(body)],
                vec![failed],
            )]),
            &ctx(),
        )
        .expect("serialises");
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let out = doc
            .descendants()
            .find(|n| n.has_tag_name("system-out"))
            .and_then(|n| n.text())
            .expect("system-out");
        assert!(out.contains("*** red ]]> <a href=\"x\">&amp; "), "{out}");
        assert!(out.contains("< Set-Cookie: ***"), "{out}");
        assert!(out.contains("reproduce:\ncurl -sS"), "{out}");
        assert!(!xml.contains("tok-xyz") && !xml.contains('\u{1b}'), "{xml}");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .expect("failure");
        assert_eq!(
            failure.attribute("message"),
            Some("expected status 200 or 204, got 400")
        );
        assert_eq!(failure.attribute("type"), Some("STEP/STATUS"));
        assert_eq!(
            failure.text(),
            Some("STEP/STATUS status: expected status 200 or 204, got 400\n  expected: 200 or 204\n  actual:   400\n--> builtin:x.yaml:7:5\n")
        );
    }

    #[test]
    fn a_warning_is_a_failure_named_by_its_worst_check_with_its_severity() {
        let rfc = crate::check::testing::content_type("application/json");
        let degrades = crate::check::testing::attribute("x", "A".into(), Some("a".into()))
            .with_severity(Severity::Degrades);
        let xml = render(
            &summary(vec![step(
                "w",
                StepStatus::Failed,
                vec![exchange("{}")],
                vec![rfc, degrades],
            )]),
            &ctx(),
        )
        .expect("serialises");
        let doc = roxmltree::Document::parse(&xml).expect("parses");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .expect("failure");
        assert_eq!(
            failure.attribute("message"),
            Some("[degrades] `x` is \"a\" instead of \"A\"")
        );
        assert_eq!(failure.attribute("type"), Some("STEP/ATTRIBUTE"));
        assert!(failure
            .text()
            .is_some_and(|t| t.starts_with("STEP/CONTENT-TYPE Content-Type (RFC): ")));
        let severity = doc
            .descendants()
            .filter(|n| n.has_tag_name("property"))
            .find(|n| n.attribute("name") == Some("severity"))
            .and_then(|n| n.attribute("value"));
        assert_eq!(severity, Some("degrades"));
    }

    #[test]
    fn transport_errors_are_errors_and_skips_are_skipped() {
        let refused = TransportError {
            authority: "h:80".into(),
            kind: TransportErrorKind::Refused,
        };
        let mut sent = exchange("{}");
        sent.received = Err(refused.clone());
        let steps = vec![
            step(
                "a",
                StepStatus::NotRun(NotRun::Transport(refused.clone())),
                vec![sent],
                vec![],
            ),
            step(
                "b",
                StepStatus::NotRun(NotRun::Premise(crate::run::Premise {
                    blame: None,
                    kind: Box::new(crate::run::PremiseKind::Unreachable),
                })),
                vec![],
                vec![],
            ),
            step("c", StepStatus::Passed, vec![], vec![]),
        ];
        let xml = render(&summary(steps), &ctx()).expect("serialises");
        let doc = roxmltree::Document::parse(&xml).expect("parses");
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .expect("suite");
        assert_eq!(suite.attribute("name"), Some("s [entra-default]"));
        assert_eq!(
            suite.attribute("timestamp"),
            Some("1970-01-01T00:00:00.000+00:00")
        );
        for (attr, want) in [
            ("tests", "3"),
            ("errors", "1"),
            ("failures", "0"),
            ("skipped", "1"),
            ("time", "0.020"),
        ] {
            assert_eq!(suite.attribute(attr), Some(want), "{attr} in\n{xml}");
        }
        let error = doc
            .descendants()
            .find(|n| n.has_tag_name("error"))
            .expect("error");
        assert_eq!(error.attribute("message"), Some(refused.verdict().as_str()));
        assert_eq!(error.text(), Some(refused.hint()));
        let skipped = doc
            .descendants()
            .find(|n| n.has_tag_name("skipped"))
            .expect("skipped");
        assert_eq!(
            skipped.attribute("message"),
            Some("not run: the server could not be reached")
        );
        let case = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase"))
            .expect("case");
        assert_eq!(case.attribute("classname"), Some("s"));
        let properties: Vec<(&str, &str)> = case
            .descendants()
            .filter(|n| n.has_tag_name("property"))
            .filter_map(|n| Some((n.attribute("name")?, n.attribute("value")?)))
            .collect();
        assert_eq!(properties, [("method", "PATCH"), ("path", "/Users/1")]);
    }
}
