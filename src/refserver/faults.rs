//! Fault switches: each one makes the reference server reproduce one real-world SCIM server
//! defect, so a test can prove that the matching client check fails.
//!
//! Adding a fault: a variant here, an entry in [`Fault::ALL`] (and the count in the test
//! below), a name and a description in the two `match`es (the description is the line
//! `serve --list-faults` prints), the behaviour where the defect lives (`routes.rs` and
//! `throttle.rs` for transport, `handlers.rs`, `schemas.rs`, `refusals.rs` for creates and renames,
//! `patch/refuse.rs` for PATCH shapes, `patch.rs`, `values.rs`), and a router-level test named
//! after the fault in `tests_faults.rs`, `tests_faults_shapes.rs`, `tests_throttle.rs` or `tests_faults_gallery.rs` that
//! pins the status, headers and body and shows that a request the fault does not target still
//! succeeds. A fault that refuses in a framework's words builds its body with
//! `error::Framework`.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One reproducible server defect. The kebab-case [`Fault::name`] is what scenario fixtures
/// and the `serve` command use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Fault {
    /// PATCH `op` values that are not all lower-case are rejected.
    RejectPascalCaseOps,
    /// String booleans (`"False"`) are rejected.
    RejectStringBooleans,
    /// A filter with zero results answers 404.
    #[value(name = "empty-filter-404")]
    EmptyFilter404,
    /// The `filter` query parameter is ignored.
    IgnoreFilter,
    /// Enterprise-extension attributes are silently dropped.
    DropEnterpriseExtension,
    /// PATCH answers success but stores nothing.
    PatchStoresNothing,
    /// DELETE only deactivates users (and leaves groups as they are).
    DeleteOnlyDeactivates,
    /// `remove` on `members` with a value array is rejected.
    RejectMemberValueArrayRemoval,
    /// Any or no `Authorization` header is accepted.
    NoTokenCheck,
    /// Responses carry `Content-Type: application/json`.
    ContentTypeJson,
    /// Member or manager objects with `"$ref": null` are rejected.
    RejectNullRef,
    /// POST /Groups with the ADSCIM group schema URN is rejected.
    RejectAdscimGroupSchema,
    /// PATCH operations without `path` are rejected.
    RejectNoPathValueObjects,
    /// add/replace on a filtered path whose element is absent is rejected.
    RejectFilteredPathOnAbsent,
    /// The enterprise `manager` is stored and returned as a bare string.
    ManagerAsString,
    /// `excludedAttributes=members` is ignored.
    MembersDespiteExcluded,
    /// `userName eq` filters compare case-sensitively.
    CaseSensitiveUsernameFilter,
    /// Email and phone values are rewritten on store.
    NormaliseValues,
    /// Every request answers with an HTML login page.
    HtmlLoginPage,
    /// Every GET answers with a ~12 MB body.
    HugeBody,
    /// A group PATCH takes longer the more members the group has: the whole member list is
    /// rewritten on each PATCH (the O(n²) pattern of issue 9).
    SlowMemberGrowth,
    /// Every request waits 300 s before answering.
    Hang,
    /// ListResponse uses `resources` instead of `Resources`.
    LowercaseResources,
    /// A create carrying the enterprise extension is refused in pydantic's words.
    RejectEnterpriseExtension,
    /// A create without `name.formatted` is refused.
    RequireUnmappedAttribute,
    /// A PATCH that changes `userName` is refused (scimType mutability).
    ImmutableUsername,
    /// A PATCH that changes a group's `displayName` is refused in Spring Boot's error shape.
    ImmutableGroupDisplayname,
    /// A PATCH setting the manager to a bare string is refused in ASP.NET's validation-problem shape.
    RejectBareStringManager,
    /// Any PATCH path with a value filter is refused (scimType invalidPath).
    RejectFilteredPath,
    /// Group `displayName eq` filters compare case-sensitively.
    CaseSensitiveGroupFilter,
    /// Group filters miss groups created in the last 30 seconds.
    StaleGroupFilter,
    /// A PATCH removing more than one member answers 501.
    RejectMultiMemberRemoval,
    /// User PATCH `add` ops with a path are refused.
    RejectAddWithPath,
    /// A PATCH mixing `replace` and `add` ops is refused.
    RejectMixedPatch,
    /// A user create without `emails` is refused in Django REST framework's words.
    RequireEmails,
    /// A PATCH changing `active` together with other attributes is refused.
    RejectActiveWithOtherChanges,
    /// Every third request answers 429 with `Retry-After: 1`.
    ThrottleRetryAfterSeconds,
    /// Every third request answers 429 with `Retry-After` as an HTTP date.
    ThrottleRetryAfterDate,
    /// Every third request answers 429 without `Retry-After`.
    ThrottleWithoutRetryAfter,
    /// Every request answers 429 with `Retry-After: 1`.
    ThrottleForever,
    /// `GET /Schemas` leaves out the enterprise `department` attribute.
    SchemasMissingAttribute,
    /// `startIndex` is ignored: every page starts at the first resource, and says so.
    IgnoreStartIndex,
    /// A PATCH setting `active` to false deletes the user (a hard delete for a soft one).
    DisableDeletes,
    /// `replace` of a group's `members` adds to the list instead of replacing it.
    ReplaceMembersAppends,
    /// Every third create is stored, then its connection is dropped unanswered.
    DropCreateAnswers,
    /// The third create is stored, then it and every later request are dropped unanswered.
    DieAfterCreate,
    /// User filters on any attribute but `userName` are refused (scimType invalidFilter).
    #[value(name = "user-filter-username-only")]
    UserFilterUserNameOnly,
    /// A role whose `value` is a JSON-encoded string is stored as that string (Q6).
    RoleJsonStringVerbatim,
    /// `roles[primary eq "True"]` matches only a JSON boolean `true` (Q13).
    RolePrimaryBooleanOnly,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: &[Fault] = &[
        Fault::RejectPascalCaseOps,
        Fault::RejectStringBooleans,
        Fault::EmptyFilter404,
        Fault::IgnoreFilter,
        Fault::DropEnterpriseExtension,
        Fault::PatchStoresNothing,
        Fault::DeleteOnlyDeactivates,
        Fault::RejectMemberValueArrayRemoval,
        Fault::NoTokenCheck,
        Fault::ContentTypeJson,
        Fault::RejectNullRef,
        Fault::RejectAdscimGroupSchema,
        Fault::RejectNoPathValueObjects,
        Fault::RejectFilteredPathOnAbsent,
        Fault::ManagerAsString,
        Fault::MembersDespiteExcluded,
        Fault::CaseSensitiveUsernameFilter,
        Fault::NormaliseValues,
        Fault::HtmlLoginPage,
        Fault::HugeBody,
        Fault::SlowMemberGrowth,
        Fault::Hang,
        Fault::LowercaseResources,
        Fault::RejectEnterpriseExtension,
        Fault::RequireUnmappedAttribute,
        Fault::ImmutableUsername,
        Fault::ImmutableGroupDisplayname,
        Fault::RejectBareStringManager,
        Fault::RejectFilteredPath,
        Fault::CaseSensitiveGroupFilter,
        Fault::StaleGroupFilter,
        Fault::RejectMultiMemberRemoval,
        Fault::RejectAddWithPath,
        Fault::RejectMixedPatch,
        Fault::RequireEmails,
        Fault::RejectActiveWithOtherChanges,
        Fault::ThrottleRetryAfterSeconds,
        Fault::ThrottleRetryAfterDate,
        Fault::ThrottleWithoutRetryAfter,
        Fault::ThrottleForever,
        Fault::SchemasMissingAttribute,
        Fault::IgnoreStartIndex,
        Fault::DisableDeletes,
        Fault::ReplaceMembersAppends,
        Fault::DropCreateAnswers,
        Fault::DieAfterCreate,
        Fault::UserFilterUserNameOnly,
        Fault::RoleJsonStringVerbatim,
        Fault::RolePrimaryBooleanOnly,
    ];

    /// The kebab-case name used on the command line and in fixtures.
    pub fn name(self) -> &'static str {
        match self {
            Fault::RejectPascalCaseOps => "reject-pascal-case-ops",
            Fault::RejectStringBooleans => "reject-string-booleans",
            Fault::EmptyFilter404 => "empty-filter-404",
            Fault::IgnoreFilter => "ignore-filter",
            Fault::DropEnterpriseExtension => "drop-enterprise-extension",
            Fault::PatchStoresNothing => "patch-stores-nothing",
            Fault::DeleteOnlyDeactivates => "delete-only-deactivates",
            Fault::RejectMemberValueArrayRemoval => "reject-member-value-array-removal",
            Fault::NoTokenCheck => "no-token-check",
            Fault::ContentTypeJson => "content-type-json",
            Fault::RejectNullRef => "reject-null-ref",
            Fault::RejectAdscimGroupSchema => "reject-adscim-group-schema",
            Fault::RejectNoPathValueObjects => "reject-no-path-value-objects",
            Fault::RejectFilteredPathOnAbsent => "reject-filtered-path-on-absent",
            Fault::ManagerAsString => "manager-as-string",
            Fault::MembersDespiteExcluded => "members-despite-excluded",
            Fault::CaseSensitiveUsernameFilter => "case-sensitive-username-filter",
            Fault::NormaliseValues => "normalise-values",
            Fault::HtmlLoginPage => "html-login-page",
            Fault::HugeBody => "huge-body",
            Fault::SlowMemberGrowth => "slow-member-growth",
            Fault::Hang => "hang",
            Fault::LowercaseResources => "lowercase-resources",
            Fault::RejectEnterpriseExtension => "reject-enterprise-extension",
            Fault::RequireUnmappedAttribute => "require-unmapped-attribute",
            Fault::ImmutableUsername => "immutable-username",
            Fault::ImmutableGroupDisplayname => "immutable-group-displayname",
            Fault::RejectBareStringManager => "reject-bare-string-manager",
            Fault::RejectFilteredPath => "reject-filtered-path",
            Fault::CaseSensitiveGroupFilter => "case-sensitive-group-filter",
            Fault::StaleGroupFilter => "stale-group-filter",
            Fault::RejectMultiMemberRemoval => "reject-multi-member-removal",
            Fault::RejectAddWithPath => "reject-add-with-path",
            Fault::RejectMixedPatch => "reject-mixed-patch",
            Fault::RequireEmails => "require-emails",
            Fault::RejectActiveWithOtherChanges => "reject-active-with-other-changes",
            Fault::ThrottleRetryAfterSeconds => "throttle-retry-after-seconds",
            Fault::ThrottleRetryAfterDate => "throttle-retry-after-date",
            Fault::ThrottleWithoutRetryAfter => "throttle-without-retry-after",
            Fault::ThrottleForever => "throttle-forever",
            Fault::SchemasMissingAttribute => "schemas-missing-attribute",
            Fault::IgnoreStartIndex => "ignore-start-index",
            Fault::DisableDeletes => "disable-deletes",
            Fault::ReplaceMembersAppends => "replace-members-appends",
            Fault::DropCreateAnswers => "drop-create-answers",
            Fault::DieAfterCreate => "die-after-create",
            Fault::UserFilterUserNameOnly => "user-filter-username-only",
            Fault::RoleJsonStringVerbatim => "role-json-string-verbatim",
            Fault::RolePrimaryBooleanOnly => "role-primary-boolean-only",
        }
    }

    /// One line: the real-world defect this fault reproduces.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::RejectPascalCaseOps => {
                "rejects PATCH ops spelled Add/Replace/Remove, as Entra sends them by default (Q1)"
            }
            Fault::RejectStringBooleans => {
                "rejects \"True\"/\"False\" strings for boolean attributes such as active (Q2)"
            }
            Fault::EmptyFilter404 => {
                "answers 404 instead of an empty ListResponse when a filter matches nothing"
            }
            Fault::IgnoreFilter => "ignores the filter parameter and lists every resource",
            Fault::DropEnterpriseExtension => {
                "silently drops enterprise-extension attributes (department, manager, ...)"
            }
            Fault::PatchStoresNothing => "acknowledges PATCH requests but never stores the change",
            Fault::DeleteOnlyDeactivates => {
                "answers DELETE with 204 but only deactivates the user, which stays readable"
            }
            Fault::RejectMemberValueArrayRemoval => {
                "rejects Entra's default member removal (path members with a value array, Q5)"
            }
            Fault::NoTokenCheck => "accepts requests with any or no bearer token",
            Fault::ContentTypeJson => {
                "answers with Content-Type application/json instead of application/scim+json"
            }
            Fault::RejectNullRef => {
                "rejects member and manager objects carrying \"$ref\": null (Q7)"
            }
            Fault::RejectAdscimGroupSchema => {
                "rejects POST /Groups carrying Entra's legacy ADSCIM group schema URN (Q12)"
            }
            Fault::RejectNoPathValueObjects => {
                "rejects PATCH ops without a path whose value is an attribute object (Q4/Q10)"
            }
            Fault::RejectFilteredPathOnAbsent => {
                "rejects add/replace on a filtered path whose element does not exist yet (Q9)"
            }
            Fault::ManagerAsString => {
                "returns the enterprise manager as a bare string, which Entra cannot read (Q8)"
            }
            Fault::MembersDespiteExcluded => {
                "returns group members even when excludedAttributes=members is asked for"
            }
            Fault::CaseSensitiveUsernameFilter => {
                "compares userName case-sensitively in filters (Q14)"
            }
            Fault::NormaliseValues => {
                "rewrites stored values (lower-cased emails, digits-only phone numbers)"
            }
            Fault::HtmlLoginPage => {
                "answers every request with an HTML login page (a proxy/SSO wall)"
            }
            Fault::HugeBody => "answers every GET with a body of about 12 MB",
            Fault::SlowMemberGrowth => {
                "answers a group PATCH later the more members the group has (O(n²) member writes)"
            }
            Fault::Hang => "waits 300 seconds before answering any request",
            Fault::LowercaseResources => {
                "names the ListResponse array \"resources\" instead of \"Resources\""
            }
            Fault::RejectEnterpriseExtension => "refuses a create that carries the enterprise extension (pydantic: Extra inputs are not permitted)",
            Fault::RequireUnmappedAttribute => "requires name.formatted on create, which the Atmos attribute table does not map",
            Fault::ImmutableUsername => "refuses any PATCH that changes userName, although Entra renames users when their UPN changes",
            Fault::ImmutableGroupDisplayname => "refuses any PATCH that changes a group's displayName (Spring Boot error body)",
            Fault::RejectBareStringManager => "refuses the manager as a bare string id, Entra's default form (ASP.NET validation problem, Q8)",
            Fault::RejectFilteredPath => "refuses every PATCH path with a value filter, e.g. emails[type eq \"work\"].value (Q9)",
            Fault::CaseSensitiveGroupFilter => "compares a group's displayName case-sensitively in filters (Q14)",
            Fault::StaleGroupFilter => "finds no group created in the last 30 s by any filter (a search index that lags the store)",
            Fault::RejectMultiMemberRemoval => "answers 501 to a PATCH that removes more than one member, in either of Entra's forms (Q5)",
            Fault::RejectAddWithPath => "refuses user PATCH add ops with a path; only pathless add objects are accepted (Q3)",
            Fault::RejectMixedPatch => "refuses a PATCH that mixes replace and add operations, as Entra sends them",
            Fault::RequireEmails => "requires emails on create, though cloud-only users have none (Django REST framework error)",
            Fault::RejectActiveWithOtherChanges => "refuses a PATCH that changes active together with other attributes (the disable in a multi-op PATCH)",
            Fault::ThrottleRetryAfterSeconds => "answers every third request 429 with Retry-After: 1 (delta-seconds)",
            Fault::ThrottleRetryAfterDate => "answers every third request 429 with Retry-After as an HTTP date one second ahead",
            Fault::ThrottleWithoutRetryAfter => "answers every third request 429 without Retry-After, which the gallery checklist asks for",
            Fault::ThrottleForever => "answers every request 429 with Retry-After: 1, forever",
            Fault::SchemasMissingAttribute => "leaves the enterprise department attribute out of GET /Schemas, so a mapping that sends it is not discoverable",
            Fault::IgnoreStartIndex => "ignores startIndex: every page starts at the first resource and echoes startIndex 1",
            Fault::DisableDeletes => "deletes a user whose active is set to false, a hard delete where Entra's disable is a soft one (§3.7)",
            Fault::ReplaceMembersAppends => "adds the members of a replace of members to the list instead of replacing it (not RFC 7644 §3.5.2.3, but what a client sending only the new member needs)",
            Fault::DropCreateAnswers => "stores every third create, then drops its connection unanswered (a reset or a proxy timeout after the write)",
            Fault::DieAfterCreate => "stores the third create, then drops it and every later request unanswered, as a server that died",
            Fault::UserFilterUserNameOnly => "filters users on userName only: a filter on externalId or any other attribute answers 400 invalidFilter, so an app matched on another attribute cannot find its users (§3.1)",
            Fault::RoleJsonStringVerbatim => "stores a role whose value is a JSON-encoded string (Entra's default roles PATCH, Q6) as that string instead of decoding it",
            Fault::RolePrimaryBooleanOnly => "matches roles[primary eq \"True\"] only against a JSON boolean literal, so Entra's string \"True\" finds no primary role (Q13)",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name that is not one of [`Fault::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFault {
    /// The name that was given.
    pub given: String,
}

impl fmt::Display for UnknownFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown fault `{}`; valid faults: ", self.given)?;
        for (i, fault) in Fault::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(fault.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownFault {}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Fault::ALL
            .iter()
            .copied()
            .find(|fault| fault.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownFault {
                given: s.to_owned(),
            })
    }
}

impl serde::Serialize for Fault {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Fault {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The faults switched on for one server; cheap membership tests for the handlers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Faults(BTreeSet<Fault>);

impl Faults {
    pub(crate) fn new(set: BTreeSet<Fault>) -> Self {
        Faults(set)
    }

    /// Whether this fault is switched on.
    pub(crate) fn has(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_name() {
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>(), Ok(*fault));
            assert_eq!(fault.to_string(), fault.name());
            assert!(!fault.describe().is_empty());
        }
    }

    #[test]
    fn all_lists_each_fault_once_with_unique_names() {
        let names: BTreeSet<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Fault::ALL.len());
        assert_eq!(Fault::ALL.len(), 49);
    }

    #[test]
    fn unknown_fault_error_lists_valid_names() {
        let err = "no-such".parse::<Fault>().unwrap_err().to_string();
        assert!(err.starts_with("unknown fault `no-such`; valid faults: reject-pascal-case-ops, "));
        assert!(err.ends_with(
            "die-after-create, user-filter-username-only, role-json-string-verbatim, role-primary-boolean-only"
        ));
    }
}
