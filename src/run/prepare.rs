//! Turning a step's action into a request, given what Entra knows (the [`World`]).

use serde_json::{Map, Value};

use super::outcome::{Blame, Premise, PremiseKind};
use super::world::{typed, ObjectState, World};
use crate::attributes::{AttrPath, Attribute, AttributeTables, Produced, ResourceKind};
use crate::http::Request;
use crate::plan::{
    Action, EntraAction, JsonTemplate, MemberRefs, MembersOp, ObjectId, PatchForm, RawRequest,
    Template,
};
use crate::profile::{AppRole, Change, Renderer};
use crate::scim;

/// What a request is about, so the checks and the effects know what to compare and change.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Intent {
    /// A raw request.
    Raw,
    /// A filter query for `value` at `attr`; `object` is the object looked for, if any.
    Lookup {
        object: Option<ObjectId>,
        attr: AttrPath,
        value: String,
    },
    Get {
        object: ObjectId,
        kind: ResourceKind,
    },
    Create {
        object: ObjectId,
        kind: ResourceKind,
    },
    Update {
        object: ObjectId,
        kind: ResourceKind,
        changes: Vec<(AttrPath, Value)>,
    },
    Members {
        group: ObjectId,
        add: bool,
        members: Vec<ObjectId>,
    },
    Delete {
        object: ObjectId,
        kind: ResourceKind,
    },
    /// §3.6: the user's manager set to another object (or removed).
    Manager {
        user: ObjectId,
        manager: Option<ObjectId>,
    },
    /// §3.4: the next cycle's read of a user, compared with Entra's source.
    Sync { object: ObjectId },
}

impl Intent {
    /// Whether this is Entra's Test Connection probe (a lookup of no declared object).
    pub(crate) fn is_probe(&self) -> bool {
        matches!(self, Intent::Lookup { object: None, .. })
    }

    /// Every object the request is about.
    pub(crate) fn objects(&self) -> Vec<ObjectId> {
        match self {
            Intent::Raw | Intent::Lookup { object: None, .. } => Vec::new(),
            Intent::Lookup {
                object: Some(object),
                ..
            }
            | Intent::Get { object, .. }
            | Intent::Create { object, .. }
            | Intent::Update { object, .. }
            | Intent::Delete { object, .. }
            | Intent::Sync { object } => vec![*object],
            Intent::Members { group, members, .. } => std::iter::once(*group)
                .chain(members.iter().copied())
                .collect(),
            Intent::Manager { user, manager } => std::iter::once(*user).chain(*manager).collect(),
        }
    }

    /// The object a write changes, and its kind.
    pub(crate) fn written(&self) -> Option<(ObjectId, ResourceKind)> {
        match self {
            Intent::Create { object, kind } | Intent::Update { object, kind, .. } => {
                Some((*object, *kind))
            }
            Intent::Members { group, .. } => Some((*group, ResourceKind::Group)),
            Intent::Manager { user, .. } => Some((*user, ResourceKind::User)),
            _ => None,
        }
    }
}

/// A request ready to send, and what it is about.
pub(crate) struct Prepared {
    pub(crate) request: Request,
    pub(crate) intent: Intent,
}

/// Renders an action. An `Err` is the premise the step lacks (an earlier finding left it
/// without an object, an id or a variable).
pub(crate) fn prepare(
    world: &World,
    renderer: &Renderer,
    tables: &AttributeTables,
    action: &Action,
) -> Result<Prepared, Premise> {
    match action {
        Action::Raw(raw) => raw_request(world, renderer, raw).map(|request| Prepared {
            request,
            intent: Intent::Raw,
        }),
        Action::Entra(action) => entra(world, renderer, tables, action),
    }
}

fn entra(
    world: &World,
    renderer: &Renderer,
    tables: &AttributeTables,
    action: &EntraAction,
) -> Result<Prepared, Premise> {
    use EntraAction as A;
    let (request, intent) = match action {
        A::TestConnection => test_connection(renderer, tables),
        A::LookupUser { user: name, by } => {
            let attr = by.clone().unwrap_or_else(|| tables.user.matching.clone());
            lookup(world, renderer, ResourceKind::User, *name, attr)?
        }
        A::LookupGroup { group: name } => lookup(
            world,
            renderer,
            ResourceKind::Group,
            *name,
            tables.group.matching.clone(),
        )?,
        A::LookupGroupOtherCase { group: name } => {
            let attr = tables.group.matching.clone();
            lookup_cased(world, renderer, ResourceKind::Group, *name, attr, true)?
        }
        A::GetUser { user: name } => read(world, renderer, ResourceKind::User, *name)?,
        A::GetGroup { group: name } => read(world, renderer, ResourceKind::Group, *name)?,
        A::SyncUser { user: name } => (
            renderer.get(ResourceKind::User, id(world, *name)?),
            Intent::Sync { object: *name },
        ),
        A::CreateUser { user: name } | A::CreateGroup { group: name } => {
            create(world, renderer, *name, false)?
        }
        A::CreateGroupAdscim { group: name } => create(world, renderer, *name, true)?,
        A::UpdateUser {
            user: name,
            set,
            form,
        } => update(world, renderer, *name, set, *form)?,
        A::UpdateGroup { group: name, set } => {
            update(world, renderer, *name, set, PatchForm::PerAttribute)?
        }
        A::DisableUser { user: name } => set_active(world, renderer, *name, false)?,
        A::EnableUser { user: name } => set_active(world, renderer, *name, true)?,
        A::SetManager { user, manager } => set_manager(world, renderer, *user, Some(*manager))?,
        A::RemoveManager { user } => set_manager(world, renderer, *user, None)?,
        A::AddAppRole { user } => add_app_role(world, renderer, tables, *user)?,
        A::ClearManager { user } => {
            let (_, intent) = set_manager(world, renderer, *user, None)?;
            (renderer.clear_manager(id(world, *user)?), intent)
        }
        A::LookupUserByEachFilter { user } => match *user {},
        A::AddNewMembers { group, .. } => {
            // Provisioned by the runner, which never hands it here.
            return Err(no_id(world.object(*group)));
        }
        A::DeleteUser { user: name } => delete(world, renderer, ResourceKind::User, *name)?,
        A::DeleteGroup { group: name } => delete(world, renderer, ResourceKind::Group, *name)?,
        A::AddMembers {
            group,
            members,
            refs,
            op,
        } => members_of(
            world,
            renderer,
            *group,
            members,
            Membership::Add(*refs, *op),
        )?,
        A::RemoveMembers {
            group,
            members,
            one_op_each,
        } => members_of(
            world,
            renderer,
            *group,
            members,
            Membership::Remove { each: *one_op_each },
        )?,
    };
    Ok(Prepared { request, intent })
}

type Rendered = (Request, Intent);

/// §2.1: the probe, a lookup of a random GUID by the matching attribute.
fn test_connection(renderer: &Renderer, tables: &AttributeTables) -> Rendered {
    let guid = uuid::Uuid::new_v4().to_string();
    let attr = tables.user.matching.clone();
    let request = renderer.test_connection(&attr, &guid);
    let intent = Intent::Lookup {
        object: None,
        attr,
        value: guid,
    };
    (request, intent)
}

fn read(
    world: &World,
    renderer: &Renderer,
    kind: ResourceKind,
    name: ObjectId,
) -> Result<Rendered, Premise> {
    let intent = Intent::Get { object: name, kind };
    Ok((renderer.get(kind, id(world, name)?), intent))
}

fn delete(
    world: &World,
    renderer: &Renderer,
    kind: ResourceKind,
    name: ObjectId,
) -> Result<Rendered, Premise> {
    let intent = Intent::Delete { object: name, kind };
    Ok((renderer.delete(kind, id(world, name)?), intent))
}

fn create(
    world: &World,
    renderer: &Renderer,
    name: ObjectId,
    adscim: bool,
) -> Result<Rendered, Premise> {
    let object = world.object(name);
    // A fallback group that leaves the ADSCIM schema out is created without it.
    let dropped = object
        .fallback
        .as_ref()
        .is_some_and(|f| super::fallback::drops_adscim(&f.changes));
    let request = match object.kind {
        ResourceKind::User => renderer.create_user(&object.create_values()),
        ResourceKind::Group => renderer.create_group(&object.create_values(), adscim && !dropped),
    };
    let intent = Intent::Create {
        object: name,
        kind: object.kind,
    };
    Ok((request, intent))
}

fn update(
    world: &World,
    renderer: &Renderer,
    name: ObjectId,
    set: &[(Attribute, Template)],
    form: PatchForm,
) -> Result<Rendered, Premise> {
    let object = world.object(name);
    let mut changes = Vec::new();
    for (attribute, template) in set {
        let value = typed(attribute.ty, world.render(template)?);
        changes.push((attribute.path.clone(), value));
    }
    let on_wire = to_changes(object, &changes);
    let request = renderer.patch_form(object.kind, id(world, name)?, &on_wire, form);
    let intent = Intent::Update {
        object: name,
        kind: object.kind,
        changes,
    };
    Ok((request, intent))
}

/// §3.7: the disable (and re-enable), `active` in the profile's boolean form.
fn set_active(
    world: &World,
    renderer: &Renderer,
    name: ObjectId,
    active: bool,
) -> Result<Rendered, Premise> {
    let path = AttrPath::parse("active").map_err(|_| no_id(world.object(name)))?;
    let request = renderer.set_active(id(world, name)?, active);
    let intent = Intent::Update {
        object: name,
        kind: ResourceKind::User,
        changes: vec![(path, Value::Bool(active))],
    };
    Ok((request, intent))
}

/// §3.6: the manager set to another object, or removed.
fn set_manager(
    world: &World,
    renderer: &Renderer,
    name: ObjectId,
    manager: Option<ObjectId>,
) -> Result<Rendered, Premise> {
    let manager_id = match manager {
        Some(manager) => Some(id(world, manager)?),
        None => None,
    };
    let present = world.object(name).manager.is_some();
    let request = renderer.set_manager(id(world, name)?, manager_id, present);
    let intent = Intent::Manager {
        user: name,
        manager,
    };
    Ok((request, intent))
}

/// §3.5, Q6: a new app role for the user. The read-back expects the roles it held and the
/// new one (RFC 7644 §3.5.2.1: `add` appends to a multi-valued attribute; with
/// `AssertiveAppRoleAssignmentsComplex` the `replace` carries them all), in the form the
/// server must store for Entra's next cycle to see no change.
fn add_app_role(
    world: &World,
    renderer: &Renderer,
    tables: &AttributeTables,
    name: ObjectId,
) -> Result<Rendered, Premise> {
    let object = world.object(name);
    let path = AttrPath::parse("roles").map_err(|_| no_id(object))?;
    let value = match world.generated(
        &object.name,
        ResourceKind::User,
        &path,
        crate::attributes::AttrType::String,
    ) {
        Value::String(value) => value,
        other => other.to_string(),
    };
    let role = AppRole {
        id: uuid::Uuid::new_v4().to_string(),
        display: format!("{value}-display"),
        value,
    };
    let held = match object.value(path.as_str()) {
        Some(Value::Array(held)) => held.clone(),
        _ => Vec::new(),
    };
    let assertive = tables
        .user
        .get(path.as_str())
        .is_some_and(|row| row.produced == Some(Produced::AssertiveAppRoles));
    let (request, roles) = if assertive {
        renderer.replace_app_roles(id(world, name)?, &held, &role)
    } else {
        let (request, stored) = renderer.add_app_role(id(world, name)?, &role);
        let mut roles = held;
        roles.push(stored);
        (request, Value::Array(roles))
    };
    let intent = Intent::Update {
        object: name,
        kind: ResourceKind::User,
        changes: vec![(path, roles)],
    };
    Ok((request, intent))
}

/// How a membership PATCH is written (§4.3).
#[derive(Clone, Copy)]
enum Membership {
    /// Added in one op (`Add`, or a `Replace` carrying only the new members), the member
    /// objects as given (Q7).
    Add(Option<MemberRefs>, MembersOp),
    /// Removed in the profile's form, or (`each`) one `Remove` op per member.
    Remove { each: bool },
}

/// §4.3: members added or removed in one PATCH.
fn members_of(
    world: &World,
    renderer: &Renderer,
    group: ObjectId,
    members: &[ObjectId],
    how: Membership,
) -> Result<Rendered, Premise> {
    let ids = members
        .iter()
        .map(|&m| id(world, m).map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()?;
    let group_id = id(world, group)?;
    let (request, add) = match how {
        Membership::Add(refs, op) => (renderer.add_members_with(group_id, &ids, refs, op), true),
        Membership::Remove { each: false } => (renderer.remove_members(group_id, &ids), false),
        Membership::Remove { each: true } => (renderer.remove_members_each(group_id, &ids), false),
    };
    let intent = Intent::Members {
        group,
        add,
        members: members.to_vec(),
    };
    Ok((request, intent))
}

/// Each change with whether Entra's view holds a value there (the profile picks the op).
fn to_changes(object: &ObjectState, changes: &[(AttrPath, Value)]) -> Vec<Change> {
    changes
        .iter()
        .map(|(path, value)| Change {
            present: object.value(path.as_str()).is_some(),
            path: path.clone(),
            value: value.clone(),
        })
        .collect()
}

/// The lookup of `name` by `attr`, as Entra sends it (§3.3, §3.4); for the next matching
/// attribute (§3.1) too.
pub(crate) fn lookup_by(
    world: &World,
    renderer: &Renderer,
    kind: ResourceKind,
    name: ObjectId,
    attr: AttrPath,
) -> Result<(Request, Intent), Premise> {
    lookup(world, renderer, kind, name, attr)
}

/// Every letter in the other case: `scimcheck-ab12-team` → `SCIMCHECK-AB12-TEAM`.
fn swap_case(value: &str) -> String {
    value
        .chars()
        .flat_map(|c| {
            let upper: Vec<char> = c.to_uppercase().collect();
            if upper == [c] {
                c.to_lowercase().collect::<Vec<_>>()
            } else {
                upper
            }
        })
        .collect()
}

fn lookup(
    world: &World,
    renderer: &Renderer,
    kind: ResourceKind,
    name: ObjectId,
    attr: AttrPath,
) -> Result<(Request, Intent), Premise> {
    lookup_cased(world, renderer, kind, name, attr, false)
}

/// A lookup by Entra's value, or (`other_case`, Q14) by that value in another case.
fn lookup_cased(
    world: &World,
    renderer: &Renderer,
    kind: ResourceKind,
    name: ObjectId,
    attr: AttrPath,
    other_case: bool,
) -> Result<(Request, Intent), Premise> {
    let object = world.object(name);
    if let Some(blame) = &object.never_created {
        return Err(never_created(object, blame));
    }
    // Entra looks an object up by its source's value. Where an earlier write of it was not
    // stored, that lookup would find nothing: a consequence of that finding, not a defect
    // of its own (and a lookup by the server's value would test something else).
    if let Some(blame) = object.diverged.get(attr.as_str()) {
        return Err(Premise::blamed(
            PremiseKind::NotStored {
                object: object.name.clone(),
                attr: attr.clone(),
            },
            Some(blame.clone()),
        ));
    }
    let value = match object.source_value(attr.as_str()) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => return Err(no_id(object)),
    };
    let value = if other_case { swap_case(&value) } else { value };
    let request = renderer.lookup(kind, &attr, &value);
    Ok((
        request,
        Intent::Lookup {
            object: Some(name),
            attr,
            value,
        },
    ))
}

/// The object's server id, or why it has none.
pub(crate) fn id(world: &World, name: ObjectId) -> Result<&str, Premise> {
    let object = world.object(name);
    if let Some(id) = object.id.as_deref() {
        return Ok(id);
    }
    if let Some(absent) = &object.absent {
        return Err(absent.clone());
    }
    Err(match &object.never_created {
        Some(blame) => never_created(object, blame),
        None => no_id(object),
    })
}

fn no_id(object: &ObjectState) -> Premise {
    Premise::new(PremiseKind::NoId {
        object: object.name.clone(),
    })
}

fn never_created(object: &ObjectState, blame: &Blame) -> Premise {
    Premise::blamed(
        PremiseKind::NeverCreated {
            object: object.name.clone(),
            kind: object.kind,
        },
        Some(blame.clone()),
    )
}

fn raw_request(world: &World, renderer: &Renderer, raw: &RawRequest) -> Result<Request, Premise> {
    let target = world.render_path(&raw.path)?;
    let mut headers = Vec::new();
    for (name, value) in &raw.headers {
        headers.push((name.clone(), world.render(value)?));
    }
    let body = match &raw.body {
        Some(body) => Some(render_json(world, body)?.to_string()),
        None => None,
    };
    let mut request = renderer.raw(raw.method, target, body, raw.send_token);
    // The scenario's own headers win over the profile's.
    request
        .headers
        .retain(|(n, _)| !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n)));
    request.headers.extend(headers);
    if request.body.is_some()
        && !request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        request
            .headers
            .push(("Content-Type".into(), scim::MEDIA_TYPE.into()));
    }
    Ok(request)
}

/// A JSON template with every string rendered.
pub(crate) fn render_json(world: &World, template: &JsonTemplate) -> Result<Value, Premise> {
    Ok(match template {
        JsonTemplate::Null => Value::Null,
        JsonTemplate::Bool(b) => Value::Bool(*b),
        JsonTemplate::Number(n) => Value::Number(n.clone()),
        JsonTemplate::String(t) => Value::String(world.render(t)?),
        JsonTemplate::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_json(world, i))
                .collect::<Result<_, _>>()?,
        ),
        JsonTemplate::Object(fields) => {
            let mut map = Map::new();
            for (key, value) in fields {
                map.insert(key.clone(), render_json(world, value)?);
            }
            Value::Object(map)
        }
    })
}
