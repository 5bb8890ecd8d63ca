//! 429 Too Many Requests (issue 9, client-behaviour §6.2): a throttled request that succeeds
//! after the wait is not a failure; a 429 without `Retry-After` is a "degrades" finding; a
//! server that throttles forever still gets a verdict in bounded time; `entra-2019` takes the
//! 429 as the answer.

mod common;

use std::time::{Duration, Instant};

use common::{builtin_plan, client, failing, messages, server};
use scimcheck::attributes::AttributeTables;
use scimcheck::check::{CheckId, Severity};
use scimcheck::plan::Plan;
use scimcheck::profile::Profile;
use scimcheck::redact::Redactor;
use scimcheck::refserver::Fault;
use scimcheck::report::{html, json, ReportContext, Styles, Terminal};
use scimcheck::run::{new_run_id, RunSummary, Runner, Throttling};

/// The built-in Test Connection and user lifecycle only: enough requests for every third to
/// be throttled several times, few enough to keep the waits short.
fn short_plan(tables: &AttributeTables) -> Plan {
    let mut plan = builtin_plan(tables);
    plan.scenarios
        .retain(|s| s.name == "test-connection" || s.name == "user-lifecycle");
    plan
}

async fn run(fault: Fault, throttling: Throttling) -> (RunSummary, Duration) {
    let server = server(&[fault]).await;
    let tables = AttributeTables::atmos();
    let plan = short_plan(&tables);
    let client = client(&server.base_url());
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let mut runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    runner.throttling = throttling;
    let started = Instant::now();
    let summary = runner
        .run(&plan, &[Profile::EntraDefault], &mut |_| {})
        .await;
    let elapsed = started.elapsed();
    server.shutdown().await;
    (summary, elapsed)
}

fn throttled(summary: &RunSummary) -> usize {
    summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.exchanges)
        .filter(|e| e.response().is_some_and(|r| r.status == 429))
        .count()
}

#[tokio::test]
async fn a_429_with_retry_after_in_seconds_is_waited_out_and_passes() {
    let (summary, _) = run(Fault::ThrottleRetryAfterSeconds, Throttling::default()).await;
    assert!(throttled(&summary) >= 3, "the server throttled");
    assert_eq!(
        failing(&summary),
        Vec::<String>::new(),
        "{}",
        messages(&summary)
    );
}

#[tokio::test]
async fn a_429_with_retry_after_as_an_http_date_is_waited_out_and_passes() {
    let (summary, _) = run(Fault::ThrottleRetryAfterDate, Throttling::default()).await;
    assert!(throttled(&summary) >= 3);
    assert_eq!(
        failing(&summary),
        Vec::<String>::new(),
        "{}",
        messages(&summary)
    );
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_and_degrades() {
    let (summary, _) = run(Fault::ThrottleWithoutRetryAfter, Throttling::default()).await;
    let findings: Vec<Severity> = summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| s.failures())
        .inspect(|c| assert_eq!(c.id, CheckId::RetryAfter, "only Retry-After fails"))
        .map(|c| c.severity)
        .collect();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|s| *s == Severity::Degrades));
    // Degrades only: the run passes without --strict.
    assert_eq!(scimcheck::exit::code(&summary, false), 0);
    let hints = scimcheck::hints::diagnose(&summary);
    assert_eq!(hints[0].id, "hint:retry-after");
}

#[tokio::test]
async fn a_server_that_throttles_forever_gets_a_verdict_within_the_waiting_budget() {
    let budget = Duration::from_secs(3);
    let throttling = Throttling::Honour {
        retries: 3,
        longest: Duration::from_secs(1),
        budget,
    };
    let (summary, elapsed) = run(Fault::ThrottleForever, throttling).await;
    // Test Connection is throttled: its 429 is the verdict, and nothing else is sent.
    assert!(
        elapsed < budget + Duration::from_secs(5),
        "{elapsed:?} for a budget of {budget:?}"
    );
    assert!(summary.counts().failed >= 1, "{}", messages(&summary));
}

#[tokio::test]
async fn entra_2019_takes_the_429_as_the_answer() {
    let (summary, elapsed) = run(Fault::ThrottleRetryAfterSeconds, Throttling::Entra2019).await;
    assert!(!failing(&summary).is_empty(), "throttled steps fail");
    assert!(
        elapsed < Duration::from_secs(3),
        "nothing waited: {elapsed:?}"
    );
}

/// The 429s cleanup met.
fn in_cleanup(summary: &RunSummary) -> usize {
    let cleanup = summary.cleanup.exchanges.iter();
    cleanup
        .filter(|e| e.response().is_some_and(|r| r.status == 429))
        .count()
}

/// The closing line of the terminal report, and the JSON report's `summary.throttled`.
fn reported_429s(summary: &RunSummary) -> (String, serde_json::Value) {
    let ctx = ReportContext::new(
        "http://h/scim",
        vec![Profile::EntraDefault],
        Redactor::default(),
    );
    let mut out: Vec<u8> = Vec::new();
    let mut terminal = Terminal::new(
        &mut out,
        Styles::default(),
        Redactor::default(),
        "http://h/scim".into(),
    );
    terminal.summary(summary);
    drop(terminal);
    let text = String::from_utf8(out).expect("UTF-8");
    let closing = text.lines().last().unwrap_or_default().to_owned();
    let doc: serde_json::Value =
        serde_json::from_str(&json::render(summary, &ctx, 0).expect("renders")).expect("JSON");
    (closing, doc["summary"]["throttled"].clone())
}

#[tokio::test]
async fn the_reports_count_429s_and_say_all_came_with_retry_after() {
    let (summary, _) = run(Fault::ThrottleRetryAfterSeconds, Throttling::default()).await;
    let answers = throttled(&summary) + in_cleanup(&summary);
    assert!(answers >= 3);
    let (closing, counted) = reported_429s(&summary);
    assert!(
        closing.ends_with(&format!(", {answers} answered 429 (all with Retry-After)")),
        "{closing}"
    );
    assert_eq!(counted["answers"], answers);
    assert_eq!(counted["with_retry_after"], answers);
    let ctx = ReportContext::new(
        "http://h/scim",
        vec![Profile::EntraDefault],
        Redactor::default(),
    );
    let page = html::render(&summary, &ctx, 0);
    assert!(
        page.contains(&format!(r#"<span id="count-throttled">{answers}</span>"#)),
        "{page}"
    );
    assert!(page.contains(&format!(r#"<span id="count-retry-after">{answers}</span>"#)));
}

#[tokio::test]
async fn the_reports_say_when_no_429_came_with_retry_after() {
    let (summary, _) = run(Fault::ThrottleWithoutRetryAfter, Throttling::default()).await;
    let answers = throttled(&summary) + in_cleanup(&summary);
    assert!(answers >= 1);
    let (closing, counted) = reported_429s(&summary);
    assert!(
        closing.ends_with(&"answered 429 (none with Retry-After)"),
        "{closing}"
    );
    assert_eq!(counted["answers"], answers);
    assert_eq!(counted["with_retry_after"], 0);
}
