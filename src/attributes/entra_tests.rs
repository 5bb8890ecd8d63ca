//! Bad exported schemas: each is refused with the JSON path of the problem.

use serde_json::{json, Value};

use super::recognise;
use crate::attributes::{Apply, TableError};

const DEFAULT: &str = include_str!("../../fixtures/entra-schema/scim-default.json");

fn default() -> Value {
    serde_json::from_str(DEFAULT).expect("the fixture is JSON")
}

/// The user object mapping of the default fixture (the second of the rule).
fn user_mapping(schema: &mut Value) -> &mut Value {
    &mut schema["synchronizationRules"][0]["objectMappings"][1]
}

fn refused(schema: &Value) -> (String, String) {
    match recognise("s.json", &schema.to_string()) {
        Err(TableError::Schema { path, message, .. }) => (path, message),
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn json_that_is_neither_a_table_nor_a_schema_is_refused_at_the_root() {
    let (path, message) = refused(&json!({"value": []}));
    assert_eq!(path, "$");
    assert!(
        message.starts_with("neither an attribute table"),
        "{message}"
    );
}

#[test]
fn a_yaml_table_is_left_to_the_table_reader() {
    let text = "version: 1\napp: X\n";
    assert!(matches!(recognise("t.yaml", text), Ok(None)));
}

#[test]
fn a_schema_without_the_scim_rule_names_the_rules_it_has() {
    let mut schema = default();
    schema["synchronizationRules"][0]["name"] = json!("USER_OUTBOUND_USER");
    let (path, message) = refused(&schema);
    assert_eq!(path, "$.synchronizationRules");
    assert!(message.contains("found `USER_OUTBOUND_USER`"), "{message}");
}

#[test]
fn a_disabled_user_mapping_is_refused_at_the_object_mappings() {
    let mut schema = default();
    user_mapping(&mut schema)["enabled"] = json!(false);
    let (path, message) = refused(&schema);
    assert_eq!(path, "$.synchronizationRules[0].objectMappings");
    assert!(message.contains("provisions no users"), "{message}");
}

#[test]
fn a_value_of_the_wrong_type_is_located_by_its_json_path() {
    let mut schema = default();
    user_mapping(&mut schema)["attributeMappings"][3]["matchingPriority"] = json!("first");
    let (path, _) = refused(&schema);
    assert_eq!(
        path,
        "$.synchronizationRules[0].objectMappings[1].attributeMappings[3].matchingPriority"
    );
}

#[test]
fn a_target_attribute_without_a_definition_is_located() {
    let mut schema = default();
    user_mapping(&mut schema)["attributeMappings"][2]["targetAttributeName"] = json!("nickName");
    let (path, message) = refused(&schema);
    assert_eq!(
        path,
        "$.synchronizationRules[0].objectMappings[1].attributeMappings[2].targetAttributeName"
    );
    assert!(
        message.contains("`nickName` has no attribute definition"),
        "{message}"
    );
}

#[test]
fn a_user_mapping_without_a_matching_attribute_is_refused() {
    let mut schema = default();
    user_mapping(&mut schema)["attributeMappings"][0]["matchingPriority"] = json!(0);
    let (path, message) = refused(&schema);
    assert_eq!(
        path,
        "$.synchronizationRules[0].objectMappings[1].attributeMappings"
    );
    assert!(message.contains("matchingPriority"), "{message}");
}

#[test]
fn a_rule_naming_a_missing_directory_is_refused() {
    let mut schema = default();
    schema["synchronizationRules"][0]["targetDirectoryName"] = json!("Contoso");
    let (path, message) = refused(&schema);
    assert_eq!(path, "$.synchronizationRules[0].targetDirectoryName");
    assert!(message.contains("`Contoso`"), "{message}");
}

#[test]
fn an_unevaluated_function_is_named_in_a_warning_and_the_attribute_still_sent() {
    let mut schema = default();
    user_mapping(&mut schema)["attributeMappings"][3]["source"] = json!({
        "type": "Function", "name": "Mid", "expression": "Mid([jobTitle], 1, 8)",
        "parameters": [{"key": "source", "value": {"type": "Attribute", "name": "jobTitle"}}]
    });
    let tables = recognise("s.json", &schema.to_string())
        .expect("accepted")
        .expect("a schema");
    assert_eq!(tables.warnings.len(), 1, "{:?}", tables.warnings);
    assert!(tables.warnings[0].contains("`title` is mapped with `Mid`"));
    assert!(tables.user.get("title").is_some());
}

#[test]
fn a_disabled_group_mapping_falls_back_to_the_default_groups_with_a_warning() {
    let mut schema = default();
    schema["synchronizationRules"][0]["objectMappings"][0]["enabled"] = json!(false);
    let tables = recognise("s.json", &schema.to_string())
        .expect("accepted")
        .expect("a schema");
    assert_eq!(tables.group.matching.as_str(), "displayName");
    assert!(tables.warnings[0].contains("no enabled object mapping targets"));
}

#[test]
fn flow_type_object_add_only_reads_as_on_create_only() {
    let mut schema = default();
    user_mapping(&mut schema)["attributeMappings"][3]["flowType"] = json!("ObjectAddOnly");
    let tables = recognise("s.json", &schema.to_string())
        .expect("accepted")
        .expect("a schema");
    let title = tables.user.get("title").expect("title");
    assert_eq!(title.apply, Apply::OnCreateOnly);
    assert_eq!(
        tables.user.get("displayName").map(|a| a.apply),
        Some(Apply::Always)
    );
}
