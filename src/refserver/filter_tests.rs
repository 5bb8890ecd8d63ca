//! Filter and attribute-path parser and evaluator tests.

use super::*;
use serde_json::json;

fn resource() -> Map<String, Value> {
    json!({
        "id": "3f9c",
        "userName": "Alice@Contoso.com",
        "externalId": "Alice",
        "displayName": "Alice A",
        "active": true,
        "name": {"givenName": "Alice", "familyName": "A"},
        "emails": [{"type": "work", "value": "Alice@Contoso.com", "primary": true},
                   {"type": "other", "value": "a@home.example"}],
        "roles": [{"primary": true, "value": "Admin"}],
        "members": [{"value": "u1"}],
        scim::ENTERPRISE_USER_SCHEMA: {"employeeNumber": "42", "manager": {"value": "m1"}}
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

fn matches(filter: &str) -> bool {
    parse_filter(filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(&resource(), CaseRules::default())
}

#[test]
fn quoted_value_parses_with_escapes() {
    let f = parse_filter(r#"userName eq "a\"b""#).unwrap();
    assert_eq!(f.clauses[0].path.attr, "userName");
    assert_eq!(f.clauses[0].value, json!("a\"b"));
}

#[test]
fn unquoted_legacy_value_is_a_string_q15() {
    let f = parse_filter("externalId eq jyoung").unwrap();
    assert_eq!(f.clauses[0].value, json!("jyoung"));
    assert!(matches("externalId eq Alice"));
}

#[test]
fn operators_and_conjunction_are_case_insensitive() {
    assert!(matches(
        r#"userName EQ "alice@contoso.com" AND externalId Eq "Alice""#
    ));
    assert!(!matches(
        r#"userName eq "alice@contoso.com" and externalId eq "nope""#
    ));
}

#[test]
fn username_displayname_and_emails_compare_case_insensitively() {
    assert!(matches(r#"userName eq "ALICE@CONTOSO.COM""#));
    assert!(matches(r#"displayName eq "alice a""#));
    assert!(matches(r#"emails.value eq "alice@contoso.com""#));
}

#[test]
fn id_and_external_id_compare_case_sensitively() {
    assert!(matches(r#"id eq "3f9c""#));
    assert!(!matches(r#"id eq "3F9C""#));
    assert!(!matches(r#"externalId eq "alice""#));
}

#[test]
fn case_sensitive_username_rule_flips_username_only() {
    let f = parse_filter(r#"userName eq "alice@contoso.com""#).unwrap();
    let rules = CaseRules {
        user_name_exact: true,
        ..CaseRules::default()
    };
    assert!(!f.matches(&resource(), rules));
    assert!(parse_filter(r#"displayName eq "alice a""#)
        .unwrap()
        .matches(&resource(), rules));
}

#[test]
fn sub_attribute_and_enterprise_urn_paths_resolve() {
    assert!(matches(r#"name.givenName eq "alice""#));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42""#
    ));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1""#
    ));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice@contoso.com""#
    ));
}

#[test]
fn multi_valued_sub_attribute_matches_any_element() {
    assert!(matches(r#"emails.value eq "a@home.example""#));
    assert!(!matches(r#"emails.value eq "nobody@example.com""#));
}

#[test]
fn value_path_selects_elements_by_inner_filter() {
    assert!(matches(
        r#"emails[type eq "work"].value eq "alice@contoso.com""#
    ));
    assert!(!matches(
        r#"emails[type eq "other"].value eq "alice@contoso.com""#
    ));
}

#[test]
fn string_true_compares_equal_to_boolean_true_q13() {
    assert!(matches(r#"roles[primary eq "True"].value eq "Admin""#));
    assert!(matches(r#"active eq "True""#));
    assert!(matches("active eq true"));
}

#[test]
fn complex_attribute_without_sub_compares_its_value() {
    assert!(matches(r#"members eq "u1""#));
    assert!(!matches(r#"members eq "U1""#));
}

#[test]
fn unsupported_operators_and_garbage_are_errors() {
    for (filter, fragment) in [
        (r#"userName co "a""#, "operator `co` is not supported"),
        (r#"userName pr"#, "operator `pr` is not supported"),
        (
            r#"userName eq "a" or userName eq "b""#,
            "`or` is not supported",
        ),
        (r#"not (userName eq "a")"#, "`not` is not supported"),
        (r#"userName eq "a"#, "unterminated"),
        ("userName", "expected an operator"),
        (r#"userName eq"#, "expected a value"),
        (r#"emails[type eq "work".value eq "x""#, "missing `]`"),
        (r#"user%Name eq "x""#, "bad attribute name"),
    ] {
        let err = parse_filter(filter).unwrap_err();
        assert!(err.contains(fragment), "{filter}: {err}");
    }
}

#[test]
fn patch_paths_parse_into_parts() {
    let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(
        (p.attr.as_str(), p.sub_attr.as_deref()),
        ("emails", Some("value"))
    );
    assert!(p.filter.is_some());

    let p = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
        .unwrap();
    assert_eq!(p.urn.as_deref(), Some(scim::ENTERPRISE_USER_SCHEMA));
    assert_eq!(p.attr, "department");

    let p = parse_path(r#"members[value eq "7f4b"]"#).unwrap();
    assert_eq!(p.attr, "members");
    assert!(p.sub_attr.is_none());

    let p = parse_path("name.givenName").unwrap();
    assert_eq!(
        (p.attr.as_str(), p.sub_attr.as_deref()),
        ("name", Some("givenName"))
    );
}

#[test]
fn element_template_turns_filter_into_new_element() {
    let p = parse_path(r#"roles[primary eq "True"].value"#).unwrap();
    let template = p.filter.and_then(|f| f.element_template());
    assert_eq!(template.map(Value::Object), Some(json!({"primary": true})));
}

#[test]
fn only_id_meta_and_schemas_filters_need_the_rendered_resource() {
    let reads = |text: &str| parse_filter(text).unwrap().reads_server_attributes();
    assert!(reads(r#"id eq "3f9c""#));
    assert!(reads(r#"displayName eq "Sales" and id eq "3f9c""#));
    assert!(reads(r#"meta.lastModified eq "2026-01-01T00:00:00Z""#));
    assert!(!reads(r#"userName eq "a@b.c""#));
    assert!(!reads(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42""#
    ));
    assert!(!reads(r#"emails[type eq "work"].value eq "a@b.c""#));
}
