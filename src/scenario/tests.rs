//! Tests of reading and parsing scenario files.

use std::path::Path;

use super::model::{EntraAction, Json, ScenarioFile};
use super::*;

#[test]
fn builtin_scenarios_are_named_and_in_run_order() {
    let names: Vec<String> = builtin().iter().map(|f| f.name.to_string()).collect();
    assert_eq!(
        names,
        [
            "builtin:test-connection",
            "builtin:user-lifecycle",
            "builtin:user-sync",
            "builtin:user-patch-forms",
            "builtin:user-manager",
            "builtin:user-app-roles",
            "builtin:user-primary-role",
            "builtin:group-lifecycle",
            "builtin:group-batches"
        ]
    );
    for file in builtin() {
        let parsed = parse(&file.text);
        assert!(
            parsed.errors.is_empty(),
            "{}: {:?}",
            file.name,
            parsed.errors
        );
    }
}

#[test]
fn a_folder_reads_its_yaml_files_sorted_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["b.yml", "a.yaml", "notes.txt", "c.YAML.bak"] {
        std::fs::write(dir.path().join(name), "version: 1\n").expect("write");
    }
    std::fs::write(dir.path().join("bom.yaml"), "\u{feff}version: 1\n").expect("write");
    let files = read(dir.path()).expect("reads");
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            Path::new(&*f.name)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(names, ["a.yaml", "b.yml", "bom.yaml"]);
    assert_eq!(
        files[2].text, "version: 1\n",
        "the byte-order mark is dropped"
    );
    let one = read(&dir.path().join("a.yaml")).expect("reads");
    assert_eq!(one.len(), 1);
    assert_eq!(
        &*one[0].name,
        dir.path().join("a.yaml").display().to_string()
    );
}

#[test]
fn read_errors_name_the_path_and_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.yaml");
    let error = read(&missing).expect_err("fails").to_string();
    assert!(
        error.starts_with(&format!(
            "failed to read scenario `{}`: ",
            missing.display()
        )),
        "{error}"
    );
    let error = read(dir.path())
        .expect_err("an empty folder fails")
        .to_string();
    assert!(
        error.ends_with(": the folder has no `*.yaml` or `*.yml` files"),
        "{error}"
    );
}

#[test]
fn the_model_keeps_locations_of_steps_and_actions() {
    let text = "version: 1\nname: t\nusers: { alice: {} }\nsteps:\n  - name: find\n    entra: { lookup-user: { user: alice, by: userName } }\n";
    let parsed = parse(text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let model = parsed.model.expect("model");
    let step = &model.steps.value.0[0];
    assert_eq!((step.referenced.line(), step.referenced.column()), (5, 5));
    let entra = step.value.entra.as_ref().expect("entra");
    assert_eq!(
        (entra.referenced.line(), entra.referenced.column()),
        (6, 12)
    );
    let EntraAction::LookupUser { user, by } = &entra.value else {
        panic!("lookup-user expected")
    };
    assert_eq!(user.value, "alice");
    assert_eq!((user.referenced.line(), user.referenced.column()), (6, 35));
    let path = by.as_ref().expect("by");
    assert_eq!((path.referenced.line(), path.referenced.column()), (6, 46));
}

#[test]
fn scalars_keep_the_text_the_user_wrote() {
    let text = "version: 1\nname: t\nusers:\n  alice: { externalId: 007, displayName: yes, name.givenName: 1.10 }\nsteps:\n  - request: { method: POST, path: /x, body: { a: yes, b: 007, c: null } }\n";
    let model = parse(text).model.expect("model");
    let values: Vec<&str> = model.users.0[0]
        .1
         .0
        .iter()
        .map(|(_, v)| v.value.as_str())
        .collect();
    assert_eq!(values, ["007", "yes", "1.10"]);
    let request = model.steps.value.0[0]
        .value
        .request
        .as_ref()
        .expect("request");
    let Some(Json::Object(body)) = request.value.body.as_ref().map(|b| &b.value) else {
        panic!("object body expected")
    };
    // YAML 1.2, as JSON: `yes` is a string, `007` the number 7.
    assert!(matches!(&body[0].1.value, Json::String(s) if s == "yes"));
    assert!(matches!(&body[1].1.value, Json::Number(n) if n.as_u64() == Some(7)));
    assert!(matches!(body[2].1.value, Json::Null));
}

#[test]
fn columns_count_characters_after_non_ascii_text() {
    // serde-saphyr 0.0.16 reports byte columns; diagnostics use characters.
    let parsed = parse("version: 1\nname: \"ééé\"\nsteps: []\nbad: x\n");
    let unknown: Vec<(u32, u32)> = parsed.errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(unknown, [(4, 1)]);
    let parsed = parse("version: 1\nname: t\nsteps:\n  - { name: \"ééé\", bad: 1 }\n");
    assert_eq!((parsed.errors[0].line, parsed.errors[0].column), (4, 20));
}

#[test]
fn the_model_is_plain_serde_and_reads_with_serde_saphyr_directly() {
    // Without our tree the first mistake stops the reading, as serde does.
    for file in builtin() {
        let direct: Result<ScenarioFile, _> = serde_saphyr::from_str(&file.text);
        assert!(direct.is_ok(), "{}: {:?}", file.name, direct.err());
    }
    let text = "version: 1\nname: t\nsteps:\n  - entra: test-connection\n    expcet: {}\n";
    let error = serde_saphyr::from_str::<ScenarioFile>(text).expect_err("unknown key");
    assert!(
        error.to_string().contains("unknown field `expcet`"),
        "{error}"
    );
}

#[test]
fn mistakes_render_with_title_and_note() {
    let parsed = parse("version: 1\nname: t\nsteps:\n  - entra: { create-usr: a }\n");
    let error = &parsed.errors[0];
    assert_eq!(error.message(), "unknown Entra action `create-usr`");
    assert_eq!(error.note().as_deref(), Some("did you mean `create-user`?"));
    assert_eq!(error.to_string(), "4:14: unknown Entra action `create-usr`");
    let parsed =
        parse("version: 1\nname: t\nsteps:\n  - request: { method: GET, path: /x, auth: token }\n");
    assert_eq!(
        parsed.errors[0].note().as_deref(),
        Some("expected `bearer` or `none`")
    );
}

#[test]
fn a_nul_or_escape_byte_is_an_error_at_its_line_and_column() {
    let text = "version: 1\nname: x\nsteps:\n  - name: a\u{0}b\n    entra: test-connection\n";
    let parsed = parse(text);
    assert!(parsed.model.is_none());
    let error = &parsed.errors[0];
    assert_eq!((error.line, error.column), (4, 12));
    assert_eq!(error.kind, ScenarioErrorKind::ControlCharacter { code: 0 });
    assert_eq!(error.message(), "a control character (U+0000) in the file");
    let escape = parse("version: 1\nname: \u{1b}[2J\nsteps: []\n");
    assert_eq!(
        escape.errors[0].kind,
        ScenarioErrorKind::ControlCharacter { code: 0x1b }
    );
    // A carriage return alone would be a line break to YAML and to no editor.
    let lone = parse("version: 1\rname: x\nsteps: []\n");
    assert_eq!(
        lone.errors[0].kind,
        ScenarioErrorKind::ControlCharacter { code: 0x0d }
    );
    assert_eq!((lone.errors[0].line, lone.errors[0].column), (1, 11));
    // Tabs and Windows line endings are text.
    assert!(parse("version: 1\r\nname: \"a\tb\"\r\nsteps: []\r\n")
        .errors
        .iter()
        .all(|e| !matches!(e.kind, ScenarioErrorKind::ControlCharacter { .. })));
}

#[test]
fn a_file_over_the_yaml_budget_says_which_limit_in_words() {
    let items = vec!["1"; 300_000].join(",");
    let text = format!("version: 1\nname: x\nsteps: []\nx: [{items}]\n");
    let parsed = parse(&text);
    let error = &parsed.errors[0];
    assert!(
        matches!(&error.kind, ScenarioErrorKind::TooLarge(what) if what.contains("values (keys, items and scalars)")),
        "{:?}",
        error.kind
    );
    assert!(!error.message().contains("budget"), "{}", error.message());
    assert_eq!(error.line, 4);
}
