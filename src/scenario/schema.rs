//! The JSON Schema of the scenario format, derived from the [`model`](super::model) types with
//! `schemars` and committed as `schema/scenario.schema.json`, so editors can complete and
//! check scenario files (`# yaml-language-server: $schema=…` at the top of a file).
//!
//! The model types, and the one Entra action type (`plan::action::EntraAction`, which the model
//! reads in its `File` form), derive `JsonSchema`; new keys and Entra actions are picked up by
//! the derive.
//! Two kinds of field need help, because the schema must describe what the reader accepts:
//! - `serde_saphyr::Spanned<T>` is another crate's type: each such field says what it holds
//!   with `#[schemars(with = "…")]` (`Text` fields with [`Scalar`]).
//! - The model's own wrappers (`Recover`, `Entries`, `Lookup`, `StatusCodes`, `Json`) have
//!   hand-written impls below.
//!
//! A test compares the committed file with [`render`]; after changing the model, regenerate it
//! with `cargo run -- scenarios schema > schema/scenario.schema.json`.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_saphyr::Spanned;

use super::model::{Entries, Json, Lookup, LookupBy, Recover, ScenarioFile, StatusCodes, Text};

/// Where the schema is committed, relative to the repository's root.
pub const SCHEMA_PATH: &str = "schema/scenario.schema.json";

/// The schema of a scenario file as pretty-printed JSON, ending with a newline: the exact
/// text of `schema/scenario.schema.json`.
pub fn render() -> String {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<ScenarioFile>();
    schema.insert("title".into(), "scimcheck scenario file".into());
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    format!("{text}\n")
}

/// A YAML scalar read as text: the reader takes `active: false` and `count: 3` as the text
/// the user wrote, so the schema accepts strings, numbers and booleans where text is meant.
pub struct Scalar;

impl JsonSchema for Scalar {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

impl JsonSchema for Recover<Text> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Scalar::json_schema(generator)
    }
}

impl JsonSchema for Recover<Spanned<u64>> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "uint64".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        u64::json_schema(generator)
    }
}

/// `TextMap`: name or attribute path → text (an empty value reads as an empty mapping).
impl JsonSchema for Entries<Text, Text> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "TextMap".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<Scalar>();
        json_schema!({ "type": ["object", "null"], "additionalProperties": value })
    }
}

/// `users:` and `groups:`: object name → attribute path → value.
impl JsonSchema for Entries<Text, Entries<Text, Text>> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Objects".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let values = generator.subschema_for::<Entries<Text, Text>>();
        json_schema!({ "type": ["object", "null"], "additionalProperties": values })
    }
}

impl JsonSchema for Lookup {
    fn schema_name() -> Cow<'static, str> {
        "Lookup".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let long = generator.subschema_for::<LookupBy>();
        json_schema!({
            "description": "A user name, or `{ user: NAME, by: PATH }`.",
            "anyOf": [{ "type": ["string", "number", "boolean"] }, long]
        })
    }
}

impl JsonSchema for StatusCodes {
    fn schema_name() -> Cow<'static, str> {
        "StatusCodes".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A status code (`200`) or a list of them (`[200, 204]`).",
            "anyOf": [
                { "type": "integer" },
                { "type": "array", "items": { "type": "integer" } }
            ]
        })
    }
}

impl JsonSchema for Json {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Json".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "Any JSON value, written in YAML; its strings are templates." })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_the_keys_of_a_step_and_the_entra_actions() {
        let schema: serde_json::Value =
            serde_json::from_str(&render()).expect("the schema is JSON");
        let step = &schema["$defs"]["Step"];
        assert_eq!(step["additionalProperties"], false, "{step:#}");
        for key in [
            "id",
            "name",
            "entra",
            "request",
            "expect",
            "capture",
            "read-back",
        ] {
            assert!(
                step["properties"].get(key).is_some(),
                "`{key}` missing: {step:#}"
            );
        }
        let actions = schema["$defs"]["EntraAction"].to_string();
        for action in [
            "test-connection",
            "lookup-user",
            "create-user",
            "delete-group",
        ] {
            assert!(
                actions.contains(&format!("\"{action}\"")),
                "{action}: {actions}"
            );
        }
    }
}
