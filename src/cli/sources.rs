//! Loading what `run`, `demo`, `lint` and `scenarios list` read: attribute tables, scenario
//! files, and the compiled plan. Each function finds every mistake it can and returns them in
//! one [`CliError`] (`exit::USAGE`: nothing was sent).

use std::path::{Path, PathBuf};

use super::CliError;
use crate::attributes::{self, AttributeTables};
use crate::plan::compile::compile;
use crate::plan::Plan;
use crate::scenario::{self, SourceFile};

/// The tables at `path` (`--attributes`), or the built-in Atmos tables.
pub(super) fn tables(path: Option<&Path>) -> Result<AttributeTables, CliError> {
    match path {
        Some(path) => {
            let tables = attributes::load(path).map_err(|e| CliError::usage(e.to_string()))?;
            for warning in &tables.warnings {
                anstream::eprintln!("warning: {warning}");
            }
            Ok(tables)
        }
        None => Ok(AttributeTables::atmos()),
    }
}

/// Every scenario file at `paths` (files, or folders of `*.yaml`), in the order given; a path
/// that cannot be read is reported, and the others are still read so all are reported.
pub(super) fn read(paths: &[PathBuf]) -> Result<Vec<SourceFile>, CliError> {
    let mut files = Vec::new();
    let mut mistakes = Vec::new();
    for path in paths {
        match scenario::read(path) {
            Ok(found) => files.extend(found),
            Err(e) => mistakes.push(e.to_string()),
        }
    }
    match CliError::usage_all(mistakes) {
        Some(error) => Err(error),
        None => Ok(files),
    }
}

/// The files compiled into one plan; on mistakes, each (file:line:col, the line, a caret and
/// a note) and a count.
pub(super) fn plan(files: &[SourceFile], tables: &AttributeTables) -> Result<Plan, CliError> {
    compile(files, tables).map_err(|errors| {
        CliError::usage(format!(
            "{} mistake(s) in scenario files; nothing was sent",
            errors.len()
        ))
        .with_details(errors.to_string())
    })
}
