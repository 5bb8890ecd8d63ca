//! Executing a plan: step by step, emitting events, returning plain data. The runner never
//! formats text for a person; reporters do.

mod cleanup;
mod event;
mod outcome;
mod prepare;
mod runner;
mod step;
mod world;

pub use event::RunEvent;
#[cfg(test)]
pub(crate) use outcome::fixtures;
pub use outcome::{
    CleanupReport, Counts, Leftover, NotRun, RunSummary, ScenarioOutcome, StepOutcome, StepStatus,
};
pub use runner::{new_run_id, Interrupt, Runner};
