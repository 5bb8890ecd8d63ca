//! `scimcheck scenarios list|show|schema`: the built-in scenarios (or your own), printable as
//! a starting point, and the JSON Schema of the format.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{sources, CliError};
use crate::attributes::AttributeTables;
use crate::diag::did_you_mean;
use crate::scenario::{self, SourceFile};

#[derive(Debug, Args)]
pub(crate) struct ScenariosArgs {
    #[command(subcommand)]
    command: ScenariosCommand,
}

#[derive(Debug, Subcommand)]
enum ScenariosCommand {
    /// List the scenarios: name, number of steps, description.
    List {
        /// List the scenarios in this file or folder instead of the built-in ones (repeatable).
        #[arg(long, value_name = "PATH")]
        scenario: Vec<PathBuf>,
        /// The app's attribute tables (default: the built-in Atmos tables).
        #[arg(long, value_name = "PATH")]
        attributes: Option<PathBuf>,
    },
    /// Print a built-in scenario's YAML as it is, a starting point for your own.
    Show {
        /// The scenario's name, as `scenarios list` shows it.
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Print the JSON Schema of the scenario format (committed as schema/scenario.schema.json).
    Schema,
}

pub(crate) fn scenarios(args: ScenariosArgs) -> Result<i32, CliError> {
    match args.command {
        ScenariosCommand::List {
            scenario,
            attributes,
        } => list(&scenario, attributes),
        ScenariosCommand::Show { name } => show(&name),
        ScenariosCommand::Schema => Ok(super::print(&scenario::schema::render())),
    }
}

fn list(paths: &[PathBuf], attributes: Option<PathBuf>) -> Result<i32, CliError> {
    let tables = sources::tables(attributes.as_deref())?;
    let builtin = paths.is_empty();
    let files = if builtin {
        scenario::builtin()
    } else {
        sources::read(paths)?
    };
    let rows = rows(&files, &tables)?;
    let read_only = if builtin {
        self::rows(&scenario::read_only_builtin(), &tables)?
    } else {
        Vec::new()
    };
    let width = rows
        .iter()
        .chain(&read_only)
        .map(|row| row.name.len())
        .max()
        .unwrap_or(0)
        .max("NAME".len());
    let mut text = String::new();
    let _ = writeln!(text, "{:width$}  STEPS  DESCRIPTION", "NAME");
    for row in &rows {
        row.write(&mut text, width);
    }
    if !read_only.is_empty() {
        let _ = writeln!(
            text,
            "\nrun by `scimcheck run URL --read-only` with --user NAME / --group NAME \
             (after test-connection):"
        );
        for row in &read_only {
            row.write(&mut text, width);
        }
    }
    Ok(super::print(&text))
}

/// One line of `scenarios list`.
struct Row {
    name: String,
    /// Steps as compiled (`lookup-user-by-each-filter` counts once per filterable attribute).
    steps: usize,
    description: String,
    /// Why the scenario does not run with these attribute tables.
    skipped: Option<String>,
}

impl Row {
    fn write(&self, text: &mut String, width: usize) {
        let Row {
            name,
            steps,
            description,
            skipped,
        } = self;
        let _ = match skipped {
            Some(reason) => writeln!(
                text,
                "{name:width$}  {:>5}  {description}\n{:width$}         (skipped: {reason})",
                "-", ""
            ),
            None => writeln!(text, "{name:width$}  {steps:>5}  {description}"),
        };
    }
}

/// The rows of compiled `files`, in file order.
fn rows(files: &[SourceFile], tables: &AttributeTables) -> Result<Vec<Row>, CliError> {
    let plan = sources::plan(files, tables)?;
    // File order, including scenarios skipped for their `requires:` (not in the plan's list).
    let names = files
        .iter()
        .filter_map(|f| scenario::parse(&f.text).model)
        .filter_map(|m| {
            let description = m.description.0.map(|d| d.value).unwrap_or_default();
            m.name.0.map(|n| (n.value, description))
        });
    let rows = names
        .filter_map(|(name, description)| {
            if let Some(s) = plan.scenarios.iter().find(|s| s.name == name) {
                return Some(Row {
                    name,
                    steps: s.steps.len(),
                    description,
                    skipped: None,
                });
            }
            let skipped = plan.skipped.iter().find(|s| s.name == name)?;
            Some(Row {
                name,
                steps: 0,
                description,
                skipped: Some(skipped.reason.clone()),
            })
        })
        .collect();
    Ok(rows)
}

fn show(name: &str) -> Result<i32, CliError> {
    let all: Vec<SourceFile> = scenario::builtin()
        .into_iter()
        .chain(scenario::read_only_builtin())
        .collect();
    let wanted = format!("builtin:{}", name.trim_start_matches("builtin:"));
    if let Some(file) = all.iter().find(|f| *f.name == *wanted) {
        return Ok(super::print(&file.text));
    }
    let names: Vec<&str> = all
        .iter()
        .map(|f| f.name.trim_start_matches("builtin:"))
        .collect();
    let hint = match did_you_mean(name, names.iter().copied()) {
        Some(close) => format!(
            "did you mean `{close}`? The built-in scenarios are {}",
            names.join(", ")
        ),
        None => format!("the built-in scenarios are {}", names.join(", ")),
    };
    Err(CliError::usage(format!("no built-in scenario `{name}`")).with_hint(hint))
}
