//! One step: send, check (status first, as hurl does), apply the effect to Entra's view, and
//! read back what a write should have stored.

use serde_json::Value;

use super::outcome::{Blame, Premise, PremiseKind};
use super::prepare::{render_json, Intent};
use super::world::{ObjectState, World};
use crate::attributes::{AttrPath, ResourceKind};
use crate::check::{self, CheckId, CheckResult, Named, WriteAnswer};
use crate::http::Received;
use crate::plan::{Expectation, JsonTemplate, ObjectId, StepPlan};

/// The checks on a step's response.
pub(crate) fn check_response(
    world: &World,
    step: &StepPlan,
    intent: &Intent,
    received: &Received,
) -> (Vec<CheckResult>, Option<Value>) {
    let expect = &step.expect;
    let mut checks = Vec::new();
    if let Some(allowed) = &expect.status {
        let result = check::status(received, allowed);
        let ok = result.passed();
        checks.push(result);
        if !ok {
            // A wrong status makes every other check of this body noise.
            return (checks, None);
        }
    }
    // Checked on Entra's probe only: one answer shows the server's media type, and a server
    // that answers `application/json` everywhere should fail one step, not all of them.
    // An HTML page is explained by the JSON check; its media type would be noise.
    if intent.is_probe() && !received.body.trim().is_empty() && !received.is_html() {
        checks.push(check::content_type(received));
    }
    let needs_json = expect.list.is_some()
        || expect.resource.is_some()
        || expect.body.is_some()
        || !step.captures.is_empty();
    let reads = reads(world, step, intent);
    if !needs_json {
        return (checks, check::parse_reading(&received.body, &reads).ok());
    }
    if expect.list.is_some() {
        let list = match check::list_reading(received, &reads) {
            Ok(list) => list,
            Err(failure) => {
                checks.push(*failure);
                return (checks, None);
            }
        };
        list_checks(world, expect, intent, &list, &mut checks);
        let body = list.into_value();
        subset_check(world, expect, &body, &mut checks);
        return (checks, Some(body));
    }
    let body = match check::json_reading(received, &reads) {
        Ok(body) => body,
        Err(failure) => {
            checks.push(*failure);
            return (checks, None);
        }
    };
    if let Some(kind) = expect.resource {
        let shape = check::resource_shape(&body, kind);
        let ok = shape.passed();
        checks.push(shape);
        let read_back_follows = step.read_back && intent.written().is_some();
        if let (true, false, Intent::Get { object, .. } | Intent::Create { object, .. }) =
            (ok, read_back_follows, intent)
        {
            let state = world.object(*object);
            checks.extend(check::attributes(&body, &state.expected()));
        }
        if kind == ResourceKind::Group && matches!(intent, Intent::Get { .. }) {
            checks.push(check::members_excluded(&body));
        }
        if let (true, Intent::Sync { object }) = (ok, intent) {
            let state = world.object(*object);
            checks.push(check::resync(&body, &state.source_expected()));
        }
    }
    subset_check(world, expect, &body, &mut checks);
    (checks, Some(body))
}

/// The top-level attributes the checks on the step's answer read, beyond the common ones:
/// the mapped attributes of its objects, its `body:` and its captures.
pub(super) fn reads(world: &World, step: &StepPlan, intent: &Intent) -> check::Reads {
    let mut reads = check::Reads::common();
    for object in intent.objects() {
        let state = world.object(object);
        for expected in state.expected().iter().chain(&state.source_expected()) {
            reads.path(&expected.path);
        }
    }
    if let Intent::Lookup { attr, .. } = intent {
        reads.path(attr);
    }
    if let Some(JsonTemplate::Object(members)) = &step.expect.body {
        for (name, _) in members {
            reads.name(name);
        }
    }
    for capture in &step.captures {
        reads.pointer(&capture.pointer);
    }
    reads
}

/// The step's `body:` expectation, on the body as a value.
fn subset_check(world: &World, expect: &Expectation, body: &Value, checks: &mut Vec<CheckResult>) {
    // The expectation's variables were rendered before the request was sent
    // (`expectation_premise`), so this cannot fail here.
    if let Some(Ok(expected)) = expect.body.as_ref().map(|b| render_json(world, b)) {
        checks.push(check::body_subset(body, &expected));
    }
}

fn list_checks(
    world: &World,
    expect: &Expectation,
    intent: &Intent,
    body: &check::ListBody,
    checks: &mut Vec<CheckResult>,
) {
    let shape = check::list_shape(body);
    let ok = shape.passed();
    checks.push(shape);
    if !ok {
        return;
    }
    let Intent::Lookup {
        object,
        attr,
        value,
    } = intent
    else {
        if let Some(n) = expect.list.as_ref().and_then(|l| l.total_results) {
            checks.push(check::list_count(body, n));
        }
        return;
    };
    // A filter that returns other objects is the root cause; counting them is noise.
    let matches = check::list_matches(body, attr, value, case_exact(attr));
    let matched = matches.passed();
    checks.push(matches);
    // The lookup links the object to the id it finds (§3.4): one that cannot address it is
    // this step's finding, even when the step checks nothing else of the resource.
    if let (true, None, Some(state)) = (matched, expect.resource, object.map(|o| world.object(o))) {
        if let Some(only) = body.only() {
            checks.extend(check::unusable_id(&only, state.kind));
        }
    }
    let mut counted = true;
    if let (true, Some(n)) = (matched, expect.list.as_ref().and_then(|l| l.total_results)) {
        let count = check::list_count(body, n);
        counted = count.passed();
        checks.push(count);
    }
    // §3.4, §4.1: what Entra links is the id; the one result must be the object it created.
    let created = object
        .map(|o| world.object(o))
        .filter(|o| !o.existing)
        .and_then(|o| o.id.as_deref());
    let one = expect.list.as_ref().and_then(|l| l.total_results) == Some(1);
    if let (true, true, true, Some(id)) = (matched, counted, one, created) {
        let target = crate::check::Target::Filter {
            attr: attr.clone(),
            value: value.clone(),
        };
        checks.push(check::list_ids(body, id, target));
    }
    if let (true, true, Some(kind), Some(object)) = (matched, counted, expect.resource, object) {
        let state = world.object(*object);
        for resource in body.resources() {
            let shape = check::resource_shape(&resource, kind);
            let ok = shape.passed();
            checks.push(shape);
            if ok {
                checks.extend(check::attributes(&resource, &state.expected()));
            }
        }
    }
}

/// RFC 7643 §4.1.1: `userName` is not case-exact; `externalId` and `id` are.
fn case_exact(attr: &AttrPath) -> bool {
    matches!(attr.as_str(), "externalId" | "id")
}

/// Checks on the read-back of a write; each names the write's answer ("PATCH returned 204
/// but …").
pub(crate) fn check_read_back(
    world: &World,
    intent: &Intent,
    write: WriteAnswer,
    received: &Received,
) -> (Vec<CheckResult>, Option<Value>) {
    let after = Some(write);
    let read_back = |result: CheckResult| result.reading_back(after);
    let mut checks = Vec::new();
    let status = check::status(received, &[200]);
    let ok = status.passed();
    checks.push(read_back(status));
    if !ok {
        return (checks, None);
    }
    let mut reads = check::Reads::common();
    for object in intent.objects() {
        for expected in world.object(object).expected() {
            reads.path(&expected.path);
        }
    }
    let body = match check::json_reading(received, &reads) {
        Ok(body) => body,
        Err(failure) => {
            checks.push(read_back(*failure));
            return (checks, None);
        }
    };
    let Some((object, kind)) = intent.written() else {
        return (checks, Some(body));
    };
    let state = world.object(object);
    let shape = check::resource_shape(&body, kind);
    let ok = shape.passed();
    checks.push(read_back(shape));
    if !ok {
        return (checks, Some(body));
    }
    checks.extend(
        check::attributes(&body, &state.expected())
            .into_iter()
            .map(read_back),
    );
    if let Intent::Manager { manager, .. } = intent {
        let expected = manager.and_then(|m| {
            let manager = world.object(m);
            Some(Named {
                id: manager.id.clone()?,
                name: manager.name.clone(),
            })
        });
        checks.push(read_back(check::manager(&body, expected)));
    }
    if kind == ResourceKind::Group {
        let expected = state
            .members
            .iter()
            .filter_map(|&m| world.object(m).id.clone())
            .collect();
        let members = check::members(&body, &expected, &|id| world.name_of(id));
        checks.push(read_back(members));
    }
    (checks, Some(body))
}

/// Applies an accepted write (or a lookup) of step `step` to Entra's view.
pub(crate) fn apply(world: &mut World, intent: &Intent, body: Option<&Value>, step: &str) {
    match intent {
        Intent::Create { object, .. } => {
            let id = body
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let state = world.object_mut(*object);
            state.id = None;
            if let Some(id) = id {
                adopt_id(state, id, step);
            }
        }
        Intent::Update {
            object, changes, ..
        } => {
            let state = world.object_mut(*object);
            for (path, value) in changes {
                state.change_source(path, value.clone());
                // A new write of it starts afresh; its read-back judges it again.
                state.diverged.remove(path.as_str());
            }
        }
        Intent::Members {
            group,
            add,
            members,
        } => {
            let state = world.object_mut(*group);
            for member in members {
                if *add {
                    state.members.insert(*member);
                } else {
                    state.members.remove(member);
                }
            }
        }
        Intent::Lookup {
            object: Some(object),
            attr,
            value,
        } => {
            // §3.4: a match links the object: Entra caches its id and reads it by id from then on.
            let found = body.map(check::resources).unwrap_or_default();
            let only = match found {
                [only] => Some(only),
                _ => None,
            };
            let id = only
                .filter(|r| {
                    attr.get(r)
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.eq_ignore_ascii_case(value))
                })
                .and_then(|r| r.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let state = world.object_mut(*object);
            if let (None, Some(id)) = (&state.id, id) {
                adopt_id(state, id, step);
            }
        }
        Intent::Manager { user, manager } => {
            world.object_mut(*user).manager = *manager;
        }
        Intent::Raw
        | Intent::Lookup { .. }
        | Intent::Get { .. }
        | Intent::Delete { .. }
        | Intent::Sync { .. } => {}
    }
}

/// Takes the server's id for the object, unless it cannot address it: then the object is
/// absent for every later step (not run, blamed on this step's `RESOURCE_SHAPE` finding),
/// and no request is ever built with that id.
fn adopt_id(state: &mut ObjectState, id: String, step: &str) {
    let Some(problem) = crate::id::problem(&id) else {
        state.id = Some(id);
        return;
    };
    let kind = PremiseKind::UnusableId {
        object: state.name.clone(),
        id,
        problem,
    };
    let blame = Blame {
        step: step.to_owned(),
        check: CheckId::ResourceShape,
    };
    state.absent = Some(Premise::blamed(kind, Some(blame)));
}

/// After a failed read-back, Entra's view takes what the server really holds, so one defect
/// is reported once, at the step that showed it, and not again by every later step. What
/// was taken over is remembered with the finding (`diverged`): a later step about the value
/// Entra wrote has lost its premise and is not run.
pub(crate) fn adopt(
    world: &mut World,
    intent: &Intent,
    checks: &[CheckResult],
    body: &Value,
    step: &str,
) {
    let Some((object, _)) = intent.written() else {
        return;
    };
    let failed = |id: CheckId| checks.iter().any(|c| c.id == id && !c.passed());
    let failed_paths: Vec<AttrPath> = checks
        .iter()
        .filter(|c| c.id == CheckId::Attribute && !c.passed())
        .filter_map(|c| c.target.attribute().cloned())
        .collect();
    let members_failed = failed(CheckId::Members);
    let manager_failed = failed(CheckId::Manager);
    let manager = body
        .get(crate::scim::ENTERPRISE_USER_SCHEMA)
        .and_then(|ext| ext.get("manager"))
        .and_then(|m| m.get("value"))
        .and_then(Value::as_str)
        .and_then(|id| world.with_server_id(id));
    let members: Vec<ObjectId> = check::member_ids(body)
        .iter()
        .filter_map(|id| world.with_server_id(id))
        .collect();
    let state = world.object_mut(object);
    let blame = Blame {
        step: step.to_owned(),
        check: CheckId::Attribute,
    };
    for path in failed_paths {
        let actual = path.get(body).filter(|v| !v.is_null()).cloned();
        state.set(&path, actual);
        state
            .diverged
            .insert(path.as_str().to_owned(), blame.clone());
    }
    if members_failed {
        state.members = members.into_iter().collect();
    }
    if manager_failed {
        state.manager = manager;
    }
}
