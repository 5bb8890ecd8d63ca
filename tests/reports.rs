//! The file reports (JUnit, JSON, HAR transcript) and the curl reproduction, fed from real
//! runs against the in-process reference server: clean, with a defect, and unreachable.

mod common;

use common::{output, scimcheck};

use std::collections::BTreeSet;
use std::process::Command;

use common::TOKEN;
use scimcheck::attributes::AttributeTables;
use scimcheck::http::Received;
use scimcheck::profile::Profile;
use scimcheck::redact::{Redactor, Secret};
use scimcheck::refserver::Fault;
use scimcheck::report::{har, json, junit, ReportContext, Styles, Terminal};
use scimcheck::run::{new_run_id, NotRun, RunSummary, Runner, StepStatus};
use serde_json::Value;

/// The built-in suite against a reference server with `faults`, under `profiles`.
async fn run(faults: &[Fault], profiles: &[Profile]) -> (RunSummary, ReportContext) {
    let server = common::server(faults).await;
    let summary = run_against(&server.base_url(), profiles).await;
    server.shutdown().await;
    summary
}

async fn run_against(url: &str, profiles: &[Profile]) -> (RunSummary, ReportContext) {
    let tables = AttributeTables::atmos();
    let plan = common::builtin_plan(&tables);
    let client = common::client(url);
    let ctx = ReportContext::new(
        client.tenant().to_string(),
        profiles.to_vec(),
        Redactor::new([Secret::new(TOKEN)]),
    );
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner.run(&plan, profiles, &mut |_| {}).await;
    (summary, ctx)
}

/// A URL where nothing listens: a port that was free a moment ago.
fn unreachable_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/scim")
}

fn parse_junit(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("the JUnit report is not XML: {e}\n{xml}"))
}

fn children<'a, 'i>(node: roxmltree::Node<'a, 'i>, tag: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().filter(|n| n.has_tag_name(tag)).collect()
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(words: &[&'a str]) -> BTreeSet<&'a str> {
    words.iter().copied().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_has_a_suite_per_scenario_and_profile_and_a_case_per_step() {
    let (summary, ctx) = run(&[], &[Profile::EntraDefault, Profile::EntraFlag]).await;
    let xml = junit::render(&summary, &ctx).expect("renders");
    let doc = parse_junit(&xml);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert!(root.attribute("time").is_some(), "testsuites has a time");
    let suites = children(root, "testsuite");
    assert_eq!(suites.len(), summary.scenarios.len());
    assert_eq!(
        summary.scenarios.len() % 2,
        0,
        "every scenario ran under both profiles"
    );
    for (suite, scenario) in suites.iter().zip(&summary.scenarios) {
        let name = format!("{} [{}]", scenario.name, scenario.profile.name());
        assert_eq!(suite.attribute("name"), Some(name.as_str()));
        assert!(
            suite.attribute("time").is_some() && suite.attribute("timestamp").is_some(),
            "{name}"
        );
        let cases = children(*suite, "testcase");
        assert_eq!(cases.len(), scenario.steps.len(), "{name}");
        for (case, step) in cases.iter().zip(&scenario.steps) {
            let case_name = format!("{} {}", step.id, step.name);
            assert_eq!(case.attribute("name"), Some(case_name.as_str()));
            assert_eq!(case.attribute("classname"), Some(name.as_str()));
            assert!(case.attribute("time").is_some(), "{name} / {}", step.name);
            assert!(children(*case, "failure").is_empty() && children(*case, "error").is_empty());
            let out = children(*case, "system-out")
                .first()
                .and_then(|n| n.text())
                .unwrap_or_default();
            let method = out
                .strip_prefix("request: ")
                .and_then(|rest| rest.split(' ').next());
            assert_eq!(method, step.request().map(|e| e.sent.method), "{out}");
        }
    }
    assert!(!xml.contains('\u{1b}'), "no ANSI in the file");
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_reports_each_failed_step_as_a_failure_with_its_checks_and_location() {
    let (summary, ctx) = run(&[Fault::RejectStringBooleans], &[Profile::EntraDefault]).await;
    assert!(summary.counts().failed > 0, "the fault makes steps fail");
    let xml = junit::render(&summary, &ctx).expect("renders");
    let doc = parse_junit(&xml);
    let suites = children(doc.root_element(), "testsuite");
    let mut failures = 0;
    for (suite, scenario) in suites.iter().zip(&summary.scenarios) {
        for (case, step) in children(*suite, "testcase").iter().zip(&scenario.steps) {
            let failure = children(*case, "failure");
            assert_eq!(
                failure.len(),
                usize::from(step.status == StepStatus::Failed),
                "{}",
                step.name
            );
            let Some(failure) = failure.first() else {
                continue;
            };
            failures += 1;
            let first = step.failures().next().expect("a failed check");
            assert_eq!(
                failure.attribute("type"),
                Some(first.stable_id(&step.id).as_str())
            );
            let text = failure.text().unwrap_or_default();
            assert!(text.contains(&step.location.to_string()), "{text}");
            for check in step.failures() {
                assert!(
                    text.contains(&format!(
                        "{} {}: ",
                        check.stable_id(&step.id),
                        check.subject()
                    )),
                    "{text}"
                );
            }
            let out = children(*case, "system-out")
                .first()
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_owned();
            assert!(out.contains("> Authorization: Bearer ***"), "{out}");
            assert!(out.contains("reproduce:\ncurl -sS"), "{out}");
        }
    }
    assert_eq!(failures, summary.counts().failed);
    assert_eq!(
        doc.root_element().attribute("failures"),
        Some(summary.counts().failed.to_string().as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_reports_a_transport_error_as_an_error_and_later_steps_as_skipped() {
    let (summary, ctx) = run_against(&unreachable_url(), &[Profile::EntraDefault]).await;
    let error = summary
        .transport_error()
        .expect("the server is unreachable")
        .clone();
    let xml = junit::render(&summary, &ctx).expect("renders");
    let doc = parse_junit(&xml);
    let errors: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .collect();
    assert_eq!(errors.len(), 1, "{xml}");
    assert_eq!(
        errors[0].attribute("message"),
        Some(error.verdict().as_str())
    );
    assert_eq!(errors[0].text(), Some(error.hint()));
    let skipped = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .count();
    assert_eq!(skipped, summary.counts().not_run);
    assert_eq!(summary.counts().errors, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_report_has_every_documented_field() {
    let (summary, ctx) = run(&[Fault::RejectStringBooleans], &[Profile::EntraDefault]).await;
    let text = json::render(&summary, &ctx, 1).expect("renders");
    let doc: Value = serde_json::from_str(&text).expect("the JSON report parses");
    assert_eq!(
        keys(&doc),
        set(&[
            "format_version",
            "scimcheck_version",
            "tenant_url",
            "run_id",
            "profiles",
            "started_at",
            "duration_ms",
            "summary",
            "scenarios",
            "hints",
            "cleanup",
            "exit_code",
        ])
    );
    assert_eq!(doc["format_version"], 2);
    assert_eq!(doc["scimcheck_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["tenant_url"], ctx.tenant_url.as_str());
    assert_eq!(doc["profiles"], serde_json::json!(["entra-default"]));
    assert_eq!(doc["exit_code"], 1);
    let started = doc["started_at"].as_str().expect("a string");
    assert!(
        started.ends_with('Z') && started.contains('T'),
        "RFC 3339 UTC: {started}"
    );
    assert_eq!(
        keys(&doc["summary"]),
        set(&[
            "passed",
            "failed",
            "not_run",
            "error",
            "requests",
            "failed_by_severity",
            "throttled"
        ])
    );
    assert_eq!(
        doc["summary"]["throttled"],
        serde_json::json!({ "answers": 0, "with_retry_after": 0 })
    );
    assert_eq!(
        doc["summary"]["failed_by_severity"]["breaks_entra"],
        summary.counts().failed
    );
    let hints = doc["hints"].as_array().expect("hints");
    assert_eq!(hints[0]["id"], "hint:string-booleans");
    assert_eq!(
        keys(&hints[0]),
        set(&[
            "id", "severity", "blocking", "cause", "symptom", "evidence", "fix", "steps",
            "failures"
        ])
    );
    assert_eq!(doc["summary"]["failed"], summary.counts().failed);
    assert_eq!(doc["summary"]["requests"], summary.requests());
    assert_eq!(keys(&doc["cleanup"]), set(&["deleted", "leftovers"]));

    let scenario_keys = set(&[
        "name",
        "description",
        "source",
        "profile",
        "passed",
        "duration_ms",
        "steps",
    ]);
    let step_keys = set(&[
        "id",
        "name",
        "location",
        "status",
        "duration_ms",
        "checks",
        "exchanges",
    ]);
    let mut seen_failed = false;
    let scenarios = doc["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), summary.scenarios.len());
    for (scenario, outcome) in scenarios.iter().zip(&summary.scenarios) {
        assert_eq!(keys(scenario), scenario_keys);
        for (step, outcome) in scenario["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .zip(&outcome.steps)
        {
            let status = step["status"].as_str().expect("status");
            let expected = match outcome.status {
                StepStatus::Passed => (step_keys.clone(), "passed"),
                StepStatus::Failed => (&step_keys | &set(&["curl"]), "failed"),
                StepStatus::NotRun(_) => (&step_keys | &set(&["reason"]), "not_run"),
            };
            assert_eq!((keys(step), status), expected, "{step}");
            assert_eq!(step["location"], outcome.location.to_string());
            for check in step["checks"].as_array().expect("checks") {
                let base = set(&["id", "kind", "severity", "subject", "passed", "exchange"]);
                assert_eq!(
                    check["id"],
                    format!(
                        "{}/{}",
                        step["id"].as_str().expect("step id"),
                        check["kind"].as_str().expect("kind")
                    )
                );
                if check["passed"] == true {
                    assert_eq!(keys(check), base);
                } else {
                    seen_failed = true;
                    assert_eq!(
                        keys(check),
                        &base | &set(&["message", "expected", "actual"])
                    );
                }
            }
            for exchange in step["exchanges"].as_array().expect("exchanges") {
                assert_eq!(keys(exchange), set(&["request", "response", "duration_ms"]));
                let request_keys = keys(&exchange["request"]);
                assert!(
                    request_keys == set(&["method", "url", "headers"])
                        || request_keys == set(&["method", "url", "headers", "body"])
                );
                assert_eq!(
                    keys(&exchange["response"]),
                    set(&["status", "headers", "body"])
                );
                for header in exchange["request"]["headers"].as_array().expect("headers") {
                    assert_eq!(
                        header.as_array().map(Vec::len),
                        Some(2),
                        "[name, value]: {header}"
                    );
                    if header[0] == "Authorization" {
                        assert_eq!(header[1], "Bearer ***");
                    }
                }
            }
        }
    }
    assert!(seen_failed, "the fault makes a check fail");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_report_of_an_unreachable_server_has_the_error_and_the_reason() {
    let (summary, ctx) = run_against(&unreachable_url(), &[Profile::EntraDefault]).await;
    let doc: Value =
        serde_json::from_str(&json::render(&summary, &ctx, 3).expect("renders")).expect("parses");
    let step = &doc["scenarios"][0]["steps"][0];
    assert_eq!(step["status"], "error");
    assert_eq!(doc["scenarios"][0]["steps"][1]["status"], "not_run");
    let exchange = &step["exchanges"][0];
    assert_eq!(keys(exchange), set(&["request", "error", "duration_ms"]));
    assert_eq!(keys(&exchange["error"]), set(&["verdict", "hint"]));
    assert_eq!(step["reason"], exchange["error"]["verdict"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn har_transcript_has_an_entry_per_exchange_cleanup_included() {
    let (summary, ctx) = run(&[Fault::DeleteOnlyDeactivates], &[Profile::EntraDefault]).await;
    assert!(
        !summary.cleanup.exchanges.is_empty(),
        "cleanup sent requests"
    );
    let doc: Value = serde_json::from_str(&har::render(&summary, &ctx).expect("renders"))
        .expect("the HAR parses");
    assert_eq!(doc["log"]["version"], "1.2");
    assert_eq!(
        doc["log"]["creator"],
        serde_json::json!({"name": "scimcheck", "version": env!("CARGO_PKG_VERSION")})
    );
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), summary.requests());
    let mut last = String::new();
    for entry in entries {
        assert_eq!(
            keys(entry),
            set(&[
                "startedDateTime",
                "time",
                "request",
                "response",
                "cache",
                "timings",
                "comment"
            ])
        );
        let request = keys(&entry["request"]);
        let required = set(&[
            "method",
            "url",
            "httpVersion",
            "headers",
            "queryString",
            "cookies",
            "headersSize",
            "bodySize",
        ]);
        assert!(
            request == required || request == &required | &set(&["postData"]),
            "{request:?}"
        );
        assert_eq!(
            keys(&entry["response"]),
            set(&[
                "status",
                "statusText",
                "httpVersion",
                "headers",
                "cookies",
                "content",
                "redirectURL",
                "headersSize",
                "bodySize"
            ])
        );
        assert_eq!(
            keys(&entry["response"]["content"]),
            set(&["size", "mimeType", "text"])
        );
        assert_eq!(keys(&entry["timings"]), set(&["send", "wait", "receive"]));
        let started = entry["startedDateTime"]
            .as_str()
            .expect("a time")
            .to_owned();
        assert!(
            started >= last,
            "entries are in order: {started} after {last}"
        );
        last = started;
    }
    assert_eq!(
        entries.last().map(|e| e["comment"].clone()),
        Some(Value::from("cleanup"))
    );
}

/// A token the server echoed back (in a body and a header) is masked in every report too.
#[tokio::test(flavor = "multi_thread")]
async fn no_report_contains_the_token_even_when_the_server_echoes_it() {
    let (mut summary, ctx) = run(&[Fault::RejectStringBooleans], &[Profile::EntraDefault]).await;
    for exchange in summary
        .scenarios
        .iter_mut()
        .flat_map(|s| &mut s.steps)
        .flat_map(|s| &mut s.exchanges)
    {
        exchange.sent.body = Some(format!("{{\"note\":\"{TOKEN}\"}}"));
        exchange
            .sent
            .headers
            .push(("Cookie".into(), "session=abc".into()));
        exchange.received = Ok(Received {
            full_size: None,
            status: 400,
            headers: vec![
                ("Set-Cookie".into(), "session=abc".into()),
                ("X-Echo".into(), format!("Bearer {TOKEN}")),
            ],
            body: format!("{{\"detail\":\"bad token {TOKEN}\"}}"),
        });
    }
    let outputs = [
        ("junit", junit::render(&summary, &ctx).expect("renders")),
        ("json", json::render(&summary, &ctx, 1).expect("renders")),
        ("har", har::render(&summary, &ctx).expect("renders")),
    ];
    for (what, text) in outputs {
        assert!(!text.contains(TOKEN), "{what} contains the token");
        assert!(!text.contains("session=abc"), "{what} contains a cookie");
        assert!(text.contains("***"), "{what} shows the mask");
    }
}

/// The curl command of a failed PATCH step, run by a real shell, gives curl the body that was
/// sent and the token from `$SCIMCHECK_TOKEN`.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn curl_for_a_failed_patch_step_round_trips_through_a_shell() {
    let (summary, ctx) = run(&[Fault::RejectStringBooleans], &[Profile::EntraDefault]).await;
    let doc: Value =
        serde_json::from_str(&json::render(&summary, &ctx, 1).expect("renders")).expect("parses");
    let step = doc["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .flat_map(|s| s["steps"].as_array().expect("steps"))
        .find(|s| s["status"] == "failed" && s["exchanges"][0]["request"]["method"] == "PATCH")
        .expect("a failed PATCH step");
    let command = step["curl"].as_str().expect("a curl command");
    assert!(
        command.contains("-H \"Authorization: Bearer $SCIMCHECK_TOKEN\""),
        "{command}"
    );
    let script =
        format!("curl() {{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }}\n{command}");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("SCIMCHECK_TOKEN", "from-the-shell")
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let args: Vec<&str> = stdout.trim_end_matches('\0').split('\0').collect();
    let request = &step["exchanges"][0]["request"];
    assert_eq!(
        args.get(4..6),
        Some(&["PATCH", request["url"].as_str().expect("url")][..])
    );
    assert!(
        args.contains(&"Authorization: Bearer from-the-shell"),
        "{args:?}"
    );
    let data = args
        .iter()
        .position(|a| *a == "--data-binary")
        .expect("a body");
    assert_eq!(args.get(data + 1).copied(), request["body"].as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_with_a_fault_writes_all_three_reports_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (junit, json, har) = (
        dir.path().join("r.xml"),
        dir.path().join("r.json"),
        dir.path().join("r.har"),
    );
    let mut cmd = scimcheck();
    cmd.args(["demo", "--fault", "reject-string-booleans", "--junit"])
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .arg("--transcript")
        .arg(&har);
    let out = output(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("reproduce: curl -sS"),
        "the terminal report shows the curl command:\n{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report is written");
    assert!(parse_junit(&xml)
        .descendants()
        .any(|n| n.has_tag_name("failure")));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("written")).expect("parses");
    assert_eq!(doc["exit_code"], 1);
    let har: Value =
        serde_json::from_str(&std::fs::read_to_string(&har).expect("written")).expect("parses");
    assert_eq!(har["log"]["version"], "1.2");
}

#[tokio::test(flavor = "multi_thread")]
async fn format_json_puts_the_json_document_alone_on_stdout() {
    let mut cmd = scimcheck();
    cmd.args(["demo", "--format", "json"]);
    let out = output(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(doc["summary"]["failed"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_report_is_an_error_naming_its_path_and_fails_a_clean_run_with_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("no-such-dir").join("report.xml");
    let json = dir.path().join("r.json");
    let mut cmd = scimcheck();
    cmd.args(["demo", "--junit"])
        .arg(&bad)
        .arg("--json")
        .arg(&json);
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "failed to write the JUnit report `{}`",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(json.exists(), "the other report is still written");

    // A run that already failed keeps its own code.
    let mut cmd = scimcheck();
    cmd.args(["demo", "--fault", "reject-string-booleans", "--junit"])
        .arg(&bad);
    assert_eq!(output(cmd).await.status.code(), Some(1));
}

#[test]
fn skipped_and_interrupted_steps_are_not_run_in_json() {
    // Pins the mapping of every `NotRun` to `not_run` with a reason, without a server.
    use scimcheck::run::{CleanupReport, Premise, PremiseKind, ScenarioOutcome, StepOutcome};
    let step = |status| StepOutcome {
        id: "STEP".into(),
        name: "s".into(),
        location: scimcheck::diag::Location {
            file: "builtin:x.yaml".into(),
            line: 1,
            column: 1,
        },
        status,
        exchanges: Vec::new(),
        request: None,
        checks: Vec::new(),
        fallbacks: Vec::new(),
        elapsed: std::time::Duration::ZERO,
    };
    let summary = RunSummary {
        run_id: "r".into(),
        scenarios: vec![ScenarioOutcome {
            name: "x".into(),
            description: String::new(),
            source: "builtin:x.yaml".into(),
            profile: Profile::Rfc,
            steps: vec![
                step(StepStatus::NotRun(NotRun::Premise(Premise {
                    blame: None,
                    kind: Box::new(PremiseKind::NoId { object: "a".into() }),
                }))),
                step(StepStatus::NotRun(NotRun::Interrupted)),
            ],
            elapsed: std::time::Duration::ZERO,
        }],
        cleanup: CleanupReport::default(),
        interrupted: true,
        elapsed: std::time::Duration::ZERO,
    };
    let ctx = ReportContext::new("http://h/scim", vec![Profile::Rfc], Redactor::default());
    let doc: Value =
        serde_json::from_str(&json::render(&summary, &ctx, 130).expect("renders")).expect("parses");
    let steps = &doc["scenarios"][0]["steps"];
    assert_eq!(
        (&steps[0]["status"], &steps[0]["reason"]),
        (
            &Value::from("not_run"),
            &Value::from(
                "not run: a has no id: the step that should have created or found it did not run"
            )
        )
    );
    assert_eq!(
        (&steps[1]["status"], &steps[1]["reason"]),
        (&Value::from("not_run"), &Value::from("interrupted"))
    );
}

/// The closing line's counts, read back: `35 passed, 15 failed (…), 2 not run, 1 error`.
fn terminal_counts(summary: &RunSummary, ctx: &ReportContext) -> [usize; 4] {
    let mut out: Vec<u8> = Vec::new();
    let mut terminal = Terminal::new(
        &mut out,
        Styles::default(),
        ctx.redactor.clone(),
        ctx.tenant_url.clone(),
    );
    terminal.summary(summary);
    drop(terminal);
    let text = String::from_utf8(out).expect("UTF-8");
    let line = text
        .lines()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("a closing line:\n{text}"));
    let count = |word: &str| -> usize {
        line.split(", ")
            .find_map(|part| {
                let (n, rest) = part.split_once(' ')?;
                rest.starts_with(word).then(|| n.parse().ok()).flatten()
            })
            .unwrap_or(0)
    };
    [
        count("passed"),
        count("failed"),
        count("not run"),
        count("error"),
    ]
}

fn json_counts(summary: &RunSummary, ctx: &ReportContext) -> [usize; 4] {
    let doc: Value =
        serde_json::from_str(&json::render(summary, ctx, 1).expect("renders")).expect("JSON");
    let n = |key: &str| doc["summary"][key].as_u64().expect("a count") as usize;
    let statuses = |status: &str| {
        doc["scenarios"]
            .as_array()
            .expect("scenarios")
            .iter()
            .flat_map(|s| s["steps"].as_array().expect("steps"))
            .filter(|s| s["status"] == status)
            .count()
    };
    let counts = [n("passed"), n("failed"), n("not_run"), n("error")];
    assert_eq!(
        counts,
        [
            statuses("passed"),
            statuses("failed"),
            statuses("not_run"),
            statuses("error")
        ],
        "the summary counts the steps' statuses"
    );
    counts
}

fn junit_counts(summary: &RunSummary, ctx: &ReportContext) -> [usize; 4] {
    let xml = junit::render(summary, ctx).expect("renders");
    let doc = parse_junit(&xml);
    let root = doc.root_element();
    let n = |name: &str| -> usize {
        root.attribute(name)
            .map_or(0, |v| v.parse().expect("a count"))
    };
    let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
    let (failures, errors, skipped) = (count("failure"), count("error"), count("skipped"));
    assert_eq!((n("failures"), n("errors")), (failures, errors), "{xml}");
    [
        n("tests") - failures - errors - skipped,
        failures,
        skipped,
        errors,
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn terminal_json_and_junit_count_passed_failed_not_run_and_error_alike() {
    let failing = run(&[Fault::RejectPascalCaseOps], &[Profile::EntraDefault]).await;
    let not_run = run(&[Fault::HtmlLoginPage], &[Profile::EntraDefault]).await;
    let unreachable = run_against(&unreachable_url(), &[Profile::EntraDefault]).await;
    let mut seen = [0; 4];
    for (what, (summary, ctx)) in [
        ("failing", failing),
        ("not run", not_run),
        ("unreachable", unreachable),
    ] {
        let counts = summary.counts();
        let expected = [counts.passed, counts.failed, counts.not_run, counts.errors];
        assert_eq!(
            terminal_counts(&summary, &ctx),
            expected,
            "{what}: terminal"
        );
        assert_eq!(json_counts(&summary, &ctx), expected, "{what}: JSON");
        assert_eq!(junit_counts(&summary, &ctx), expected, "{what}: JUnit");
        for (seen, n) in seen.iter_mut().zip(expected) {
            *seen += n;
        }
    }
    assert!(seen.iter().all(|n| *n > 0), "every state occurs: {seen:?}");
}

/// Fails when the report types changed and the committed schema did not.
/// `UPDATE_SCHEMA=1 cargo test --test reports` rewrites it.
#[test]
fn the_committed_report_schema_is_the_generated_one() {
    let generated = json::schema();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(json::SCHEMA_PATH);
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("the schema file is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date with src/report/json.rs; regenerate it with\n\
         \n    UPDATE_SCHEMA=1 cargo test --test reports\n\nand commit it",
        json::SCHEMA_PATH
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn real_reports_validate_against_the_report_schema_and_a_broken_one_does_not() {
    let schema: Value = serde_json::from_str(&json::schema()).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let failing = run(&[Fault::RejectPascalCaseOps], &[Profile::EntraDefault]).await;
    let unreachable = run_against(&unreachable_url(), &[Profile::EntraDefault]).await;
    for (summary, ctx) in [failing, unreachable] {
        let doc: Value =
            serde_json::from_str(&json::render(&summary, &ctx, 1).expect("renders")).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        let mut broken = doc.clone();
        broken["scenarios"][0]["steps"][0]["status"] = "skipped".into();
        broken["summary"]
            .as_object_mut()
            .expect("an object")
            .remove("passed");
        assert_eq!(
            validator.iter_errors(&broken).count(),
            2,
            "status and summary"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_to_dash_goes_to_stdout_and_the_terminal_report_to_stderr() {
    let server = common::server(&[Fault::RejectStringBooleans]).await;
    for (flag, starts) in [("--json", "{"), ("--junit", "<?xml")] {
        let mut cmd = scimcheck();
        cmd.args(["run", &server.base_url(), flag, "-"])
            .env("SCIMCHECK_TOKEN", TOKEN);
        let out = output(cmd).await;
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stdout.starts_with(starts),
            "{flag}: stdout is the document:\n{stdout}"
        );
        assert!(
            !stdout.contains("what to fix first"),
            "{flag}: the terminal report is not on stdout"
        );
        assert!(
            stderr.contains("what to fix first"),
            "{flag}: it is on stderr:\n{stderr}"
        );
        assert!(!std::path::Path::new("-").exists(), "no file named `-`");
    }
    server.shutdown().await;
}

#[test]
fn two_reports_on_stdout_are_refused_before_anything_is_sent() {
    let out = scimcheck()
        .args([
            "run",
            "http://127.0.0.1:9/scim",
            "--json",
            "-",
            "--junit",
            "-",
        ])
        .env("SCIMCHECK_TOKEN", TOKEN)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("only one report can go to stdout"),
        "{stderr}"
    );
}
