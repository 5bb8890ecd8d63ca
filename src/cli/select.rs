//! `--only PATTERN` / `--skip PATTERN` on `run` and `demo` (see `plan::select`).

use clap::Args;

use super::error;
use crate::plan::{select, Plan, Selection};

/// Which scenarios and steps run.
#[derive(Debug, Default, Args)]
pub(crate) struct SelectArgs {
    /// Run only the scenarios and steps matching PATTERN: a scenario name, step id or step
    /// name, with `*` and `?` as wildcards, e.g. 'USER-*' (repeatable).
    #[arg(long, value_name = "PATTERN", help_heading = "Selection")]
    only: Vec<String>,
    /// Leave out the scenarios and steps matching PATTERN, as --only (repeatable; wins over
    /// --only). A step that needs what a skipped step creates is reported as not run.
    #[arg(long, value_name = "PATTERN", help_heading = "Selection")]
    skip: Vec<String>,
}

impl SelectArgs {
    /// The selected plan, or `None` after saying which pattern matches nothing (or that
    /// nothing is left to run).
    pub(super) fn apply(&self, plan: Plan) -> Option<Plan> {
        let selection = Selection {
            only: self.only.clone(),
            skip: self.skip.clone(),
        };
        if selection.is_empty() {
            return Some(plan);
        }
        let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
        let hint = format!(
            "the scenarios are {}; `scimcheck scenarios show NAME` shows a built-in one's step ids",
            names.join(", ")
        );
        let unmatched = selection.unmatched(&plan);
        if !unmatched.is_empty() {
            for (flag, pattern) in &unmatched {
                eprintln!(
                    "error: `{flag} {pattern}` matches no scenario name, step id or step name"
                );
            }
            eprintln!("hint: {hint}");
            return None;
        }
        let selected = select(&plan, &selection);
        if selected.scenarios.is_empty() {
            error("`--only` and `--skip` leave nothing to run", Some(&hint));
            return None;
        }
        Some(selected)
    }
}
