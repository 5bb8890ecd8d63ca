//! The one Entra action type: what Entra does, as a scenario file spells it and as the plan
//! runs it (client-behaviour §2–§4); the client profile decides the wire form.
//!
//! [`EntraAction<F>`] is read from a file with `F` = [`File`](crate::scenario::model::File)
//! (every name and value located, for errors at file:line:column) and `plan::compile` resolves
//! it into `F` = [`Resolved`] (checked names, parsed values) — the same variants, so the file
//! format, its JSON Schema and the plan cannot drift apart.
//!
//! # Adding an Entra action
//!
//! 1. Add the variant here, with its doc comment (it becomes the schema's description), a
//!    `#[schemars(with = …)]` for every field or for a one-name variant, and its key in
//!    [`EntraAction::key`].
//! 2. Resolve it in `plan::compile::step` (`FileCx::resolve`), and give it the defaults Entra
//!    expects in `plan::compile::expect::defaults` (client-behaviour §6.1).
//! 3. If it only reads, list it in `EntraAction::writes` (`plan::read_only`); anything else
//!    counts as a write and `--read-only` refuses it.
//! 4. Render it: a `Renderer` method in `profile::render` reading only the profile's quirks,
//!    added to `profile/wire_tests.rs`; then prepare it in `run::prepare`.
//! 5. Regenerate `schema/scenario.schema.json` (`scimcheck scenarios schema`) and add the
//!    action to a built-in scenario or a test scenario that exercises it.

use std::convert::Infallible;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

use super::{MemberRefs, MembersOp, ObjectId, PatchForm, Template};
use crate::attributes::{AttrPath, Attribute};
use crate::scenario::model::{Lookup, MemberOps, TextMap};
use crate::scenario::schema::Scalar;

/// The types an action's fields have at one stage: read from a file, or resolved.
pub trait Form {
    /// A user or group, by its declared name.
    type Name;
    /// Several users.
    type Names;
    /// An attribute path of the table.
    type Attr;
    /// Attribute path → new value, in order.
    type Set;
    /// How an `update-user` PATCH carries its changes.
    type PatchForm: Default;
    /// How many users `add-new-members` provisions.
    type Count;
    /// Whether `add-new-members` sends one op per member.
    type MemberOps: Default;
    /// What `lookup-user-by-each-filter` holds: its user in a file; never present once
    /// resolved, because it compiles into one `LookupUser` per filterable attribute.
    type Expanded;

    /// Reads the value of `lookup-user` (a name, or `{ user, by }`).
    fn lookup<'de, D: Deserializer<'de>>(d: D) -> Result<UserBy<Self::Name, Self::Attr>, D::Error>;
}

/// `lookup-user`'s user, and the attribute to look it up by (the matching one when `None`).
pub type UserBy<N, A> = (N, Option<A>);

/// The plan's form: names resolved to the scenario's objects, attribute paths resolved
/// against the attribute table (with their types), values parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved;

impl Form for Resolved {
    type Name = ObjectId;
    type Names = Vec<ObjectId>;
    type Attr = AttrPath;
    type Set = Vec<(Attribute, Template)>;
    type PatchForm = PatchForm;
    type Count = usize;
    type MemberOps = bool;
    type Expanded = Infallible;

    /// Never called: a resolved action is made by `plan::compile`, not read, and since
    /// [`ObjectId`] has no `Deserialize`, serde derives no reader for this form.
    fn lookup<'de, D: Deserializer<'de>>(_: D) -> Result<UserBy<ObjectId, AttrPath>, D::Error> {
        Err(serde::de::Error::custom(
            "a resolved plan is compiled from a scenario file, not read",
        ))
    }
}

/// What Entra does (client-behaviour §2–§4); the client profile decides the wire form.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    bound(
        deserialize = "F::Name: Deserialize<'de>, F::Names: Deserialize<'de>, \
        F::Attr: Deserialize<'de>, \
        F::Set: Deserialize<'de>, F::PatchForm: Deserialize<'de>, \
        F::Count: Deserialize<'de>, F::MemberOps: Deserialize<'de>, \
        F::Expanded: Deserialize<'de>"
    )
)]
#[schemars(rename = "EntraAction", bound = "F: Form")]
pub enum EntraAction<F: Form = Resolved> {
    /// §2.1: the probe for a user that cannot exist.
    TestConnection,
    /// §3.3, §3.4: a filter query for a user.
    #[serde(deserialize_with = "F::lookup")]
    #[schemars(with = "Lookup")]
    LookupUser {
        user: F::Name,
        /// By the matching attribute when `None`.
        by: Option<F::Attr>,
    },
    /// §3.1, §3.4: one lookup per filterable attribute of the user table.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    LookupUserByEachFilter { user: F::Expanded },
    /// §3.5: read a user by id.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    GetUser { user: F::Name },
    /// §3.3: POST a user built from the attribute table.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    CreateUser { user: F::Name },
    /// §3.5: PATCH the given attributes of a user.
    UpdateUser {
        /// The user.
        #[schemars(with = "Scalar")]
        user: F::Name,
        /// Attribute path → new value (a template), in order.
        #[schemars(with = "TextMap")]
        set: F::Set,
        /// How the PATCH carries the changes: `per-attribute` (the default, one op each),
        /// `name-object` (`Replace` of `name` with an object) or `no-path-add` (one `Add` with
        /// no path and an object value) — forms seen in Entra's traffic (Q10).
        #[serde(default)]
        #[schemars(with = "Option<PatchForm>")]
        form: F::PatchForm,
    },
    /// §3.7: PATCH `active` false.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    DisableUser { user: F::Name },
    /// §3.7: PATCH `active` true.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    EnableUser { user: F::Name },
    /// §3.8: DELETE a user.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    DeleteUser { user: F::Name },
    /// §4.1: a filter query for a group.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    LookupGroup { group: F::Name },
    /// §4.2: read a group by id, without members.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    GetGroup { group: F::Name },
    /// §4.1: POST a group.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    CreateGroup { group: F::Name },
    /// §4.3: add users to a group, in one PATCH.
    AddMembers {
        /// The group.
        #[schemars(with = "Scalar")]
        group: F::Name,
        /// The users.
        #[schemars(with = "Vec<Scalar>")]
        members: F::Names,
        /// The member objects: `with-null` (`"$ref": null`, as Entra's default sends them) or
        /// `without` (no `$ref`, as Microsoft's compatibility page shows them, Q7); the
        /// profile's form when absent.
        #[serde(default)]
        refs: Option<MemberRefs>,
        /// `add` (the default) or `replace`: `Replace` of `members` carrying only the new
        /// members, as 2026 logs show (entra-2026 §5 #7); the read-back then shows whether
        /// the server replaced the whole list (RFC 7644) or added.
        #[serde(default)]
        op: MembersOp,
    },
    /// §4.3: remove users from a group, in one PATCH.
    RemoveMembers {
        /// The group.
        #[schemars(with = "Scalar")]
        group: F::Name,
        /// The users.
        #[schemars(with = "Vec<Scalar>")]
        members: F::Names,
        /// `single`: the profile's form (the default: one `Remove` with a value array, or one
        /// `members[value eq "…"]` op per member with the flag, Q5); `each`: one `Remove` op
        /// per member, all in one PATCH.
        #[serde(rename = "ops", default)]
        #[schemars(with = "Option<MemberOps>")]
        one_op_each: F::MemberOps,
    },
    /// §4.4: PATCH the given attributes of a group (a rename).
    UpdateGroup {
        /// The group.
        #[schemars(with = "Scalar")]
        group: F::Name,
        /// Attribute path → new value (a template), in order.
        #[schemars(with = "TextMap")]
        set: F::Set,
    },
    /// §4.5: DELETE a group.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    DeleteGroup { group: F::Name },
    /// §3.6: PATCH the enterprise `manager` of a user to another user's id (a bare string).
    SetManager {
        /// The user.
        #[schemars(with = "Scalar")]
        user: F::Name,
        /// The user who becomes the manager.
        #[schemars(with = "Scalar")]
        manager: F::Name,
    },
    /// §3.6: PATCH removing the enterprise `manager` of a user.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    RemoveManager { user: F::Name },
    /// §3.6: PATCH clearing the enterprise `manager` of a user with `Replace` and an empty
    /// value, the removal Microsoft's gallery harness tests (REF-LA); `remove-manager` sends
    /// `Remove` with the path.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    ClearManager { user: F::Name },
    /// §4.1, Q14: a filter query for a group, its `displayName` in another case (the
    /// validator's "filter group different case"; `displayName` is not case-exact).
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    LookupGroupOtherCase { group: F::Name },
    /// §3.4, §3.5: Entra's next cycle: read the user, compare with what Entra holds, and
    /// expect nothing to PATCH.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    SyncUser { user: F::Name },
    /// §4.1: POST a group with the ADSCIM group schema Entra's documentation shows (Q12).
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    CreateGroupAdscim { group: F::Name },
    /// §3.5, Q6: the user gains an app role assignment, when the table maps `roles` from
    /// `AppRoleAssignmentsComplex`: Entra's default sends `Add` of `roles` with the role as a
    /// JSON-encoded string, the flag the role object of the create (the profile's form); from
    /// `AssertiveAppRoleAssignmentsComplex`, a `Replace` of `roles` with every role the user
    /// holds.
    #[serde(deserialize_with = "one")]
    #[schemars(with = "Scalar")]
    AddAppRole { user: F::Name },
    /// §4.3: provision `count` new users, then add them to a group in one PATCH.
    AddNewMembers {
        /// The group.
        #[schemars(with = "Scalar")]
        group: F::Name,
        /// How many users (1 to 1000).
        #[schemars(with = "u64")]
        count: F::Count,
        /// `single`: one `Add` op with every member in its value array (the default);
        /// `each`: one `Add` op per member, all in one PATCH.
        #[serde(rename = "ops", default)]
        #[schemars(with = "Option<MemberOps>")]
        one_op_each: F::MemberOps,
    },
}

/// The value of a one-name action (`get-user: alice`), read as the form reads a name.
fn one<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(d)
}

impl<F: Form> EntraAction<F> {
    /// The action's name as written in a scenario file.
    pub fn key(&self) -> &'static str {
        use EntraAction as A;
        match self {
            A::TestConnection => "test-connection",
            A::LookupUser { .. } => "lookup-user",
            A::LookupUserByEachFilter { .. } => "lookup-user-by-each-filter",
            A::GetUser { .. } => "get-user",
            A::CreateUser { .. } => "create-user",
            A::UpdateUser { .. } => "update-user",
            A::DisableUser { .. } => "disable-user",
            A::EnableUser { .. } => "enable-user",
            A::DeleteUser { .. } => "delete-user",
            A::LookupGroup { .. } => "lookup-group",
            A::GetGroup { .. } => "get-group",
            A::CreateGroup { .. } => "create-group",
            A::AddMembers { .. } => "add-members",
            A::RemoveMembers { .. } => "remove-members",
            A::UpdateGroup { .. } => "update-group",
            A::DeleteGroup { .. } => "delete-group",
            A::SetManager { .. } => "set-manager",
            A::RemoveManager { .. } => "remove-manager",
            A::SyncUser { .. } => "sync-user",
            A::ClearManager { .. } => "clear-manager",
            A::LookupGroupOtherCase { .. } => "lookup-group-other-case",
            A::CreateGroupAdscim { .. } => "create-group-adscim",
            A::AddNewMembers { .. } => "add-new-members",
            A::AddAppRole { .. } => "add-app-role",
        }
    }
}
