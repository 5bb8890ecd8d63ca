//! Reading scenario files, the built-in scenarios, and parsing text into the model.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::de;
use super::error::{LoadError, ScenarioError, ScenarioErrorKind};
use super::model::ScenarioFile;
use super::node::{self, Value};

/// The text of one scenario file, kept whole so diagnostics can quote its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as the user gave it, or `builtin:NAME` for a built-in scenario.
    pub name: Arc<str>,
    /// The whole text, as read.
    pub text: String,
}

/// The built-in scenarios (`scenarios/*.yaml`, embedded at build time), in run order.
const BUILTIN: &[(&str, &str)] = &[
    (
        "test-connection",
        include_str!("../../scenarios/test-connection.yaml"),
    ),
    (
        "user-lifecycle",
        include_str!("../../scenarios/user-lifecycle.yaml"),
    ),
    ("user-sync", include_str!("../../scenarios/user-sync.yaml")),
    (
        "user-patch-forms",
        include_str!("../../scenarios/user-patch-forms.yaml"),
    ),
    (
        "user-manager",
        include_str!("../../scenarios/user-manager.yaml"),
    ),
    (
        "user-app-roles",
        include_str!("../../scenarios/user-app-roles.yaml"),
    ),
    (
        "user-primary-role",
        include_str!("../../scenarios/user-primary-role.yaml"),
    ),
    (
        "group-lifecycle",
        include_str!("../../scenarios/group-lifecycle.yaml"),
    ),
    (
        "group-batches",
        include_str!("../../scenarios/group-batches.yaml"),
    ),
];

/// The scenarios `run --suite gallery` adds (`scenarios/gallery/*.yaml`): the parts of
/// Microsoft's gallery tests no built-in scenario shows (client-behaviour §8.3).
const GALLERY: &[(&str, &str)] = &[
    (
        "gallery-pagination",
        include_str!("../../scenarios/gallery/pagination.yaml"),
    ),
    (
        "gallery-updates",
        include_str!("../../scenarios/gallery/updates.yaml"),
    ),
    (
        "gallery-restore",
        include_str!("../../scenarios/gallery/restore.yaml"),
    ),
    (
        "gallery-credentials",
        include_str!("../../scenarios/gallery/credentials.yaml"),
    ),
];

/// The scenarios `run --suite gallery` runs after the built-in ones, each named
/// `builtin:NAME`.
pub fn gallery() -> Vec<SourceFile> {
    embedded(GALLERY)
}

fn embedded(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(name, text)| SourceFile {
            name: Arc::from(format!("builtin:{name}")),
            text: (*text).to_owned(),
        })
        .collect()
}

/// The built-in scenarios, in run order: test-connection, user-lifecycle, user-sync,
/// user-manager, group-lifecycle, group-batches.
/// Each is named `builtin:NAME`.
pub fn builtin() -> Vec<SourceFile> {
    embedded(BUILTIN)
}

/// Reads a scenario file, or every `*.yaml` and `*.yml` file of a folder, sorted by name.
pub fn read(path: &Path) -> Result<Vec<SourceFile>, LoadError> {
    let failed = |source| LoadError {
        path: path.display().to_string(),
        source,
    };
    if !path.is_dir() {
        return Ok(vec![read_file(path).map_err(failed)?]);
    }
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(path).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        let file = entry.path();
        let yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if yaml && file.is_file() {
            paths.push(file);
        }
    }
    if paths.is_empty() {
        return Err(failed(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the folder has no `*.yaml` or `*.yml` files",
        )));
    }
    paths.sort();
    paths
        .iter()
        .map(|file| {
            read_file(file).map_err(|source| LoadError {
                path: file.display().to_string(),
                source,
            })
        })
        .collect()
}

fn read_file(path: &Path) -> std::io::Result<SourceFile> {
    let text = crate::input::read_text(path, crate::input::SCENARIO_LIMIT, "a scenario file")?;
    // A byte-order mark would shift every column of line 1.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    Ok(SourceFile {
        name: Arc::from(path.display().to_string()),
        text,
    })
}

/// A scenario file read into the model, with every structural mistake found on the way.
#[derive(Debug)]
pub struct Parsed {
    /// The model, when the top level could be read. Steps and entries that could not be read
    /// are left out of it; their mistakes are in `errors`.
    pub model: Option<ScenarioFile>,
    /// Mistakes in the order they were found.
    pub errors: Vec<ScenarioError>,
    /// Every mapping key of the file, including those in parts left out of the model.
    keys: BTreeSet<String>,
}

impl Parsed {
    /// Whether `name` is a mapping key somewhere in the file. When parts of the file could
    /// not be read, a name they declare (a user, a capture) is not reported as unknown.
    pub fn mentions(&self, name: &str) -> bool {
        self.keys.contains(name)
    }
}

/// Parses a scenario file's text.
pub fn parse(text: &str) -> Parsed {
    let root = match node::parse(text) {
        Ok(root) => root,
        Err(error) => {
            return Parsed {
                model: None,
                errors: vec![error],
                keys: BTreeSet::new(),
            }
        }
    };
    let mut keys = BTreeSet::new();
    root.keys(&mut keys);
    if matches!(root.value, Value::Null) {
        let error = ScenarioError {
            line: 1,
            column: 1,
            kind: ScenarioErrorKind::Empty,
        };
        return Parsed {
            model: None,
            errors: vec![error],
            keys,
        };
    }
    let (model, errors) = de::deserialize::<ScenarioFile>(&root);
    Parsed {
        model,
        errors,
        keys,
    }
}
