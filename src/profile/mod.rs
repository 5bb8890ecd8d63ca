//! Client profiles: how an Entra action looks on the wire.
//!
//! A scenario says *what* Entra does ("disable alice"); the profile decides *how* it is sent:
//! op casing, string or JSON booleans, member reference objects, the removal form, query
//! encoding (client-behaviour §5.2, §10). Each profile is one row of data in `quirks.rs`; rendering
//! reads that row and is pure: inputs in, [`crate::http::Request`] out.

mod quirks;
mod render;

pub(crate) use render::AppRole;
pub use render::{Change, Renderer};

use std::fmt;
use std::str::FromStr;

/// A way of sending Entra's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Profile {
    /// A new non-gallery app today: PascalCase ops, `"False"`/`"True"`, one op per attribute,
    /// members removed with a value array, `$ref: null` in member objects (§5.2 default column).
    EntraDefault,
    /// The `aadOptscim062020` flag: lower-case ops, JSON booleans, a no-path `replace` object,
    /// `members[value eq "…"]` removal (§5.2 flag column).
    EntraFlag,
    /// The pre-2019 `customappsso` job: unquoted filter values (§5.1, Q15).
    EntraLegacy,
    /// Strict RFC 7644 requests, as Microsoft's SCIM Validator sends them (§8.2).
    Rfc,
}

impl Profile {
    /// Every profile, in the order a matrix lists them.
    pub const ALL: [Profile; 4] = [
        Profile::EntraDefault,
        Profile::EntraFlag,
        Profile::EntraLegacy,
        Profile::Rfc,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Profile::EntraDefault => "entra-default",
            Profile::EntraFlag => "entra-flag",
            Profile::EntraLegacy => "entra-legacy",
            Profile::Rfc => "rfc",
        }
    }

    /// A short tag for names of objects created under this profile in a multi-profile run.
    pub fn tag(self) -> &'static str {
        match self {
            Profile::EntraDefault => "default",
            Profile::EntraFlag => "flag",
            Profile::EntraLegacy => "legacy",
            Profile::Rfc => "rfc",
        }
    }
}

/// RFC 7644 §3.5.2 PATCH operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchOp {
    Add,
    Replace,
    Remove,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile name that is not one of [`Profile::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown profile `{0}` (expected one of: entra-default, entra-flag, entra-legacy, rfc, all)"
)]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProfile(s.to_owned()))
    }
}

#[cfg(test)]
mod wire_tests;
