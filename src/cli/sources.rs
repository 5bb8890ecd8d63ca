//! Loading what `run`, `demo`, `lint` and `scenarios list` read: attribute tables, scenario
//! files, and the compiled plan. Each function prints every mistake it finds on stderr and
//! returns `None` after one, so the caller only picks the exit code (`exit::USAGE`).

use std::path::{Path, PathBuf};

use super::error;
use crate::attributes::{self, AttributeTables};
use crate::plan::compile::compile;
use crate::plan::Plan;
use crate::scenario::{self, SourceFile};

/// The tables at `path` (`--attributes`), or the built-in Atmos tables.
pub(super) fn tables(path: Option<&Path>) -> Option<AttributeTables> {
    match path {
        Some(path) => match attributes::load(path) {
            Ok(tables) => Some(tables),
            Err(e) => {
                error(&e.to_string(), None);
                None
            }
        },
        None => Some(AttributeTables::atmos()),
    }
}

/// Every scenario file at `paths` (files, or folders of `*.yaml`), in the order given; a path
/// that cannot be read is reported, and the others are still read so all are reported.
pub(super) fn read(paths: &[PathBuf]) -> Option<Vec<SourceFile>> {
    let mut files = Vec::new();
    let mut failed = false;
    for path in paths {
        match scenario::read(path) {
            Ok(found) => files.extend(found),
            Err(e) => {
                error(&e.to_string(), None);
                failed = true;
            }
        }
    }
    (!failed).then_some(files)
}

/// The files compiled into one plan; on mistakes, prints each (file:line:col, the line, a
/// caret and a note) and a count.
pub(super) fn plan(files: &[SourceFile], tables: &AttributeTables) -> Option<Plan> {
    match compile(files, tables) {
        Ok(plan) => Some(plan),
        Err(errors) => {
            eprint!("{errors}");
            eprintln!(
                "error: {} mistake(s) in scenario files; nothing was sent",
                errors.len()
            );
            None
        }
    }
}
