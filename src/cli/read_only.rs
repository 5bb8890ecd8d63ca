//! `scimcheck run --read-only [--user NAME] [--group NAME]`: only GETs, for a production
//! tenant (see `plan::read_only`).

use clap::builder::BoolishValueParser;
use clap::Args;

use super::CliError;

use crate::diag::Diagnostic;
use crate::plan::read_only::{refusals, Existing};
use crate::plan::Plan;
use crate::scenario::SourceFile;

/// Read-only mode.
#[derive(Debug, Default, Args)]
pub(crate) struct ReadOnlyArgs {
    /// Send only GETs (for a production tenant): Test Connection, and the lookup and read of
    /// the --user and --group named. Nothing is created, changed or deleted; a --scenario with
    /// a step that would write is refused before anything is sent.
    #[arg(
        long,
        help_heading = "Read-only",
        env = "SCIMCHECK_READ_ONLY",
        value_parser = BoolishValueParser::new()
    )]
    pub(super) read_only: bool,
    /// With --read-only: an existing user, by its matching attribute's value (its userName):
    /// looked up (exactly one match) and read by id.
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Read-only",
        requires = "read_only",
        conflicts_with = "scenario"
    )]
    user: Option<String>,
    /// With --read-only: an existing group, by its displayName: looked up (exactly one match)
    /// and read by id without members.
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Read-only",
        requires = "read_only",
        conflicts_with = "scenario"
    )]
    group: Option<String>,
}

impl ReadOnlyArgs {
    /// The objects named with `--user` and `--group`.
    pub(super) fn existing(&self) -> Existing {
        Existing {
            user: self.user.clone(),
            group: self.group.clone(),
        }
    }

    /// In read-only mode, refuses a plan with a step that would write, naming each such step
    /// with its location.
    pub(super) fn allows(&self, plan: &Plan, files: &[SourceFile]) -> Result<(), CliError> {
        if !self.read_only {
            return Ok(());
        }
        let refused = refusals(plan);
        if refused.is_empty() {
            return Ok(());
        }
        let details: String = refused
            .iter()
            .map(|d| format!("{}\n", render(d, files)))
            .collect();
        Err(CliError::usage(format!(
            "{} step(s) would write, and `--read-only` sends only GETs; nothing was sent",
            refused.len()
        ))
        .with_details(details))
    }
}

fn render(diagnostic: &Diagnostic, files: &[SourceFile]) -> String {
    let source = files
        .iter()
        .find(|f| f.name == diagnostic.location.file)
        .map(|f| f.text.as_str());
    diagnostic.render(source)
}
