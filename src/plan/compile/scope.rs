//! Templates, and which variables a template may use where.
//!
//! When the runner renders (run/runner.rs `set_up`, `run_step`): `vars` first, in order, each
//! seeing built-ins and the vars before it; then object values, seeing built-ins and all vars;
//! then each step, seeing also every object's `id` and attribute values and the captures of
//! earlier steps (a step's own captures are taken after its checks).

use std::collections::{BTreeMap, BTreeSet};

use crate::attributes::{AttrType, AttributeTables, ResourceKind};
use crate::diag::{did_you_mean, Location};
use crate::plan::template::{Generator, TemplateError};
use crate::plan::{ObjectId, Template};
use crate::scenario::model::Text;

use super::{kind_word, FileCx, BUILTINS};

/// The variables visible at one place in a scenario.
pub(super) struct Scope<'t> {
    /// Vars visible here.
    vars: Vec<String>,
    /// Every var of the scenario, to say "declared later".
    all_vars: Vec<String>,
    /// Captures of earlier steps.
    captures: BTreeSet<String>,
    /// Every capture of the scenario, to say "not captured yet".
    all_captures: BTreeSet<String>,
    /// Declared objects, visible in steps only.
    objects: BTreeMap<String, ResourceKind>,
    /// Each declared object's name, at its [`ObjectId`]'s place.
    names: Vec<String>,
    tables: Option<&'t AttributeTables>,
}

impl<'t> Scope<'t> {
    /// Inside `vars:`; each var is declared after its own template is checked.
    pub(super) fn vars(all_vars: Vec<String>) -> Scope<'t> {
        Scope {
            vars: Vec::new(),
            all_vars,
            captures: BTreeSet::new(),
            all_captures: BTreeSet::new(),
            objects: BTreeMap::new(),
            names: Vec::new(),
            tables: None,
        }
    }

    /// Inside `users:`/`groups:` values.
    pub(super) fn object_values(vars: Vec<String>) -> Scope<'t> {
        Scope {
            vars: vars.clone(),
            ..Scope::vars(vars)
        }
    }

    /// Inside steps.
    pub(super) fn steps(
        vars: Vec<String>,
        objects: BTreeMap<String, ResourceKind>,
        names: Vec<String>,
        tables: &'t AttributeTables,
    ) -> Scope<'t> {
        Scope {
            objects,
            names,
            tables: Some(tables),
            ..Scope::object_values(vars)
        }
    }

    pub(super) fn declare_var(&mut self, name: &str) {
        self.vars.push(name.to_owned());
    }

    pub(super) fn declare_capture(&mut self, name: &str) {
        self.captures.insert(name.to_owned());
    }

    pub(super) fn set_all_captures(&mut self, all: BTreeSet<String>) {
        self.all_captures = all;
    }

    pub(super) fn is_var(&self, name: &str) -> bool {
        self.all_vars.iter().any(|v| v == name)
    }

    pub(super) fn object(&self, name: &str) -> Option<ResourceKind> {
        self.objects.get(name).copied()
    }

    /// The id of a declared object (its first declaration, if declared twice: that is
    /// reported, and a plan with errors is never returned).
    pub(super) fn id(&self, name: &str) -> Option<ObjectId> {
        self.names.iter().position(|n| n == name).map(ObjectId::new)
    }

    /// The name an id was declared with.
    pub(super) fn name(&self, id: ObjectId) -> &str {
        self.names.get(id.index()).map_or("", String::as_str)
    }

    pub(super) fn objects(&self) -> &BTreeMap<String, ResourceKind> {
        &self.objects
    }

    /// `Ok` when `name` has a value here; else the note saying why not.
    fn resolve(&self, name: &str) -> Result<(), String> {
        if BUILTINS.contains(&name)
            || self.vars.iter().any(|v| v == name)
            || self.captures.contains(name)
        {
            return Ok(());
        }
        if let (Some((object, rest)), Some(tables)) = (name.split_once('.'), self.tables) {
            if let Some(&kind) = self.objects.get(object) {
                return resolve_object(object, kind, rest, tables);
            }
        }
        if self.all_vars.iter().any(|v| v == name) {
            return Err(format!("`{name}` is declared later in `vars`"));
        }
        if self.all_captures.contains(name) {
            return Err(format!(
                "`{name}` is not captured yet: a template sees captures of earlier steps only"
            ));
        }
        if self.tables.is_none() && name.contains('.') {
            return Err("objects are not available in `vars` and object values".to_owned());
        }
        if self.objects.contains_key(name) {
            return Err(format!("did you mean `{name}.id`?"));
        }
        let mut candidates: Vec<String> = BUILTINS
            .iter()
            .chain(Generator::NAMES)
            .map(|s| (*s).to_owned())
            .chain(self.vars.iter().cloned())
            .chain(self.captures.iter().cloned())
            .collect();
        if let Some(tables) = self.tables {
            for (object, &kind) in &self.objects {
                candidates.push(format!("{object}.id"));
                candidates
                    .extend(text_attributes(tables, kind).map(|path| format!("{object}.{path}")));
            }
        }
        Err(
            match did_you_mean(name, candidates.iter().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "not a built-in, variable, capture or object here".to_owned(),
            },
        )
    }
}

fn resolve_object(
    object: &str,
    kind: ResourceKind,
    rest: &str,
    tables: &AttributeTables,
) -> Result<(), String> {
    if rest == "id" {
        return Ok(());
    }
    match tables.of(kind).get(rest) {
        Some(attribute) if attribute.ty != AttrType::Reference => Ok(()),
        Some(_) => Err(format!(
            "`{rest}` is a reference attribute: it holds ids, not text"
        )),
        None => {
            let candidates = std::iter::once("id").chain(text_attributes(tables, kind));
            Err(match did_you_mean(rest, candidates) {
                Some(close) => format!("did you mean `{object}.{close}`?"),
                None => {
                    let kind = kind_word(kind);
                    format!("a {kind} has `id` and the attributes of the {kind} table")
                }
            })
        }
    }
}

/// Attribute paths of a table whose values are text (not references).
fn text_attributes(tables: &AttributeTables, kind: ResourceKind) -> impl Iterator<Item = &str> {
    tables
        .of(kind)
        .attributes
        .iter()
        .filter(|a| a.ty != AttrType::Reference)
        .map(|a| a.path.as_str())
}

impl FileCx<'_> {
    /// Parses a located string as a template and checks its variables against `scope`.
    pub(super) fn template(&mut self, text: &Text, scope: &Scope<'_>) -> Template {
        let at = self.at(text);
        self.template_at(&text.value, at, scope)
    }

    /// As [`FileCx::template`], for a string located at `at`.
    pub(super) fn template_at(&mut self, text: &str, at: Location, scope: &Scope<'_>) -> Template {
        let template = match Template::parse(text) {
            Ok(template) => template,
            Err(error) => {
                let (offset, note) = match error {
                    TemplateError::Unclosed { offset } => {
                        (offset, "`{{` is never closed with `}}`".to_owned())
                    }
                    TemplateError::BadName { name, offset } => (
                        offset,
                        format!("`{name}` is not a variable name: letters, digits, `_`, `-`, `.`"),
                    ),
                };
                let at = self.offset_in(at, text, offset);
                self.report(at, "bad template".to_owned(), Some(note));
                return Template::literal(text);
            }
        };
        for name in template.variables() {
            let Err(note) = scope.resolve(name) else {
                continue;
            };
            // `alice.idd` is a mistake even in a file with broken parts when `alice` was read;
            // `bob.id` is not reported when `bob` may be declared in a part that was not.
            let declarer = name.split('.').next().unwrap_or(name);
            if scope.object(declarer).is_none() && self.declared_in_broken_part(declarer) {
                continue;
            }
            let at = self.placeholder(at.clone(), name);
            self.report(at, format!("unknown variable `{name}`"), Some(note));
        }
        template
    }

    /// The rest of the source line from `at`, with its character column.
    fn line_from(&self, at: &Location) -> Option<&str> {
        let line = self
            .text
            .split('\n')
            .nth((at.line as usize).checked_sub(1)?)?;
        let start = match line
            .char_indices()
            .nth((at.column as usize).checked_sub(1)?)
        {
            Some((byte, _)) => byte,
            None => return None,
        };
        Some(&line[start..])
    }

    /// Moves `at` to the `{{ name }}` placeholder, when it is on the same line.
    fn placeholder(&self, at: Location, name: &str) -> Location {
        let Some(rest) = self.line_from(&at) else {
            return at;
        };
        let found = rest.match_indices("{{").find(|(i, _)| {
            let after = &rest[i + 2..];
            after
                .find("}}")
                .is_some_and(|close| after[..close].trim() == name)
        });
        match found {
            Some((i, _)) => Location {
                column: at.column + rest[..i].chars().count() as u32,
                ..at
            },
            None => at,
        }
    }

    /// Moves `at` to byte `offset` of `text`, when the source line holds `text` as written
    /// (plain or quoted); otherwise leaves it at the start of the string.
    fn offset_in(&self, at: Location, text: &str, offset: usize) -> Location {
        let Some(rest) = self.line_from(&at) else {
            return at;
        };
        let Some(before) = text.get(..offset) else {
            return at;
        };
        let quoted = rest.starts_with(['"', '\'']) && rest[1..].starts_with(before);
        let shift = if rest.starts_with(before) {
            0
        } else if quoted {
            1
        } else {
            return at;
        };
        Location {
            column: at.column + shift + before.chars().count() as u32,
            ..at
        }
    }
}
