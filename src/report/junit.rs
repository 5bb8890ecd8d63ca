//! The JUnit XML report (`--junit PATH`), for the test views of CI systems (GitHub Actions,
//! GitLab, Azure DevOps).
//!
//! One `<testsuite>` per scenario and profile, named `"{scenario} [{profile}]"`, and one
//! `<testcase>` per step, so the CI view names the request that failed. A test case's identity
//! is unique in the file, also with `--profile all`: its `classname` is the suite's name
//! (`user-lifecycle [entra-flag]`) and its `name` the step's id and name (`USER-DISABLE
//! disable-user alice`), so Azure DevOps and GitLab keep each profile's history apart. The
//! step's status maps onto JUnit's own split (design §2.3), in the words the terminal and the
//! JSON use:
//!
//! - the server answered wrongly → `<failure message="first failed check" type="STEP-ID/CHECK">`
//!   (the worst failed check's stable id) whose text lists every failed check and the step's
//!   `file:line:column`. A step whose failures only degrade or deviate from the RFC is still a
//!   `<failure>` (CI test views know no "warning", and hiding it would hide the finding), but its
//!   message starts with `[degrades]` or `[RFC]`; whether such a step fails the build is the
//!   exit code's call (`--strict`);
//! - error: the server could not be talked to → `<error message="verdict" type="transport">`
//!   with the hint as its text;
//! - not run (a premise failed, or interrupted) → `<skipped message="why">`.
//!
//! With `--suite gallery`, one more `<testsuite name="gallery">` holds a test case per
//! Microsoft gallery test, named as Microsoft names it (`Disable_User_Test`): a failed one is
//! a `<failure>` naming the steps that failed (`[optional]` first for `Delete_User_Test`), one
//! not run or not checkable here is `<skipped>` with the reason, and `<system-out>` lists the
//! steps it was judged on.
//!
//! Each test case has its redacted exchanges (plus, when it failed, a `curl` command
//! reproducing it) in `<system-out>`, after a first line naming its request and severity
//! (`request: PATCH /Users/42`, `severity: degrades`).
//!
//! The file is valid against the common Jenkins JUnit XSD (`junit-10.xsd`, committed under
//! `tests/data/`): it allows `<properties>` only on `<testsuite>`, and on `<testsuites>` only
//! `name`, `time`, `tests`, `failures`, `errors`; `quick-junit` always writes `skipped` there,
//! so [`render`] takes it out again. The XML is written by `quick-junit`, which escapes markup
//! and drops what XML cannot hold (control characters, ANSI escapes).

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::context::ReportContext;
use crate::check::Severity;
use crate::gallery::{GalleryStatus, GalleryVerdict};
use crate::http::{curl, Exchange};
use crate::run::{NotRun, RunSummary, ScenarioOutcome, StepOutcome, StepStatus};
use crate::verdict::step_severity;

/// How much of each body `<system-out>` shows; a CI page is not the place for megabytes.
const BODY_LIMIT: usize = 16 * 1024;

/// Why the JUnit document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    /// quick-junit could not serialise the report.
    #[error(transparent)]
    Serialize(#[from] quick_junit::SerializeError),
    /// The root element could not be rewritten.
    #[error("rewriting <testsuites>: {0}")]
    Xml(#[from] quick_xml::Error),
    /// Writing to memory failed (it does not).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The attributes the XSD allows on `<testsuites>`.
const ROOT_ATTRIBUTES: [&[u8]; 5] = [b"name", b"time", b"tests", b"failures", b"errors"];

/// The report as a JUnit XML document.
pub fn render(summary: &RunSummary, ctx: &ReportContext) -> Result<String, JunitError> {
    let mut report = Report::new("scimcheck");
    report.set_time(summary.elapsed);
    for (outcome, started) in summary.scenarios.iter().zip(ctx.scenario_starts(summary)) {
        let mut suite = suite(outcome, ctx);
        suite.set_timestamp(DateTime::<Utc>::from(started));
        report.add_test_suite(suite);
    }
    if let Some(verdicts) = &ctx.gallery {
        let mut suite = gallery_suite(verdicts, ctx);
        suite.set_timestamp(DateTime::<Utc>::from(ctx.started_at));
        report.add_test_suite(suite);
    }
    schema_valid_root(&report.to_string()?)
}

/// `xml` with the root's attributes the XSD does not allow (`skipped`) left out; every other
/// event is copied as it was read, still escaped.
fn schema_valid_root(xml: &str) -> Result<String, JunitError> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    loop {
        match reader.read_event()? {
            Event::Eof => break,
            Event::Start(start) if start.name().as_ref() == b"testsuites" => {
                let mut root = BytesStart::new("testsuites");
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(quick_xml::Error::from)?;
                    if ROOT_ATTRIBUTES.contains(&attribute.key.as_ref()) {
                        root.push_attribute(attribute);
                    }
                }
                writer.write_event(Event::Start(root))?;
            }
            event => writer.write_event(event)?,
        }
    }
    // The writer held only what the reader read from a `String`: still UTF-8.
    Ok(String::from_utf8_lossy(&writer.into_inner()).into_owned())
}

/// Microsoft's gallery tests, one test case each under Microsoft's name.
fn gallery_suite(verdicts: &[GalleryVerdict], ctx: &ReportContext) -> TestSuite {
    let mut suite = TestSuite::new("gallery");
    for verdict in verdicts {
        let status = match &verdict.status {
            GalleryStatus::Passed => TestCaseStatus::success(),
            GalleryStatus::Failed => {
                let failed: Vec<&str> = verdict
                    .evidence
                    .iter()
                    .filter(|e| e.status == "failed")
                    .map(|e| e.step.as_str())
                    .collect();
                let optional = if verdict.test.required {
                    ""
                } else {
                    "[optional] "
                };
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(xml(
                        ctx,
                        &format!("{optional}failed: {}", failed.join(", ")),
                    ))
                    .set_type("gallery");
                status
            }
            GalleryStatus::NotRun(why) | GalleryStatus::NotCheckable(why) => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(xml(ctx, &format!("{}: {why}", verdict.label())));
                status
            }
        };
        let mut case = TestCase::new(verdict.test.name, status);
        case.set_classname("gallery");
        case.set_system_out(xml(
            ctx,
            &format!(
                "checks: {}\nsteps: {}\n",
                verdict.test.checks,
                super::gallery::evidence(&verdict.evidence)
            ),
        ));
        suite.add_test_case(case);
    }
    suite
}

fn suite(outcome: &ScenarioOutcome, ctx: &ReportContext) -> TestSuite {
    let mut suite = TestSuite::new(xml(
        ctx,
        &format!("{} [{}]", outcome.name, outcome.profile.name()),
    ));
    suite.set_time(outcome.elapsed);
    // Not as `<properties>`: xunitparser keeps one property table for the whole file and
    // refuses a name twice, so a second suite's `profile` would crash it.
    suite.set_system_out(format!(
        "profile: {}\nsource: {}\n",
        outcome.profile.name(),
        xml(ctx, &outcome.source)
    ));
    let classname = suite.name.to_string();
    for step in &outcome.steps {
        suite.add_test_case(case(&classname, step, ctx));
    }
    suite
}

/// A step's test case: `classname` is its suite's name, so the same step under two profiles
/// is two tests.
fn case(classname: &str, step: &StepOutcome, ctx: &ReportContext) -> TestCase {
    let exchanges: Vec<Exchange> = step.exchanges.iter().map(|e| ctx.exchange(e)).collect();
    let name = xml(ctx, &format!("{} {}", step.id, step.name));
    let mut case = TestCase::new(name, status(step, ctx));
    case.set_classname(classname);
    case.set_time(step.elapsed);
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

/// The step's request and severity, its exchanges as text, and for a failed step the command
/// that reproduces it.
fn system_out(step: &StepOutcome, redacted: &[Exchange], ctx: &ReportContext) -> String {
    let mut out = String::new();
    if let Some(own) = step.request_index().and_then(|i| redacted.get(i)) {
        // The XSD has no place for a test case's properties; the first line says it instead.
        let _ = writeln!(
            out,
            "request: {} {}",
            own.sent.method,
            ctx.target(&own.sent.url)
        );
    }
    if let (StepStatus::Failed, Some(severity)) = (&step.status, step_severity(step)) {
        let _ = writeln!(out, "severity: {}", severity.as_str());
    }
    if !out.is_empty() {
        out.push('\n');
    }
    for (index, exchange) in redacted.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&exchange.render(&ctx.redactor, BODY_LIMIT));
        let _ = writeln!(out, "({})", millis(exchange.elapsed));
    }
    if step.status == StepStatus::Failed {
        // The step's own request, as the terminal and the JSON reproduce it (a batch step's
        // PATCH, not the first of the members it created).
        if let Some(own) = step.request_index().and_then(|i| redacted.get(i)) {
            let _ = writeln!(out, "\nreproduce:\n{}", ctx.text(&curl(&own.sent)));
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
                full_size: None,
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
        let out = doc
            .descendants()
            .find(|n| n.has_tag_name("system-out"))
            .and_then(|n| n.text())
            .unwrap_or_default();
        assert!(
            out.starts_with("request: PATCH /Users/1\nseverity: degrades\n\n"),
            "{out}"
        );
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
        assert_eq!(case.attribute("classname"), Some("s [entra-default]"));
        assert_eq!(case.attribute("name"), Some("STEP a"));
        assert!(
            !case.descendants().any(|n| n.has_tag_name("property")),
            "the XSD allows no properties in a test case"
        );
        let root = doc.root_element();
        assert_eq!(root.attribute("skipped"), None, "nor `skipped` on the root");
        assert_eq!(root.attribute("tests"), Some("3"));
    }
}
