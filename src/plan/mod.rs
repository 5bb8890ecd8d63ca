//! The validated, executable form of scenarios.
//!
//! `plan::compile` turns scenario files into a [`Plan`]; everything that can be wrong in a file
//! (unknown keys, unknown variables, unknown objects, bad paths) is caught there, so the runner
//! only meets problems that come from the server.

pub mod action;
pub mod compile;
pub mod read_only;
pub mod select;
pub mod template;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::attributes::{AttrPath, ResourceKind};
use crate::diag::Location;
pub use action::{Form, Resolved};
pub use select::{select, Selection};
pub use template::Template;

/// Everything one `scimcheck run` executes, in order.
#[derive(Clone, Debug)]
pub struct Plan {
    pub scenarios: Vec<ScenarioPlan>,
    /// Scenarios left out, with why (`requires:` not met by the attribute tables).
    pub skipped: Vec<SkippedScenario>,
}

/// One scenario: a named sequence of steps over a set of objects Entra provisions.
#[derive(Clone, Debug)]
pub struct ScenarioPlan {
    pub name: String,
    pub description: String,
    /// The file the scenario came from (`builtin:NAME` for built-in ones).
    pub source: String,
    /// Scenario variables, rendered once when the scenario starts, in declaration order.
    pub vars: Vec<(String, Template)>,
    /// Users and groups the scenario provisions, in declaration order.
    pub objects: Vec<ObjectDecl>,
    pub steps: Vec<StepPlan>,
}

/// A scenario left out because the attribute tables lack what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedScenario {
    pub name: String,
    pub reason: String,
}

/// A user or group of a scenario: its place in [`ScenarioPlan::objects`], so the runner
/// addresses objects that compile checked, never a name it would have to look up. Users made
/// at run time (`add-new-members`) take the places after the declared ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId(pub(crate) usize);

impl ObjectId {
    /// The object at place `index` of its scenario.
    pub fn new(index: usize) -> ObjectId {
        ObjectId(index)
    }

    /// Its place in [`ScenarioPlan::objects`] (or after them, for run-time objects).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A user or group that Entra provisions in this scenario. Attribute values not given here are
/// generated from the attribute table (prefixed with `scimcheck-<run id>`).
#[derive(Clone, Debug)]
pub struct ObjectDecl {
    pub name: String,
    pub kind: ResourceKind,
    /// Attribute path of the table → value, in file order.
    pub values: Vec<(AttrPath, Template)>,
    /// An object that already exists on the server (matched, not created): Entra's view holds
    /// only the values given, nothing is generated, and cleanup never deletes it.
    pub existing: bool,
}

/// One step: a request (an Entra action rendered by the profile, or a raw request) and what
/// the response must look like.
#[derive(Clone, Debug)]
pub struct StepPlan {
    /// Stable id (`USER-DISABLE`); check results are reported as `{id}/{check}`.
    pub id: String,
    pub name: String,
    pub location: Location,
    pub action: Action,
    pub expect: Expectation,
    /// Variables taken from the response body (JSON pointer), usable by later steps.
    pub captures: Vec<Capture>,
    /// Whether a write is followed by the read Entra would do, and its effect checked.
    pub read_back: bool,
}

/// What a step sends.
#[derive(Clone, Debug)]
pub enum Action {
    /// Something Entra does; the client profile decides the wire form.
    Entra(EntraAction),
    /// A request written out in the scenario, sent as it is.
    Raw(RawRequest),
}

/// What Entra does, with names checked and values parsed: see [`action`], and its checklist
/// for adding an Entra action.
pub type EntraAction = action::EntraAction<Resolved>;

/// A step id made from its name: upper case, runs of other characters as one `-`.
pub fn slug_id(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_uppercase());
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_owned()
}

/// The PATCH forms `update-user` can send (client-behaviour §3.5, Q10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PatchForm {
    /// One op per attribute, each with its path.
    #[default]
    PerAttribute,
    /// `name.*` changes as one `Replace` of `name` with an object value.
    NameObject,
    /// One `Add` without a path whose value object holds every change.
    NoPathAdd,
    /// One op per attribute, with `Add` (not `Replace`) on a filtered path whose element is
    /// absent, e.g. `Add emails[type eq "work"].value` (Q9, GH-WIRE); a profile that adds the
    /// element itself (RFC 7644 §3.5.2.1) sends what `per-attribute` sends.
    FilteredAdd,
}

/// The op that adds members (client-behaviour §4.3; entra-2026 §5 #7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MembersOp {
    /// `Add` of `members` with the new members in `value`, as Entra documents it.
    #[default]
    Add,
    /// `Replace` of `members` carrying only the newly added members, as 2026 logs show
    /// (entra-2026 §5 #7). Which client form sends it is unknown (entra-2026 §9), so it is
    /// never sent unless a scenario asks for it. RFC 7644 §3.5.2.3 makes it replace the whole
    /// list; Entra means an add.
    Replace,
}

/// How member objects carry `$ref` (client-behaviour §4.3, Q7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MemberRefs {
    /// `{"$ref": null, "value": id}`, as Entra's default sends them.
    WithNull,
    /// `{"value": id}`.
    Without,
}

// Those Entra uses (client-behaviour §1.1), plus PUT; the doc line is the schema's text.
/// Methods a raw request may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether the method changes state on the server (refused by a read-only run).
    pub fn writes(self) -> bool {
        !matches!(self, Method::Get)
    }
}

/// A request written out in a scenario file.
#[derive(Clone, Debug)]
pub struct RawRequest {
    pub method: Method,
    /// Path and query relative to the Tenant URL, e.g. `/Users/{{ alice.id }}`.
    pub path: Template,
    pub headers: Vec<(String, Template)>,
    /// A JSON body; every string in it is a template.
    pub body: Option<JsonTemplate>,
    /// Whether the bearer token is sent (`auth: none` in the file turns it off).
    pub send_token: bool,
}

/// A JSON value whose strings are templates.
#[derive(Clone, Debug)]
pub enum JsonTemplate {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

/// What the response must satisfy. Unset fields are not checked, except that an Entra action
/// with no `expect` gets the expectations Entra itself has of that request (§6.1).
#[derive(Clone, Debug, Default)]
pub struct Expectation {
    /// Accepted status codes.
    pub status: Option<Vec<u16>>,
    /// The body must be a ListResponse, with this many results when given.
    pub list: Option<ListExpectation>,
    /// The body (or, for a list, each resource) must be a resource of this kind whose mapped
    /// attributes match what Entra holds for the step's object.
    pub resource: Option<ResourceKind>,
    /// The body must contain this JSON (subset match).
    pub body: Option<JsonTemplate>,
}

/// Expectations on a ListResponse.
#[derive(Clone, Debug, Default)]
pub struct ListExpectation {
    pub total_results: Option<u64>,
}

/// A variable taken from a response body.
#[derive(Clone, Debug)]
pub struct Capture {
    pub name: String,
    /// RFC 6901 JSON pointer into the response body, e.g. `/id`.
    pub pointer: String,
    pub location: Location,
}
