//! scimcheck impersonates the Microsoft Entra ID provisioning service (a SCIM 2.0 client) and
//! tells whether a SCIM endpoint survives what Entra really sends.
//!
//! Data flows one way:
//!
//! ```text
//! scenario file ─scenario::load─▶ ScenarioFile ─plan::compile─▶ Plan
//!   ─run::execute─▶ per step: profile::render ─▶ http::send ─▶ Exchange ─▶ check::evaluate
//!   ─▶ RunEvent ─report::*─▶ terminal / progress      ─exit::code─▶ process status
//! ```
//!
//! The reference SCIM server used by `scimcheck serve` and by the tests is [`refserver`].

pub mod attributes;
pub mod check;
pub mod cli;
pub(crate) mod connect;
pub mod diag;
pub mod exit;
pub mod gallery;
pub mod hints;
pub mod http;
pub mod id;
pub(crate) mod input;
pub(crate) mod load;
pub mod plan;
pub mod profile;
pub mod redact;
pub mod refserver;
pub mod report;
pub mod run;
pub mod scenario;
pub(crate) mod scim;
pub(crate) mod verdict;
