//! The HTML report (`--html PATH`): one self-contained page a support engineer attaches to a
//! ticket or prints to PDF.
//!
//! The page loads nothing: its styles are inline, it has no script, and its
//! Content-Security-Policy (`default-src 'none'`) keeps a browser from fetching anything even
//! if a server's answer were to smuggle markup in. Every string from the run goes through
//! [`ReportContext::text`] or [`ReportContext::exchange`] (secrets masked) and then through
//! maud's escaping, so a body holding `<script>` is shown as text.
//!
//! Reading order follows what a support engineer needs: where the run went, the counts, the
//! scenario × profile matrix, "what to fix first", then every step with its checks, and its
//! requests and responses folded in `<details>` (unfolded when printed). Statuses are always
//! words (`PASS`, `FAIL (2)`), never colour alone, so a black-and-white print keeps them.

use std::collections::HashMap;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::context::{rfc3339, ReportContext};
use super::terminal::millis;
use crate::check::CheckResult;
use crate::gallery::GalleryVerdict;
use crate::hints::{diagnose, Hint};
use crate::http::{curl, Exchange};
use crate::profile::Profile;
use crate::run::{NotRun, RunSummary, ScenarioOutcome, StepOutcome, StepStatus};
use crate::verdict::{is_warning, step_severity, SeverityCounts};

/// The page's whole style: screen first, then what changes on paper.
const STYLE: &str = include_str!("html.css");

/// No fetch of any kind: the page is read offline, and a server's markup must not load
/// anything even if it got past escaping.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The page for a finished run.
pub fn render(summary: &RunSummary, ctx: &ReportContext, exit_code: i32) -> String {
    let hints = diagnose(summary);
    let anchors = step_anchors(summary);
    let counts = summary.counts();
    let title = format!(
        "scimcheck: {} ({} passed, {} failed)",
        ctx.text(&ctx.tenant_url),
        counts.passed,
        counts.failed
    );
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (header(summary, ctx, exit_code))
                (summary_section(summary))
                (matrix_section(summary))
                @if let Some(verdicts) = &ctx.gallery {
                    (gallery_section(verdicts, ctx, &anchors))
                }
                (fix_first_section(&hints, ctx, &anchors))
                (cleanup_section(summary, ctx))
                section #steps {
                    h2 { "Steps" }
                    @for (i, scenario) in summary.scenarios.iter().enumerate() {
                        (scenario_section(i, scenario, ctx))
                    }
                }
                footer { "scimcheck " (ctx.version()) }
            }
        }
    };
    page.into_string()
}

fn header(summary: &RunSummary, ctx: &ReportContext, exit_code: i32) -> Markup {
    let profiles: Vec<&str> = ctx.profiles.iter().map(|p| p.name()).collect();
    html! {
        header {
            h1 { "scimcheck report" }
            dl.meta {
                dt { "Tenant URL" } dd #tenant-url { code { (ctx.text(&ctx.tenant_url)) } }
                dt { "Profiles" } dd #profiles { (profiles.join(", ")) }
                dt { "Started" } dd { (rfc3339(ctx.started_at)) }
                dt { "Duration" } dd { (millis(summary.elapsed)) }
                dt { "Run id" } dd { code { (ctx.text(&summary.run_id)) } }
                dt { "Exit code" } dd #exit-code { (exit_code) }
            }
        }
    }
}

fn summary_section(summary: &RunSummary) -> Markup {
    let counts = summary.counts();
    let by = SeverityCounts::of(summary);
    let throttled = summary.throttled();
    html! {
        section #summary {
            h2 { "Summary" }
            p.counts {
                span.count.pass { span #count-passed { (counts.passed) } " passed" }
                span.count.fail { span #count-failed { (counts.failed) } " failed" }
                span.count.skip { span #count-not-run { (counts.not_run) } " not run" }
                span.count { span #count-requests { (summary.requests()) } " requests" }
                @if throttled.answers > 0 {
                    span.count {
                        span #count-throttled { (throttled.answers) } " answered 429 ("
                        span #count-retry-after { (throttled.with_retry_after) } " with Retry-After)"
                    }
                }
            }
            @if counts.failed > 0 {
                p.severities {
                    "Failed steps by their worst failure: "
                    span #count-breaks-entra { (by.breaks_entra) } " break Entra, "
                    span #count-degrades { (by.degrades) } " degrade, "
                    span #count-rfc { (by.rfc) } " deviate from the RFC only."
                }
            }
            @if summary.interrupted {
                p.fail { "Interrupted: cleanup ran, the remaining steps were not run." }
            }
        }
    }
}

/// A scenario's verdict under one profile, as the terminal's matrix shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    Pass,
    /// Every step that did not pass only degrades or deviates from the RFC.
    Warn(usize),
    Fail(usize),
}

impl Cell {
    fn of(outcome: &ScenarioOutcome) -> Cell {
        let not_passed = outcome
            .steps
            .iter()
            .filter(|s| s.status != StepStatus::Passed)
            .count();
        let warnings_only = outcome
            .steps
            .iter()
            .all(|s| s.status == StepStatus::Passed || is_warning(s));
        match (not_passed, warnings_only) {
            (0, _) => Cell::Pass,
            (n, true) => Cell::Warn(n),
            (n, false) => Cell::Fail(n),
        }
    }

    fn class(self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::Warn(_) => "warn",
            Cell::Fail(_) => "fail",
        }
    }

    fn text(self) -> String {
        match self {
            Cell::Pass => "PASS".to_owned(),
            Cell::Warn(n) => format!("WARN ({n})"),
            Cell::Fail(n) => format!("FAIL ({n})"),
        }
    }
}

/// The matrix: profiles in run order, and per scenario (in run order) the index of its
/// outcome and its cell under each profile (`None`: not run under that profile).
type Grid<'s> = (Vec<Profile>, Vec<(&'s str, Vec<Option<(usize, Cell)>>)>);

fn grid(summary: &RunSummary) -> Grid<'_> {
    let mut profiles: Vec<Profile> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for outcome in &summary.scenarios {
        if !profiles.contains(&outcome.profile) {
            profiles.push(outcome.profile);
        }
        if !names.contains(&outcome.name.as_str()) {
            names.push(&outcome.name);
        }
    }
    let rows = names
        .into_iter()
        .map(|name| {
            let cells = profiles
                .iter()
                .map(|profile| {
                    summary
                        .scenarios
                        .iter()
                        .position(|o| o.name == name && o.profile == *profile)
                        .map(|i| (i, Cell::of(&summary.scenarios[i])))
                })
                .collect();
            (name, cells)
        })
        .collect();
    (profiles, rows)
}

fn matrix_section(summary: &RunSummary) -> Markup {
    let (profiles, rows) = grid(summary);
    html! {
        section #matrix {
            h2 { "Compatibility matrix" }
            table.matrix {
                thead { tr {
                    th scope="col" { "scenario" }
                    @for profile in &profiles { th scope="col" { (profile.name()) } }
                } }
                tbody {
                    @for (name, cells) in &rows {
                        tr {
                            th scope="row" { (name) }
                            @for cell in cells {
                                @match cell {
                                    Some((i, cell)) => {
                                        td class=(cell.class()) {
                                            a href={ "#scenario-" (i) } { (cell.text()) }
                                        }
                                    }
                                    None => { td.none { "-" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where hints link to: each step id's first step that did not pass (else its first step).
/// `--suite gallery`: each of Microsoft's tests under its name, its verdict in words, and
/// the steps it was judged on, linked to their records below.
fn gallery_section(
    verdicts: &[GalleryVerdict],
    ctx: &ReportContext,
    anchors: &HashMap<&str, String>,
) -> Markup {
    html! {
        section #gallery {
            h2 { "Gallery tests (Microsoft's names)" }
            table.gallery {
                thead { tr {
                    th scope="col" { "test" }
                    th scope="col" { "verdict" }
                    th scope="col" { "evidence" }
                } }
                tbody {
                    @for verdict in verdicts {
                        tr id={ "gallery-" (verdict.test.name) } {
                            th scope="row" { code { (verdict.test.name) } br; small { (verdict.test.checks) } }
                            td class=(gallery_class(verdict)) { (verdict.label().to_uppercase().replace('-', " ")) }
                            td {
                                @if let Some(why) = verdict.status.reason() { p.reason { (ctx.text(why)) } }
                                @for e in &verdict.evidence {
                                    @let text = format!("{} {} ({})", e.scenario, e.step, e.status);
                                    @match anchors.get(e.step.as_str()) {
                                        Some(anchor) => { a href={ "#" (anchor) } { (text) } " " }
                                        None => { (text) " " }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn gallery_class(verdict: &GalleryVerdict) -> &'static str {
    match verdict.label() {
        "pass" => "pass",
        "fail" => "fail",
        "warn" => "warn",
        _ => "none",
    }
}

fn step_anchors(summary: &RunSummary) -> HashMap<&str, String> {
    let mut anchors: HashMap<&str, (bool, String)> = HashMap::new();
    for (i, scenario) in summary.scenarios.iter().enumerate() {
        for (j, step) in scenario.steps.iter().enumerate() {
            let failed = step.status != StepStatus::Passed;
            let anchor = (failed, step_anchor(i, j));
            anchors
                .entry(step.id.as_str())
                .and_modify(|known| {
                    if failed && !known.0 {
                        *known = anchor.clone();
                    }
                })
                .or_insert(anchor);
        }
    }
    anchors.into_iter().map(|(id, (_, a))| (id, a)).collect()
}

fn step_anchor(scenario: usize, step: usize) -> String {
    format!("step-{scenario}-{step}")
}

fn fix_first_section(
    hints: &[Hint],
    ctx: &ReportContext,
    anchors: &HashMap<&str, String>,
) -> Markup {
    html! {
        section #fix-first {
            h2 { "What to fix first" }
            @if hints.is_empty() {
                p { "Nothing: every check passed." }
            }
            ol.hints {
                @for hint in hints {
                    li.hint id=(hint.id.replace(':', "-")) {
                        p.cause {
                            @if hint.blocking {
                                span.badge.fail { "blocks everything" }
                            } @else {
                                span class={ "badge " (severity_class(hint.severity)) } {
                                    (hint.severity.label())
                                }
                            }
                            " " (ctx.text(&hint.cause)) " "
                            code.hint-id { (hint.id) }
                        }
                        dl {
                            dt { "In Entra" } dd { (ctx.text(hint.symptom)) }
                            dt { "Seen" } dd { pre.evidence { (ctx.text(&hint.evidence)) } }
                            dt { "Fix" } dd { (ctx.text(&hint.fix)) }
                            dt { "Steps" }
                            dd.steps {
                                @for id in &hint.steps {
                                    @match anchors.get(id.as_str()) {
                                        Some(anchor) => { a href={ "#" (anchor) } { code { (ctx.text(id)) } } }
                                        None => { code { (ctx.text(id)) } }
                                    }
                                    " "
                                }
                                span.dim { "(" (hint.failures) " failed checks)" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn severity_class(severity: crate::check::Severity) -> &'static str {
    match severity {
        crate::check::Severity::BreaksEntra => "fail",
        crate::check::Severity::Degrades | crate::check::Severity::Rfc => "warn",
    }
}

fn cleanup_section(summary: &RunSummary, ctx: &ReportContext) -> Markup {
    let cleanup = &summary.cleanup;
    html! {
        section #cleanup {
            h2 { "Cleanup" }
            p {
                @if cleanup.kept {
                    "Skipped (--keep): what the run created is still on the server."
                } @else {
                    "Deleted " (cleanup.deleted) " resource(s) the scenarios left; "
                    (cleanup.leftovers.len()) " left behind."
                }
            }
            @if !cleanup.leftovers.is_empty() {
                table.leftovers {
                    thead { tr { th { "kind" } th { "id" } th { "name" } th { "URL" } th { "why" } } }
                    tbody {
                        @for l in &cleanup.leftovers {
                            tr.fail {
                                td { (l.kind.name()) }
                                td { code { (l.id.as_deref().map_or("(unknown)".to_owned(), |id| ctx.text(id))) } }
                                td { code { (ctx.text(&l.name)) } }
                                td { code { (ctx.text(&l.url)) } }
                                td { (ctx.text(&l.reason)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn scenario_section(index: usize, outcome: &ScenarioOutcome, ctx: &ReportContext) -> Markup {
    let cell = Cell::of(outcome);
    html! {
        section.scenario id={ "scenario-" (index) } {
            h3 {
                span class={ "badge " (cell.class()) } { (cell.text()) }
                " " (ctx.text(&outcome.name)) " "
                span.profile { "[" (outcome.profile.name()) "]" }
            }
            p.description {
                (ctx.text(&outcome.description)) " "
                span.dim { (ctx.text(&outcome.source)) " · " (outcome.requests()) " requests · " (millis(outcome.elapsed)) }
            }
            ol.steps {
                @for (j, step) in outcome.steps.iter().enumerate() {
                    (step_item(&step_anchor(index, j), step, ctx))
                }
            }
        }
    }
}

/// A step's status word and class, as the terminal labels it.
fn status(step: &StepOutcome) -> (&'static str, &'static str) {
    match &step.status {
        StepStatus::Passed => ("PASS", "pass"),
        StepStatus::Failed if is_warning(step) => ("WARN", "warn"),
        StepStatus::Failed => ("FAIL", "fail"),
        StepStatus::NotRun(NotRun::Transport(_)) => ("ERR", "fail"),
        StepStatus::NotRun(_) => ("SKIP", "skip"),
    }
}

fn step_item(anchor: &str, step: &StepOutcome, ctx: &ReportContext) -> Markup {
    let (word, class) = status(step);
    let exchanges: Vec<Exchange> = step.exchanges.iter().map(|e| ctx.exchange(e)).collect();
    let own = step.request_index().and_then(|i| exchanges.get(i));
    let reason = match &step.status {
        StepStatus::NotRun(NotRun::Transport(error)) => {
            Some(format!("{} ({})", error.verdict(), error.hint()))
        }
        StepStatus::NotRun(NotRun::Premise(why)) => Some(why.to_string()),
        StepStatus::NotRun(NotRun::Interrupted) => Some("interrupted".to_owned()),
        StepStatus::Passed | StepStatus::Failed => None,
    };
    html! {
        li class={ "step " (class) } id=(anchor) {
            p.step-line {
                span class={ "badge " (class) } { (word) }
                " " code.step-id { (ctx.text(&step.id)) } " "
                span.step-name { (ctx.text(&step.name)) }
                @if let Some(own) = own {
                    " " span.request { (request_line(own, ctx)) }
                }
            }
            @if let Some(reason) = &reason {
                p.reason { (ctx.text(reason)) }
            }
            @for fallback in &step.fallbacks {
                p.fallback { (ctx.text(&fallback.to_string())) }
            }
            (checks(step, ctx))
            @if step.status == StepStatus::Failed {
                p.location { "at " code { (ctx.text(&step.location.to_string())) } }
                @if let Some(own) = own {
                    // The token is `$SCIMCHECK_TOKEN` in the command, never the token itself.
                    div.curl { "reproduce:" pre { (ctx.text(&curl(&own.sent))) } }
                }
            }
            @for (n, exchange) in exchanges.iter().enumerate() {
                (exchange_details(n, exchange, ctx))
            }
        }
    }
}

/// `PATCH /Users/42 → 204 · 4 ms`, for an already redacted exchange.
fn request_line(exchange: &Exchange, ctx: &ReportContext) -> String {
    let status = exchange
        .response()
        .map_or("---".to_owned(), |r| r.status.to_string());
    format!(
        "{} {} → {status} · {}",
        exchange.sent.method,
        ctx.target(&exchange.sent.url),
        millis(exchange.elapsed)
    )
}

fn checks(step: &StepOutcome, ctx: &ReportContext) -> Markup {
    let worst = step_severity(step);
    html! {
        @if !step.checks.is_empty() {
            ul.checks data-worst=[worst.map(|s| s.as_str())] {
                @for check in &step.checks {
                    (check_item(step, check, ctx))
                }
            }
        }
    }
}

fn check_item(step: &StepOutcome, check: &CheckResult, ctx: &ReportContext) -> Markup {
    let id = ctx.text(&check.stable_id(&step.id));
    html! {
        @if check.passed() {
            // The step's id is on the step's line: a passed check shows its kind only.
            li.check.pass title=(id) {
                span.mark { "✓" } " " code { (check.id.as_str()) } " " (ctx.text(&check.subject()))
            }
        } @else {
            li class={ "check fail " (severity_class(check.severity)) } {
                span.mark { "✗" } " " code { (id) } " " (ctx.text(&check.subject())) " "
                span class={ "badge " (severity_class(check.severity)) } {
                    (check.severity.label())
                }
                p.message { (ctx.text(&check.message())) }
                dl.diff {
                    dt { "expected" } dd { pre { (ctx.text(&check.expected())) } }
                    dt { "actual" } dd { pre { (ctx.text(&check.actual())) } }
                }
            }
        }
    }
}

/// One exchange, folded: the request line as its summary, headers and bodies inside.
fn exchange_details(n: usize, exchange: &Exchange, ctx: &ReportContext) -> Markup {
    let sent = &exchange.sent;
    html! {
        details.exchange {
            summary { "request " (n + 1) ": " (request_line(exchange, ctx)) }
            div.http {
                pre.request {
                    (sent.method) " " (sent.url) "\n"
                    @for (name, value) in &sent.headers { (name) ": " (value) "\n" }
                    @if let Some(body) = &sent.body { "\n" (body) }
                }
                @match &exchange.received {
                    Ok(received) => {
                        pre.response {
                            "HTTP " (received.status) "\n"
                            @for (name, value) in &received.headers { (name) ": " (value) "\n" }
                            @if !received.body.is_empty() { "\n" (received.body) }
                        }
                    }
                    Err(error) => {
                        p.fail { "no response: " (error.verdict()) " " span.dim { (error.hint()) } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::attributes::ResourceKind;
    use serde_json::json;

    use crate::check::{testing, Severity};
    use crate::http::{Received, Sent, TransportError, TransportErrorKind};
    use crate::redact::{Redactor, Secret};
    use crate::run::fixtures::{run, step};
    use crate::run::Leftover;

    fn context() -> ReportContext {
        ReportContext::new(
            "http://127.0.0.1:8080/scim/v2",
            vec![Profile::EntraDefault, Profile::EntraFlag],
            Redactor::new([Secret::new("tok-secret")]),
        )
    }

    fn exchange(body: &str) -> Exchange {
        Exchange {
            sent: Sent {
                method: "POST",
                url: "http://127.0.0.1:8080/scim/v2/Users".into(),
                headers: vec![("Authorization".into(), "Bearer tok-secret".into())],
                body: Some("{\"userName\":\"a&b\"}".into()),
            },
            received: Ok(Received {
                full_size: None,
                status: 400,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: body.into(),
            }),
            elapsed: Duration::from_millis(3),
        }
    }

    #[test]
    fn markup_from_the_server_is_escaped_and_the_token_masked() {
        let body = "<script>alert('tok-secret')</script><img src=x onerror=alert(1)>";
        let fail = testing::attribute("displayName", json!("<b>bad</b>"), Some(json!("x")));
        let summary = run(vec![step("S", vec![exchange(body)], vec![fail])]);
        let page = render(&summary, &context(), 1);
        assert!(page.contains(
            "&lt;script&gt;alert('***')&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        ));
        assert!(page.contains("&lt;b&gt;bad&lt;/b&gt;"));
        assert!(page.contains("&quot;a&amp;b&quot;"));
        assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<b>"));
        assert!(!page.contains("tok-secret"));
        assert!(page.contains("Authorization: Bearer ***"));
    }

    #[test]
    fn the_page_loads_nothing_from_anywhere() {
        let summary = run(vec![step("S", vec![exchange("{}")], Vec::new())]);
        let page = render(&summary, &context(), 0);
        assert!(page.contains(&format!("content=\"{CSP}\"")));
        for external in ["src=", "@import", "url(", "<link", "<script"] {
            assert!(!page.contains(external), "{external}");
        }
        // Every link is to a place on the page.
        assert_eq!(
            page.matches("href=\"").count(),
            page.matches("href=\"#").count()
        );
    }

    #[test]
    fn the_matrix_has_a_cell_per_scenario_and_profile_with_the_failing_step_count() {
        let warn = testing::content_type("application/json");
        let breaks = testing::status(&[200], 400);
        let mut summary = run(vec![step("A", Vec::new(), vec![breaks.clone()])]);
        let mut flag = summary.scenarios[0].clone();
        flag.profile = Profile::EntraFlag;
        flag.steps = vec![step("A", Vec::new(), vec![warn])];
        let mut other = summary.scenarios[0].clone();
        other.name = "t".into();
        other.steps = vec![
            step("B", Vec::new(), vec![breaks.clone()]),
            step("C", Vec::new(), vec![breaks]),
        ];
        summary.scenarios.extend([flag, other]);
        let (profiles, rows) = grid(&summary);
        assert_eq!(profiles, vec![Profile::EntraDefault, Profile::EntraFlag]);
        assert_eq!(
            rows,
            vec![
                (
                    "s",
                    vec![Some((0, Cell::Fail(1))), Some((1, Cell::Warn(1)))]
                ),
                ("t", vec![Some((2, Cell::Fail(2))), None]),
            ]
        );
        let page = render(&summary, &context(), 1);
        assert!(page.contains("<td class=\"warn\"><a href=\"#scenario-1\">WARN (1)</a></td>"));
        assert!(page.contains("<td class=\"none\">-</td>"));
        assert_eq!(
            Severity::worst(&summary.scenarios[1].steps[0].checks),
            Some(Severity::Rfc)
        );
    }

    #[test]
    fn a_step_without_an_answer_and_a_leftover_are_shown_with_their_reasons() {
        let error = TransportError {
            authority: "127.0.0.1:9".into(),
            kind: TransportErrorKind::Refused,
        };
        let mut unanswered = step("T", Vec::new(), Vec::new());
        unanswered.status = StepStatus::NotRun(NotRun::Transport(error.clone()));
        unanswered.exchanges = vec![Exchange {
            received: Err(error),
            ..exchange("")
        }];
        let mut summary = run(vec![unanswered]);
        summary.cleanup.leftovers.push(Leftover {
            kind: ResourceKind::User,
            id: Some("42".into()),
            name: "scimcheck-r1-alice".into(),
            url: "http://127.0.0.1:8080/scim/v2/Users/42".into(),
            reason: "DELETE returned 500: <h1>oops</h1>".into(),
        });
        let page = render(&summary, &context(), 3);
        assert!(page.contains("<span class=\"badge fail\">ERR</span>"));
        assert!(page.contains("connection refused: nothing listens on 127.0.0.1:9"));
        assert!(page.contains("<p class=\"fail\">no response: connection refused"));
        assert!(page.contains("<td>DELETE returned 500: &lt;h1&gt;oops&lt;/h1&gt;</td>"));
        assert!(page.contains("0 resource(s) the scenarios left; 1 left behind."));
    }
}
