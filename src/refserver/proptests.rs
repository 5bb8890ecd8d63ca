//! Property tests of the reference server's parsers (issue 11, item 8): no input makes the
//! filter, attribute-path or PATCH parser panic, and a filter written from parts reads back
//! as those parts.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::faults::{Fault, Faults};
use super::filter::{parse_filter, parse_path, CaseRules};
use super::patch::parse_request;

/// Text made of the pieces filters and paths are made of, so the parser gets past its
/// first character.
fn filterish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("userName".to_owned()),
        Just("emails".to_owned()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:".to_owned()),
        Just(" eq ".to_owned()),
        Just(" and ".to_owned()),
        Just(" or ".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(".".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("12".to_owned()),
        "[a-zA-Z0-9 ]{0,4}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|parts| parts.concat())
}

fn resource() -> serde_json::Map<String, Value> {
    json!({
        "userName": "a@b", "active": true, "name": {"givenName": "A"},
        "emails": [{"type": "work", "value": "a@b"}]
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

/// JSON values of the shapes a PATCH body has, and of others.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("add".to_owned()),
            Just("Replace".to_owned()),
            Just("remove".to_owned()),
            Just("members[value eq \"x\"]".to_owned()),
            Just("emails[type eq \"work\"].value".to_owned()),
            filterish(),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("op".to_owned()),
                    Just("path".to_owned()),
                    Just("value".to_owned()),
                    Just("Operations".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn the_filter_and_path_parsers_never_panic(text in filterish()) {
        if let Ok(filter) = parse_filter(&text) {
            // Evaluating what parsed must not panic either.
            let _ = filter.matches(&resource(), CaseRules::default());
        }
        let _ = parse_path(&text);
    }

    #[test]
    fn the_filter_parser_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse_filter(&text);
        let _ = parse_path(&text);
    }

    #[test]
    fn a_filter_written_from_clauses_reads_back_as_those_clauses(
        clauses in prop::collection::vec(
            ("[a-zA-Z][a-zA-Z0-9]{0,10}", "[^\"\\\\\\p{C}]{0,12}"),
            1..5,
        )
    ) {
        let text = clauses
            .iter()
            .map(|(attr, value)| format!("{attr} eq \"{value}\""))
            .collect::<Vec<_>>()
            .join(" and ");
        let filter = parse_filter(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(filter.clauses.len(), clauses.len());
        for (clause, (attr, value)) in filter.clauses.iter().zip(&clauses) {
            prop_assert_eq!(&clause.path.attr, attr);
            prop_assert_eq!(&clause.value, &Value::String(value.clone()));
        }
    }

    #[test]
    fn the_patch_parser_never_panics(body in json_value(), pascal in any::<bool>()) {
        let faults = if pascal {
            Faults::new(BTreeSet::from([Fault::RejectPascalCaseOps]))
        } else {
            Faults::default()
        };
        let _ = parse_request(&body, &faults);
        let wrapped = json!({"Operations": [body]});
        let _ = parse_request(&wrapped, &faults);
    }
}
