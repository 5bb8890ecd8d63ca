//! Scenario tooling: `scimcheck scenarios list|show|schema` and `scimcheck lint`.

use std::io::Write as _;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

fn scimcheck(args: &[&str]) -> Output {
    Command::cargo_bin("scimcheck")
        .expect("the binary is built")
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn yaml(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .expect("a temp file");
    file.write_all(text.as_bytes()).expect("written");
    file
}

fn manifest(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn scenarios_list_shows_every_built_in_scenario_with_its_steps_and_description() {
    let out = scimcheck(&["scenarios", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = stdout(&out);
    assert!(list.starts_with("NAME"), "{list}");
    for file in scimcheck::scenario::builtin() {
        let name = file.name.trim_start_matches("builtin:");
        assert!(
            list.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} missing:\n{list}"
        );
    }
    let connection = list
        .lines()
        .find(|l| l.starts_with("test-connection "))
        .expect("test-connection listed");
    let columns: Vec<&str> = connection.split_whitespace().collect();
    assert_eq!(columns[1], "2", "two steps: {connection}");
    assert!(
        connection.contains("Entra's Test Connection"),
        "{connection}"
    );
    assert!(list.contains("read-only-user"), "{list}");
}

#[test]
fn scenarios_list_reads_your_own_files() {
    let file = yaml(
        "version: 1
name: mine
description: My own scenario.
steps:
  - entra: test-connection
",
    );
    let out = scimcheck(&[
        "scenarios",
        "list",
        "--scenario",
        file.path().to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = stdout(&out);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.contains("mine      1  My own scenario."), "{list}");
}

#[test]
fn scenarios_show_prints_the_built_in_yaml_verbatim() {
    let out = scimcheck(&["scenarios", "show", "user-lifecycle"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shipped = std::fs::read_to_string(manifest("scenarios/user-lifecycle.yaml"))
        .expect("the built-in file");
    assert_eq!(stdout(&out), shipped);
}

#[test]
fn scenarios_show_of_an_unknown_name_exits_2_with_a_suggestion() {
    let out = scimcheck(&["scenarios", "show", "user-lifecyle"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no built-in scenario `user-lifecyle`"),
        "{err}"
    );
    assert!(err.contains("did you mean `user-lifecycle`?"), "{err}");
}

#[test]
fn scenarios_schema_prints_the_committed_schema() {
    let out = scimcheck(&["scenarios", "schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let committed =
        std::fs::read_to_string(manifest("schema/scenario.schema.json")).expect("committed");
    assert_eq!(stdout(&out), committed);
}

#[test]
fn lint_of_good_files_and_folders_exits_0() {
    let out = scimcheck(&[
        "lint",
        &manifest("scenarios"),
        &manifest("scenarios/read-only/user.yaml"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = scimcheck::scenario::builtin().len() + 1;
    assert_eq!(stdout(&out), format!("{files} file(s) OK\n"));
}

#[test]
fn lint_of_a_bad_file_exits_2_with_every_mistake_located() {
    let bad = yaml(
        "version: 1
name: bad
users: { alice: {} }
steps:
  - entra: { create-user: alice }
    expcet: { status: 201 }
  - entra: { get-user: alcie }
",
    );
    let good = manifest("scenarios/test-connection.yaml");
    let path = bad.path().to_str().expect("UTF-8");
    let out = scimcheck(&["lint", path, &good]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "", "nothing on stdout");
    let err = stderr(&out);
    for expected in [
        format!("error: unknown key `expcet` in a step\n --> {path}:6:5"),
        "6 |     expcet: { status: 201 }\n  |     ^ did you mean `expect`?".to_owned(),
        format!("error: unknown user `alcie`\n --> {path}:7:24"),
        "^ did you mean `alice`?".to_owned(),
        "error: 2 mistake(s) in 1 of 2 file(s)".to_owned(),
    ] {
        assert!(err.contains(&expected), "{expected:?} missing:\n{err}");
    }
}

#[test]
fn lint_checks_against_the_attribute_tables_given() {
    // `title` is in Entra's default mapping, not in the built-in Atmos tables.
    let file = yaml(
        "version: 1
name: attrs
users: { alice: { title: Engineer } }
steps:
  - entra: { create-user: alice }
",
    );
    let path = file.path().to_str().expect("UTF-8");
    let out = scimcheck(&["lint", path]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown user attribute `title`"),
        "{}",
        stderr(&out)
    );
    let tables = manifest("fixtures/entra-default.yaml");
    let out = scimcheck(&["lint", path, "--attributes", &tables]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "1 file(s) OK\n");
    let out = scimcheck(&["lint", path, "--attributes", "/no/such/tables.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn lint_of_a_missing_file_exits_2() {
    let out = scimcheck(&["lint", "/no/such/scenario.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/no/such/scenario.yaml"),
        "{}",
        stderr(&out)
    );
}
