//! The `source` expressions and scoping filters of an exported schema (entra-2026 §1.2), read
//! for showing and for naming what scimcheck does not evaluate.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Functions whose result scimcheck models: the value they produce has the target's type, as
/// the profile renders it (`Switch([IsSoftDeleted], , "False", "True", "True", "False")` is
/// the `"True"`/`"False"` strings of `entra-default`, client-behaviour §5), or a constant.
const EVALUATED: &[&str] = &[
    "Switch",
    "Not",
    "Join",
    "Append",
    "Item",
    "SingleAppRoleAssignment",
    "AppRoleAssignmentsComplex",
    "AssertiveAppRoleAssignmentsComplex",
];

fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// `attributeMappingSource`: an attribute, a constant, or a function of further sources.
#[derive(Debug, Deserialize)]
pub(crate) struct Source {
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    ty: String,
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    expression: String,
    #[serde(default, deserialize_with = "nullable")]
    parameters: Vec<Parameter>,
}

#[derive(Debug, Deserialize)]
struct Parameter {
    value: Option<Source>,
}

/// The source as the Attribute-Mapping page shows it, with the default value if one is set.
pub(crate) fn describe(source: Option<&Source>, default: &str) -> Option<String> {
    let shown = source.map(render);
    match (shown, default.is_empty()) {
        (Some(shown), true) => Some(shown),
        (Some(shown), false) => Some(format!("{shown} (default \"{default}\")")),
        (None, false) => Some(format!("\"{default}\" (default)")),
        (None, true) => None,
    }
}

fn render(source: &Source) -> String {
    // Exports carry the expression as the portal wrote it; the tree is the fallback.
    if !source.expression.is_empty() {
        return source.expression.clone();
    }
    match source.ty.as_str() {
        "Attribute" => format!("[{}]", source.name),
        "Constant" => format!("\"{}\"", source.name),
        _ => {
            let args: Vec<String> = source
                .parameters
                .iter()
                .map(|p| p.value.as_ref().map(render).unwrap_or_default())
                .collect();
            format!("{}({})", source.name, args.join(", "))
        }
    }
}

/// What a mapping sends where that is not a generated value of the target's type: a
/// constant, the default value of a mapping without a source (Entra applies it when the
/// source is null, client-behaviour §3.2), or the app-role objects. `Switch`, `Not`, `Join`,
/// `Append`, `Item` and `SingleAppRoleAssignment` produce a value of the target's type,
/// which scimcheck generates and the profile renders (`Switch([IsSoftDeleted], …)` on
/// `active` is the `"True"`/`"False"` strings of `entra-default`).
pub(crate) fn produced(source: Option<&Source>, default: &str) -> Option<super::Produced> {
    match source {
        None if !default.is_empty() => Some(super::Produced::Constant(default.to_owned())),
        None => None,
        Some(s) if s.ty.eq_ignore_ascii_case("Constant") => {
            Some(super::Produced::Constant(s.name.clone()))
        }
        Some(s)
            if s.ty.eq_ignore_ascii_case("Function")
                && s.name.eq_ignore_ascii_case("AppRoleAssignmentsComplex") =>
        {
            Some(super::Produced::AppRoles)
        }
        Some(s)
            if s.ty.eq_ignore_ascii_case("Function")
                && s.name
                    .eq_ignore_ascii_case("AssertiveAppRoleAssignmentsComplex") =>
        {
            Some(super::Produced::AssertiveAppRoles)
        }
        Some(_) => None,
    }
}

/// The first function in the tree that scimcheck does not evaluate.
pub(crate) fn unknown_function(source: &Source) -> Option<String> {
    if source.ty == "Function"
        && !EVALUATED
            .iter()
            .any(|f| f.eq_ignore_ascii_case(&source.name))
    {
        return Some(source.name.clone());
    }
    source
        .parameters
        .iter()
        .filter_map(|p| p.value.as_ref())
        .find_map(unknown_function)
}

/// The scoping filter in words: clauses joined by AND within a group, groups by OR
/// (`synchronization-filter.md`). `None` when the mapping has no filter.
pub(crate) fn scope(filter: &Value) -> Option<String> {
    let groups = filter.get("groups")?.as_array()?;
    let words: Vec<String> = groups
        .iter()
        .filter_map(|g| g.get("clauses")?.as_array())
        .map(|clauses| clauses.iter().map(clause).collect::<Vec<_>>().join(" AND "))
        .filter(|g| !g.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}

fn clause(clause: &Value) -> String {
    let text = |key: &str| clause.get(key).and_then(Value::as_str).unwrap_or("?");
    let values: Vec<&str> = clause
        .pointer("/targetOperand/values")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let operand = match values.as_slice() {
        [] => String::new(),
        values => format!(" \"{}\"", values.join("\", \"")),
    };
    format!(
        "{} {}{operand}",
        text("sourceOperandName"),
        text("operatorName")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(json: Value) -> Source {
        serde_json::from_value(json).expect("a source")
    }

    #[test]
    fn a_function_tree_without_expression_text_renders_as_the_portal_writes_it() {
        let s = source(serde_json::json!({
            "type": "Function", "name": "Not", "expression": null,
            "parameters": [{"key": "source", "value": {"type": "Attribute", "name": "IsSoftDeleted"}}]
        }));
        assert_eq!(
            describe(Some(&s), ""),
            Some("Not([IsSoftDeleted])".to_owned())
        );
        assert_eq!(unknown_function(&s), None);
    }

    #[test]
    fn an_unevaluated_function_inside_a_known_one_is_named() {
        let s = source(serde_json::json!({
            "type": "Function", "name": "Join",
            "parameters": [{"key": "source", "value": {"type": "Function", "name": "Mid", "parameters": []}}]
        }));
        assert_eq!(unknown_function(&s), Some("Mid".to_owned()));
    }

    #[test]
    fn constants_defaults_and_complex_app_roles_are_produced_other_functions_generated() {
        use super::super::Produced;
        let constant = source(serde_json::json!({"type": "Constant", "name": "Employee"}));
        assert_eq!(
            produced(Some(&constant), ""),
            Some(Produced::Constant("Employee".to_owned()))
        );
        assert_eq!(
            produced(None, "en-US"),
            Some(Produced::Constant("en-US".to_owned()))
        );
        let roles = source(serde_json::json!({
            "type": "Function", "name": "AppRoleAssignmentsComplex",
            "parameters": [{"value": {"type": "Attribute", "name": "appRoleAssignments"}}]
        }));
        assert_eq!(produced(Some(&roles), ""), Some(Produced::AppRoles));
        // `Switch` yields a value of the target's type, which the profile renders; the
        // default applies only where the source is null, which a generated source never is.
        let switch = source(serde_json::json!({
            "type": "Function", "name": "Switch",
            "parameters": [{"value": {"type": "Attribute", "name": "IsSoftDeleted"}}]
        }));
        assert_eq!(produced(Some(&switch), "False"), None);
        assert_eq!(produced(None, ""), None);
    }

    #[test]
    fn scope_groups_read_as_or_of_and_clauses() {
        let filter = serde_json::json!({"groups": [
            {"clauses": [{"sourceOperandName": "department", "operatorName": "EQUALS",
                          "targetOperand": {"values": ["Sales"]}},
                         {"sourceOperandName": "accountEnabled", "operatorName": "IS TRUE"}]},
            {"clauses": [{"sourceOperandName": "country", "operatorName": "EQUALS",
                          "targetOperand": {"values": ["DE"]}}]}
        ]});
        assert_eq!(
            scope(&filter).as_deref(),
            Some("department EQUALS \"Sales\" AND accountEnabled IS TRUE OR country EQUALS \"DE\"")
        );
    }
}
