//! Choosing what runs: `--only PATTERN` / `--skip PATTERN` on `run` and `demo`, matched
//! against scenario names, step ids and step names.

use std::io::Write as _;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn scimcheck(args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("scimcheck").expect("the binary is built");
    cmd.args(args)
        .env_remove("SCIMCHECK_TOKEN")
        .env("NO_COLOR", "1")
        .env("CI", "1");
    cmd
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `demo ARGS --format json`: the exit code and each step as `scenario/STEP-ID status`.
fn demo(args: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut all = vec!["demo", "--format", "json"];
    all.extend_from_slice(args);
    let out = scimcheck(&all).output().expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}):\n{}", text(&out)));
    let steps = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .flat_map(|s| {
            let name = s["name"].as_str().unwrap_or_default().to_owned();
            s["steps"].as_array().expect("steps").iter().map(move |st| {
                format!(
                    "{name}/{} {}",
                    st["id"].as_str().unwrap_or_default(),
                    st["status"].as_str().unwrap_or_default()
                )
            })
        })
        .collect();
    (out.status.code(), steps)
}

/// A scenario of our own, so the assertions do not depend on the built-in ones.
fn people() -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .expect("a temp file");
    file.write_all(
        b"version: 1
name: people
users: { alice: {} }
steps:
  - id: USER-CREATE
    entra: { create-user: alice }
  - id: USER-GET
    name: alice is there
    entra: { get-user: alice }
  - id: USER-DISABLE
    entra: { disable-user: alice }
  - id: USER-DELETE
    entra: { delete-user: alice }
",
    )
    .expect("written");
    file
}

#[test]
fn only_runs_the_steps_whose_id_matches() {
    let file = people();
    let path = file.path().to_str().expect("a UTF-8 path");
    let (code, steps) = demo(&[
        "--scenario",
        path,
        "--only",
        "USER-?ET",
        "--only",
        "USER-CREATE",
    ]);
    assert_eq!(
        steps,
        ["people/USER-CREATE passed", "people/USER-GET passed"]
    );
    // alice is left behind for cleanup, which deletes her: a clean run.
    assert_eq!(code, Some(0));
}

#[test]
fn only_matches_step_names_and_scenario_names_too() {
    let file = people();
    let path = file.path().to_str().expect("a UTF-8 path");
    let (_, steps) = demo(&["--scenario", path, "--only", "*is there"]);
    assert_eq!(steps, ["people/USER-GET not_run"]);
    let (code, steps) = demo(&["--scenario", path, "--only", "peo*"]);
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert_eq!(code, Some(0));
}

#[test]
fn skipping_the_step_that_creates_an_object_leaves_later_steps_not_run() {
    let file = people();
    let path = file.path().to_str().expect("a UTF-8 path");
    let (code, steps) = demo(&[
        "--scenario",
        path,
        "--skip",
        "USER-CREATE",
        "--skip",
        "USER-D*",
    ]);
    assert_eq!(steps, ["people/USER-GET not_run"]);
    assert_eq!(code, Some(1), "a step not run fails the run");
}

#[test]
fn skip_leaves_out_a_built_in_scenario_and_only_picks_one() {
    let (code, steps) = demo(&["--only", "test-*", "--skip", "TEST-CONNECTION-NO-TOKEN"]);
    assert_eq!(steps, ["test-connection/TEST-CONNECTION passed"]);
    assert_eq!(code, Some(0));
    let out = scimcheck(&["demo", "--skip", "group-lifecycle", "--format", "json"])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(!names.contains(&"group-lifecycle"), "{names:?}");
    assert!(names.contains(&"user-lifecycle"), "{names:?}");
}

#[test]
fn a_pattern_that_matches_nothing_exits_2_listing_the_scenarios() {
    let out = scimcheck(&["demo", "--only", "USER-*", "--skip", "no-such-thing"])
        .output()
        .expect("runs");
    let report = text(&out);
    assert_eq!(out.status.code(), Some(2), "{report}");
    assert!(
        report.contains(
            "error: `--skip no-such-thing` matches no scenario name, step id or step name"
        ),
        "{report}"
    );
    assert!(
        report.contains("hint: the scenarios are test-connection, user-lifecycle"),
        "{report}"
    );
    assert!(!report.contains("PASS"), "nothing runs: {report}");
}

#[test]
fn a_selection_that_leaves_nothing_exits_2() {
    let out = scimcheck(&["demo", "--skip", "*"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("leave nothing to run"),
        "{}",
        text(&out)
    );
}

#[test]
fn run_selects_before_sending_anything() {
    // Nothing listens on port 9: a selection mistake must be reported before connecting.
    let out = scimcheck(&["run", "http://127.0.0.1:9/scim", "--only", "NOPE"])
        .env("SCIMCHECK_TOKEN", "t")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("`--only NOPE` matches no"),
        "{}",
        text(&out)
    );
}

#[test]
fn help_documents_only_and_skip_on_run_and_demo() {
    for command in ["run", "demo"] {
        let out = scimcheck(&[command, "--help"]).output().expect("runs");
        let help = text(&out);
        for word in ["--only <PATTERN>", "--skip <PATTERN>", "step id"] {
            assert!(
                help.contains(word),
                "`{word}` missing from {command} --help:\n{help}"
            );
        }
    }
}
