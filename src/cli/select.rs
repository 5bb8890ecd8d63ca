//! `--only PATTERN` / `--skip PATTERN` on `run` and `demo` (see `plan::select`).

use clap::Args;

use super::CliError;
use crate::plan::{select, Plan, Selection};

/// Which scenarios and steps run.
#[derive(Debug, Default, Args)]
pub(crate) struct SelectArgs {
    /// Run only the scenarios and steps matching PATTERN: a scenario name, step id or step
    /// name, with `*` and `?` as wildcards, e.g. 'USER-*' (repeatable, or comma-separated).
    #[arg(
        long,
        value_name = "PATTERN",
        help_heading = "Selection",
        env = "SCIMCHECK_ONLY",
        value_delimiter = ','
    )]
    only: Vec<String>,
    /// Leave out the scenarios and steps matching PATTERN, as --only (repeatable; wins over
    /// --only). A step that needs what a skipped step creates is reported as not run.
    #[arg(
        long,
        value_name = "PATTERN",
        help_heading = "Selection",
        env = "SCIMCHECK_SKIP",
        value_delimiter = ','
    )]
    skip: Vec<String>,
}

impl SelectArgs {
    /// The selected plan, or which patterns match nothing (or that nothing is left to run).
    pub(super) fn apply(&self, plan: Plan) -> Result<Plan, CliError> {
        let selection = Selection {
            only: self.only.clone(),
            skip: self.skip.clone(),
        };
        if selection.is_empty() {
            return Ok(plan);
        }
        let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
        let hint = format!(
            "the scenarios are {}; `scimcheck scenarios show NAME` shows a built-in one's step ids",
            names.join(", ")
        );
        let unmatched = selection
            .unmatched(&plan)
            .into_iter()
            .map(|(flag, pattern)| {
                format!("`{flag} {pattern}` matches no scenario name, step id or step name")
            });
        if let Some(error) = CliError::usage_all(unmatched) {
            return Err(error.with_hint(hint));
        }
        let selected = select(&plan, &selection);
        if selected.scenarios.is_empty() {
            return Err(
                CliError::usage("`--only` and `--skip` leave nothing to run").with_hint(hint),
            );
        }
        Ok(selected)
    }
}
