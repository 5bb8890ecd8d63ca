//! Snapshots of what people and CI read: the terminal report of a clean `demo` and of a few
//! faults, and the JUnit and JSON reports. A change to any of them shows up as a diff to
//! review (`cargo insta review`, or `INSTA_UPDATE=always cargo test --test snapshots` and
//! `git diff tests/snapshots/`).
//!
//! What changes from run to run is replaced before comparing (see [`normalise`]): ports, run
//! ids, uuids, durations, dates, the generated names and words, and the sizes that depend on
//! them. The terminal is snapshotted at 300 columns, so that the lengths of generated values
//! do not move a fold or a cut; fitting to a narrow terminal is pinned in `tests/output.rs`.

mod common;

use std::process::Output;

use common::{scimcheck, TOKEN};
use regex::Regex;

/// The values `{{ random_name }}` and `{{ random_word }}` draw from (src/plan/template.rs).
const NAMES: &str =
    "Adele|Bruno|Chioma|Dmitri|Elif|Farah|Goran|Hana|Ilse|Jonas|Keiko|Lars|Mira|Nils|Oona|Priya";
const WORDS: &str = "amber|birch|cobalt|delta|ember|fjord|garnet|harbor|indigo|juniper|kestrel|lumen|meadow|nimbus|onyx|prairie";

/// `text` with what varies between runs replaced by `[placeholders]`.
fn normalise(text: &str) -> String {
    let mut text = text.to_owned();
    // The run id, as the closing line names it, wherever it appears (resource names).
    let run_id = Regex::new(r#"run ([0-9a-f]{8}):|"run_id": "([0-9a-f]{8})""#).expect("regex");
    let id = run_id
        .captures(&text)
        .and_then(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().to_owned()));
    if let Some(id) = id {
        // The lookup in another case (Q14) sends the name upper-cased. An id of digits only
        // reads the same in both cases, so the upper-cased name is told by its prefix.
        text = text.replace(
            &format!("SCIMCHECK-{}", id.to_ascii_uppercase()),
            "SCIMCHECK-[RUN-ID]",
        );
        text = text.replace(&id, "[run-id]");
    }
    let rules: [(&str, &str); 13] = [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        // A uuid or other hex cut short by the width.
        (r"[0-9a-f-]+…", "[hex]…"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[date]",
        ),
        (r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT", "[date]"),
        (r"\b\d+(\.\d+)? m?s\b", "[time]"),
        (r#""duration_ms": \d+"#, r#""duration_ms": 0"#),
        (r#"time="[\d.]+""#, r#"time="[time]""#),
        (r"\(\d+ ms\)", "([time])"),
        (r"\d+ bytes in all", "[n] bytes in all"),
        (r"\(\d+ chars;", "([n] chars;"),
        (
            r#"(?i)"content-length",\s*"\d+""#,
            r#""content-length", "[n]""#,
        ),
        (r"(?i)content-length: \d+", "content-length: [n]"),
    ];
    let version = format!("\"scimcheck_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    text = text.replace(&version, "\"scimcheck_version\": \"[version]\"");
    for (pattern, replacement) in rules {
        let regex = Regex::new(pattern).expect("regex");
        text = regex.replace_all(&text, replacement).into_owned();
    }
    let generated = Regex::new(&format!(r"\b({NAMES})\b|\b({WORDS})\b")).expect("regex");
    generated
        .replace_all(&text, |c: &regex::Captures| {
            if c.get(1).is_some() {
                "[name]"
            } else {
                "[word]"
            }
        })
        .into_owned()
}

fn demo(args: &[&str]) -> Output {
    scimcheck()
        .arg("demo")
        .args(args)
        .env("COLUMNS", "300")
        .output()
        .expect("runs")
}

fn stdout(out: &Output) -> String {
    normalise(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn terminal_report_of_a_clean_demo() {
    let out = demo(&[]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn terminal_report_of_pascal_case_ops_refused() {
    let out = demo(&["--fault", "reject-pascal-case-ops"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn terminal_report_of_a_patch_that_stores_nothing() {
    let out = demo(&["--fault", "patch-stores-nothing"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn terminal_report_of_an_html_login_page() {
    let out = demo(&["--fault", "html-login-page"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn terminal_report_of_a_refused_token() {
    let server = common::server(&[]).await;
    let mut cmd = scimcheck();
    cmd.args(["run", &server.base_url()])
        .env("SCIMCHECK_TOKEN", format!("{TOKEN}-wrong"))
        .env("COLUMNS", "300");
    let out = common::output(cmd).await;
    server.shutdown().await;
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn junit_report_of_a_warning_and_a_failure() {
    let out = demo(&[
        "--only",
        "test-connection",
        "--fault",
        "content-type-json",
        "--junit",
        "-",
    ]);
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn json_report_of_a_warning() {
    let out = demo(&[
        "--only",
        "test-connection",
        "--fault",
        "content-type-json",
        "--json",
        "-",
    ]);
    insta::assert_snapshot!(stdout(&out));
}

/// `demo` with `--jobs N` and `args`: the terminal report and the JSON report, normalised.
fn demo_with_jobs(jobs: &str, args: &[&str]) -> (String, String, Option<i32>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("report.json");
    let json_arg = json.to_string_lossy().into_owned();
    let mut all = vec!["--jobs", jobs, "--json", &json_arg];
    all.extend_from_slice(args);
    let out = demo(&all);
    let report = std::fs::read_to_string(&json).expect("the JSON report is written");
    // pydantic cuts a quoted value short, and with it the run id (`scimcheck...ee4-bystander`).
    let cut = Regex::new(r"scimcheck\.\.\.[0-9a-f]*").expect("regex");
    let report = cut
        .replace_all(&normalise(&report), "scimcheck...")
        .into_owned();
    (stdout(&out), report, out.status.code())
}

/// Asserts two reports are equal, showing the first line where they differ.
fn assert_same(what: &str, one: &str, eight: &str) {
    let differ = one
        .lines()
        .zip(eight.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b);
    if let Some((n, (a, b))) = differ {
        panic!(
            "the {what} reports differ at line {}:\n  -j1: {a}\n  -j8: {b}",
            n + 1
        );
    }
    assert_eq!(
        one.lines().count(),
        eight.lines().count(),
        "the {what} reports differ in length"
    );
}

/// Asserts that `--jobs 8` and `--jobs 1` give the same reports, verdicts and exit code.
fn assert_jobs_do_not_change_the_report(args: &[&str]) {
    let (terminal_1, json_1, code_1) = demo_with_jobs("1", args);
    let (terminal_8, json_8, code_8) = demo_with_jobs("8", args);
    assert_eq!(code_1, code_8);
    assert_same("terminal", &terminal_1, &terminal_8);
    assert_same("JSON", &json_1, &json_8);
}

#[test]
fn eight_jobs_give_the_report_of_one() {
    assert_jobs_do_not_change_the_report(&[]);
}

#[test]
fn eight_jobs_give_the_report_of_one_when_a_fallback_is_learned() {
    // The first refused create teaches the later scenarios to leave the extension out; a
    // scenario that ran at the same time is run again from what its predecessors learned.
    assert_jobs_do_not_change_the_report(&["--fault", "reject-enterprise-extension"]);
}

#[test]
fn eight_jobs_give_the_report_of_one_when_the_run_stops() {
    // Test Connection shows a cause that blocks everything: the scenarios that ran at the
    // same time are reported as not run, as in a sequential run.
    assert_jobs_do_not_change_the_report(&["--fault", "html-login-page"]);
}
