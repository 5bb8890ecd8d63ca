//! `scimcheck lint FILE...`: checks scenario files as `run` would, without sending anything.

use std::path::PathBuf;

use clap::Args;

use super::{sources, CliError};
use crate::exit;

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Scenario files, or folders of `*.yaml` files.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The app's attribute tables the files are checked against (default: the built-in Atmos
    /// tables).
    #[arg(long, value_name = "PATH", env = "SCIMCHECK_ATTRIBUTES")]
    attributes: Option<PathBuf>,
}

/// Exit 0 with `N file(s) OK`, or 2 with every mistake (file:line:col, the line, a caret and a
/// note) on stderr. The files are checked together, as one `run --scenario` would read them
/// (so two files with the same scenario name are a mistake).
pub(crate) fn lint(args: LintArgs) -> Result<i32, CliError> {
    let tables = sources::tables(args.attributes.as_deref())?;
    let files = sources::read(&args.files)?;
    match crate::plan::compile::compile(&files, &tables) {
        Ok(_) => {
            println!("{} file(s) OK", files.len());
            Ok(exit::OK)
        }
        Err(errors) => {
            let broken: std::collections::BTreeSet<&str> =
                errors.iter().map(|(at, _)| &*at.file).collect();
            Err(CliError::usage(format!(
                "{} mistake(s) in {} of {} file(s)",
                errors.len(),
                broken.len(),
                files.len()
            ))
            .with_details(errors.to_string()))
        }
    }
}
