//! Executing a plan: step by step, emitting events, returning plain data. The runner never
//! formats text for a person; reporters do.

mod cleanup;
mod create;
mod event;
mod fallback;
mod matching;
mod outcome;
mod prepare;
mod probe;
mod record;
mod runner;
mod schedule;
mod step;
mod sweep;
mod throttle;
mod world;

pub(crate) use cleanup::deadline as cleanup_deadline;
pub use cleanup::LedgerView;
pub(crate) use cleanup::{Entry, Fate, Ledger};
pub use event::RunEvent;
#[cfg(test)]
pub(crate) use outcome::fixtures;
pub use outcome::{
    Blame, CleanupReport, Counts, Fallback, FallbackChange, Leftover, NotRun, Premise, PremiseKind,
    RunSummary, ScenarioOutcome, StepOutcome, StepStatus, Throttled,
};
pub use runner::{new_run_id, Interrupt, Runner, StopRule};
pub(crate) use sweep::{found, Found};
pub use throttle::Throttling;
