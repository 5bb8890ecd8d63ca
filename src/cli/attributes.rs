//! `scimcheck attributes show FILE` and `scimcheck attributes diff FILE URL`: an attribute
//! file (a YAML table or Entra's exported schema) as Entra's Attribute-Mapping page shows it,
//! and against the server's `GET /Schemas`.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{sources, CliError, ServerArgs};
use crate::attributes::{discover, AttributeTables, ResourceKind, ResourceTable};
use crate::exit;
use crate::http::Request;
use crate::plan::Method;

#[derive(Debug, Args)]
pub(crate) struct AttributesArgs {
    #[command(subcommand)]
    command: AttributesCommand,
}

#[derive(Debug, Subcommand)]
enum AttributesCommand {
    /// Print the mapping: attribute, type, matching precedence, apply, and source.
    Show {
        /// A YAML attribute table or Entra's exported schema (Review your schema → Download).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Check that every mapped attribute is in the server's GET /Schemas, as Microsoft's
    /// Schema_Discoverability_Test does.
    Diff(Box<DiffArgs>),
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// A YAML attribute table or Entra's exported schema.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    server: ServerArgs,
}

pub(crate) async fn attributes(args: AttributesArgs) -> Result<i32, CliError> {
    match args.command {
        AttributesCommand::Show { file } => {
            let tables = sources::tables(Some(&file))?;
            Ok(super::print(&show(&tables)))
        }
        AttributesCommand::Diff(args) => diff(&args.file, &args.server).await,
    }
}

/// The two mappings as the Attribute-Mapping page lists them.
pub(crate) fn show(tables: &AttributeTables) -> String {
    let mut out = String::new();
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let table = tables.of(kind);
        let _ = writeln!(out, "{} {} mapping", tables.app, kind_word(kind));
        if let Some(scope) = &table.scope {
            let _ = writeln!(out, "scope (shown, not simulated): {scope}");
        }
        out.push_str(&rows(table));
        out.push('\n');
    }
    out
}

fn rows(table: &ResourceTable) -> String {
    let mut lines = vec![[
        "ATTRIBUTE".to_owned(),
        "TYPE".to_owned(),
        "MATCHING".to_owned(),
        "APPLY".to_owned(),
        "SOURCE".to_owned(),
    ]];
    for a in &table.attributes {
        let mut ty = a.ty.name().to_owned();
        if a.definition.as_ref().is_some_and(|d| d.multivalued) {
            ty.push_str("[]");
        }
        if a.required {
            ty.push_str(", required");
        }
        lines.push([
            a.path.as_str().to_owned(),
            ty,
            table
                .precedence(&a.path)
                .map_or_else(|| "-".to_owned(), |p| p.to_string()),
            a.apply.name().to_owned(),
            a.source.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in &lines {
        for (cell, width) in line.iter().zip(&widths) {
            let _ = write!(out, "{cell:<width$}  ");
        }
        let _ = writeln!(out, "{}", line[4]);
    }
    out
}

fn kind_word(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "user",
        ResourceKind::Group => "group",
    }
}

/// Exit 0 when every mapped attribute is discoverable, 1 when one is not, 3 when `/Schemas`
/// could not be read.
async fn diff(file: &std::path::Path, server: &ServerArgs) -> Result<i32, CliError> {
    let tables = sources::tables(Some(file))?;
    let (client, redactor) = super::connect::client(server)?;
    let request = Request {
        method: Method::Get,
        target: "/Schemas".to_owned(),
        headers: Vec::new(),
        body: None,
        send_token: true,
    };
    let exchange = client.send(&request).await;
    let unreadable = |message: String| {
        CliError::usage(redactor.redact(&message))
            .with_hint(SCHEMAS_HINT)
            .with_code(exit::TRANSPORT)
    };
    let body = match exchange.response() {
        Some(r) if r.status == 200 => r.body.clone(),
        Some(r) => {
            return Err(unreadable(format!(
                "GET {} answered {}",
                exchange.sent.url, r.status
            )))
        }
        None => return Err(unreadable(exchange.render(&redactor, 2000))),
    };
    let found = discover::diff(&tables, &body).map_err(|e| unreadable(e.to_string()))?;
    let text = redactor.redact(&diff_text(&found));
    super::print(&crate::report::controls::escape(
        &text,
        crate::report::controls::Keep::Lines,
    ));
    Ok(if found.iter().all(|d| d.missing.is_none()) {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

const SCHEMAS_HINT: &str = "Schema_Discoverability_Test reads the schemas from GET /Schemas \
(RFC 7644 §4); serve a ListResponse of the User, Group and extension schemas";

fn diff_text(found: &[crate::attributes::discover::Discovery]) -> String {
    let mut out = String::new();
    for d in found {
        match &d.missing {
            None => {
                let _ = writeln!(out, "ok       {} {}", kind_word(d.kind), d.path);
            }
            Some(why) => {
                let _ = writeln!(out, "MISSING  {} {}: {why}", kind_word(d.kind), d.path);
            }
        }
    }
    let missing = found.iter().filter(|d| d.missing.is_some()).count();
    let _ = writeln!(
        out,
        "{} of {} mapped attributes discoverable in /Schemas",
        found.len() - missing,
        found.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_lists_the_atmos_table_with_precedence_and_apply() {
        insta::assert_snapshot!(show(&AttributeTables::atmos()));
    }

    #[test]
    fn show_lists_an_exported_schema_with_scope_sources_and_create_only() {
        let path = std::path::Path::new("fixtures/entra-schema/object-add-only.json");
        let tables = crate::attributes::load(path).expect("the fixture loads");
        insta::assert_snapshot!(show(&tables));
    }

    #[test]
    fn show_names_the_scope_of_the_atmos_schema() {
        let path = std::path::Path::new("fixtures/entra-schema/atmos-extension.json");
        let tables = crate::attributes::load(path).expect("the fixture loads");
        let scope = show(&tables).lines().nth(1).map(str::to_owned);
        assert_eq!(
            scope.as_deref(),
            Some("scope (shown, not simulated): department EQUALS \"Sales\" AND accountEnabled IS TRUE")
        );
    }
}
