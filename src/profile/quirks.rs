//! Every way the profiles differ on the wire, as one table per profile.
//!
//! The renderer reads these fields and never asks which profile it renders for, so a profile is
//! exactly its row here (client-behaviour §5.2 quirk matrix, §10 suggested profiles). To add a
//! quirk: add a field, fill it in all four tables, read it in `render.rs`, and add the request it
//! changes to `wire_tests.rs` if it is not there yet.

use super::{PatchOp, Profile};

/// How one profile sends Entra's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quirks {
    /// Q1: how PATCH `op` values are spelled.
    pub(crate) op_case: OpCase,
    /// Q2: booleans in PATCH values go as the strings `"True"`/`"False"`.
    pub(crate) string_booleans: bool,
    /// Q4: how several unfiltered attribute changes travel in one PATCH.
    pub(crate) changes: ChangeForm,
    /// Q9: how a change to a filtered path whose element does not exist yet is sent.
    pub(crate) absent_element: AbsentElement,
    /// Q5: how group members are removed.
    pub(crate) member_removal: MemberRemoval,
    /// Q7: member reference objects carry `"$ref": null`.
    pub(crate) null_refs: bool,
    /// Q8: how the enterprise `manager` is set.
    pub(crate) manager: ManagerForm,
    /// Q15: how filter values are written.
    pub(crate) filter_values: FilterValues,
    /// Q11, §1.4: the `ADSCIMVersion` header is sent.
    pub(crate) adscim_header: bool,
    /// Q12: `POST /Groups` may carry the ADSCIM group schema (when the scenario asks for it).
    pub(crate) adscim_group_schema: bool,
    /// §4.3 (GH-STRATSYS, L-SCIM-2019): before a member is removed, the group is queried with
    /// `id eq … and members eq …&attributes=id` to see whether it holds the member.
    pub(crate) membership_probe: bool,
    /// Q6: how a role added by PATCH travels when `roles` comes from
    /// `AppRoleAssignmentsComplex` (client-behaviour §3.5; unverified beyond L-ATTR's example,
    /// so a row here, not a constant).
    pub(crate) app_role: AppRoleForm,
}

/// Q6: the value of a roles PATCH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AppRoleForm {
    /// `[{"value": "{\"id\":…,\"value\":…,\"displayName\":…}"}]`: the role as a
    /// JSON-encoded string, unlike the create's object.
    JsonString,
    /// `[{primary, type, display, value}]`: the create's role object.
    Object,
}

/// Q1: `Add`/`Replace`/`Remove` or `add`/`replace`/`remove`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpCase {
    Pascal,
    Lower,
}

/// Q4: how attribute changes are grouped into operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeForm {
    /// One op per attribute, each with its `path`.
    OpPerAttribute,
    /// Unfiltered `replace`s as one op without a path whose value object has flattened keys
    /// (`"name.givenName"`); filtered paths and `add`s stay separate ops.
    NoPathReplace,
}

/// Q9: a filtered path (`emails[type eq "work"].value`) on an element that is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AbsentElement {
    /// Entra sends `Replace` on the filtered path anyway.
    ReplaceFiltered,
    /// RFC 7644 §3.5.2.1: `add` the new element to the attribute itself.
    AddElement,
}

/// Q5: group member removal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemberRemoval {
    /// One `Remove` of `members` with a value array of member objects.
    ValueArray,
    /// One `remove` per member with the path `members[value eq "…"]` and no value.
    FilterPerMember,
}

/// Q8: the enterprise `manager` value of a set or change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ManagerForm {
    /// The bare id string, as Entra sends it in every profile.
    BareString,
    /// RFC 7643 §4.3: a complex value `{"value": id}`.
    Complex,
    /// §3.6, L-SCIM Example 5 (the 2019 document): path `manager` and a value array with the
    /// manager's `$ref` URL and id.
    LegacyArray,
}

/// Q15: filter values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FilterValues {
    /// `userName eq "alice"`, with `\` and `"` escaped.
    Quoted,
    /// `userName eq alice`, as the pre-2019 `customappsso` job sent them.
    Unquoted,
}

/// §5.2 default column: a new non-gallery app today.
pub(crate) const ENTRA_DEFAULT: Quirks = Quirks {
    op_case: OpCase::Pascal,
    string_booleans: true,
    changes: ChangeForm::OpPerAttribute,
    absent_element: AbsentElement::ReplaceFiltered,
    member_removal: MemberRemoval::ValueArray,
    null_refs: true,
    manager: ManagerForm::BareString,
    filter_values: FilterValues::Quoted,
    adscim_header: true,
    adscim_group_schema: true,
    membership_probe: false,
    app_role: AppRoleForm::JsonString,
};

/// §5.2 flag column: `aadOptscim062020`.
pub(crate) const ENTRA_FLAG: Quirks = Quirks {
    op_case: OpCase::Lower,
    string_booleans: false,
    changes: ChangeForm::NoPathReplace,
    absent_element: AbsentElement::ReplaceFiltered,
    member_removal: MemberRemoval::FilterPerMember,
    null_refs: false,
    manager: ManagerForm::BareString,
    filter_values: FilterValues::Quoted,
    adscim_header: true,
    adscim_group_schema: true,
    membership_probe: false,
    app_role: AppRoleForm::Object,
};

/// §5.1, §10: the `customappsso` job — the default column with unquoted filter values (Q15),
/// the documented manager array form (§3.6) and the membership probe (§4.3).
pub(crate) const ENTRA_LEGACY: Quirks = Quirks {
    filter_values: FilterValues::Unquoted,
    manager: ManagerForm::LegacyArray,
    membership_probe: true,
    ..ENTRA_DEFAULT
};

/// §8.2: strict RFC 7644 requests, as Microsoft's SCIM Validator sends them.
pub(crate) const RFC: Quirks = Quirks {
    op_case: OpCase::Lower,
    string_booleans: false,
    changes: ChangeForm::OpPerAttribute,
    absent_element: AbsentElement::AddElement,
    member_removal: MemberRemoval::FilterPerMember,
    null_refs: false,
    manager: ManagerForm::Complex,
    filter_values: FilterValues::Quoted,
    adscim_header: false,
    adscim_group_schema: false,
    membership_probe: false,
    app_role: AppRoleForm::Object,
};

impl Profile {
    /// This profile's row of the quirk table.
    pub(crate) const fn quirks(self) -> &'static Quirks {
        match self {
            Profile::EntraDefault => &ENTRA_DEFAULT,
            Profile::EntraFlag => &ENTRA_FLAG,
            Profile::EntraLegacy => &ENTRA_LEGACY,
            Profile::Rfc => &RFC,
        }
    }
}

impl Quirks {
    /// A PATCH `op` as this profile spells it (Q1).
    pub(crate) fn op(&self, op: PatchOp) -> &'static str {
        match (self.op_case, op) {
            (OpCase::Pascal, PatchOp::Add) => "Add",
            (OpCase::Pascal, PatchOp::Replace) => "Replace",
            (OpCase::Pascal, PatchOp::Remove) => "Remove",
            (OpCase::Lower, PatchOp::Add) => "add",
            (OpCase::Lower, PatchOp::Replace) => "replace",
            (OpCase::Lower, PatchOp::Remove) => "remove",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_has_a_row_of_its_own() {
        for (i, a) in Profile::ALL.iter().enumerate() {
            for b in &Profile::ALL[i + 1..] {
                assert_ne!(
                    a.quirks(),
                    b.quirks(),
                    "{a} and {b} would send the same wire"
                );
            }
        }
    }
}
