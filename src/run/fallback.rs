//! Fallback creates: when a server refuses Entra's exact create, a reduced create derived from
//! the server's own answer (drop the extension it refused, add the attribute it requires with a
//! generated value, drop the attribute it does not know), so the rest of the cycle is still
//! judged. The refused create stays the finding at its step; every later verdict on the
//! object says it was judged on a fallback (design §2.12).

use serde_json::Value;

use super::outcome::{Fallback, FallbackChange};
use super::world::{ObjectState, World};
use crate::attributes::{AttrPath, AttrType, ResourceKind};
use crate::check::server_error::{Cause, ServerError};
use crate::plan::ObjectId;
use crate::scim;

/// How many reduced creates are tried after Entra's own, at most.
pub(crate) const MAX_TRIES: usize = 3;

/// Core attributes a server may require that an app's table need not map (RFC 7643 §4.1,
/// §4.2), in the form Entra would send them.
const CORE_USER: &[&str] = &[
    "userName",
    "name.formatted",
    "name.givenName",
    "name.familyName",
    "displayName",
    "nickName",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "externalId",
    "emails[type eq \"work\"].value",
    "phoneNumbers[type eq \"work\"].value",
    "addresses[type eq \"work\"].formatted",
];
const CORE_GROUP: &[&str] = &["displayName", "externalId"];

/// The changes the server's answer asks for that `object` does not have yet; empty when the
/// answer names nothing a fallback can change.
pub(crate) fn derive(
    error: &ServerError,
    sent: Option<&Value>,
    object: &ObjectState,
    adscim: bool,
) -> Vec<FallbackChange> {
    let mut changes = Vec::new();
    for cause in error.causes(sent) {
        let change = match cause {
            Cause::RefusedExtension { schema } => {
                let sends = object
                    .values
                    .iter()
                    .any(|(p, _, _)| p.schema() == Some(&schema))
                    || (adscim && schema == scim::ADSCIM_GROUP_SCHEMA);
                sends.then_some(FallbackChange::DroppedExtension(schema))
            }
            Cause::RequiredAttribute { name } => required(&name, object)
                .filter(|p| object.value(p.as_str()).is_none())
                .map(FallbackChange::AddedRequired),
            Cause::UnknownAttribute { name } => {
                sent_path(&name, object).map(|p| match p.schema() {
                    Some(schema) if name.starts_with("urn:") && !name.contains(p.attr()) => {
                        FallbackChange::DroppedExtension(schema.to_owned())
                    }
                    _ => FallbackChange::DroppedUnknown(p),
                })
            }
            _ => None,
        };
        if let Some(change) = change.filter(|c| !changes.contains(c)) {
            changes.push(change);
        }
    }
    changes
}

/// Applies the changes to the object in Entra's view, so what it expects later is what the
/// fallback create sent.
pub(crate) fn apply(world: &mut World, id: ObjectId, changes: &[FallbackChange]) {
    let state = world.object(id);
    let generated: Vec<(AttrPath, Value)> = changes
        .iter()
        .filter_map(|c| match c {
            FallbackChange::AddedRequired(path) => Some((
                path.clone(),
                world.generated(&state.name, state.kind, path, AttrType::String),
            )),
            _ => None,
        })
        .collect();
    let object = world.object_mut(id);
    for change in changes {
        match change {
            FallbackChange::DroppedExtension(schema) => {
                let dropped: Vec<AttrPath> = object
                    .values
                    .iter()
                    .filter(|(p, _, _)| p.schema() == Some(schema.as_str()))
                    .map(|(p, _, _)| p.clone())
                    .collect();
                for path in &dropped {
                    object.forget(path);
                }
            }
            FallbackChange::DroppedUnknown(path) => object.forget(path),
            FallbackChange::AddedRequired(_) => {}
        }
    }
    for (path, value) in generated {
        object.change_source(&path, value);
    }
}

/// Whether a later create of this object leaves out the ADSCIM group schema.
pub(crate) fn drops_adscim(changes: &[FallbackChange]) -> bool {
    changes
        .iter()
        .any(|c| matches!(c, FallbackChange::DroppedExtension(s) if s == scim::ADSCIM_GROUP_SCHEMA))
}

/// The record of a fallback made at `step`.
pub(crate) fn note(
    object: &str,
    kind: ResourceKind,
    step: &str,
    changes: Vec<FallbackChange>,
) -> Fallback {
    Fallback {
        object: object.to_owned(),
        kind,
        step: step.to_owned(),
        changes,
    }
}

/// The path of the attribute a server requires, by its name for it: the full path, or a
/// core attribute whose last part it is (`formatted` → `name.formatted`).
fn required(name: &str, object: &ObjectState) -> Option<AttrPath> {
    let candidates = match object.kind {
        ResourceKind::User => CORE_USER,
        ResourceKind::Group => CORE_GROUP,
    };
    let sent: Vec<String> = object
        .values
        .iter()
        .map(|(p, _, _)| p.as_str().to_owned())
        .collect();
    let paths = candidates
        .iter()
        .map(|c| (*c).to_owned())
        .chain(sent)
        .filter_map(|c| AttrPath::parse(&c).ok());
    let mut by_leaf = None;
    for path in paths {
        if path.as_str().eq_ignore_ascii_case(name) {
            return Some(path);
        }
        let leaf = path.sub().unwrap_or(path.attr());
        let dotted = format!("{}.{leaf}", path.attr());
        if by_leaf.is_none()
            && (leaf.eq_ignore_ascii_case(name)
                || path.attr().eq_ignore_ascii_case(name)
                || dotted.eq_ignore_ascii_case(name))
        {
            by_leaf = Some(path);
        }
    }
    by_leaf
}

/// The sent attribute a server names (its full path, or its last part).
fn sent_path(name: &str, object: &ObjectState) -> Option<AttrPath> {
    object
        .values
        .iter()
        .map(|(p, _, _)| p)
        .find(|p| {
            p.as_str().eq_ignore_ascii_case(name)
                || p.sub().unwrap_or(p.attr()).eq_ignore_ascii_case(name)
                || p.attr().eq_ignore_ascii_case(name)
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::attributes::AttributeTables;
    use crate::http::Received;
    use crate::plan::ObjectDecl;

    /// A world holding alice, and her id.
    fn world() -> (World, ObjectId) {
        let mut world = World::new("r1", None);
        let decl = ObjectDecl {
            name: "alice".into(),
            kind: ResourceKind::User,
            values: Default::default(),
            existing: false,
        };
        let alice = world
            .declare(&decl, &AttributeTables::atmos())
            .expect("declared");
        (world, alice)
    }

    fn error(body: Value) -> ServerError {
        ServerError::parse(&Received {
            full_size: None,
            status: 400,
            headers: Vec::new(),
            body: body.to_string(),
        })
        .expect("an error")
    }

    #[test]
    fn a_refused_enterprise_extension_is_dropped_from_the_fallback() {
        let (mut world, alice) = world();
        let detail = format!(
            "{}: Extra inputs are not permitted",
            scim::ENTERPRISE_USER_SCHEMA
        );
        let sent = json!({"schemas": [scim::USER_SCHEMA, scim::ENTERPRISE_USER_SCHEMA]});
        let changes = derive(
            &error(json!({"detail": detail})),
            Some(&sent),
            world.object(alice),
            false,
        );
        assert_eq!(
            changes,
            [FallbackChange::DroppedExtension(
                scim::ENTERPRISE_USER_SCHEMA.into()
            )]
        );
        apply(&mut world, alice, &changes);
        let alice = world.object(alice);
        assert!(alice.values.iter().all(|(p, _, _)| p.schema().is_none()));
        assert!(alice.source.iter().all(|(p, _, _)| p.schema().is_none()));
    }

    #[test]
    fn a_required_attribute_is_added_with_a_generated_value() {
        let (mut world, alice) = world();
        let changes = derive(
            &error(json!({"scimType": "invalidValue", "detail": "Field 'formatted' is required"})),
            None,
            world.object(alice),
            false,
        );
        let formatted = AttrPath::parse("name.formatted").expect("path");
        assert_eq!(changes, [FallbackChange::AddedRequired(formatted.clone())]);
        apply(&mut world, alice, &changes);
        let alice = world.object(alice);
        assert_eq!(
            alice.value("name.formatted"),
            Some(&json!("Alice Scimcheck"))
        );
        assert_eq!(
            alice.source_value("name.formatted"),
            Some(&json!("Alice Scimcheck"))
        );
    }

    #[test]
    fn an_answer_that_names_nothing_changes_nothing() {
        let (world, alice) = world();
        let changes = derive(
            &error(json!({"detail": "something went wrong"})),
            None,
            world.object(alice),
            false,
        );
        assert!(changes.is_empty());
    }
}
