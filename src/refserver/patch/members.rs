//! Entra's member PATCHes, applied to the stored group in place: one `add` of `members`, one
//! `remove` by `members[value eq "id"]` or one `remove` of `members` naming them in `value`
//! (client-behaviour §4.3, §5.2 Q5). Copying and re-normalising the whole group for each of
//! these would make adding n members O(n²), the pattern `load`'s growth check names (issue 9).
//! Any other PATCH takes the general path; both give the same stored group and the same
//! errors, faults included.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{invalid_value, no_target, OpKind, PatchOp};
use crate::refserver::attrs;
use crate::refserver::error::ScimError;
use crate::refserver::faults::{Fault, Faults};
use crate::refserver::store::Resource;
use crate::refserver::values;

/// What a member PATCH does to the list.
#[derive(Debug, PartialEq)]
pub(crate) enum MemberChange {
    /// New member objects in stored form, in order, duplicates included.
    Add(Vec<Map<String, Value>>),
    /// `members[value eq "id"]`: noTarget when absent (RFC 7644 §3.5.2.2). `attr` is the
    /// attribute name as sent, for the error.
    RemoveOne { attr: String, id: String },
    /// The members whose `value` is listed; absent ones are no error.
    RemoveListed(HashSet<String>),
}

/// The change a group PATCH makes when it is one of Entra's member operations; `None` for any
/// other PATCH. An `Err` is what the general path would answer.
pub(crate) fn change(ops: &[PatchOp], faults: &Faults) -> Option<Result<MemberChange, ScimError>> {
    let [op] = ops else { return None };
    let path = op.path.as_ref()?;
    if path.urn.is_some() || !path.attr.eq_ignore_ascii_case("members") {
        return None;
    }
    if path.sub_attr.is_some() {
        return None;
    }
    // entra-2026 §5 #7: with this fault a `replace` of members is an add.
    let adds = op.kind == OpKind::Add
        || (op.kind == OpKind::Replace && faults.has(Fault::ReplaceMembersAppends));
    match (&path.filter, op.kind, &op.value) {
        (None, _, Some(value)) if adds => {
            let items = match value {
                Value::Array(items) => items.clone(),
                Value::Object(_) => vec![value.clone()],
                _ => return None,
            };
            Some(values::new_members(items, faults).map(MemberChange::Add))
        }
        (Some(filter), OpKind::Remove, _) => {
            let [clause] = filter.clauses.as_slice() else {
                return None;
            };
            let on_value = clause.path.urn.is_none()
                && clause.path.filter.is_none()
                && clause.path.sub_attr.is_none()
                && clause.path.attr.eq_ignore_ascii_case("value");
            match &clause.value {
                Value::String(id) if on_value => Some(Ok(MemberChange::RemoveOne {
                    attr: path.attr.clone(),
                    id: id.clone(),
                })),
                _ => None,
            }
        }
        (None, OpKind::Remove, Some(Value::Array(victims))) => {
            if faults.has(Fault::RejectMemberValueArrayRemoval) {
                return Some(Err(invalid_value(
                    "remove members with a path filter: members[value eq \"id\"]",
                )));
            }
            let ids =
                victims.iter().map(
                    |v| match v.as_object().and_then(|o| attrs::get(o, "value")) {
                        Some(Value::String(id)) => Some(id.clone()),
                        _ => None,
                    },
                );
            ids.collect::<Option<HashSet<String>>>()
                .map(|ids| Ok(MemberChange::RemoveListed(ids)))
        }
        _ => None,
    }
}

/// Applies a member change to the stored group; with `store` false (the
/// `patch-stores-nothing` fault) it only answers as if it had.
pub(crate) fn apply(
    group: &mut Resource,
    change: MemberChange,
    store: bool,
) -> Result<(), ScimError> {
    match change {
        MemberChange::Add(new) if store => group.add_members(new),
        MemberChange::RemoveOne { attr, id } => {
            if !group.has_member(&id) {
                return Err(no_target(format!(
                    "`{attr}` has no element matching the filter"
                )));
            }
            if store {
                group.remove_members(&HashSet::from([id]));
            }
        }
        MemberChange::RemoveListed(ids) if store => group.remove_members(&ids),
        MemberChange::Add(_) | MemberChange::RemoveListed(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;
    use crate::refserver::patch::parse_request;
    use crate::refserver::store::{Kind, Store};

    fn faults(list: &[Fault]) -> Faults {
        Faults::new(list.iter().copied().collect::<BTreeSet<_>>())
    }

    /// A store holding one group with members u1 and u2, stored as a POST stores it.
    fn sales(faults: &Faults) -> (Store, String) {
        let mut attrs =
            json!({"displayName": "Sales", "members": [{"value": "u1"}, {"value": "u2"}]})
                .as_object()
                .cloned()
                .unwrap_or_default();
        values::normalise(Kind::Group, &mut attrs, faults).unwrap();
        let mut store = Store::default();
        let id = store.insert(Kind::Group, attrs).id.clone();
        (store, id)
    }

    /// The PATCH handler's general path: copy, apply, normalise, store.
    fn general(
        store: &mut Store,
        id: &str,
        ops: &[PatchOp],
        faults: &Faults,
    ) -> Result<(), ScimError> {
        let mut attrs = store.get(Kind::Group, id).unwrap().attrs().clone();
        super::super::apply(&mut attrs, ops, faults)?;
        values::normalise(Kind::Group, &mut attrs, faults)?;
        if !faults.has(Fault::PatchStoresNothing) {
            store.update(Kind::Group, id, attrs);
        }
        Ok(())
    }

    /// The group as stored after the PATCH (attributes and version), and the answer.
    type Outcome = (Value, Value, Result<(), ScimError>);

    fn outcome(store: &Store, id: &str, result: Result<(), ScimError>) -> Outcome {
        let group = store.get(Kind::Group, id).unwrap();
        let version = group.render(Kind::Group, "")["meta"]["version"].clone();
        (Value::Object(group.attrs().clone()), version, result)
    }

    /// Both paths on the same group; panics unless the in-place path takes the PATCH.
    fn both(operations: Value, fault_list: &[Fault]) -> (Outcome, Outcome) {
        let faults = faults(fault_list);
        let ops = parse_request(&json!({ "Operations": operations }), &faults).unwrap();
        let (mut slow, slow_id) = sales(&faults);
        let slow_result = general(&mut slow, &slow_id, &ops, &faults);
        let (mut fast, fast_id) = sales(&faults);
        let change = change(&ops, &faults).expect("an Entra member PATCH takes the in-place path");
        let group = fast.get_mut(Kind::Group, &fast_id).unwrap();
        let fast_result =
            change.and_then(|c| apply(group, c, !faults.has(Fault::PatchStoresNothing)));
        (
            outcome(&slow, &slow_id, slow_result),
            outcome(&fast, &fast_id, fast_result),
        )
    }

    #[test]
    fn in_place_member_patches_store_and_answer_what_the_general_path_does() {
        let cases: Vec<(Value, Vec<Fault>)> = vec![
            (
                json!([{"op": "Add", "path": "members", "value": [
                    {"value": "u3", "$ref": null}, {"value": "u1"},
                    {"value": "u3", "display": "dup"}, {"value": "u4", "primary": "True"},
                    "u5"]}]),
                vec![],
            ),
            (
                json!([{"op": "add", "path": "Members", "value": {"value": "u6"}}]),
                vec![],
            ),
            (
                json!([{"op": "Add", "path": "members", "value": [{"value": "u2"}]}]),
                vec![],
            ),
            (
                json!([{"op": "Add", "path": "members", "value": [{"value": "u3", "$ref": null}]}]),
                vec![Fault::RejectNullRef],
            ),
            (
                json!([{"op": "Add", "path": "members", "value": [{"value": "u3", "primary": "maybe"}, {"display": "x"}]}]),
                vec![],
            ),
            (
                json!([{"op": "Add", "path": "members", "value": [{"value": "u3", "primary": "True"}]}]),
                vec![Fault::RejectStringBooleans],
            ),
            (
                json!([{"op": "Add", "path": "members", "value": [{"display": "no value"}]}]),
                vec![],
            ),
            (
                json!([{"op": "Add", "path": "members", "value": [{"value": "u3"}]}]),
                vec![Fault::PatchStoresNothing],
            ),
            (
                json!([{"op": "Replace", "path": "members", "value": [{"value": "u3"}]}]),
                vec![Fault::ReplaceMembersAppends],
            ),
            (
                json!([{"op": "Remove", "path": "members[value eq \"u1\"]"}]),
                vec![],
            ),
            (
                json!([{"op": "Remove", "path": "members[value eq \"U1\"]"}]),
                vec![],
            ),
            (
                json!([{"op": "Remove", "path": "members[value eq \"u1\"]"}]),
                vec![Fault::PatchStoresNothing],
            ),
            (
                json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "zz"}]}]),
                vec![],
            ),
            (
                json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}]),
                vec![],
            ),
            (
                json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
                vec![Fault::RejectMemberValueArrayRemoval],
            ),
        ];
        for (operations, fault_list) in cases {
            let (general, in_place) = both(operations.clone(), &fault_list);
            assert_eq!(general, in_place, "{operations} with {fault_list:?}");
        }
    }

    #[test]
    fn other_patches_take_the_general_path() {
        let faults = faults(&[]);
        for operations in [
            json!([{"op": "Replace", "path": "members", "value": [{"value": "u3"}]}]),
            json!([{"op": "Add", "path": "members", "value": "u3"}]),
            json!([{"op": "Add", "path": "members", "value": [{"value": "u3"}]},
                   {"op": "Remove", "path": "members[value eq \"u1\"]"}]),
            json!([{"op": "Remove", "path": "members[value eq \"u1\"].display"}]),
            json!([{"op": "Remove", "path": "members[type eq \"User\"]"}]),
            json!([{"op": "Remove", "path": "members", "value": [{"value": 7}]}]),
            json!([{"op": "Remove", "path": "members"}]),
            json!([{"op": "Replace", "path": "displayName", "value": "Sales EMEA"}]),
        ] {
            let ops = parse_request(&json!({ "Operations": operations }), &faults).unwrap();
            assert_eq!(change(&ops, &faults), None, "{operations}");
        }
    }
}
