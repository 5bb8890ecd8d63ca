//! The published JSON Schema of the scenario format (`schema/scenario.schema.json`): current
//! with the model types, and true to the files scimcheck reads.

use std::path::Path;

use scimcheck::scenario::{self, schema};

const COMMITTED: &str = schema::SCHEMA_PATH;

fn committed_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED)
}

/// Fails when the model changed and the committed schema did not. `UPDATE_SCHEMA=1 cargo test
/// --test schema` (or `scimcheck scenarios schema > schema/scenario.schema.json`) rewrites it.
#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = schema::render();
    let path = committed_path();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("the schema file is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is out of date with src/scenario/model.rs; regenerate it with\n\
         \n    cargo run -- scenarios schema > {COMMITTED}\n\
         \nor `UPDATE_SCHEMA=1 cargo test --test schema`, and commit it"
    );
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&schema::render()).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// A scenario file's YAML as the JSON value the schema describes.
fn as_json(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("the YAML reads as JSON")
}

fn errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    let instance = as_json(text);
    validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_accepts_every_built_in_scenario() {
    let validator = validator();
    let files = scenario::builtin()
        .into_iter()
        .chain(scenario::read_only_builtin());
    for file in files {
        let found = errors(&validator, &file.text);
        assert!(found.is_empty(), "{}:\n{}", file.name, found.join("\n"));
    }
}

#[test]
fn the_schema_rejects_an_unknown_key_and_an_unknown_action() {
    let validator = validator();
    let found = errors(
        &validator,
        "version: 1
name: typo
steps:
  - entra: { creat-user: alice }
  - entra: test-connection
    expcet: { status: 200 }
",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("/steps/0/entra"), "{found:#?}");
    assert!(found[1].starts_with("/steps/1"), "{found:#?}");
}

#[test]
fn the_schema_accepts_scalars_where_the_reader_takes_text() {
    // The reader takes `active: false` as the text `false`; the schema must not flag it.
    let found = errors(
        &validator(),
        "version: 1
name: scalars
users: { alice: { active: false }, bob: }
steps:
  - entra: { update-user: { user: alice, set: { active: true } } }
    expect: { status: [200, 204] }
  - request: { method: GET, path: /Users, body: { a: [1, null, x] } }
    expect: { status: 200, list: { totalResults: 0 } }
",
    );
    assert!(found.is_empty(), "{found:#?}");
}
