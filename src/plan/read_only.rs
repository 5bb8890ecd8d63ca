//! `scimcheck run --read-only`: for a production tenant, only GETs.
//!
//! Two parts, both before anything is sent: [`refusals`] names every step of a plan that would
//! write (so a scenario with a write step is refused whole, with each step's location), and
//! [`builtin`] builds the read-only plan run when no `--scenario` is given: Entra's Test
//! Connection, then, for `--user NAME` / `--group NAME`, the lookup of that existing object by
//! its matching attribute and the read by id (templates in `scenarios/read-only/`, compiled
//! like any scenario file).
//!
//! Which actions write is decided here by a list of the actions that only read: an action not
//! on it (for instance a new one) counts as a write, so read-only mode refuses it rather than
//! sending it. Add a new read-only action to [`EntraAction::writes`].

use super::compile::{compile, CompileErrors};
use super::{Action, EntraAction, Plan, Template};
use crate::attributes::{AttributeTables, ResourceKind};
use crate::diag::Diagnostic;
use crate::scenario::{self, SourceFile};

impl EntraAction {
    /// Whether the action creates, changes or deletes something on the server (refused by a
    /// read-only run). Only lookups and reads by id do not.
    pub fn writes(&self) -> bool {
        use EntraAction as A;
        !matches!(
            self,
            A::TestConnection
                | A::LookupUser { .. }
                | A::GetUser { .. }
                | A::LookupGroup { .. }
                | A::LookupGroupOtherCase { .. }
                | A::GetGroup { .. }
                | A::SyncUser { .. }
        )
    }
}

/// Headers that many frameworks (ASP.NET, Rails, Express's `method-override`, Spring's
/// `HiddenHttpMethodFilter` behind a proxy) honour as the request's real method: a GET carrying
/// one can delete. Compared case-insensitively, as header names are.
const METHOD_OVERRIDES: [&str; 3] = [
    "X-HTTP-Method-Override",
    "X-HTTP-Method",
    "X-Method-Override",
];

impl Action {
    /// Whether the step's request may change state on the server: an Entra action that
    /// writes, or a raw request that is not a plain GET (another method, a method-override
    /// header, or a body, which some servers read as a write whatever the method).
    pub fn writes(&self) -> bool {
        self.why_it_writes().is_some()
    }

    /// What makes the step a write, in a few words (`GET /Users/x with X-HTTP-Method-Override`),
    /// or `None` for a step that only reads.
    pub fn why_it_writes(&self) -> Option<String> {
        let raw = match self {
            Action::Entra(action) => return action.writes().then(String::new),
            Action::Raw(raw) => raw,
        };
        let line = format!("{} {}", raw.method.as_str(), raw.path.source());
        if raw.method.writes() {
            return Some(line);
        }
        if let Some((name, _)) = raw.headers.iter().find(|(name, _)| {
            METHOD_OVERRIDES
                .iter()
                .any(|o| o.eq_ignore_ascii_case(name))
        }) {
            return Some(format!(
                "{line} with `{name}`, which servers honour as the method"
            ));
        }
        raw.body.is_some().then(|| format!("{line} with a body"))
    }
}

/// One diagnostic per step of `plan` that would write, at the step, in plan order.
pub fn refusals(plan: &Plan) -> Vec<Diagnostic> {
    plan.scenarios
        .iter()
        .flat_map(|scenario| &scenario.steps)
        .filter_map(|step| {
            let why = step.action.why_it_writes()?;
            let what = match &step.action {
                Action::Raw(_) => why,
                Action::Entra(_) => step.name.clone(),
            };
            Some(
                Diagnostic::new(
                    step.location.clone(),
                    format!("step `{}` writes to the server: {what}", step.id),
                )
                .with_note(format!(
                    "`--read-only` sends only GETs; leave the step out with `--skip {}`",
                    step.id
                )),
            )
        })
        .collect()
}

/// The objects the admin names for a read-only run, by their matching attribute's value
/// (`userName` / `displayName` in most apps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Existing {
    /// `--user NAME`.
    pub user: Option<String>,
    /// `--group NAME`.
    pub group: Option<String>,
}

/// The scenario files of the built-in read-only plan: the built-in `test-connection`, then the
/// `read-only-user` and `read-only-group` templates for the objects named.
pub fn builtin_files(existing: &Existing) -> Vec<SourceFile> {
    let probe = scenario::builtin()
        .into_iter()
        .filter(|f| &*f.name == "builtin:test-connection");
    let templates = scenario::read_only_builtin()
        .into_iter()
        .filter(|f| match &*f.name {
            "builtin:read-only-user" => existing.user.is_some(),
            "builtin:read-only-group" => existing.group.is_some(),
            _ => false,
        });
    probe.chain(templates).collect()
}

/// The built-in read-only plan: [`builtin_files`] compiled against `tables`, then
/// [`mark_existing`].
pub fn builtin(tables: &AttributeTables, existing: &Existing) -> Result<Plan, CompileErrors> {
    let mut plan = compile(&builtin_files(existing), tables)?;
    mark_existing(&mut plan, tables, existing);
    Ok(plan)
}

/// Marks every object of the read-only templates in `plan` existing (never created or
/// deleted, no generated values) and gives it its matching attribute's value from `existing`.
pub fn mark_existing(plan: &mut Plan, tables: &AttributeTables, existing: &Existing) {
    for scenario in &mut plan.scenarios {
        if !scenario.source.starts_with("builtin:read-only-") {
            continue;
        }
        for object in &mut scenario.objects {
            let name = match object.kind {
                ResourceKind::User => &existing.user,
                ResourceKind::Group => &existing.group,
            };
            let Some(name) = name else { continue };
            let matching = tables.of(object.kind).matching.clone();
            // A literal, not a template: a name with `{{` in it is still just the name.
            object.values = vec![(matching, Template::literal(name.clone()))];
            object.existing = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn compiled(text: &str) -> Plan {
        let file = SourceFile {
            name: Arc::from("mine.yaml"),
            text: text.to_owned(),
        };
        compile(&[file], &AttributeTables::atmos()).unwrap_or_else(|e| panic!("compiles:\n{e}"))
    }

    #[test]
    fn refusals_name_each_write_step_method_override_and_get_body_with_its_location() {
        let plan = compiled(
            "version: 1
name: mixed
users: { alice: {} }
steps:
  - entra: { lookup-user: alice }
  - id: MAKE
    entra: { create-user: alice }
  - request: { method: GET, path: /Users }
  - request: { method: DELETE, path: /Users/x }
  - request: { method: GET, path: /Users/y, headers: { x-http-method-override: DELETE } }
  - request: { method: GET, path: /Users/z, headers: { X-HTTP-Method: PUT } }
  - request: { method: GET, path: /Users/w, headers: { X-METHOD-OVERRIDE: PATCH } }
  - request: { method: GET, path: /Users/v, body: { active: false } }
  - request: { method: GET, path: /Users/u, headers: { X-Request-Id: abc } }
",
        );
        let found: Vec<String> = refusals(&plan)
            .iter()
            .map(|d| format!("{}: {}", d.location, d.message))
            .collect();
        assert_eq!(
            found,
            [
                "mine.yaml:6:5: step `MAKE` writes to the server: create-user alice",
                "mine.yaml:9:5: step `DELETE-USERS-X` writes to the server: DELETE /Users/x",
                "mine.yaml:10:5: step `GET-USERS-Y` writes to the server: GET /Users/y with `x-http-method-override`, which servers honour as the method",
                "mine.yaml:11:5: step `GET-USERS-Z` writes to the server: GET /Users/z with `X-HTTP-Method`, which servers honour as the method",
                "mine.yaml:12:5: step `GET-USERS-W` writes to the server: GET /Users/w with `X-METHOD-OVERRIDE`, which servers honour as the method",
                "mine.yaml:13:5: step `GET-USERS-V` writes to the server: GET /Users/v with a body",
            ]
        );
    }

    #[test]
    fn only_lookups_and_reads_are_not_writes() {
        use EntraAction as A;
        let user = || crate::plan::ObjectId::new(0);
        let group = || crate::plan::ObjectId::new(1);
        let reads = [
            A::TestConnection,
            A::LookupUser {
                user: user(),
                by: None,
            },
            A::GetUser { user: user() },
            A::LookupGroup { group: group() },
            A::GetGroup { group: group() },
        ];
        assert!(reads.iter().all(|a| !a.writes()));
        let writes = [
            A::CreateUser { user: user() },
            A::DisableUser { user: user() },
            A::RemoveManager { user: user() },
            A::DeleteUser { user: user() },
            A::CreateGroup { group: group() },
            A::AddMembers {
                group: group(),
                members: vec![user()],
                refs: None,
                op: crate::plan::MembersOp::Replace,
            },
            A::DeleteGroup { group: group() },
        ];
        assert!(writes.iter().all(EntraAction::writes));
    }

    #[test]
    fn the_builtin_read_only_plan_never_writes_and_marks_its_objects_existing() {
        let tables = AttributeTables::atmos();
        let existing = Existing {
            user: Some("ada@example.com".into()),
            group: Some("{{ not a template }}".into()),
        };
        let plan = builtin(&tables, &existing).unwrap_or_else(|e| panic!("compiles:\n{e}"));
        let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["test-connection", "read-only-user", "read-only-group"]
        );
        assert!(refusals(&plan).is_empty());
        // Each object as `name existing=BOOL path=value …`.
        let objects: Vec<String> = plan
            .scenarios
            .iter()
            .flat_map(|s| &s.objects)
            .map(|o| {
                let values: Vec<String> = o
                    .values
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.source()))
                    .collect();
                format!("{} existing={} {}", o.name, o.existing, values.join(" "))
            })
            .collect();
        let user = tables.of(ResourceKind::User).matching.as_str();
        let group = tables.of(ResourceKind::Group).matching.as_str();
        assert_eq!(
            objects,
            [
                format!("user existing=true {user}=ada@example.com"),
                format!("group existing=true {group}={{{{ not a template }}}}"),
            ]
        );
    }

    #[test]
    fn without_user_or_group_the_read_only_plan_is_the_probe() {
        let plan = builtin(&AttributeTables::atmos(), &Existing::default())
            .unwrap_or_else(|e| panic!("compiles:\n{e}"));
        let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["test-connection"]);
        assert!(refusals(&plan).is_empty());
    }
}
