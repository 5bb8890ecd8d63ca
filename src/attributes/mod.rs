//! Attribute tables: the app's SCIM mapping, as an admin sees it in Entra's Attribute-Mapping
//! page (attribute path, type, supported for filtering, required, and the matching attribute).
//!
//! Checks are derived from them: each mapped attribute must come back with the value and JSON
//! type Entra sent, and each filterable attribute must find its object with `eq`.

pub mod discover;
mod entra;
mod expr;
mod load;
mod path;

pub use load::{load, TableError};
pub use path::{AttrPath, PathError};

use serde::Deserialize;

/// The Atmos tables from the seed tutorial, built into the binary.
pub const DEFAULT_TABLES: &str = include_str!("../../fixtures/atmos.yaml");

/// The two resource types Entra provisions (RFC 7643 §4).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, schemars::JsonSchema,
)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    /// The collection path segment (`Users`, `Groups`).
    pub fn collection(self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }

    /// `meta.resourceType` (RFC 7643 §3.1).
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// The core schema URN.
    pub fn schema(self) -> &'static str {
        match self {
            ResourceKind::User => crate::scim::USER_SCHEMA,
            ResourceKind::Group => crate::scim::GROUP_SCHEMA,
        }
    }
}

/// RFC 7643 §2.3 attribute data types, as far as an Entra mapping uses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttrType {
    String,
    Boolean,
    Integer,
    DateTime,
    Reference,
    /// RFC 7643 §2.3.8: sub-attributes in an object, e.g. the `roles` objects of
    /// `AppRoleAssignmentsComplex`.
    Complex,
}

impl AttrType {
    /// Whether a JSON value has this type on the wire.
    pub fn matches(self, value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match self {
            AttrType::String | AttrType::DateTime => value.is_string(),
            AttrType::Boolean => value.is_boolean(),
            AttrType::Integer => value.is_i64() || value.is_u64(),
            AttrType::Reference => {
                matches!(value, Value::String(_) | Value::Object(_) | Value::Array(_))
            }
            AttrType::Complex => matches!(value, Value::Object(_) | Value::Array(_)),
        }
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// One row of an attribute table.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub path: AttrPath,
    pub ty: AttrType,
    /// "Supported for filtering": Entra may query with `eq` on it.
    pub filter: bool,
    /// "Required by the app".
    pub required: bool,
    /// Entra's "Apply this mapping" (an exported schema's `flowType`).
    pub apply: Apply,
    /// The source as the Attribute-Mapping page shows it (`Switch([IsSoftDeleted], …)`), when
    /// the table came from an exported schema.
    pub source: Option<String>,
    /// The target directory's definition, when the table came from an exported schema.
    pub definition: Option<Definition>,
    /// What the mapping's source produces, where that is not a generated value of the
    /// attribute's type (entra-2026 §1.2).
    pub produced: Option<Produced>,
}

/// A value an exported schema's mapping fixes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Produced {
    /// A `Constant` source, or the `defaultValue` of a mapping without a source: sent as
    /// written.
    Constant(String),
    /// `AppRoleAssignmentsComplex([appRoleAssignments])`: the user's app roles as an array of
    /// `{primary, type, value}` objects (client-behaviour §3.5).
    AppRoles,
    /// `AssertiveAppRoleAssignmentsComplex([appRoleAssignments])`: the same role objects, and
    /// a role change replaces the whole list (client-behaviour §3.5).
    AssertiveAppRoles,
}

/// What an exported schema's `attributeDefinition` adds to a row (entra-2026 §1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub multivalued: bool,
    /// `ReadWrite`, `ReadOnly`, `Immutable` or `WriteOnly`.
    pub mutability: String,
    pub case_exact: bool,
    /// `referencedObjects` (`User` for `manager`, `User`/`Group` for `members`).
    pub referenced_objects: Vec<String>,
}

/// When Entra sends an attribute (entra-2026 §1.2, `flowType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Apply {
    /// On create and in every PATCH that changes it.
    #[default]
    Always,
    /// `ObjectAddOnly`: in the create only, never PATCHed.
    OnCreateOnly,
}

impl Apply {
    /// The words of the Attribute-Mapping page.
    pub fn name(self) -> &'static str {
        match self {
            Apply::Always => "always",
            Apply::OnCreateOnly => "on create only",
        }
    }
}

/// The mapping of one resource type.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceTable {
    pub kind: ResourceKind,
    /// Matching precedence 1 (client-behaviour §3.1, §4.1).
    pub matching: AttrPath,
    /// Matching precedence 2, 3, …: what Entra tries when a lookup by the one before finds
    /// nothing (client-behaviour §3.1).
    pub matching_next: Vec<AttrPath>,
    pub attributes: Vec<Attribute>,
    /// The scoping filter, in words; shown, not simulated.
    pub scope: Option<String>,
}

impl ResourceTable {
    /// The row for a path, compared as written in the table.
    pub fn get(&self, path: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.path.as_str() == path)
    }

    /// The matching precedence of a path (1 is the first), if Entra matches on it.
    pub fn precedence(&self, path: &AttrPath) -> Option<usize> {
        std::iter::once(&self.matching)
            .chain(&self.matching_next)
            .position(|p| p == path)
            .map(|i| i + 1)
    }
}

/// An app's user and group tables.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeTables {
    pub app: String,
    pub user: ResourceTable,
    pub group: ResourceTable,
    /// What was read but is not simulated (an unknown expression function, a missing group
    /// mapping), one sentence each, for the user to see before anything is sent.
    pub warnings: Vec<String>,
}

impl AttributeTables {
    /// The built-in Atmos tables.
    pub fn atmos() -> AttributeTables {
        // The embedded file is checked by a unit test; failing to parse it is a build bug.
        load::parse("builtin:atmos.yaml", DEFAULT_TABLES).expect("built-in attribute table parses")
    }

    /// The table for one resource type.
    pub fn of(&self, kind: ResourceKind) -> &ResourceTable {
        match kind {
            ResourceKind::User => &self.user,
            ResourceKind::Group => &self.group,
        }
    }
}
