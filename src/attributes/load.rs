//! Reading an attribute-table file (`fixtures/atmos.yaml` is the example).

use serde::Deserialize;

use super::{AttrPath, AttrType, Attribute, AttributeTables, ResourceKind, ResourceTable};

/// Why an attribute-table file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("failed to read attribute table `{file}`: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    /// An exported Entra schema that cannot be used; `path` is the JSON path of the problem.
    #[error("{file}: at `{path}`: {message}")]
    Schema {
        file: String,
        path: String,
        message: String,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: u64,
        column: u64,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    version: u32,
    app: String,
    user: TableModel,
    group: TableModel,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableModel {
    matching: serde_saphyr::Spanned<String>,
    attributes: Vec<serde_saphyr::Spanned<RowModel>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowModel {
    path: String,
    #[serde(rename = "type")]
    ty: AttrType,
    #[serde(default)]
    filter: bool,
    #[serde(default)]
    required: bool,
}

/// Larger than any real export (a few thousand lines, entra-2026 §1.1) by two orders of
/// magnitude; a bigger file is a mistake, not a schema.
const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Reads and checks an attribute file: a YAML table, or Entra's exported provisioning schema
/// (recognised by its content, whatever the file is called).
pub fn load(path: &std::path::Path) -> Result<AttributeTables, TableError> {
    let file = path.display().to_string();
    let read = |source| TableError::Read {
        file: file.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > MAX_FILE_BYTES {
        return Err(TableError::Syntax {
            file,
            message: format!(
                "the file has {size} bytes; an attribute file has at most {MAX_FILE_BYTES}"
            ),
        });
    }
    let text = crate::input::read_text(path, MAX_FILE_BYTES, "an attribute file").map_err(read)?;
    match super::entra::recognise(&file, &text)? {
        Some(tables) => Ok(tables),
        None => parse(&file, &text),
    }
}

/// Parses attribute tables from YAML text; `file` names it in errors.
pub(crate) fn parse(file: &str, text: &str) -> Result<AttributeTables, TableError> {
    let model: FileModel = serde_saphyr::from_str(text).map_err(|e| TableError::Syntax {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    if model.version != 1 {
        return Err(TableError::Syntax {
            file: file.to_owned(),
            message: format!(
                "`version: {}` is not supported; use `version: 1`",
                model.version
            ),
        });
    }
    Ok(AttributeTables {
        app: model.app,
        user: table(file, ResourceKind::User, model.user)?,
        group: table(file, ResourceKind::Group, model.group)?,
        warnings: Vec::new(),
    })
}

fn table(file: &str, kind: ResourceKind, model: TableModel) -> Result<ResourceTable, TableError> {
    let invalid = |at: serde_saphyr::Location, message: String| TableError::Invalid {
        file: file.to_owned(),
        line: at.line(),
        column: at.column(),
        message,
    };
    let mut attributes = Vec::new();
    for row in model.attributes {
        let path =
            AttrPath::parse(&row.value.path).map_err(|e| invalid(row.referenced, e.to_string()))?;
        attributes.push(Attribute {
            path,
            ty: row.value.ty,
            filter: row.value.filter,
            required: row.value.required,
            apply: super::Apply::Always,
            source: None,
            definition: None,
            produced: None,
        });
    }
    let matching = AttrPath::parse(&model.matching.value)
        .map_err(|e| invalid(model.matching.referenced, e.to_string()))?;
    if !attributes.iter().any(|a| a.path == matching) {
        return Err(invalid(
            model.matching.referenced,
            format!(
                "the matching attribute `{matching}` is not one of the {} attributes of the table",
                kind.name()
            ),
        ));
    }
    Ok(ResourceTable {
        kind,
        matching,
        matching_next: Vec::new(),
        attributes,
        scope: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_atmos_table_parses_with_user_name_matching() {
        let tables = parse("atmos.yaml", super::super::DEFAULT_TABLES).expect("parses");
        assert_eq!(tables.app, "Atmos");
        assert_eq!(tables.user.matching.as_str(), "userName");
        assert_eq!(tables.user.attributes.len(), 9);
        assert_eq!(tables.group.matching.as_str(), "displayName");
    }

    #[test]
    fn matching_attribute_missing_from_table_is_located() {
        let text = "version: 1\napp: X\nuser:\n  matching: mail\n  attributes:\n    - { path: userName, type: string }\ngroup:\n  matching: displayName\n  attributes:\n    - { path: displayName, type: string }\n";
        let err = parse("t.yaml", text).expect_err("must fail").to_string();
        assert!(err.starts_with("t.yaml:4:13:"), "{err}");
    }

    #[test]
    fn unknown_key_is_a_syntax_error_naming_the_file() {
        let err = parse("t.yaml", "version: 1\napp: X\nusers: {}\n").expect_err("fails");
        assert!(err.to_string().starts_with("t.yaml: "), "{err}");
    }
}
