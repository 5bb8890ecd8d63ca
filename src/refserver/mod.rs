//! The in-memory reference SCIM server used by `scimcheck serve`, `scimcheck demo` and the
//! tests. It accepts every request form Entra sends (`shared/entra/client-behaviour.md` §1,
//! §3, §4, §5.2) and answers as Entra expects (§6.1). Each [`Fault`] switches on one real
//! server defect, so that every client check can be shown to fail.
//!
//! Layout: `server` (router, socket, shutdown), `routes` (auth, transport faults, routing),
//! `handlers` (the SCIM operations), `store` (resources), `filter` (filters and attribute
//! paths), `patch` (PATCH operations), `values` (what is stored), `project`
//! (`attributes`/`excludedAttributes`), `attrs` (case-insensitive names), `error` (RFC 7644
//! §3.12 errors and framework error shapes), `refusals` (creates and renames a fault
//! refuses), `throttle` (429 faults), `schemas` (`GET /Schemas`), `faults`, `oauth` (the token endpoint of
//! `serve --oauth`).

mod attrs;
mod error;
mod faults;
mod filter;
mod handlers;
mod oauth;
mod patch;
mod project;
mod refusals;
mod routes;
mod schemas;
mod server;
mod store;
mod throttle;
mod values;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use faults::{Fault, UnknownFault};
pub use oauth::{OAuthFault, OAuthServer, UnknownOAuthFault};
pub use server::{router, spawn, spawn_with_oauth, Config, RunningServer};
