//! What Entra knows during a scenario: each object's attribute values (Entra's view of what
//! the server holds), its server id once created, group members, and the variables.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::outcome::{Blame, Fallback, Premise, PremiseKind};
use crate::attributes::{AttrPath, AttrType, AttributeTables, Produced, ResourceKind};
use crate::check::Expected;
use crate::plan::{ObjectDecl, ObjectId, Template};

/// One user or group as Entra sees it.
#[derive(Clone, Debug)]
pub(crate) struct ObjectState {
    pub(crate) kind: ResourceKind,
    pub(crate) name: String,
    /// Mapped attribute values in table order (members excluded).
    pub(crate) values: Vec<(AttrPath, AttrType, Value)>,
    pub(crate) id: Option<String>,
    /// Member objects (groups).
    pub(crate) members: BTreeSet<ObjectId>,
    /// What Entra's source holds (what it sends), never adopted from the server: the next
    /// cycle compares the server's values with these.
    pub(crate) source: Vec<(AttrPath, AttrType, Value)>,
    /// The manager (users, §3.6).
    pub(crate) manager: Option<ObjectId>,
    /// The step whose failed create means the object was never made.
    pub(crate) never_created: Option<Blame>,
    /// Attributes whose write the server did not store (Entra's view took the server's
    /// value), and the step that showed it: a step about the new value has lost its premise.
    pub(crate) diverged: BTreeMap<String, Blame>,
    /// Set when the object was made by a fallback create.
    pub(crate) fallback: Option<Fallback>,
    /// An object that already exists on the server (read-only mode), not created by the run.
    pub(crate) existing: bool,
    /// Why an existing object cannot be addressed: its lookup found nothing.
    pub(crate) absent: Option<Premise>,
}

impl ObjectState {
    /// The value at a path, if Entra holds one.
    pub(crate) fn value(&self, path: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(p, _, _)| p.as_str() == path)
            .map(|(_, _, v)| v)
    }

    /// What Entra's source holds at a path: the value it sends and looks up by.
    pub(crate) fn source_value(&self, path: &str) -> Option<&Value> {
        self.source
            .iter()
            .find(|(p, _, _)| p.as_str() == path)
            .map(|(_, _, v)| v)
    }

    /// Forgets a path in both views (a fallback create that does not send it).
    pub(crate) fn forget(&mut self, path: &AttrPath) {
        self.values.retain(|(p, _, _)| p != path);
        self.source.retain(|(p, _, _)| p != path);
    }

    /// Sets (or, with `None`, forgets) the value at a path of the table.
    pub(crate) fn set(&mut self, path: &AttrPath, value: Option<Value>) {
        match (self.values.iter().position(|(p, _, _)| p == path), value) {
            (Some(i), Some(v)) => self.values[i].2 = v,
            (Some(i), None) => {
                self.values.remove(i);
            }
            (None, Some(v)) => self.values.push((path.clone(), AttrType::String, v)),
            (None, None) => {}
        }
    }

    /// The attribute checks Entra's view implies.
    pub(crate) fn expected(&self) -> Vec<Expected> {
        self.values
            .iter()
            .map(|(path, ty, value)| Expected {
                path: path.clone(),
                ty: *ty,
                value: value.clone(),
            })
            .collect()
    }

    /// What the next cycle compares the server's values with: the source values, except
    /// where an earlier read already showed the server holding something else (that step
    /// reported it; one defect is reported once).
    pub(crate) fn source_expected(&self) -> Vec<Expected> {
        self.source
            .iter()
            .filter(|(path, _, value)| self.value(path.as_str()) == Some(value))
            .map(|(path, ty, value)| Expected {
                path: path.clone(),
                ty: *ty,
                value: value.clone(),
            })
            .collect()
    }

    /// Entra changes a value at its source (an update), so both views take it.
    pub(crate) fn change_source(&mut self, path: &AttrPath, value: Value) {
        match self.source.iter().position(|(p, _, _)| p == path) {
            Some(i) => self.source[i].2 = value.clone(),
            None => self
                .source
                .push((path.clone(), AttrType::String, value.clone())),
        }
        self.set(path, Some(value));
    }

    /// The `(path, value)` pairs a create sends.
    pub(crate) fn create_values(&self) -> Vec<(AttrPath, Value)> {
        self.values
            .iter()
            .map(|(p, _, v)| (p.clone(), v.clone()))
            .collect()
    }
}

/// Variables and objects of one scenario run.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) run_id: String,
    pub(crate) prefix: String,
    vars: BTreeMap<String, String>,
    /// At each [`ObjectId`]'s place: the scenario's declared objects in plan order, then
    /// those made at run time.
    objects: Vec<ObjectState>,
    /// The variables captured from a server's answer: ids, as far as a path is concerned.
    captured: BTreeSet<String>,
    /// The fallback each kind of object needed so far in the run (under this profile): a
    /// later create is sent reduced at once, so a refusal is reported once, where it first
    /// showed, and every later verdict says it was judged on a fallback.
    pub(crate) learned: Vec<Fallback>,
    /// The scenario's place in the run, so what it creates is known as its own (a scenario
    /// run again, or discarded, deletes its objects first).
    pub(crate) slot: usize,
}

impl World {
    /// `tag` tells apart the same scenario run under several profiles (`scimcheck-<run>-flag-…`),
    /// so one profile's objects never collide with another's.
    pub(crate) fn new(run_id: &str, tag: Option<&str>) -> World {
        World {
            run_id: run_id.to_owned(),
            prefix: match tag {
                Some(tag) => format!("scimcheck-{run_id}-{tag}"),
                None => format!("scimcheck-{run_id}"),
            },
            vars: BTreeMap::new(),
            objects: Vec::new(),
            captured: BTreeSet::new(),
            learned: Vec::new(),
            slot: 0,
        }
    }

    /// A variable's value: built-ins, scenario vars and captures, `OBJECT.id`, `OBJECT.PATH`.
    pub(crate) fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "run_id" => return Some(self.run_id.clone()),
            "prefix" => return Some(self.prefix.clone()),
            _ => {}
        }
        if let Some(value) = self.vars.get(name) {
            return Some(value.clone());
        }
        let (object, path) = name.split_once('.')?;
        let object = self.objects.iter().find(|o| o.name == object)?;
        if path == "id" {
            return object.id.clone();
        }
        object.value(path).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    pub(crate) fn render(&self, template: &Template) -> Result<String, Premise> {
        template
            .render(&|name| self.lookup(name))
            .map_err(|e| Premise::new(PremiseKind::Variable { name: e.0 }))
    }

    pub(crate) fn set_var(&mut self, name: &str, value: String) {
        self.vars.insert(name.to_owned(), value);
    }

    /// Sets a variable captured from the server's answer.
    pub(crate) fn capture(&mut self, name: &str, value: String) {
        self.captured.insert(name.to_owned());
        self.set_var(name, value);
    }

    /// Renders a raw request's path: what the server supplied (`OBJECT.id`, captures) goes
    /// in as one percent-encoded segment each, and one that cannot address a resource is
    /// the premise the step lacks (see [`crate::id`]).
    pub(crate) fn render_path(&self, template: &Template) -> Result<String, Premise> {
        let from_server = |name: &str| {
            self.captured.contains(name) || name.split_once('.').is_some_and(|(_, p)| p == "id")
        };
        for name in template.variables().filter(|n| from_server(n)) {
            let object = name
                .split_once('.')
                .and_then(|(o, _)| self.objects.iter().find(|s| s.name == o));
            if let (None, Some(absent)) =
                (self.lookup(name), object.and_then(|o| o.absent.as_ref()))
            {
                return Err(absent.clone());
            }
            if let Some((value, problem)) = self
                .lookup(name)
                .and_then(|v| crate::id::problem(&v).map(|p| (v, p)))
            {
                return Err(Premise::new(PremiseKind::UnusableId {
                    object: name.to_owned(),
                    id: value,
                    problem,
                }));
            }
        }
        template
            .render(&|name| {
                let value = self.lookup(name)?;
                Some(if from_server(name) {
                    crate::id::segment(&value)
                } else {
                    value
                })
            })
            .map_err(|e| Premise::new(PremiseKind::Variable { name: e.0 }))
    }

    /// An object of the scenario. Every id comes from the plan, whose ids compile checked and
    /// the runner declared in order before the first step, or from [`World::declare`].
    pub(crate) fn object(&self, id: ObjectId) -> &ObjectState {
        &self.objects[id.index()]
    }

    pub(crate) fn object_mut(&mut self, id: ObjectId) -> &mut ObjectState {
        &mut self.objects[id.index()]
    }

    /// How many objects have a name starting with `prefix` (batches number their users on).
    pub(crate) fn count_with_prefix(&self, prefix: &str) -> usize {
        self.objects
            .iter()
            .filter(|o| o.name.starts_with(prefix))
            .count()
    }

    /// The object whose server id is `id`.
    pub(crate) fn with_server_id(&self, id: &str) -> Option<ObjectId> {
        self.objects
            .iter()
            .position(|o| o.id.as_deref() == Some(id))
            .map(ObjectId::new)
    }

    /// The object name whose server id is `id` (for messages), or the id itself.
    pub(crate) fn name_of(&self, id: &str) -> String {
        self.with_server_id(id)
            .map_or_else(|| format!("`{id}`"), |o| self.object(o).name.clone())
    }

    /// Declares an object with its values, the scenario's or generated from the table, at
    /// the next place.
    pub(crate) fn declare(
        &mut self,
        decl: &ObjectDecl,
        tables: &AttributeTables,
    ) -> Result<ObjectId, Premise> {
        let mut values = Vec::new();
        for attribute in &tables.of(decl.kind).attributes {
            if attribute.ty == AttrType::Reference {
                continue;
            }
            let given = decl.values.iter().find(|(p, _)| *p == attribute.path);
            let value = match given.map(|(_, t)| t) {
                // Entra never sends an empty value (§3.2: null source values are skipped).
                Some(template) => match self.render(template)? {
                    text if text.is_empty() => continue,
                    text => typed(attribute.ty, text),
                },
                // An existing object's other values are unknown until it is read.
                None if decl.existing => continue,
                None => match &attribute.produced {
                    Some(Produced::Constant(text)) => typed(attribute.ty, text.clone()),
                    Some(Produced::AppRoles | Produced::AssertiveAppRoles) => self.app_roles(decl),
                    None => self.generate(decl, &attribute.path, attribute.ty),
                },
            };
            values.push((attribute.path.clone(), attribute.ty, value));
        }
        self.objects.push(ObjectState {
            kind: decl.kind,
            name: decl.name.clone(),
            source: values.clone(),
            values,
            id: None,
            members: BTreeSet::new(),
            manager: None,
            never_created: None,
            diverged: BTreeMap::new(),
            fallback: None,
            existing: decl.existing,
            absent: None,
        });
        Ok(ObjectId::new(self.objects.len() - 1))
    }

    /// What a create of this kind must leave out or add, learned earlier in the run.
    pub(crate) fn learned(&self, kind: ResourceKind) -> Option<&Fallback> {
        self.learned.iter().find(|f| f.kind == kind)
    }

    /// Remembers a fallback that made an object of its kind.
    pub(crate) fn learn(&mut self, fallback: &Fallback) {
        if self.learned(fallback.kind).is_none() {
            self.learned.push(fallback.clone());
        }
    }

    /// A value Entra would send for an attribute, named so it is recognisably ours.
    fn generate(&self, decl: &ObjectDecl, path: &AttrPath, ty: AttrType) -> Value {
        self.generated(&decl.name, decl.kind, path, ty)
    }

    /// Client-behaviour §3.5: `AppRoleAssignmentsComplex` sends each assigned app role as an
    /// object, `primary` false as in Microsoft's documented request (L-ATTR); the user here
    /// has one.
    fn app_roles(&self, decl: &ObjectDecl) -> Value {
        serde_json::json!([{
            "primary": false,
            "type": "WindowsAzureActiveDirectoryRole",
            "value": format!("{}-{}-role", self.prefix, decl.name),
        }])
    }

    /// A generated value for attribute `path` of object `name`.
    pub(crate) fn generated(
        &self,
        name: &str,
        kind: ResourceKind,
        path: &AttrPath,
        ty: AttrType,
    ) -> Value {
        let base = format!("{}-{name}", self.prefix);
        match ty {
            AttrType::Boolean => return Value::Bool(true),
            AttrType::Integer => return Value::from(1),
            AttrType::DateTime => return Value::from("2026-01-01T00:00:00Z"),
            AttrType::Complex => {
                return serde_json::json!({ "value": format!("{base}-{}", path.attr()) })
            }
            AttrType::String | AttrType::Reference => {}
        }
        let text = match (path.attr(), path.sub()) {
            ("userName", _) | ("emails", _) => format!("{base}@example.com"),
            ("name", Some("givenName")) => capitalise(name),
            ("name", Some("familyName")) => "Scimcheck".to_owned(),
            ("name", Some("formatted")) => format!("{} Scimcheck", capitalise(name)),
            ("externalId", _) if kind == ResourceKind::Group => uuid::Uuid::new_v4().to_string(),
            ("displayName", _) | ("externalId", _) => base,
            ("phoneNumbers", _) => "+1 555 0100".to_owned(),
            (attr, sub) => format!("{base}-{}", sub.unwrap_or(attr)),
        };
        Value::String(text)
    }
}

/// A scenario's text value as the attribute's JSON type.
pub(crate) fn typed(ty: AttrType, text: String) -> Value {
    match ty {
        AttrType::Boolean if text.eq_ignore_ascii_case("true") => Value::Bool(true),
        AttrType::Boolean if text.eq_ignore_ascii_case("false") => Value::Bool(false),
        AttrType::Integer => text.parse::<i64>().map_or(Value::String(text), Value::from),
        _ => Value::String(text),
    }
}

fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
