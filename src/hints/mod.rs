//! Root-cause hints: after a run, a short list of "what to fix first". Each [`Hint`] groups the
//! failures that share one cause, says what an admin sees in the Entra portal (with the
//! provisioning-log code where there is one, client-behaviour §6.2/§9), quotes this server's
//! answer as evidence, and says what to change.
//!
//! Hints are pure functions of the run's results ([`diagnose`] reads a
//! [`crate::run::RunSummary`]); this module never sends a request. The rules, one per cause,
//! are in `rules.rs`; what they read about a failure and the run is in `facts.rs`.

pub mod catalogue;
mod diagnose;
mod facts;
mod rules;
#[cfg(test)]
mod tests;

pub use diagnose::{blocking_cause, diagnose, Hint};
