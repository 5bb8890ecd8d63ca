//! Entra's exported provisioning schema (the `synchronizationSchema` JSON of "Review your
//! schema", or Graph `…/synchronization/jobs/{id}/schema`; entra-2026 §1.2) read as attribute
//! tables: the enabled user and group mappings of the `USERGROUP_OUTBOUND_USERGROUP` rule,
//! checked against the target directory's attribute definitions.
//!
//! Every problem is reported with the JSON path where it is, before anything is sent.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::expr;
use super::{
    Apply, AttrPath, AttrType, Attribute, AttributeTables, ResourceKind, ResourceTable, TableError,
};
use crate::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA};

/// The rule a SCIM app's user and group mappings live in (entra-2026 §1.2).
const RULE: &str = "USERGROUP_OUTBOUND_USERGROUP";

/// Explicit `null`s are common in exports; they mean the default.
fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemaModel {
    #[serde(default, deserialize_with = "nullable")]
    directories: Vec<Directory>,
    synchronization_rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Directory {
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    objects: Vec<ObjectDefinition>,
}

#[derive(Deserialize)]
struct ObjectDefinition {
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    attributes: Vec<AttributeDefinition>,
}

/// `attributeDefinition`: what the target directory says about one SCIM attribute.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttributeDefinition {
    name: String,
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    ty: String,
    #[serde(default, deserialize_with = "nullable")]
    multivalued: bool,
    #[serde(default, deserialize_with = "nullable")]
    required: bool,
    #[serde(default, deserialize_with = "nullable")]
    mutability: String,
    #[serde(default, deserialize_with = "nullable")]
    case_exact: bool,
    #[serde(default, deserialize_with = "nullable")]
    referenced_objects: Vec<ReferencedObject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferencedObject {
    #[serde(default, deserialize_with = "nullable")]
    referenced_object_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    name: String,
    target_directory_name: String,
    #[serde(default, deserialize_with = "nullable")]
    object_mappings: Vec<ObjectMapping>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectMapping {
    #[serde(default, deserialize_with = "nullable")]
    enabled: bool,
    #[serde(default, deserialize_with = "nullable")]
    flow_types: String,
    #[serde(default)]
    scope: Option<Value>,
    target_object_name: String,
    #[serde(default, deserialize_with = "nullable")]
    attribute_mappings: Vec<AttributeMapping>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttributeMapping {
    target_attribute_name: String,
    #[serde(default)]
    source: Option<expr::Source>,
    #[serde(default, deserialize_with = "nullable")]
    matching_priority: u32,
    #[serde(default, deserialize_with = "nullable")]
    flow_type: String,
    #[serde(default, deserialize_with = "nullable")]
    default_value: String,
}

/// Tables from `text` if it is an exported schema; `None` if it is something else for the
/// YAML reader (a JSON table is YAML too); an error if it is JSON but neither.
pub(crate) fn recognise(file: &str, text: &str) -> Result<Option<AttributeTables>, TableError> {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Ok(None);
    };
    let object = value.as_object();
    if object.is_some_and(|o| o.contains_key("version") && !o.contains_key("directories")) {
        return Ok(None);
    }
    if !object.is_some_and(|o| o.contains_key("synchronizationRules")) {
        return Err(at(
            file,
            "$",
            "neither an attribute table (`version`, `app`, `user`, `group`) nor Entra's exported \
             schema (`directories`, `synchronizationRules`)"
                .to_owned(),
        ));
    }
    let model: SchemaModel = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = format!("$.{}", e.path());
        at(file, &path, e.into_inner().to_string())
    })?;
    tables(file, &model).map(Some)
}

fn at(file: &str, path: &str, message: String) -> TableError {
    TableError::Schema {
        file: file.to_owned(),
        path: path.to_owned(),
        message,
    }
}

fn tables(file: &str, model: &SchemaModel) -> Result<AttributeTables, TableError> {
    let names: Vec<&str> = model
        .synchronization_rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    let (r, rule) = model
        .synchronization_rules
        .iter()
        .enumerate()
        .find(|(_, r)| r.name == RULE)
        .ok_or_else(|| {
            let found = format!("found {}", listed(&names));
            at(
                file,
                "$.synchronizationRules",
                format!("no rule named `{RULE}`, the rule of a SCIM app's mappings; {found}"),
            )
        })?;
    let (d, directory) = model
        .directories
        .iter()
        .enumerate()
        .find(|(_, d)| d.name == rule.target_directory_name)
        .ok_or_else(|| {
            at(
                file,
                &format!("$.synchronizationRules[{r}].targetDirectoryName"),
                format!(
                    "no directory is named `{}` in `$.directories`",
                    rule.target_directory_name
                ),
            )
        })?;
    let mut warnings = Vec::new();
    let rule_path = format!("$.synchronizationRules[{r}].objectMappings");
    let user = mapping(rule, &rule_path, ENTERPRISE_USER_SCHEMA)
        .ok_or_else(|| {
            at(
                file,
                &rule_path,
                format!(
                    "no enabled object mapping targets `{ENTERPRISE_USER_SCHEMA}`, so Entra \
                     provisions no users; enable the user mapping"
                ),
            )
        })
        .and_then(|(path, m)| {
            let defs = definitions(directory, d, ENTERPRISE_USER_SCHEMA, "User");
            table(file, ResourceKind::User, &path, m, defs, &mut warnings)
        })?;
    let group = match mapping(rule, &rule_path, GROUP_SCHEMA) {
        Some((path, m)) => {
            let defs = definitions(directory, d, GROUP_SCHEMA, "Group");
            table(file, ResourceKind::Group, &path, m, defs, &mut warnings)?
        }
        None => {
            warnings.push(format!(
                "no enabled object mapping targets `{GROUP_SCHEMA}`; the group scenarios use \
                 Entra's default group mapping (displayName, externalId, members)"
            ));
            AttributeTables::atmos().group
        }
    };
    Ok(AttributeTables {
        app: directory.name.clone(),
        user,
        group,
        warnings,
    })
}

/// The enabled object mapping with this target, with its JSON path. `flowTypes` may be written
/// `Add, Update, Delete` or `Add,Update,Delete` (entra-2026 §1.2); a mapping without `Add`
/// provisions nothing new, so it is not the one tested.
fn mapping<'m>(
    rule: &'m Rule,
    rule_path: &str,
    target: &str,
) -> Option<(String, &'m ObjectMapping)> {
    rule.object_mappings
        .iter()
        .enumerate()
        .filter(|(_, m)| m.enabled && m.target_object_name.eq_ignore_ascii_case(target))
        .find(|(_, m)| {
            m.flow_types.is_empty()
                || m.flow_types
                    .split(',')
                    .any(|f| f.trim().eq_ignore_ascii_case("Add"))
        })
        .map(|(i, m)| (format!("{rule_path}[{i}]"), m))
}

/// The target directory's definitions for an object: named by its schema URN in SCIM
/// templates, by `User`/`Group` in older ones.
fn definitions<'d>(
    directory: &'d Directory,
    d: usize,
    urn: &str,
    short: &str,
) -> (String, &'d [AttributeDefinition]) {
    let found = directory
        .objects
        .iter()
        .enumerate()
        .find(|(_, o)| o.name.eq_ignore_ascii_case(urn))
        .or_else(|| {
            directory
                .objects
                .iter()
                .enumerate()
                .find(|(_, o)| o.name.eq_ignore_ascii_case(short))
        });
    match found {
        Some((o, object)) => (
            format!("$.directories[{d}].objects[{o}]"),
            object.attributes.as_slice(),
        ),
        None => (format!("$.directories[{d}].objects"), &[]),
    }
}

fn table(
    file: &str,
    kind: ResourceKind,
    path: &str,
    mapping: &ObjectMapping,
    (defs_path, defs): (String, &[AttributeDefinition]),
    warnings: &mut Vec<String>,
) -> Result<ResourceTable, TableError> {
    let mut attributes = Vec::new();
    let mut matching = Vec::new();
    for (i, m) in mapping.attribute_mappings.iter().enumerate() {
        let here = format!("{path}.attributeMappings[{i}]");
        let target = AttrPath::parse(&m.target_attribute_name)
            .map_err(|e| at(file, &format!("{here}.targetAttributeName"), e.to_string()))?;
        let (j, def) = defs
            .iter()
            .enumerate()
            .find(|(_, d)| d.name.eq_ignore_ascii_case(&m.target_attribute_name))
            .ok_or_else(|| {
                at(
                    file,
                    &format!("{here}.targetAttributeName"),
                    format!(
                        "`{}` has no attribute definition in `{defs_path}`",
                        m.target_attribute_name
                    ),
                )
            })?;
        let ty = attr_type(&def.ty).ok_or_else(|| {
            at(
                file,
                &format!("{defs_path}.attributes[{j}].type"),
                format!(
                    "`{}` is not a SCIM attribute type scimcheck can send",
                    def.ty
                ),
            )
        })?;
        let source = expr::describe(m.source.as_ref(), &m.default_value);
        if let Some(unknown) = m.source.as_ref().and_then(expr::unknown_function) {
            warnings.push(format!(
                "`{}` is mapped with `{unknown}`, which scimcheck does not evaluate; it is sent \
                 with a generated {} value",
                m.target_attribute_name,
                ty.name()
            ));
        }
        if m.matching_priority > 0 {
            matching.push((m.matching_priority, target.clone()));
        }
        attributes.push(Attribute {
            path: target,
            ty,
            filter: m.matching_priority > 0,
            required: def.required,
            // §3.5: an `ObjectAddOnly` mapping flows on create and never in a PATCH.
            apply: if m.flow_type.eq_ignore_ascii_case("ObjectAddOnly") {
                Apply::OnCreateOnly
            } else {
                Apply::Always
            },
            source,
            produced: expr::produced(m.source.as_ref(), &m.default_value),
            definition: Some(super::Definition {
                multivalued: def.multivalued,
                mutability: def.mutability.clone(),
                case_exact: def.case_exact,
                referenced_objects: def
                    .referenced_objects
                    .iter()
                    .map(|r| r.referenced_object_name.clone())
                    .collect(),
            }),
        });
    }
    // Lowest matchingPriority first; 0 means "not matching" (entra-2026 §1.2).
    matching.sort_by_key(|(priority, _)| *priority);
    let mut order = matching.into_iter().map(|(_, p)| p);
    let first = order.next().ok_or_else(|| {
        at(
            file,
            &format!("{path}.attributeMappings"),
            format!(
                "no {} attribute has `matchingPriority` 1 or more, so Entra cannot match {}s",
                kind.name(),
                kind.name().to_lowercase()
            ),
        )
    })?;
    Ok(ResourceTable {
        kind,
        matching: first,
        matching_next: order.collect(),
        attributes,
        scope: mapping.scope.as_ref().and_then(expr::scope),
    })
}

/// An `attributeDefinition.type`; `Binary` travels as base64 text.
fn attr_type(name: &str) -> Option<AttrType> {
    match name.to_ascii_lowercase().as_str() {
        "string" | "binary" | "" => Some(AttrType::String),
        "boolean" => Some(AttrType::Boolean),
        "integer" => Some(AttrType::Integer),
        "datetime" => Some(AttrType::DateTime),
        "reference" => Some(AttrType::Reference),
        "complex" => Some(AttrType::Complex),
        _ => None,
    }
}

fn listed(names: &[&str]) -> String {
    if names.is_empty() {
        return "no rules".to_owned();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "entra_tests.rs"]
mod tests;
