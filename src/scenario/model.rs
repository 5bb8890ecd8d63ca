//! The scenario file format, version 1, as serde types mirroring the file.
//!
//! ```yaml
//! version: 1
//! name: user-lifecycle
//! description: Entra creates, updates, disables, re-enables and deletes a user.
//! vars: { new_name: "{{ prefix }}-renamed" }
//! users: { alice: {}, bob: { name.givenName: Bob } }
//! groups: { team: {} }
//! steps:
//!   - name: look up alice
//!     entra: { lookup-user: alice }
//!     expect: { status: 200, list: { totalResults: 0 } }
//!   - request: { method: GET, path: "/Users/{{ alice.id }}", auth: none }
//!     expect: { status: [401] }
//!     capture: { etag: /meta/version }
//! ```
//!
//! Only the shape is checked here (keys, types, which names exist in the format); what the names
//! and paths mean is `plan::compile`'s job. Values we blame are `Spanned`. Actions and enums are
//! externally tagged, never `untagged` or `flatten`, so every mistake keeps a location.
//! Read with [`super::parse`], which reports all mistakes of a file, not only the first.
//!
//! The types also derive `JsonSchema` for the published schema (see [`super::schema`]): a
//! `Spanned` field names what it holds with `#[schemars(with = "…")]` (`Scalar` for `Text`).
//! After a change, regenerate `schema/scenario.schema.json` (`scimcheck scenarios schema`);
//! `tests/schema.rs` fails until then.

use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::de::{mark, recorded_since};
use super::schema::Scalar;
use crate::attributes::ResourceKind;
use crate::plan::{Form, Method, PatchForm};

/// A string with its location.
pub type Text = Spanned<String>;

/// An ordered mapping of located strings (`set:`, `headers:`, `capture:`, …).
pub type TextMap = Entries<Text, Text>;

/// A scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// The format version; only `1` exists.
    pub version: Recover<Spanned<u64>>,
    /// Unique across a run; lower-case letters, digits and `-`.
    pub name: Recover<Text>,
    /// One sentence, shown in reports.
    #[serde(default)]
    pub description: Recover<Text>,
    /// Variables rendered once when the scenario starts, in order.
    #[serde(default)]
    pub vars: TextMap,
    /// Users Entra provisions: name → attribute path → value (generated when not given).
    #[serde(default)]
    pub users: Entries<Text, TextMap>,
    /// Groups Entra provisions, as `users`.
    #[serde(default)]
    pub groups: Entries<Text, TextMap>,
    /// Attribute paths the scenario needs in the attribute tables; without them it is
    /// skipped (the app does not map them, so Entra would never send them).
    #[serde(default)]
    #[schemars(with = "Vec<Scalar>")]
    pub requires: Vec<Text>,
    /// What Entra does, in order.
    #[schemars(with = "Vec<Step>")]
    pub steps: Spanned<List<Spanned<Step>>>,
}

/// One step: an Entra action or a raw request, and what the answer must be.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Step {
    /// A stable id for reports and `--only`/`--skip` (upper-case words joined by `-`, e.g.
    /// `USER-DISABLE`); made from the name when absent.
    #[schemars(with = "Option<Scalar>")]
    pub id: Option<Text>,
    /// Shown in reports; made from the action when absent (`lookup-user alice`).
    #[schemars(with = "Option<Scalar>")]
    pub name: Option<Text>,
    /// An Entra action; a step has this or `request`, not both.
    #[schemars(with = "Option<EntraAction>")]
    pub entra: Option<Spanned<EntraAction>>,
    /// A raw request, when no Entra action fits.
    #[schemars(with = "Option<Request>")]
    pub request: Option<Spanned<Request>>,
    /// Checks on the response, over the action's defaults.
    #[schemars(with = "Option<Expect>")]
    pub expect: Option<Spanned<Expect>>,
    /// Variable name → RFC 6901 JSON pointer into the response body.
    #[serde(default)]
    pub capture: TextMap,
    /// Whether a write is followed by the read Entra would do; each action has a default.
    #[schemars(with = "Option<bool>")]
    pub read_back: Option<Spanned<bool>>,
}

/// An Entra action as a file spells it: the one action type, in its [`File`] form.
pub type EntraAction = crate::plan::action::EntraAction<File>;

/// The form of an [`EntraAction`] read from a file: every name and value keeps its location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct File;

impl Form for File {
    type Name = Text;
    type Names = Spanned<Vec<Text>>;
    type Attr = Text;
    type Set = Spanned<TextMap>;
    type PatchForm = Option<Spanned<PatchForm>>;
    type Count = Spanned<u64>;
    type MemberOps = Option<Spanned<MemberOps>>;
    type Expanded = Text;

    fn lookup<'de, D: Deserializer<'de>>(d: D) -> Result<(Text, Option<Text>), D::Error> {
        let lookup = Spanned::<Lookup>::deserialize(d)?;
        Ok(match lookup.value {
            // The short form's name is located where the whole value is.
            Lookup::Name(name) => (Spanned::new(name, lookup.referenced, lookup.defined), None),
            Lookup::By(long) => (long.user, long.by),
        })
    }
}

/// How `add-new-members` spreads members over PATCH operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberOps {
    /// One operation whose value array holds every member.
    Single,
    /// One operation per member.
    Each,
}

/// `lookup-user: NAME`, or `lookup-user: { user: NAME, by: PATH }`.
#[derive(Debug)]
pub enum Lookup {
    /// The user, looked up by the matching attribute.
    Name(String),
    /// The user and the attribute to look it up by.
    By(LookupBy),
}

/// The long form of `lookup-user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupBy {
    /// The user.
    #[schemars(with = "Scalar")]
    pub user: Text,
    /// A filterable attribute of the user table; the matching attribute when absent.
    #[schemars(with = "Option<Scalar>")]
    pub by: Option<Text>,
}

/// A request written out in the file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The HTTP method.
    #[schemars(with = "Method")]
    pub method: Spanned<Method>,
    /// Relative to the Tenant URL, starting with `/`; a template.
    #[schemars(with = "Scalar")]
    pub path: Text,
    /// Header name → value (a template).
    #[serde(default)]
    pub headers: TextMap,
    /// Any YAML value, sent as JSON; its strings are templates.
    #[schemars(with = "Option<Json>")]
    pub body: Option<Spanned<Json>>,
    /// `bearer` (the default) or `none`.
    #[schemars(with = "Option<Auth>")]
    pub auth: Option<Spanned<Auth>>,
}

/// Whether a raw request carries the bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// Send `Authorization: Bearer <token>`.
    Bearer,
    /// Send no `Authorization` header.
    None,
}

/// What the response must be; each key given overrides the action's default.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Accepted status codes.
    #[schemars(with = "Option<StatusCodes>")]
    pub status: Option<Spanned<StatusCodes>>,
    /// Subset match; strings are templates.
    #[schemars(with = "Option<Json>")]
    pub body: Option<Spanned<Json>>,
    /// The body is a ListResponse.
    #[schemars(with = "Option<ListExpect>")]
    pub list: Option<Spanned<ListExpect>>,
    /// The body (or each listed resource) is a `User` or `Group` matching Entra's view.
    #[schemars(with = "Option<ResourceKind>")]
    pub resource: Option<Spanned<ResourceKind>>,
}

/// `list:` — the body is a ListResponse, with this many results when given.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListExpect {
    /// The expected `totalResults`.
    #[serde(rename = "totalResults")]
    #[schemars(with = "Option<u64>")]
    pub total_results: Option<Spanned<u64>>,
}

/// `status: 200` or `status: [200, 204]`.
#[derive(Debug)]
pub enum StatusCodes {
    /// `status: 200`; located by the enclosing `Spanned`.
    One(i64),
    /// `status: [200, 204]`, each code located.
    Many(Vec<Spanned<i64>>),
}

/// A JSON value written in YAML; strings keep their location because they are templates.
#[derive(Debug)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string, located by the enclosing `Spanned`; a template.
    String(String),
    /// A list.
    Array(Vec<Spanned<Json>>),
    /// A mapping, in file order.
    Object(Vec<(Text, Spanned<Json>)>),
}

/// An ordered mapping. Reading from a scenario file, an entry that cannot be read is left out
/// (its mistake is reported) and the others are still read; a value that is not a mapping
/// reads as empty.
#[derive(Debug)]
pub struct Entries<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

/// A list that, read from a scenario file, leaves out elements that cannot be read (their
/// mistakes are reported) and still reads the others; a value that is not a list reads as
/// empty.
#[derive(Debug)]
pub struct List<T>(pub Vec<T>);

/// A value that, read from a scenario file, is `None` when it cannot be read (its mistake is
/// reported) so the fields after it are still read. Used for the top-level scalars: a mistake
/// there would otherwise hide every mistake in the steps.
#[derive(Debug)]
pub struct Recover<T>(pub Option<T>);

impl<T> Default for Recover<T> {
    fn default() -> Self {
        Recover(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Recover<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let before = mark();
        match T::deserialize(deserializer) {
            Ok(value) => Ok(Recover(Some(value))),
            Err(_) if recorded_since(before) => Ok(Recover(None)),
            Err(e) => Err(e),
        }
    }
}

/// What a type is called in messages ("unknown key `x` in a step").
pub(crate) fn noun(type_name: &str) -> Option<&'static str> {
    Some(match type_name {
        "ScenarioFile" => "a scenario file",
        "Step" => "a step",
        "Request" => "a request",
        "Expect" => "an expectation",
        "ListExpect" => "a list expectation",
        "LookupBy" => "`lookup-user`",
        "EntraAction" => "an Entra action",
        "Method" => "an HTTP method",
        "Auth" => "an `auth` value",
        "ResourceKind" => "a resource type",
        _ => return None,
    })
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Entries<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<K, V> {
            type Value = Entries<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Entries::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                loop {
                    let before = mark();
                    let key = match map.next_key::<K>() {
                        Ok(Some(key)) => key,
                        Ok(None) => break,
                        Err(_) if recorded_since(before) => continue,
                        Err(e) => return Err(e),
                    };
                    let before = mark();
                    match map.next_value::<V>() {
                        Ok(value) => entries.push((key, value)),
                        Err(_) if recorded_since(before) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(Entries(entries))
            }
        }
        let before = mark();
        match deserializer.deserialize_map(EntriesVisitor(PhantomData)) {
            // Not a mapping at all (`users: [alice]`): reported, read as empty.
            Err(_) if recorded_since(before) => Ok(Entries::default()),
            result => result,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                loop {
                    let before = mark();
                    match seq.next_element::<T>() {
                        Ok(Some(item)) => items.push(item),
                        Ok(None) => break,
                        Err(_) if recorded_since(before) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(List(items))
            }
        }
        let before = mark();
        match deserializer.deserialize_seq(ListVisitor(PhantomData)) {
            // Not a list at all (`steps: {}`): reported, read as empty.
            Err(_) if recorded_since(before) => Ok(List(Vec::new())),
            result => result,
        }
    }
}

impl<'de> Deserialize<'de> for Lookup {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LookupVisitor;
        impl<'de> Visitor<'de> for LookupVisitor {
            type Value = Lookup;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a user name or `{ user: NAME, by: PATH }`")
            }
            fn visit_str<E>(self, v: &str) -> Result<Lookup, E> {
                Ok(Lookup::Name(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lookup, A::Error> {
                LookupBy::deserialize(MapAccessDeserializer::new(map)).map(Lookup::By)
            }
        }
        deserializer.deserialize_any(LookupVisitor)
    }
}

impl<'de> Deserialize<'de> for StatusCodes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;
        impl<'de> Visitor<'de> for StatusVisitor {
            type Value = StatusCodes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code or a list of status codes")
            }
            fn visit_i64<E>(self, v: i64) -> Result<StatusCodes, E> {
                Ok(StatusCodes::One(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<StatusCodes, E> {
                // Out of range either way; `plan::compile` says so with the code.
                Ok(StatusCodes::One(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusCodes, A::Error> {
                let mut codes = Vec::new();
                while let Some(code) = seq.next_element()? {
                    codes.push(code);
                }
                Ok(StatusCodes::Many(codes))
            }
        }
        deserializer.deserialize_any(StatusVisitor)
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
                Json::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
                serde_json::Number::from_f64(v)
                    .map(Json::Number)
                    .ok_or_else(|| E::custom(format!("`{v}` is not a JSON number")))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Json::Object(entries))
            }
        }
        deserializer.deserialize_any(JsonVisitor)
    }
}
