//! Steps: Entra actions and raw requests, expectations with their defaults, captures.

use std::collections::BTreeSet;

use serde_saphyr::Spanned;

use crate::attributes::{Apply, AttrPath, Attribute, ResourceKind};
use crate::plan::{
    Action, Capture, EntraAction, Expectation, JsonTemplate, ListExpectation, ObjectId, RawRequest,
    StepPlan,
};
use crate::scenario::model::{
    Auth, EntraAction as Act, Json, MemberOps, Request, ScenarioFile, Step, Text, TextMap,
};

use super::expect::{defaults, expects_success, merge};
use super::scope::Scope;
use super::{kind_word, listed, FileCx, Usage};

/// One step as compiled, before the file's `expect` and `read-back` are applied.
struct Compiled {
    /// Appended to the step's name (`by PATH` for `lookup-user-by-each-filter`).
    suffix: Option<String>,
    action: Action,
    expect: Expectation,
    read_back: bool,
    /// The kind looked up, for a lookup (its found resources are checked when a count ≥ 1 is
    /// expected).
    lookup: Option<ResourceKind>,
}

impl FileCx<'_> {
    pub(super) fn steps(&mut self, model: &ScenarioFile, mut scope: Scope<'_>) -> Vec<StepPlan> {
        let steps = &model.steps.value.0;
        let all_captures: BTreeSet<String> = steps
            .iter()
            .flat_map(|s| s.value.capture.0.iter().map(|(name, _)| name.value.clone()))
            .collect();
        scope.set_all_captures(all_captures);
        if steps.is_empty() && self.parsed.errors.is_empty() {
            let at = self.at(&model.steps);
            let note = "a scenario needs at least one step".to_owned();
            self.report(at, "no steps".to_owned(), Some(note));
        }
        let mut out = Vec::new();
        for step in steps {
            out.extend(self.step(step, &scope));
            // A step's captures are taken after its checks: visible from the next step on.
            for (name, _) in &step.value.capture.0 {
                scope.declare_capture(&name.value);
            }
        }
        out
    }

    fn step(&mut self, step: &Spanned<Step>, scope: &Scope<'_>) -> Vec<StepPlan> {
        let location = self.at(step);
        let s = &step.value;
        let (default_name, compiled) = match (&s.entra, &s.request) {
            (Some(entra), request) => {
                if let Some(request) = request {
                    let at = self.at(request);
                    let note = "use one: an Entra action or a raw request".to_owned();
                    self.report(
                        at,
                        "a step has both `entra` and `request`".into(),
                        Some(note),
                    );
                    // Still checked, so its own mistakes are reported in the same run.
                    self.raw(request, scope);
                }
                self.entra(entra, scope)
            }
            (None, Some(request)) => self.raw(request, scope),
            (None, None) => {
                let note = "give an Entra action (`entra: …`) or a raw request (`request: …`)";
                let message = "a step needs `entra` or `request`".to_owned();
                self.report(location.clone(), message, Some(note.into()));
                (String::new(), Vec::new())
            }
        };
        let overrides = self.overrides(s.expect.as_ref(), scope);
        let captures = self.captures(&s.capture, scope);
        let read_back = s.read_back.as_ref().map(|r| {
            let raw = compiled
                .first()
                .is_some_and(|c| matches!(c.action, Action::Raw(_)));
            if raw && r.value {
                let at = self.at(r);
                let note = "a raw request has nothing Entra would read back".to_owned();
                self.report(at, "`read-back: true` on a raw request".into(), Some(note));
            }
            r.value
        });
        let name = s.name.as_ref().map_or(default_name, |n| n.value.clone());
        let id = self.step_id(s.id.as_ref(), &name);
        compiled
            .into_iter()
            .map(|c| StepPlan {
                id: match &c.suffix {
                    Some(suffix) => format!("{id}-{}", crate::plan::slug_id(suffix)),
                    None => id.clone(),
                },
                name: match &c.suffix {
                    Some(suffix) => format!("{name} {suffix}"),
                    None => name.clone(),
                },
                location: location.clone(),
                expect: merge(c.expect, &overrides, c.lookup),
                // Nothing was written when only an error status is expected.
                read_back: read_back.unwrap_or(
                    c.read_back && overrides.status.as_deref().is_none_or(expects_success),
                ),
                action: c.action,
                captures: captures.clone(),
            })
            .collect()
    }

    /// The step's `id:`, checked, or one made from its name.
    fn step_id(&mut self, id: Option<&Text>, name: &str) -> String {
        let Some(id) = id else {
            return crate::plan::slug_id(name);
        };
        let valid = !id.value.is_empty()
            && id
                .value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            let note = format!(
                "use upper-case letters, digits and `-`, e.g. `{}`",
                crate::plan::slug_id(&id.value)
            );
            let message = format!("`{}` is not a step id", id.value);
            self.report(self.at(id), message, Some(note));
        }
        id.value.clone()
    }

    /// An Entra action: its default step name and the step(s) it compiles to.
    fn entra(&mut self, action: &Spanned<Act>, scope: &Scope<'_>) -> (String, Vec<Compiled>) {
        let key = action.value.key();
        let Some(plan) = self.resolve(&action.value, key, scope) else {
            let Act::LookupUserByEachFilter { user } = &action.value else {
                return (key.to_owned(), Vec::new());
            };
            let id = self.object(&user.value, user, ResourceKind::User, key, scope);
            return (
                format!("{key} {}", user.value),
                self.each_filter(action, id),
            );
        };
        let name = match subject(&plan, &|id| scope.name(id)) {
            Some(subject) => format!("{key} {subject}"),
            None => key.to_owned(),
        };
        let (expect, read_back) = defaults(&plan);
        let lookup = match plan {
            EntraAction::LookupUser { .. } => Some(ResourceKind::User),
            EntraAction::LookupGroup { .. } | EntraAction::LookupGroupOtherCase { .. } => {
                Some(ResourceKind::Group)
            }
            _ => None,
        };
        let compiled = Compiled {
            suffix: None,
            action: Action::Entra(plan),
            expect,
            read_back,
            lookup,
        };
        (name, vec![compiled])
    }

    /// The plan form of a file's action, its names and values checked; `None` for
    /// `lookup-user-by-each-filter`, which compiles into several steps ([`Self::each_filter`]).
    fn resolve(&mut self, action: &Act, key: &str, scope: &Scope<'_>) -> Option<EntraAction> {
        use EntraAction as A;
        use ResourceKind::User;
        let user = |cx: &mut Self, name: &Text| cx.object(&name.value, name, User, key, scope);
        Some(match action {
            Act::TestConnection => A::TestConnection,
            Act::LookupUser { user: u, by } => A::LookupUser {
                user: user(self, u),
                by: by.as_ref().map(|by| self.filter_attribute(by)),
            },
            Act::LookupUserByEachFilter { .. } => return None,
            Act::GetUser { user: u } => A::GetUser {
                user: user(self, u),
            },
            Act::CreateUser { user: u } => A::CreateUser {
                user: user(self, u),
            },
            Act::UpdateUser { user: u, set, form } => A::UpdateUser {
                user: user(self, u),
                set: self.set(User, set, scope),
                form: form.as_ref().map(|f| f.value).unwrap_or_default(),
            },
            Act::DisableUser { user: u } => A::DisableUser {
                user: user(self, u),
            },
            Act::EnableUser { user: u } => A::EnableUser {
                user: user(self, u),
            },
            Act::DeleteUser { user: u } => A::DeleteUser {
                user: user(self, u),
            },
            Act::LookupGroup { .. }
            | Act::GetGroup { .. }
            | Act::CreateGroup { .. }
            | Act::AddMembers { .. }
            | Act::RemoveMembers { .. }
            | Act::UpdateGroup { .. }
            | Act::DeleteGroup { .. }
            | Act::LookupGroupOtherCase { .. }
            | Act::CreateGroupAdscim { .. }
            | Act::AddNewMembers { .. } => return self.resolve_group(action, key, scope),
            Act::SetManager { user: u, manager } => A::SetManager {
                user: user(self, u),
                manager: user(self, manager),
            },
            Act::RemoveManager { user: u } => A::RemoveManager {
                user: user(self, u),
            },
            Act::ClearManager { user: u } => A::ClearManager {
                user: user(self, u),
            },
            Act::SyncUser { user: u } => A::SyncUser {
                user: user(self, u),
            },
            Act::AddAppRole { user: u } => A::AddAppRole {
                user: user(self, u),
            },
        })
    }

    /// [`Self::resolve`] for the group actions (§4); `None` for any other.
    fn resolve_group(&mut self, action: &Act, key: &str, scope: &Scope<'_>) -> Option<EntraAction> {
        use EntraAction as A;
        use ResourceKind::Group;
        let group = |cx: &mut Self, name: &Text| cx.object(&name.value, name, Group, key, scope);
        Some(match action {
            Act::LookupGroup { group: g } => A::LookupGroup {
                group: group(self, g),
            },
            Act::GetGroup { group: g } => A::GetGroup {
                group: group(self, g),
            },
            Act::CreateGroup { group: g } => A::CreateGroup {
                group: group(self, g),
            },
            Act::AddMembers {
                group: g,
                members,
                refs,
                op,
            } => A::AddMembers {
                group: group(self, g),
                members: self.members(members, key, scope),
                refs: *refs,
                op: *op,
            },
            Act::RemoveMembers {
                group: g,
                members,
                one_op_each,
            } => A::RemoveMembers {
                group: group(self, g),
                members: self.members(members, key, scope),
                one_op_each: matches!(one_op_each, Some(o) if o.value == MemberOps::Each),
            },
            Act::UpdateGroup { group: g, set } => A::UpdateGroup {
                group: group(self, g),
                set: self.set(Group, set, scope),
            },
            Act::DeleteGroup { group: g } => A::DeleteGroup {
                group: group(self, g),
            },
            Act::LookupGroupOtherCase { group: g } => A::LookupGroupOtherCase {
                group: group(self, g),
            },
            Act::CreateGroupAdscim { group: g } => A::CreateGroupAdscim {
                group: group(self, g),
            },
            Act::AddNewMembers {
                group: g,
                count,
                one_op_each,
            } => A::AddNewMembers {
                group: group(self, g),
                count: self.count(count),
                one_op_each: matches!(one_op_each, Some(o) if o.value == MemberOps::Each),
            },
            _ => return None,
        })
    }

    /// `by:` of `lookup-user`: a filterable attribute of the user table.
    fn filter_attribute(&mut self, by: &Text) -> AttrPath {
        let table = self.tables.of(ResourceKind::User);
        let known = self.attribute(ResourceKind::User, by, Usage::Filter);
        // A path the table does not know is reported above; the plan is not run then.
        match table.get(&by.value) {
            Some(attribute) if known => attribute.path.clone(),
            _ => table.matching.clone(),
        }
    }

    /// `count:` of `add-new-members`: 1 to 1000 users.
    fn count(&mut self, count: &Spanned<u64>) -> usize {
        if !(1..=1000).contains(&count.value) {
            let at = self.at(count);
            let note = "give between 1 and 1000 users".to_owned();
            let message = format!("`count: {}` is out of range", count.value);
            self.report(at, message, Some(note));
        }
        usize::try_from(count.value).unwrap_or(0)
    }

    /// `lookup-user-by-each-filter`: one lookup per filterable attribute of the user table,
    /// each expected to find exactly the user (client-behaviour §3.4: filters must be honoured
    /// and return the full resource).
    fn each_filter(&mut self, action: &Spanned<Act>, user: ObjectId) -> Vec<Compiled> {
        let filterable: Vec<AttrPath> = self
            .tables
            .user
            .attributes
            .iter()
            .filter(|a| a.filter)
            .map(|a| a.path.clone())
            .collect();
        if filterable.is_empty() {
            let at = self.at(action);
            let note = format!(
                "no attribute of the user table of {} has `filter: true`",
                self.tables.app
            );
            self.report(at, "nothing to look up by".to_owned(), Some(note));
        }
        filterable
            .into_iter()
            .map(|by| {
                let plan = EntraAction::LookupUser {
                    user,
                    by: Some(by.clone()),
                };
                let (mut expect, read_back) = defaults(&plan);
                expect.list = Some(ListExpectation {
                    total_results: Some(1),
                });
                expect.resource = Some(ResourceKind::User);
                Compiled {
                    suffix: Some(format!("by {by}")),
                    action: Action::Entra(plan),
                    expect,
                    read_back,
                    lookup: Some(ResourceKind::User),
                }
            })
            .collect()
    }

    /// Resolves an object name for an action that takes an object of `kind`.
    fn object<T>(
        &mut self,
        name: &str,
        at: &Spanned<T>,
        kind: ResourceKind,
        action: &str,
        scope: &Scope<'_>,
    ) -> ObjectId {
        let wanted = kind_word(kind);
        let section = match kind {
            ResourceKind::User => "users",
            ResourceKind::Group => "groups",
        };
        match scope.object(name) {
            Some(found) if found == kind => {}
            Some(found) => {
                let at = self.at(at);
                let message = format!("`{name}` is a {}, not a {wanted}", kind_word(found));
                let note = format!("`{action}` takes a {wanted} declared under `{section}:`");
                self.report(at, message, Some(note));
            }
            None if self.declared_in_broken_part(name) => {}
            None => {
                let same_kind = scope
                    .objects()
                    .iter()
                    .filter(|(_, &k)| k == kind)
                    .map(|(n, _)| n.as_str());
                let note = match crate::diag::did_you_mean(name, same_kind) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("declare it under `{section}:`"),
                };
                let at = self.at(at);
                self.report(at, format!("unknown {wanted} `{name}`"), Some(note));
            }
        }
        // A name that does not resolve was reported, here or where it was declared, and a
        // plan with a mistake is never returned: this id is never run.
        scope.id(name).unwrap_or(ObjectId::new(usize::MAX))
    }

    fn members(
        &mut self,
        members: &Spanned<Vec<Text>>,
        action: &str,
        scope: &Scope<'_>,
    ) -> Vec<ObjectId> {
        if members.value.is_empty() {
            let at = self.at(members);
            let note = "list the users, e.g. `[alice, bob]`".to_owned();
            self.report(at, "no members".to_owned(), Some(note));
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for member in &members.value {
            let id = self.object(&member.value, member, ResourceKind::User, action, scope);
            if !seen.insert(member.value.as_str()) {
                let at = self.at(member);
                let note = "each user is listed once".to_owned();
                let name = &member.value;
                self.report(at, format!("`{name}` is listed twice"), Some(note));
                continue;
            }
            out.push(id);
        }
        out
    }

    /// `set:` of `update-user`/`update-group`: attribute paths of the table, in file order.
    fn set(
        &mut self,
        kind: ResourceKind,
        set: &Spanned<TextMap>,
        scope: &Scope<'_>,
    ) -> Vec<(Attribute, crate::plan::Template)> {
        if set.value.0.is_empty() {
            let at = self.at(set);
            let note = "give attribute paths and their new values".to_owned();
            self.report(at, "nothing to set".to_owned(), Some(note));
        }
        let mut out = Vec::new();
        let mut create_only = Vec::new();
        for (path, value) in &set.value.0 {
            let template = self.template(value, scope);
            if !self.attribute(kind, path, Usage::Value) {
                continue;
            }
            // entra-2026 §1.2: an `ObjectAddOnly` mapping never flows in a PATCH, so the
            // update Entra sends leaves it out.
            match self.tables.of(kind).get(&path.value) {
                Some(a) if a.apply == Apply::OnCreateOnly => create_only.push(path.value.clone()),
                Some(a) => out.push((a.clone(), template)),
                None => {}
            }
        }
        if out.is_empty() && !create_only.is_empty() {
            let at = self.at(set);
            let note = format!(
                "{} of {} is applied on create only, so Entra sends no PATCH for this update",
                listed(&create_only.iter().map(String::as_str).collect::<Vec<_>>()),
                self.tables.app
            );
            self.report(at, "nothing left to set".to_owned(), Some(note));
        }
        out
    }

    fn raw(&mut self, request: &Spanned<Request>, scope: &Scope<'_>) -> (String, Vec<Compiled>) {
        let r = &request.value;
        if !r.path.value.starts_with('/') {
            let at = self.at(&r.path);
            let note = "it is relative to the Tenant URL, e.g. `/Users`".to_owned();
            self.report(at, "the path must start with `/`".to_owned(), Some(note));
        }
        let path = self.template(&r.path, scope);
        let mut headers = Vec::new();
        for (name, value) in &r.headers.0 {
            // RFC 9110 §5.1: a field name is a token.
            let token = !name.value.is_empty()
                && name
                    .value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
            if !token {
                let at = self.at(name);
                let note = "letters, digits and `-` (RFC 9110 §5.1)".to_owned();
                let message = format!("bad header name `{}`", name.value);
                self.report(at, message, Some(note));
            }
            headers.push((name.value.clone(), self.template(value, scope)));
        }
        let method = r.method.value;
        let raw = RawRequest {
            method,
            path,
            headers,
            body: r.body.as_ref().map(|b| self.json(b, scope)),
            send_token: r.auth.as_ref().is_none_or(|a| a.value == Auth::Bearer),
        };
        let name = format!("{} {}", method.as_str(), r.path.value);
        let compiled = Compiled {
            suffix: None,
            action: Action::Raw(raw),
            expect: Expectation::default(),
            read_back: false,
            lookup: None,
        };
        (name, vec![compiled])
    }

    pub(super) fn json(&mut self, value: &Spanned<Json>, scope: &Scope<'_>) -> JsonTemplate {
        match &value.value {
            Json::Null => JsonTemplate::Null,
            Json::Bool(b) => JsonTemplate::Bool(*b),
            Json::Number(n) => JsonTemplate::Number(n.clone()),
            Json::String(s) => {
                let at = self.at(value);
                JsonTemplate::String(self.template_at(s, at, scope))
            }
            Json::Array(items) => {
                JsonTemplate::Array(items.iter().map(|i| self.json(i, scope)).collect())
            }
            Json::Object(entries) => JsonTemplate::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), self.json(v, scope)))
                    .collect(),
            ),
        }
    }

    fn captures(&mut self, capture: &TextMap, scope: &Scope<'_>) -> Vec<Capture> {
        let mut out = Vec::new();
        for (name, pointer) in &capture.0 {
            if self.check_name(name, "capture") {
                let shadowed = if scope.is_var(&name.value) {
                    Some(("variable", "a variable"))
                } else if scope.object(&name.value).is_some() {
                    Some(("object", "an object"))
                } else {
                    None
                };
                if let Some((what, a_what)) = shadowed {
                    let at = self.at(name);
                    let message = format!(
                        "capture `{}` shadows the {what} `{}`",
                        name.value, name.value
                    );
                    let note = format!("a capture may not reuse the name of {a_what}");
                    self.report(at, message, Some(note));
                }
            }
            if let Some(note) = pointer_mistake(&pointer.value) {
                let at = self.at(pointer);
                let message = format!("bad JSON pointer `{}`", pointer.value);
                self.report(at, message, Some(note.to_owned()));
            }
            out.push(Capture {
                name: name.value.clone(),
                pointer: pointer.value.clone(),
                location: self.at(name),
            });
        }
        out
    }
}

/// RFC 6901 §3: empty, or `/`-separated tokens where `~` is followed by `0` or `1`.
fn pointer_mistake(pointer: &str) -> Option<&'static str> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Some("a JSON pointer is empty or starts with `/`, e.g. `/id` (RFC 6901)");
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Some("`~` must be followed by `0` or `1` (RFC 6901 §3)");
        }
    }
    None
}

/// What the step's default name says the action is about: `alice`, `alice by title`,
/// `alice to bob`, `team (3 new)`.
fn subject<'a>(action: &EntraAction, name: &dyn Fn(ObjectId) -> &'a str) -> Option<String> {
    use EntraAction as A;
    Some(match action {
        A::TestConnection => return None,
        A::LookupUser { user, by: Some(by) } => format!("{} by {by}", name(*user)),
        A::SetManager { user, manager } => format!("{} to {}", name(*user), name(*manager)),
        A::AddNewMembers { group, count, .. } => format!("{} ({count} new)", name(*group)),
        A::LookupUser { user, by: None }
        | A::GetUser { user }
        | A::CreateUser { user }
        | A::UpdateUser { user, .. }
        | A::DisableUser { user }
        | A::EnableUser { user }
        | A::DeleteUser { user }
        | A::RemoveManager { user }
        | A::ClearManager { user }
        | A::AddAppRole { user }
        | A::SyncUser { user } => name(*user).to_owned(),
        A::LookupGroup { group }
        | A::LookupGroupOtherCase { group }
        | A::GetGroup { group }
        | A::CreateGroup { group }
        | A::AddMembers { group, .. }
        | A::RemoveMembers { group, .. }
        | A::UpdateGroup { group, .. }
        | A::DeleteGroup { group }
        | A::CreateGroupAdscim { group } => name(*group).to_owned(),
        A::LookupUserByEachFilter { user } => match *user {},
    })
}
