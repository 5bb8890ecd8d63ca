//! Rendering Entra actions as requests. Every difference between profiles is read from the
//! profile's [`Quirks`] row; nothing here asks which profile it renders for.

use serde_json::{json, Map, Value};

use super::quirks::{
    AbsentElement, AppRoleForm, ChangeForm, FilterValues, ManagerForm, MemberRemoval, Quirks,
};
use super::{PatchOp, Profile};
use crate::attributes::{AttrPath, ResourceKind};
use crate::http::Request;
use crate::plan::{MemberRefs, MembersOp, Method, PatchForm};
use crate::scim;

/// One attribute change in a PATCH. `present` says whether Entra's last read of the target
/// showed a value there; the profile turns that into an op (client-behaviour §3.5, Q9).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub path: AttrPath,
    pub value: Value,
    pub present: bool,
}

/// Renders requests for one profile.
#[derive(Clone, Debug)]
pub struct Renderer {
    pub profile: Profile,
    /// The `ADSCIMVersion` header value (client-behaviour §1.4); `None` sends none.
    pub adscim_version: Option<String>,
    /// The Tenant URL's base, for the `$ref` URLs of the legacy manager form (§3.6); the
    /// reference is relative (`/Users/{id}`) without it.
    pub base: Option<String>,
}

/// The `type` of the roles `AppRoleAssignmentsComplex` sends (client-behaviour §3.5, L-ATTR).
pub(crate) const APP_ROLE_TYPE: &str = "WindowsAzureActiveDirectoryRole";

/// An app role assigned to a user: its id (`appRoleId`), value and display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AppRole {
    pub(crate) id: String,
    pub(crate) value: String,
    pub(crate) display: String,
}

impl Renderer {
    /// A renderer sending `ADSCIMVersion: 5.0`, the value seen in Entra's logs (§1.4).
    pub fn new(profile: Profile) -> Renderer {
        Renderer {
            profile,
            adscim_version: Some("5.0".to_owned()),
            base: None,
        }
    }

    fn quirks(&self) -> &'static Quirks {
        self.profile.quirks()
    }

    /// Whether the profile probes a group's membership before removing a member (§4.3).
    pub(crate) fn probes_membership(&self) -> bool {
        self.quirks().membership_probe
    }

    /// §2.1: Entra's Test Connection, a lookup of a random GUID by the matching attribute.
    pub fn test_connection(&self, matching: &AttrPath, guid: &str) -> Request {
        self.lookup(ResourceKind::User, matching, guid)
    }

    /// §1.5, §3.3, §4.1: a filter query on one attribute, form-encoded as Entra sends it
    /// (`+` for spaces, `%22` for quotes); group lookups put `excludedAttributes` first.
    pub fn lookup(&self, kind: ResourceKind, attr: &AttrPath, value: &str) -> Request {
        let filter = format!("{attr} eq {}", self.filter_value(value));
        let encoded: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let target = match kind {
            ResourceKind::User => format!("/Users?filter={encoded}"),
            ResourceKind::Group => format!("/Groups?excludedAttributes=members&filter={encoded}"),
        };
        self.request(Method::Get, target, None)
    }

    /// §4.3 (GH-STRATSYS, L-SCIM-2019): whether the group holds the member, as the legacy job
    /// asks before a removal: `id eq … and members eq …`, only the `id` returned.
    pub fn membership_probe(&self, group_id: &str, member_id: &str) -> Request {
        let filter = format!(
            "id eq {} and members eq {}",
            self.filter_value(group_id),
            self.filter_value(member_id)
        );
        let encoded: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        self.request(
            Method::Get,
            format!("/Groups?filter={encoded}&attributes=id"),
            None,
        )
    }

    /// A filter value as the profile writes it (Q15).
    fn filter_value(&self, value: &str) -> String {
        match self.quirks().filter_values {
            FilterValues::Unquoted => value.to_owned(),
            FilterValues::Quoted => {
                format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
            }
        }
    }

    /// §3.5, §4.2: the read of a linked object; groups are read without their members.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Request {
        let mut target = self.resource_path(kind, id);
        if kind == ResourceKind::Group {
            target.push_str("?excludedAttributes=members");
        }
        self.request(Method::Get, target, None)
    }

    /// The whole resource, members included: how scimcheck verifies a write that Entra's own
    /// reads cannot show (membership, §4.2: Entra never reads members back).
    pub fn get_full(&self, kind: ResourceKind, id: &str) -> Request {
        self.request(Method::Get, self.resource_path(kind, id), None)
    }

    /// §3.3: `POST /Users` with the mapped attributes. `values` are (path, value) in table order.
    pub fn create_user(&self, values: &[(AttrPath, Value)]) -> Request {
        let (core, extensions) = split_by_schema(values);
        let mut schemas = vec![Value::from(scim::USER_SCHEMA)];
        schemas.extend(extensions.iter().map(|(s, _)| Value::from(s.as_str())));
        let body = user_body(schemas, core, extensions);
        self.request(Method::Post, "/Users".into(), Some(Value::Object(body)))
    }

    /// §4.1: `POST /Groups`, created with an empty member list. With `adscim`, the schemas
    /// carry the ADSCIM group schema of Entra's documented example (Q12) where the profile
    /// sends it.
    pub fn create_group(&self, values: &[(AttrPath, Value)], adscim: bool) -> Request {
        let mut core = Map::new();
        for (path, value) in values {
            path.set(&mut core, value.clone());
        }
        let mut body = Map::new();
        let mut schemas = vec![Value::from(scim::GROUP_SCHEMA)];
        if adscim && self.quirks().adscim_group_schema {
            schemas.push(Value::from(scim::ADSCIM_GROUP_SCHEMA));
        }
        body.insert("schemas".into(), Value::Array(schemas));
        for first in ["externalId", "displayName"] {
            if let Some(value) = core.remove(first) {
                body.insert(first.into(), value);
            }
        }
        body.extend(core);
        body.insert("members".into(), json!([]));
        body.insert("meta".into(), json!({"resourceType": "Group"}));
        self.request(Method::Post, "/Groups".into(), Some(Value::Object(body)))
    }

    /// §3.5, §4.4: a PATCH of changed attributes, grouped as the profile groups them (Q4).
    pub fn patch(&self, kind: ResourceKind, id: &str, changes: &[Change]) -> Request {
        self.patch_request(kind, id, self.change_ops(changes))
    }

    /// The operations for `changes`: one per attribute with its path, or (Q4, flag) one no-path
    /// `replace` object with flattened keys before the filtered paths.
    fn change_ops(&self, changes: &[Change]) -> Vec<Value> {
        self.ops(changes, false)
    }

    /// [`Self::change_ops`]; with `filtered_add` (Q9, GH-WIRE), a filtered path whose element
    /// is absent goes as `Add` on that path where the profile would `Replace` it.
    fn ops(&self, changes: &[Change], filtered_add: bool) -> Vec<Value> {
        let quirks = self.quirks();
        let mut operations = Vec::new();
        let mut flattened = Map::new();
        for change in changes {
            let value = self.value(&change.value);
            let filter = change.path.filter();
            let add_filtered = filtered_add
                && quirks.absent_element == AbsentElement::ReplaceFiltered
                && !change.present
                && filter.is_some();
            let op = if add_filtered {
                PatchOp::Add
            } else {
                self.op_for(change)
            };
            if quirks.changes == ChangeForm::NoPathReplace
                && op == PatchOp::Replace
                && filter.is_none()
            {
                flattened.insert(change.path.as_str().to_owned(), value);
            } else if let (AbsentElement::AddElement, false, Some(filter)) =
                (quirks.absent_element, change.present, filter)
            {
                operations.push(self.add_element(&change.path, filter, value));
            } else {
                operations.push(json!({
                    "op": quirks.op(op),
                    "path": change.path.as_str(),
                    "value": value,
                }));
            }
        }
        if !flattened.is_empty() {
            let replace = json!({"op": quirks.op(PatchOp::Replace), "value": flattened});
            operations.insert(0, replace);
        }
        operations
    }

    /// RFC 7644 §3.5.2.1: a new element of a multi-valued attribute is added to the attribute
    /// itself; a filter on an element that does not exist has no target.
    fn add_element(&self, path: &AttrPath, (key, wanted): (&str, &str), value: Value) -> Value {
        let mut element = Map::new();
        element.insert(key.to_owned(), Value::from(wanted));
        if let Some(sub) = path.sub() {
            element.insert(sub.to_owned(), value);
        }
        let attr = match path.schema() {
            Some(schema) => format!("{schema}:{}", path.attr()),
            None => path.attr().to_owned(),
        };
        json!({"op": self.quirks().op(PatchOp::Add), "path": attr, "value": [element]})
    }

    /// A user PATCH in one of the forms seen in Entra's traffic (Q10): `name.*` changes as one
    /// `Replace` of `name` with an object value, or everything in one `Add` with no path.
    pub fn patch_form(
        &self,
        kind: ResourceKind,
        id: &str,
        changes: &[Change],
        form: PatchForm,
    ) -> Request {
        let operations = match form {
            PatchForm::PerAttribute => self.change_ops(changes),
            PatchForm::FilteredAdd => self.ops(changes, true),
            PatchForm::NameObject => self.name_object_ops(changes),
            PatchForm::NoPathAdd => {
                let mut object = Map::new();
                for change in changes {
                    change.path.set(&mut object, self.value(&change.value));
                }
                vec![json!({"op": self.quirks().op(PatchOp::Add), "value": object})]
            }
        };
        self.patch_request(kind, id, operations)
    }

    /// Q10: one `Replace` of `name` with an object of the `name.*` changes, then the other
    /// changes as the profile sends them.
    fn name_object_ops(&self, changes: &[Change]) -> Vec<Value> {
        let (name, rest): (Vec<Change>, Vec<Change>) = changes.iter().cloned().partition(|c| {
            c.path.attr() == "name"
                && c.path.schema().is_none()
                && c.path.filter().is_none()
                && c.path.sub().is_some()
        });
        let mut object = Map::new();
        for change in &name {
            if let Some(sub) = change.path.sub() {
                object.insert(sub.to_owned(), self.value(&change.value));
            }
        }
        let replace = self.quirks().op(PatchOp::Replace);
        let mut operations = vec![json!({"op": replace, "path": "name", "value": object})];
        operations.extend(self.change_ops(&rest));
        operations
    }

    /// The op for a change: `Add` where the target holds nothing, else `Replace`; Entra sends
    /// `Replace` on filtered paths even when the element does not exist yet (Q9).
    fn op_for(&self, change: &Change) -> PatchOp {
        let replace_filtered = self.quirks().absent_element == AbsentElement::ReplaceFiltered;
        if change.present || (replace_filtered && change.path.filter().is_some()) {
            PatchOp::Replace
        } else {
            PatchOp::Add
        }
    }

    /// §3.6: the manager is set by its own PATCH, after both users exist (`Add` the first time,
    /// `Replace` after), in the profile's form (Q8); `None` removes it.
    pub fn set_manager(&self, user_id: &str, manager_id: Option<&str>, present: bool) -> Request {
        let quirks = self.quirks();
        let path = format!("{}:manager", scim::ENTERPRISE_USER_SCHEMA);
        let operation = match manager_id {
            Some(id) => {
                let op = if present {
                    PatchOp::Replace
                } else {
                    PatchOp::Add
                };
                let (path, value) = match quirks.manager {
                    ManagerForm::BareString => (path, json!(id)),
                    ManagerForm::Complex => (path, json!({ "value": id })),
                    ManagerForm::LegacyArray => {
                        let target = self.resource_path(ResourceKind::User, id);
                        let url = format!("{}{target}", self.base.as_deref().unwrap_or_default());
                        ("manager".to_owned(), json!([{ "$ref": url, "value": id }]))
                    }
                };
                json!({"op": quirks.op(op), "path": path, "value": value})
            }
            None => json!({"op": quirks.op(PatchOp::Remove), "path": path}),
        };
        self.patch_request(ResourceKind::User, user_id, vec![operation])
    }

    /// §3.5, Q6: an app role added to a user mapped with `AppRoleAssignmentsComplex`, in the
    /// profile's form; with the role the server must then hold, as Entra reads it back
    /// (Microsoft's apps decode the JSON-encoded string into `{value, display}`).
    pub(crate) fn add_app_role(&self, user_id: &str, role: &AppRole) -> (Request, Value) {
        let quirks = self.quirks();
        let (sent, stored) = match quirks.app_role {
            AppRoleForm::JsonString => {
                let encoded =
                    json!({"id": role.id, "value": role.value, "displayName": role.display});
                (
                    json!({ "value": encoded.to_string() }),
                    json!({"value": role.value, "display": role.display}),
                )
            }
            AppRoleForm::Object => {
                let object = json!({
                    "primary": false,
                    "type": APP_ROLE_TYPE,
                    "display": role.display,
                    "value": role.value,
                });
                (object.clone(), object)
            }
        };
        let operation = json!({"op": quirks.op(PatchOp::Add), "path": "roles", "value": [sent]});
        let request = self.patch_request(ResourceKind::User, user_id, vec![operation]);
        (request, stored)
    }

    /// §3.5: with `AssertiveAppRoleAssignmentsComplex` Entra asserts the whole set: `replace`
    /// of `roles` with every role the user holds, the new one included, as the create's
    /// objects (in every profile; the flag changes only the op's case). Returns the list the
    /// server must then hold.
    pub(crate) fn replace_app_roles(
        &self,
        user_id: &str,
        held: &[Value],
        role: &AppRole,
    ) -> (Request, Value) {
        let mut roles = held.to_vec();
        roles.push(json!({
            "primary": false,
            "type": APP_ROLE_TYPE,
            "display": role.display,
            "value": role.value,
        }));
        let roles = Value::Array(roles);
        let operation = json!({
            "op": self.quirks().op(PatchOp::Replace),
            "path": "roles",
            "value": roles,
        });
        let request = self.patch_request(ResourceKind::User, user_id, vec![operation]);
        (request, roles)
    }

    /// §3.6: the manager cleared by `Replace` with an empty value, the removal Microsoft's
    /// gallery harness tests (REF-LA `SCIM_Update_Manager_Test`).
    pub fn clear_manager(&self, user_id: &str) -> Request {
        let operation = json!({
            "op": self.quirks().op(PatchOp::Replace),
            "path": format!("{}:manager", scim::ENTERPRISE_USER_SCHEMA),
            "value": "",
        });
        self.patch_request(ResourceKind::User, user_id, vec![operation])
    }

    /// §3.7: disable or re-enable, with the profile's booleans (Q2).
    pub fn set_active(&self, id: &str, active: bool) -> Request {
        let operations = vec![json!({
            "op": self.quirks().op(PatchOp::Replace),
            "path": "active",
            "value": self.value(&Value::Bool(active)),
        })];
        self.patch_request(ResourceKind::User, id, operations)
    }

    /// §4.3: members added in one op with a value array.
    pub fn add_members(&self, group_id: &str, member_ids: &[String]) -> Request {
        self.add_members_with(group_id, member_ids, None, MembersOp::Add)
    }

    /// §4.3: members added in one op with a value array, the member objects with or without
    /// `"$ref": null` (Q7); the profile's form when `refs` is `None`.
    pub fn add_members_with(
        &self,
        group_id: &str,
        member_ids: &[String],
        refs: Option<MemberRefs>,
        op: MembersOp,
    ) -> Request {
        let op = match op {
            MembersOp::Add => PatchOp::Add,
            MembersOp::Replace => PatchOp::Replace,
        };
        let operations = vec![json!({
            "op": self.quirks().op(op),
            "path": "members",
            "value": self.refs(member_ids, refs),
        })];
        self.patch_request(ResourceKind::Group, group_id, operations)
    }

    /// §4.3: one `Add` op per member, all in one PATCH ("many ops in one PATCH").
    pub fn add_members_each(&self, group_id: &str, member_ids: &[String]) -> Request {
        let operations = member_ids
            .iter()
            .map(|id| self.members_op(PatchOp::Add, std::slice::from_ref(id)))
            .collect();
        self.patch_request(ResourceKind::Group, group_id, operations)
    }

    /// §4.3: members removed in the profile's form (Q5).
    pub fn remove_members(&self, group_id: &str, member_ids: &[String]) -> Request {
        let operations = self.removal_ops(member_ids);
        self.patch_request(ResourceKind::Group, group_id, operations)
    }

    /// The ops removing `member_ids` in the profile's form (Q5).
    fn removal_ops(&self, member_ids: &[String]) -> Vec<Value> {
        match self.quirks().member_removal {
            MemberRemoval::ValueArray => vec![self.members_op(PatchOp::Remove, member_ids)],
            MemberRemoval::FilterPerMember => member_ids
                .iter()
                .map(|id| {
                    json!({
                        "op": self.quirks().op(PatchOp::Remove),
                        "path": format!("members[value eq \"{id}\"]"),
                    })
                })
                .collect(),
        }
    }

    /// §4.3: one `Remove` op per member, all in one PATCH ("many ops in one PATCH"): a
    /// one-member value array each, or the profile's `members[value eq "…"]` ops (Q5).
    pub fn remove_members_each(&self, group_id: &str, member_ids: &[String]) -> Request {
        let operations = member_ids
            .iter()
            .flat_map(|id| self.removal_ops(std::slice::from_ref(id)))
            .collect();
        self.patch_request(ResourceKind::Group, group_id, operations)
    }

    /// §3.8, §4.5.
    pub fn delete(&self, kind: ResourceKind, id: &str) -> Request {
        self.request(Method::Delete, self.resource_path(kind, id), None)
    }

    /// A request written out in a scenario, with the profile's headers.
    pub fn raw(
        &self,
        method: Method,
        target: String,
        body: Option<String>,
        send_token: bool,
    ) -> Request {
        let mut request = self.request(method, target, None);
        request.body = body;
        request.send_token = send_token;
        request
    }

    /// One op on `members` whose value array holds the member objects.
    fn members_op(&self, op: PatchOp, ids: &[String]) -> Value {
        json!({
            "op": self.quirks().op(op),
            "path": "members",
            "value": self.member_refs(ids),
        })
    }

    /// Member reference objects, with `"$ref": null` where the profile sends it (Q7).
    fn member_refs(&self, ids: &[String]) -> Value {
        self.refs(ids, None)
    }

    /// Member reference objects, with `"$ref": null` as `refs` says, else as the profile
    /// sends them (Q7).
    fn refs(&self, ids: &[String], refs: Option<MemberRefs>) -> Value {
        let null_refs = match refs {
            Some(MemberRefs::WithNull) => true,
            Some(MemberRefs::Without) => false,
            None => self.quirks().null_refs,
        };
        Value::Array(
            ids.iter()
                .map(|id| {
                    if null_refs {
                        json!({"$ref": null, "value": id})
                    } else {
                        json!({"value": id})
                    }
                })
                .collect(),
        )
    }

    /// A PATCH value as the profile sends it: booleans as `"True"`/`"False"` where it does (Q2).
    fn value(&self, value: &Value) -> Value {
        match value {
            Value::Bool(b) if self.quirks().string_booleans => {
                Value::from(if *b { "True" } else { "False" })
            }
            other => other.clone(),
        }
    }

    fn patch_request(&self, kind: ResourceKind, id: &str, operations: Vec<Value>) -> Request {
        let body = json!({"schemas": [scim::PATCH_OP_SCHEMA], "Operations": operations});
        self.request(Method::Patch, self.resource_path(kind, id), Some(body))
    }

    fn resource_path(&self, kind: ResourceKind, id: &str) -> String {
        crate::id::resource_path(kind, id)
    }

    fn request(&self, method: Method, target: String, body: Option<Value>) -> Request {
        let mut headers = Vec::new();
        if self.quirks().adscim_header {
            if let Some(version) = &self.adscim_version {
                headers.push(("ADSCIMVersion".to_owned(), version.clone()));
            }
        }
        // §1.4: no Accept header; Content-Type only with a body.
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), scim::MEDIA_TYPE.to_owned()));
        }
        Request {
            method,
            target,
            headers,
            body: body.map(|b| b.to_string()),
            send_token: true,
        }
    }
}

/// Each schema extension's URN with its attributes, in the order the extensions first appear.
type Extensions = Vec<(String, Map<String, Value>)>;

/// The core attributes as one object, and each extension's attributes as its own object.
fn split_by_schema(values: &[(AttrPath, Value)]) -> (Map<String, Value>, Extensions) {
    let mut core = Map::new();
    let mut extensions: Extensions = Vec::new();
    for (path, value) in values {
        let Some(schema) = path.schema() else {
            path.set(&mut core, value.clone());
            continue;
        };
        let index = match extensions.iter().position(|(s, _)| s == schema) {
            Some(index) => index,
            None => {
                extensions.push((schema.to_owned(), Map::new()));
                extensions.len() - 1
            }
        };
        // Set inside a scratch object so the path's own schema lookup lands here.
        let mut holder = Map::new();
        holder.insert(
            schema.to_owned(),
            Value::Object(std::mem::take(&mut extensions[index].1)),
        );
        path.set(&mut holder, value.clone());
        if let Some(Value::Object(ext)) = holder.remove(schema) {
            extensions[index].1 = ext;
        }
    }
    (core, extensions)
}

/// §3.3, Entra's `POST /Users` capture (GH-CAPTURE): where its order is not alphabetical.
/// `name` lists these sub-attributes first (Microsoft's own example agrees).
const NAME_KEYS: [&str; 3] = ["formatted", "familyName", "givenName"];
/// The elements of these attributes come in this order of `type`; others keep table order.
const ELEMENT_ORDER: [(&str, &[&str]); 2] = [
    ("emails", &["work", "other"]),
    ("phoneNumbers", &["fax", "mobile", "work"]),
];
/// These attributes' elements are sent with `primary: false`, even the work one.
const NEVER_PRIMARY: [&str; 1] = ["addresses"];

/// §3.3 (capture): schemas, externalId, userName, active, then the rest by name with `meta`,
/// extensions last. Inside, keys go by name (`name` as [`NAME_KEYS`]), and multi-valued
/// elements list `primary`, `type` first.
fn user_body(
    schemas: Vec<Value>,
    mut core: Map<String, Value>,
    extensions: Extensions,
) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("schemas".into(), Value::Array(schemas));
    for first in ["externalId", "userName", "active"] {
        if let Some(value) = core.remove(first) {
            body.insert(first.into(), value);
        }
    }
    core.insert("meta".into(), json!({"resourceType": "User"}));
    let mut rest: Vec<(String, Value)> = core.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, value) in rest {
        let value = match value {
            Value::Array(elements) => Value::Array(ordered_elements(&key, elements)),
            Value::Object(fields) if key == "name" => Value::Object(by_name(fields, &NAME_KEYS)),
            Value::Object(fields) => Value::Object(by_name(fields, &[])),
            other => other,
        };
        body.insert(key, value);
    }
    for (schema, ext) in extensions {
        body.insert(schema, Value::Object(by_name(ext, &[])));
    }
    body
}

/// The keys of `fields`: `first` in that order, then the others by name.
fn by_name(mut fields: Map<String, Value>, first: &[&str]) -> Map<String, Value> {
    let mut ordered = Map::new();
    for key in first {
        if let Some(value) = fields.remove(*key) {
            ordered.insert((*key).to_owned(), value);
        }
    }
    let mut rest: Vec<(String, Value)> = fields.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    ordered.extend(rest);
    ordered
}

/// §3.3: the elements of the multi-valued attribute `attr` in the captured order, each with
/// `primary` (true for the work element, unless [`NEVER_PRIMARY`]) and `type` first.
fn ordered_elements(attr: &str, mut elements: Vec<Value>) -> Vec<Value> {
    if let Some((_, types)) = ELEMENT_ORDER.iter().find(|(a, _)| *a == attr) {
        let rank = |element: &Value| {
            let ty = element.get("type").and_then(Value::as_str);
            types
                .iter()
                .position(|t| Some(*t) == ty)
                .unwrap_or(types.len())
        };
        // A stable sort: types the capture does not show keep their table order, last.
        elements.sort_by_key(rank);
    }
    let may_be_primary = !NEVER_PRIMARY.contains(&attr);
    elements
        .into_iter()
        .map(|element| match element {
            Value::Object(mut fields) if fields.contains_key("type") => {
                let work = fields.get("type").and_then(Value::as_str) == Some("work");
                // A `primary` the mapping's filter set (`roles[primary eq "True"]`, Q13) stays.
                let primary = fields
                    .remove("primary")
                    .unwrap_or(Value::Bool(may_be_primary && work));
                let mut ordered = Map::new();
                ordered.insert("primary".into(), primary);
                if let Some(ty) = fields.remove("type") {
                    ordered.insert("type".into(), ty);
                }
                ordered.extend(by_name(fields, &[]));
                Value::Object(ordered)
            }
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> AttrPath {
        AttrPath::parse(p).expect("valid path")
    }

    #[test]
    fn test_connection_is_form_encoded_with_quoted_guid() {
        let r = Renderer::new(Profile::EntraDefault).test_connection(&path("userName"), "7d42");
        assert_eq!(r.target, "/Users?filter=userName+eq+%227d42%22");
        assert_eq!(r.headers, [("ADSCIMVersion".to_owned(), "5.0".to_owned())]);
        assert_eq!(r.body, None);
    }

    #[test]
    fn group_lookup_puts_excluded_attributes_first() {
        let r = Renderer::new(Profile::EntraDefault).lookup(
            ResourceKind::Group,
            &path("displayName"),
            "Sales Team",
        );
        assert_eq!(
            r.target,
            "/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales+Team%22"
        );
    }

    #[test]
    fn user_post_follows_entras_field_order_and_primary_flags() {
        let values = [
            (path("userName"), json!("a@x")),
            (path("active"), json!(true)),
            (path(r#"emails[type eq "work"].value"#), json!("a@x")),
            (path("name.givenName"), json!("A")),
            (path("externalId"), json!("a")),
            (
                path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
                json!("R"),
            ),
        ];
        let r = Renderer::new(Profile::EntraDefault).create_user(&values);
        assert_eq!(
            r.body.as_deref(),
            Some(concat!(
                r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"#,
                r#""externalId":"a","userName":"a@x","active":true,"#,
                r#""emails":[{"primary":true,"type":"work","value":"a@x"}],"meta":{"resourceType":"User"},"name":{"givenName":"A"},"#,
                r#""urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R"}}"#
            ))
        );
    }

    #[test]
    fn default_disable_sends_pascal_case_op_and_string_false() {
        let r = Renderer::new(Profile::EntraDefault).set_active("u1", false);
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#
            )
        );
        let r = Renderer::new(Profile::EntraFlag).set_active("u1", true);
        assert!(r
            .body
            .as_deref()
            .is_some_and(|b| b.contains(r#"{"op":"replace","path":"active","value":true}"#)));
    }

    #[test]
    fn default_member_removal_uses_a_value_array_with_null_refs() {
        let r = Renderer::new(Profile::EntraDefault).remove_members("g1", &["u1".into()]);
        assert!(r.body.as_deref().is_some_and(|b| b
            .contains(r#"{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"}]}"#)));
        let r = Renderer::new(Profile::EntraFlag).remove_members("g1", &["u1".into()]);
        assert!(r
            .body
            .as_deref()
            .is_some_and(|b| b.contains(r#"{"op":"remove","path":"members[value eq \"u1\"]"}"#)));
    }

    #[test]
    fn flag_patch_puts_unfiltered_replaces_in_one_no_path_object() {
        let changes = [
            Change {
                path: path("name.givenName"),
                value: json!("B"),
                present: true,
            },
            Change {
                path: path(r#"emails[type eq "work"].value"#),
                value: json!("b@x"),
                present: true,
            },
        ];
        let r = Renderer::new(Profile::EntraFlag).patch(ResourceKind::User, "u1", &changes);
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"name.givenName":"B"}},{"op":"replace","path":"emails[type eq \"work\"].value","value":"b@x"}]}"#
            )
        );
    }

    #[test]
    fn ids_are_percent_encoded_in_paths() {
        let r = Renderer::new(Profile::Rfc).delete(ResourceKind::User, "a/b c");
        assert_eq!(r.target, "/Users/a%2Fb%20c");
        assert!(r.headers.is_empty());
    }
}

#[cfg(test)]
mod fidelity_tests {
    use super::*;

    #[test]
    fn name_object_form_replaces_name_with_an_object() {
        let changes = [
            Change {
                path: path("name.givenName"),
                value: json!("G"),
                present: true,
            },
            Change {
                path: path("name.familyName"),
                value: json!("F"),
                present: true,
            },
            Change {
                path: path("displayName"),
                value: json!("D"),
                present: true,
            },
        ];
        let r = Renderer::new(Profile::EntraDefault).patch_form(
            ResourceKind::User,
            "u1",
            &changes,
            PatchForm::NameObject,
        );
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"name","value":{"givenName":"G","familyName":"F"}},{"op":"Replace","path":"displayName","value":"D"}]}"#
            )
        );
    }

    #[test]
    fn no_path_add_form_nests_sub_attributes_and_extensions() {
        let changes = [
            Change {
                path: path("name.givenName"),
                value: json!("G"),
                present: true,
            },
            Change {
                path: path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
                value: json!("R"),
                present: true,
            },
        ];
        let r = Renderer::new(Profile::EntraDefault).patch_form(
            ResourceKind::User,
            "u1",
            &changes,
            PatchForm::NoPathAdd,
        );
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","value":{"name":{"givenName":"G"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R"}}}]}"#
            )
        );
    }

    fn path(p: &str) -> AttrPath {
        AttrPath::parse(p).expect("valid path")
    }

    fn absent_work_email() -> Change {
        Change {
            path: path(r#"emails[type eq "work"].value"#),
            value: json!("e@x"),
            present: false,
        }
    }

    #[test]
    fn entra_replaces_a_filtered_path_even_when_the_element_is_absent() {
        let r = Renderer::new(Profile::EntraDefault).patch(
            ResourceKind::User,
            "u1",
            &[absent_work_email()],
        );
        assert!(
            r.body.as_deref().is_some_and(|b| b.contains(
                r#"{"op":"Replace","path":"emails[type eq \"work\"].value","value":"e@x"}"#
            )),
            "{:?}",
            r.body
        );
    }

    #[test]
    fn rfc_adds_a_new_element_to_the_attribute_itself() {
        let r = Renderer::new(Profile::Rfc).patch(ResourceKind::User, "u1", &[absent_work_email()]);
        assert!(
            r.body.as_deref().is_some_and(|b| b.contains(
                r#"{"op":"add","path":"emails","value":[{"type":"work","value":"e@x"}]}"#
            )),
            "{:?}",
            r.body
        );
    }

    #[test]
    fn an_absent_simple_attribute_is_added_not_replaced() {
        let change = Change {
            path: path("displayName"),
            value: json!("D"),
            present: false,
        };
        let r = Renderer::new(Profile::EntraDefault).patch(ResourceKind::User, "u1", &[change]);
        assert!(r
            .body
            .as_deref()
            .is_some_and(|b| b.contains(r#"{"op":"Add","path":"displayName","value":"D"}"#)));
    }

    #[test]
    fn manager_is_a_bare_string_id_and_removal_has_no_value() {
        let r = Renderer::new(Profile::EntraDefault).set_manager("u1", Some("m1"), false);
        assert!(r.body.as_deref().is_some_and(|b| b.contains(r#"{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m1"}"#)));
        let r = Renderer::new(Profile::EntraFlag).set_manager("u1", None, true);
        assert!(r.body.as_deref().is_some_and(|b| b.contains(r#"{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}"#)));
    }

    #[test]
    fn adscim_group_schema_is_sent_by_entra_profiles_only() {
        let values = [(path("displayName"), json!("G"))];
        let entra = Renderer::new(Profile::EntraDefault).create_group(&values, true);
        assert!(entra
            .body
            .as_deref()
            .is_some_and(|b| b.contains(scim::ADSCIM_GROUP_SCHEMA)));
        let rfc = Renderer::new(Profile::Rfc).create_group(&values, true);
        assert!(rfc
            .body
            .as_deref()
            .is_some_and(|b| !b.contains(scim::ADSCIM_GROUP_SCHEMA)));
    }
}

#[cfg(test)]
mod manager_tests {
    use super::*;

    #[test]
    fn rfc_sends_the_manager_as_a_complex_value() {
        let r = Renderer::new(Profile::Rfc).set_manager("u1", Some("m1"), false);
        assert!(
            r.body
                .as_deref()
                .is_some_and(|b| b.contains(r#""value":{"value":"m1"}"#)),
            "{:?}",
            r.body
        );
    }
}

#[cfg(test)]
mod capture_tests {
    use super::*;

    /// client-behaviour §3.3, the POST /Users capture with full default mappings (GH-CAPTURE).
    const CAPTURE: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId":"cobi","userName":"cobi@….onmicrosoft.com","active":true,
 "addresses":[{"primary":false,"type":"work","country":"…","formatted":"…","locality":"…",
               "postalCode":"…","region":"…","streetAddress":"…"}],
 "displayName":"Cobi Brass",
 "emails":[{"primary":true,"type":"work","value":"cobi@…"},
           {"primary":false,"type":"other","value":"…"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"Cobi Brass","familyName":"Brass","givenName":"Cobi"},
 "phoneNumbers":[{"primary":false,"type":"fax","value":"…"},
                 {"primary":false,"type":"mobile","value":"…"},
                 {"primary":true,"type":"work","value":"…"}],
 "title":"…",
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
   {"department":"…","employeeNumber":"…"}}"#;

    /// The value with every string emptied: what is left is keys, their order, element order
    /// (by `type`) and the booleans.
    fn skeleton(value: &Value) -> Value {
        match value {
            Value::String(s) if ["work", "other", "fax", "mobile"].contains(&s.as_str()) => {
                value.clone()
            }
            Value::String(_) => Value::from(""),
            Value::Array(items) => Value::Array(items.iter().map(skeleton).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), skeleton(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The attributes of the capture, in Entra's default table order (§3.2), not the wire's.
    fn table_values() -> Vec<(AttrPath, Value)> {
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let mut paths = vec![
            "userName".to_owned(),
            "active".to_owned(),
            "displayName".to_owned(),
            "title".to_owned(),
            r#"emails[type eq "work"].value"#.to_owned(),
            "name.givenName".to_owned(),
            "name.familyName".to_owned(),
            "name.formatted".to_owned(),
        ];
        for sub in [
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
        ] {
            paths.push(format!(r#"addresses[type eq "work"].{sub}"#));
        }
        for ty in ["work", "mobile", "fax"] {
            paths.push(format!(r#"phoneNumbers[type eq "{ty}"].value"#));
        }
        paths.push("externalId".to_owned());
        paths.push(format!("{ext}:employeeNumber"));
        paths.push(format!("{ext}:department"));
        // The capture's tenant also maps a second e-mail, after the defaults.
        paths.push(r#"emails[type eq "other"].value"#.to_owned());
        paths
            .iter()
            .map(|p| {
                let path = AttrPath::parse(p).expect("valid path");
                let value = if p == "active" {
                    json!(true)
                } else {
                    json!("x")
                };
                (path, value)
            })
            .collect()
    }

    #[test]
    fn post_user_body_has_the_key_order_and_primary_flags_of_entras_capture() {
        let capture: Value = serde_json::from_str(CAPTURE).expect("the capture is JSON");
        for profile in Profile::ALL {
            let request = Renderer::new(profile).create_user(&table_values());
            let body: Value = request
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok())
                .expect("a JSON body");
            assert_eq!(
                skeleton(&body).to_string(),
                skeleton(&capture).to_string(),
                "{profile}"
            );
        }
    }
}
