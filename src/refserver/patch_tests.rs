//! PATCH tests: each request form Entra sends (client-behaviour §3.5–§4.4, §5.2), applied and
//! normalised as the PATCH handler does.

use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::refserver::store::Kind;
use crate::refserver::values::normalise;

const ENT: &str = scim::ENTERPRISE_USER_SCHEMA;

fn faults(list: &[Fault]) -> Faults {
    Faults::new(list.iter().copied().collect::<BTreeSet<_>>())
}

fn user() -> Map<String, Value> {
    json!({
        "userName": "alice@contoso.com",
        "active": true,
        "name": {"givenName": "Alice", "familyName": "A"},
        "emails": [{"type": "work", "value": "alice@contoso.com", "primary": true}]
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

fn group() -> Map<String, Value> {
    json!({"displayName": "Sales", "members": [{"value": "u1"}, {"value": "u2"}]})
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// Applies `ops` (the `Operations` array) like the PATCH handler: parse, apply, normalise.
fn run_with(
    kind: Kind,
    mut attrs: Map<String, Value>,
    ops: Value,
    list: &[Fault],
) -> Result<Value, ScimError> {
    let f = faults(list);
    let body = json!({"schemas": [scim::PATCH_OP_SCHEMA], "Operations": ops});
    let ops = parse_request(&body, &f)?;
    apply(&mut attrs, &ops, &f)?;
    normalise(kind, &mut attrs, &f)?;
    Ok(Value::Object(attrs))
}

fn run(kind: Kind, attrs: Map<String, Value>, ops: Value) -> Value {
    run_with(kind, attrs, ops, &[]).unwrap_or_else(|e| panic!("{e:?}"))
}

fn err_type(result: Result<Value, ScimError>) -> Option<ScimType> {
    result.err().and_then(|e| e.scim_type)
}

#[test]
fn pascal_case_ops_are_accepted_q1() {
    let out = run(
        Kind::User,
        user(),
        json!([{"op": "Replace", "path": "displayName", "value": "Pvlo"},
               {"op": "ADD", "path": "nickName", "value": "Babs"},
               {"op": "Remove", "path": "nickName"}]),
    );
    assert_eq!(out["displayName"], "Pvlo");
    assert!(out.get("nickName").is_none());
}

#[test]
fn pascal_case_ops_rejected_with_fault() {
    let ops = json!([{"op": "Replace", "path": "displayName", "value": "x"}]);
    let result = run_with(Kind::User, user(), ops, &[Fault::RejectPascalCaseOps]);
    assert_eq!(err_type(result), Some(ScimType::InvalidSyntax));
}

#[test]
fn unknown_op_and_missing_operations_are_invalid_syntax() {
    let f = faults(&[]);
    let bad_op = json!({"Operations": [{"op": "merge", "path": "a", "value": 1}]});
    assert_eq!(
        parse_request(&bad_op, &f).err().and_then(|e| e.scim_type),
        Some(ScimType::InvalidSyntax)
    );
    let missing = json!({"schemas": [scim::PATCH_OP_SCHEMA]});
    assert_eq!(
        parse_request(&missing, &f).err().and_then(|e| e.scim_type),
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn string_boolean_active_is_stored_as_boolean_q2() {
    let out = run(
        Kind::User,
        user(),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(out["active"], json!(false));
    let out = run(
        Kind::User,
        user(),
        json!([{"op": "Add", "path": "active", "value": "true"}]),
    );
    assert_eq!(out["active"], json!(true));
}

#[test]
fn string_boolean_rejected_with_fault() {
    let ops = json!([{"op": "Replace", "path": "active", "value": "False"}]);
    let result = run_with(Kind::User, user(), ops, &[Fault::RejectStringBooleans]);
    assert_eq!(err_type(result), Some(ScimType::InvalidValue));
}

#[test]
fn filtered_replace_on_existing_element_sets_sub_attribute() {
    let ops =
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@x.com"}]);
    let out = run(Kind::User, user(), ops);
    assert_eq!(
        out["emails"],
        json!([{"type": "work", "value": "new@x.com", "primary": true}])
    );
}

#[test]
fn filtered_add_and_replace_create_absent_element_q9() {
    let ops = json!([
        {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"},
        {"op": "Add", "path": "addresses[type eq \"work\"].formatted", "value": "18/2111"},
        {"op": "Add", "path": "emails[type eq \"other\"].value", "value": "o@x.com"},
        {"op": "Add", "path": "roles[primary eq \"True\"].value", "value": "Admin"}
    ]);
    let out = run(Kind::User, user(), ops);
    assert_eq!(
        out["phoneNumbers"],
        json!([{"type": "work", "value": "+1 555"}])
    );
    assert_eq!(
        out["addresses"],
        json!([{"type": "work", "formatted": "18/2111"}])
    );
    assert_eq!(
        out["emails"][1],
        json!({"type": "other", "value": "o@x.com"})
    );
    assert_eq!(out["roles"], json!([{"primary": true, "value": "Admin"}]));
}

#[test]
fn filtered_path_on_absent_element_rejected_with_fault() {
    let ops =
        json!([{"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "1"}]);
    let result = run_with(
        Kind::User,
        user(),
        ops,
        &[Fault::RejectFilteredPathOnAbsent],
    );
    assert_eq!(err_type(result), Some(ScimType::NoTarget));
}

#[test]
fn remove_on_filtered_path_matching_nothing_is_no_target() {
    let ops = json!([{"op": "Remove", "path": "emails[type eq \"home\"]"}]);
    assert_eq!(
        err_type(run_with(Kind::User, user(), ops, &[])),
        Some(ScimType::NoTarget)
    );
}

#[test]
fn pathless_value_object_with_flattened_keys_q4() {
    let ops = json!([{"op": "replace", "value": {
        "displayName": "Alice B",
        "name.givenName": "Ally",
        "active": false,
        format!("{ENT}:employeeNumber"): "7",
        ENT: {"department": "Retail"}
    }}]);
    let out = run(Kind::User, user(), ops);
    assert_eq!(out["displayName"], "Alice B");
    assert_eq!(out["name"], json!({"givenName": "Ally", "familyName": "A"}));
    assert_eq!(out["active"], json!(false));
    assert_eq!(
        out[ENT],
        json!({"employeeNumber": "7", "department": "Retail"})
    );
}

#[test]
fn pathless_add_with_object_value_merges_q10() {
    let ops = json!([{"op": "Add", "value": {"name": {"formatted": "Alice A"}, "title": "CEO"}}]);
    let out = run(Kind::User, user(), ops);
    assert_eq!(out["name"]["formatted"], "Alice A");
    assert_eq!(out["name"]["givenName"], "Alice");
    assert_eq!(out["title"], "CEO");
}

#[test]
fn pathless_op_rejected_with_fault() {
    let ops = json!([{"op": "replace", "value": {"displayName": "x"}}]);
    let result = run_with(Kind::User, user(), ops, &[Fault::RejectNoPathValueObjects]);
    assert_eq!(err_type(result), Some(ScimType::NoTarget));
}

#[test]
fn replace_name_with_object_merges_sub_attributes_q10() {
    let ops = json!([{"op": "replace", "path": "name", "value": {"givenName": "Al"}}]);
    let out = run(Kind::User, user(), ops);
    assert_eq!(out["name"], json!({"givenName": "Al", "familyName": "A"}));
}

#[test]
fn enterprise_urn_path_sets_extension_attribute() {
    let ops = json!([{"op": "Add", "path": format!("{ENT}:department"), "value": "Retail"}]);
    assert_eq!(
        run(Kind::User, user(), ops)[ENT],
        json!({"department": "Retail"})
    );
}

#[test]
fn manager_string_is_stored_as_object_q8() {
    let ops = json!([{"op": "Add", "path": format!("{ENT}:manager"), "value": "2c2f"}]);
    assert_eq!(
        run(Kind::User, user(), ops)[ENT]["manager"],
        json!({"value": "2c2f"})
    );
}

#[test]
fn manager_legacy_array_and_object_forms_are_accepted() {
    let ops = json!([{"op": "Add", "path": "manager", "value": [{"$ref": "http://x/Users/9", "value": "9"}]}]);
    let out = run(Kind::User, user(), ops);
    assert_eq!(
        out[ENT]["manager"],
        json!({"$ref": "http://x/Users/9", "value": "9"})
    );
    let ops = json!([{"op": "replace", "path": format!("{ENT}:manager"), "value": {"value": "8"}}]);
    assert_eq!(
        run(Kind::User, user(), ops)[ENT]["manager"],
        json!({"value": "8"})
    );
}

#[test]
fn manager_is_cleared_by_remove_or_empty_replace() {
    let mut with_manager = user();
    with_manager.insert(
        ENT.into(),
        json!({"manager": {"value": "m"}, "department": "R"}),
    );
    let ops = json!([{"op": "Remove", "path": format!("{ENT}:manager")}]);
    assert_eq!(
        run(Kind::User, with_manager.clone(), ops)[ENT],
        json!({"department": "R"})
    );
    let ops = json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": ""}]);
    assert_eq!(
        run(Kind::User, with_manager, ops)[ENT],
        json!({"department": "R"})
    );
}

#[test]
fn manager_with_null_ref_rejected_with_fault() {
    let ops = json!([{"op": "Add", "path": "manager", "value": [{"$ref": null, "value": "9"}]}]);
    let result = run_with(Kind::User, user(), ops, &[Fault::RejectNullRef]);
    assert_eq!(err_type(result), Some(ScimType::InvalidValue));
}

#[test]
fn members_add_with_null_ref_ignores_duplicates_q7() {
    let ops = json!([{"op": "Add", "path": "members",
                      "value": [{"$ref": null, "value": "u3"}, {"$ref": null, "value": "u1"}]}]);
    let out = run(Kind::Group, group(), ops);
    assert_eq!(
        out["members"],
        json!([{"value": "u1"}, {"value": "u2"}, {"value": "u3"}])
    );
}

#[test]
fn members_remove_with_value_array_default_form_q5() {
    let ops =
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]}]);
    assert_eq!(
        run(Kind::Group, group(), ops)["members"],
        json!([{"value": "u2"}])
    );
}

#[test]
fn members_remove_with_value_filter_flag_form_q5() {
    let ops = json!([{"op": "remove", "path": "members[value eq \"u2\"]"}]);
    assert_eq!(
        run(Kind::Group, group(), ops)["members"],
        json!([{"value": "u1"}])
    );
}

#[test]
fn members_remove_of_last_member_leaves_empty_array() {
    let ops =
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}]);
    assert_eq!(run(Kind::Group, group(), ops)["members"], json!([]));
}

#[test]
fn members_value_array_removal_rejected_with_fault() {
    let ops = json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]);
    let result = run_with(
        Kind::Group,
        group(),
        ops.clone(),
        &[Fault::RejectMemberValueArrayRemoval],
    );
    assert_eq!(err_type(result), Some(ScimType::InvalidValue));
    let flag_form = json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]);
    assert!(run_with(
        Kind::Group,
        group(),
        flag_form,
        &[Fault::RejectMemberValueArrayRemoval]
    )
    .is_ok());
}

#[test]
fn group_rename_pathed_and_pathless() {
    let ops = json!([{"op": "Replace", "path": "displayName", "value": "Sales 2"}]);
    assert_eq!(run(Kind::Group, group(), ops)["displayName"], "Sales 2");
    let ops = json!([{"op": "replace", "value": {"displayName": "S3", "externalId": "e"}}]);
    let out = run(Kind::Group, group(), ops);
    assert_eq!(
        (out["displayName"].clone(), out["externalId"].clone()),
        (json!("S3"), json!("e"))
    );
}

#[test]
fn bad_path_is_invalid_path_and_remove_without_path_is_no_target() {
    let ops = json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]);
    assert_eq!(
        err_type(run_with(Kind::User, user(), ops, &[])),
        Some(ScimType::InvalidPath)
    );
    let ops = json!([{"op": "remove"}]);
    assert_eq!(
        err_type(run_with(Kind::User, user(), ops, &[])),
        Some(ScimType::NoTarget)
    );
}

/// Client-behaviour §3.5: Entra's default roles PATCH, the role a JSON-encoded string.
fn entra_role_add() -> Value {
    json!([{"op": "Add", "path": "roles", "value": [
        {"value": "{\"id\":\"7c1d\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}
    ]}])
}

#[test]
fn a_json_string_role_is_decoded_into_value_and_display_q6() {
    let mut attrs = user();
    attrs.insert(
        "roles".into(),
        json!([{"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "1"}]),
    );
    let out = run(Kind::User, attrs, entra_role_add());
    assert_eq!(
        out["roles"],
        json!([
            {"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "1"},
            {"value": "25", "display": "Role1234"}
        ])
    );
    // A role that is an object already (the flag's form) is stored as sent.
    let plain = json!([{"op": "add", "path": "roles", "value": [{"value": "26", "display": "R"}]}]);
    let out = run(Kind::User, user(), plain);
    assert_eq!(out["roles"], json!([{"value": "26", "display": "R"}]));
}

#[test]
fn a_json_string_role_is_kept_verbatim_with_the_fault() {
    let out = run_with(
        Kind::User,
        user(),
        entra_role_add(),
        &[Fault::RoleJsonStringVerbatim],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        out["roles"][0]["value"],
        "{\"id\":\"7c1d\",\"value\":\"25\",\"displayName\":\"Role1234\"}"
    );
}

#[test]
fn the_primary_role_is_found_by_the_string_true_unless_booleans_compare_exactly_q13() {
    let mut attrs = user();
    attrs.insert("roles".into(), json!([{"primary": true, "value": "Admin"}]));
    let ops =
        json!([{"op": "Replace", "path": "roles[primary eq \"True\"].value", "value": "Ops"}]);
    let out = run(Kind::User, attrs.clone(), ops.clone());
    assert_eq!(out["roles"], json!([{"primary": true, "value": "Ops"}]));
    let refused = run_with(Kind::User, attrs, ops, &[Fault::RolePrimaryBooleanOnly]);
    assert_eq!(err_type(refused), Some(ScimType::NoTarget));
}
