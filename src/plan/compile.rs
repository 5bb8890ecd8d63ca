//! Scenario files → [`Plan`]: every name resolved against the scenario and the attribute
//! tables, and every mistake of every file reported at once, with its location, before a single
//! request is sent (design §2.2).
//!
//! What is checked, beyond the file's shape (see `scenario::model`): the version; scenario
//! names (format, unique across the run); object names and their kind; attribute paths against
//! the user and group tables; templates and the variables they use (built-ins, `vars` declared
//! earlier, captures of earlier steps, `OBJECT.id` and `OBJECT.PATH`); status codes; JSON
//! pointers; `entra` xor `request`; `read-back` only where there is something to read back.

mod expect;
mod scope;
mod step;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde_saphyr::Spanned;

use crate::attributes::{AttrType, AttributeTables, ResourceKind};
use crate::diag::{did_you_mean, Diagnostic, Location};
use crate::scenario::model::{Entries, ScenarioFile, Text, TextMap};
use crate::scenario::{self, Parsed, SourceFile};

use super::template::Generator;
use super::{ObjectDecl, Plan, ScenarioPlan, SkippedScenario, Template};
use scope::Scope;

/// Every mistake found in the scenario files, in file order and then by position.
#[derive(Debug)]
pub struct CompileErrors {
    diagnostics: Vec<Diagnostic>,
    /// File name → text, to quote the lines the diagnostics point at.
    sources: HashMap<Arc<str>, String>,
}

impl CompileErrors {
    /// How many mistakes.
    pub fn len(&self) -> usize {
        self.diagnostics.len()
    }

    /// Whether there are none (never, for a returned error).
    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// Each mistake's location and title.
    pub fn iter(&self) -> impl Iterator<Item = (&Location, &str)> {
        self.diagnostics
            .iter()
            .map(|d| (&d.location, d.message.as_str()))
    }

    /// The diagnostics themselves (title, location, note).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// Each diagnostic rendered with its source line, followed by a blank line.
impl fmt::Display for CompileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            let source = self.sources.get(&diagnostic.location.file);
            writeln!(f, "{}", diagnostic.render(source.map(String::as_str)))?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileErrors {}

/// Compiles scenario files, in the order given, into one plan.
pub fn compile(files: &[SourceFile], tables: &AttributeTables) -> Result<Plan, CompileErrors> {
    let mut diagnostics = Vec::new();
    let mut scenarios = Vec::new();
    let mut skipped = Vec::new();
    let mut names: HashMap<String, Location> = HashMap::new();
    for file in files {
        let parsed = scenario::parse(&file.text);
        let mut cx = FileCx {
            file: Arc::clone(&file.name),
            text: &file.text,
            tables,
            parsed: &parsed,
            diagnostics: parsed
                .errors
                .iter()
                .map(|e| e.to_diagnostic(&file.name))
                .collect(),
        };
        if let Some(model) = &parsed.model {
            let missing = cx.missing_requirements(model);
            let before = cx.diagnostics.len();
            let plan = cx.scenario(model);
            if missing.is_some() {
                // A scenario left out for its `requires:` names, in its steps, attributes these
                // tables do not map (the roles of user-app-roles): not mistakes of the file.
                cx.diagnostics.truncate(before);
            }
            if let Some(name) = &model.name.0 {
                let at = cx.at(name);
                match names.get(&plan.name) {
                    Some(first) => cx.report(
                        at,
                        format!("duplicate scenario name `{}`", plan.name),
                        Some(format!("{first} has the same name")),
                    ),
                    None => {
                        names.insert(plan.name.clone(), at);
                    }
                }
            }
            match missing {
                Some(reason) => skipped.push(SkippedScenario {
                    name: plan.name,
                    reason,
                }),
                None => scenarios.push(plan),
            }
        }
        let mut found = cx.diagnostics;
        found.sort_by_key(|d| (d.location.line, d.location.column));
        diagnostics.extend(found);
    }
    if diagnostics.is_empty() {
        return Ok(Plan { scenarios, skipped });
    }
    let sources = files
        .iter()
        .map(|f| (Arc::clone(&f.name), f.text.clone()))
        .collect();
    Err(CompileErrors {
        diagnostics,
        sources,
    })
}

/// Built-in variables (the runner's `World`).
const BUILTINS: &[&str] = &["run_id", "prefix"];

/// Compiling one file: its text, the tables, and the mistakes found so far.
struct FileCx<'a> {
    file: Arc<str>,
    text: &'a str,
    tables: &'a AttributeTables,
    parsed: &'a Parsed,
    diagnostics: Vec<Diagnostic>,
}

impl FileCx<'_> {
    fn at<T>(&self, spanned: &Spanned<T>) -> Location {
        Location {
            file: Arc::clone(&self.file),
            line: spanned.referenced.line() as u32,
            column: spanned.referenced.column() as u32,
        }
    }

    fn report(&mut self, at: Location, message: String, note: Option<String>) {
        let diagnostic = Diagnostic::new(at, message);
        self.diagnostics.push(match note {
            Some(note) => diagnostic.with_note(note),
            None => diagnostic,
        });
    }

    /// Whether a name the file does not declare may still be declared in a part that could
    /// not be read; it is then not reported, to avoid a cascade of follow-up mistakes.
    fn declared_in_broken_part(&self, name: &str) -> bool {
        !self.parsed.errors.is_empty() && self.parsed.mentions(name)
    }

    /// Why the scenario cannot run with these tables (`requires:` paths they do not map).
    fn missing_requirements(&mut self, model: &ScenarioFile) -> Option<String> {
        let mut missing = Vec::new();
        for path in &model.requires {
            if let Err(e) = crate::attributes::AttrPath::parse(&path.value) {
                let at = self.at(path);
                self.report(at, e.to_string(), None);
                continue;
            }
            let mapped = [&self.tables.user, &self.tables.group]
                .iter()
                .any(|t| t.get(&path.value).is_some());
            if !mapped {
                missing.push(format!("`{}`", path.value));
            }
        }
        (!missing.is_empty()).then(|| {
            format!(
                "the attribute tables of {} do not map {}, so Entra would not send it",
                self.tables.app,
                missing.join(", ")
            )
        })
    }

    fn scenario(&mut self, model: &ScenarioFile) -> ScenarioPlan {
        // A version or name that could not be read is already reported.
        if let Some(version) = model.version.0.as_ref().filter(|v| v.value != 1) {
            let at = self.at(version);
            let message = format!("unsupported version `{}`", version.value);
            self.report(
                at,
                message,
                Some("this scimcheck reads `version: 1`".into()),
            );
        }
        let name = model.name.0.as_ref().map_or("", |n| n.value.as_str());
        let valid = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if let (Some(spanned), false) = (&model.name.0, !name.is_empty() && valid) {
            let at = self.at(spanned);
            let note = "use lower-case letters, digits and `-`".to_owned();
            self.report(at, format!("bad scenario name `{name}`"), Some(note));
        }
        let kinds = self.object_names(model);
        let vars = self.vars(&model.vars, &kinds);
        let var_names: Vec<String> = vars.iter().map(|(n, _)| n.clone()).collect();
        let mut objects = self.objects(ResourceKind::User, &model.users, &var_names);
        objects.extend(self.objects(ResourceKind::Group, &model.groups, &var_names));
        let names = objects.iter().map(|o| o.name.clone()).collect();
        let steps = self.steps(model, Scope::steps(var_names, kinds, names, self.tables));
        ScenarioPlan {
            name: name.to_owned(),
            description: model
                .description
                .0
                .as_ref()
                .map(|d| d.value.clone())
                .unwrap_or_default(),
            source: self.file.to_string(),
            vars,
            objects,
            steps,
        }
    }

    /// Object name → kind; reports bad names and a name declared as both kinds.
    fn object_names(&mut self, model: &ScenarioFile) -> BTreeMap<String, ResourceKind> {
        let mut kinds = BTreeMap::new();
        let declared = [
            (ResourceKind::User, &model.users),
            (ResourceKind::Group, &model.groups),
        ];
        for (kind, entries) in declared {
            for (name, _) in &entries.0 {
                self.check_name(name, "object");
                match kinds.get(&name.value) {
                    Some(&other) if other != kind => {
                        let at = self.at(name);
                        self.report(
                            at,
                            format!("`{}` is declared as a user and as a group", name.value),
                            Some("give the group another name".into()),
                        );
                    }
                    _ => {
                        kinds.insert(name.value.clone(), kind);
                    }
                }
            }
        }
        kinds
    }

    /// A name usable in templates: not a built-in or generator, no `.` (that reads as
    /// `OBJECT.PATH`).
    fn check_name(&mut self, name: &Text, what: &str) -> bool {
        let text = &name.value;
        let valid = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let at = self.at(name);
        if !valid {
            let note = "use letters, digits, `_` and `-`".to_owned();
            self.report(at, format!("bad {what} name `{text}`"), Some(note));
            return false;
        }
        let reserved =
            BUILTINS.contains(&text.as_str()) || Generator::NAMES.contains(&text.as_str());
        if reserved {
            let note = "that name is a built-in variable or generator".to_owned();
            self.report(at, format!("bad {what} name `{text}`"), Some(note));
            return false;
        }
        true
    }

    fn vars(
        &mut self,
        vars: &TextMap,
        objects: &BTreeMap<String, ResourceKind>,
    ) -> Vec<(String, Template)> {
        let all: Vec<String> = vars.0.iter().map(|(n, _)| n.value.clone()).collect();
        let mut scope = Scope::vars(all);
        let mut out = Vec::new();
        for (name, value) in &vars.0 {
            // Rendered in order when the scenario starts: each sees the ones before it.
            let template = self.template(value, &scope);
            if self.check_name(name, "variable") && objects.contains_key(&name.value) {
                // `{{ alice }}` and `{{ alice.id }}` would read as the same thing.
                let at = self.at(name);
                let note = "a variable may not reuse the name of an object";
                let message = format!(
                    "variable `{}` shadows the object `{}`",
                    name.value, name.value
                );
                self.report(at, message, Some(note.into()));
            }
            scope.declare_var(&name.value);
            out.push((name.value.clone(), template));
        }
        out
    }

    fn objects(
        &mut self,
        kind: ResourceKind,
        entries: &Entries<Text, TextMap>,
        vars: &[String],
    ) -> Vec<ObjectDecl> {
        // Object values are rendered when the scenario starts, after `vars`, before any step.
        let scope = Scope::object_values(vars.to_vec());
        let mut out = Vec::new();
        for (name, values) in &entries.0 {
            let mut decl = ObjectDecl {
                name: name.value.clone(),
                kind,
                values: Vec::new(),
                existing: false,
            };
            for (path, value) in &values.0 {
                let template = self.template(value, &scope);
                if self.attribute(kind, path, Usage::Value) {
                    if let Some(attribute) = self.tables.of(kind).get(&path.value) {
                        decl.values.push((attribute.path.clone(), template));
                    }
                }
            }
            out.push(decl);
        }
        out
    }

    /// Checks that `path` is an attribute of the `kind` table usable as `usage`.
    fn attribute(&mut self, kind: ResourceKind, path: &Text, usage: Usage) -> bool {
        let table = self.tables.of(kind);
        let kind_name = kind_word(kind);
        let at = self.at(path);
        let Some(attribute) = table.get(&path.value) else {
            let note = match did_you_mean(
                &path.value,
                table.attributes.iter().map(|a| a.path.as_str()),
            ) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "the {kind_name} table of {} has no such attribute",
                    self.tables.app
                ),
            };
            let message = format!("unknown {kind_name} attribute `{}`", path.value);
            self.report(at, message, Some(note));
            return false;
        };
        if attribute.ty == AttrType::Reference && usage != Usage::Filter {
            let note = if kind == ResourceKind::Group && attribute.path.attr() == "members" {
                "members change with `add-members` and `remove-members`".to_owned()
            } else {
                "a reference attribute holds ids, not text".to_owned()
            };
            self.report(
                at,
                format!("`{}` cannot be set here", path.value),
                Some(note),
            );
            return false;
        }
        if usage == Usage::Filter && !attribute.filter {
            let filterable: Vec<&str> = table
                .attributes
                .iter()
                .filter(|a| a.filter)
                .map(|a| a.path.as_str())
                .collect();
            let note = format!(
                "Entra filters only on attributes marked `filter: true`: {}",
                listed(&filterable)
            );
            let message = format!("`{}` is not filterable", path.value);
            self.report(at, message, Some(note));
            return false;
        }
        true
    }
}

/// How an attribute path is used, for what is allowed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Usage {
    /// A value the scenario gives or sets.
    Value,
    /// A `lookup-user` filter.
    Filter,
}

fn kind_word(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "user",
        ResourceKind::Group => "group",
    }
}

/// "`a`, `b`", for notes.
fn listed(items: &[&str]) -> String {
    if items.is_empty() {
        return "none in this table".to_owned();
    }
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
