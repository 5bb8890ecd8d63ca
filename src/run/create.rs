//! Creates that go on: Entra's exact create, and when the server refuses it, the bounded
//! fallback tries of `fallback.rs`; and the members a batch step creates before its PATCH.

use futures_util::{stream, StreamExt};
use serde_json::Value;

use super::fallback::{self, MAX_TRIES};
use super::outcome::{Blame, FallbackChange, NotRun, Premise, StepStatus};
use super::prepare::{self, Intent, Prepared};
use super::record::Record;
use super::runner::{record_sent, Ended, Runner, Sent};
use super::step::apply;
use super::world::World;
use crate::attributes::ResourceKind;
use crate::check::server_error::ServerError;
use crate::check::{self, CheckId, ExchangeRef, Finding};
use crate::http::{Received, Request};
use crate::plan::{ObjectDecl, ObjectId, StepPlan};
use crate::profile::Renderer;

/// An `add-new-members` step's parameters.
pub(super) struct Batch {
    pub(super) group: ObjectId,
    pub(super) count: usize,
    pub(super) one_op_each: bool,
}

/// The accepted answer of a create: where it was recorded, and its body.
pub(super) type Answer = (ExchangeRef, Received, Option<Value>);

impl Runner<'_> {
    /// After Entra's exact create of `object` was refused (`refused`, the status finding):
    /// reduced creates derived from the server's answers, each recorded. The answer of the
    /// one that succeeded marks the object as a fallback; when none does, the object was
    /// never created, and that is the premise later steps lack.
    #[expect(
        clippy::too_many_arguments,
        reason = "the step's context, passed as it is"
    )]
    pub(super) async fn fall_back(
        &self,
        world: &mut World,
        renderer: &Renderer,
        object: ObjectId,
        step: &StepPlan,
        prepared: &Prepared,
        refused: Option<Finding>,
        record: &mut Record,
    ) -> Result<Option<Answer>, Ended> {
        let adscim = prepared
            .request
            .body
            .as_deref()
            .is_some_and(|b| b.contains(crate::scim::ADSCIM_GROUP_SCHEMA));
        let error = refused.and_then(|f| f.server_error().cloned());
        let sent = prepared
            .request
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        let tried = match error {
            Some(error) => {
                self.retry_create(world, renderer, object, adscim, error, sent, record)
                    .await?
            }
            None => None,
        };
        let Some(((at, received), changes)) = tried else {
            world.object_mut(object).never_created = Some(Blame {
                step: step.id.clone(),
                check: CheckId::Status,
            });
            return Ok(None);
        };
        let state = world.object(object);
        let note = fallback::note(&state.name, state.kind, &step.id, changes);
        record.on_fallback(note.clone());
        world.learn(&note);
        world.object_mut(object).fallback = Some(note);
        // Parsed as far as the step reads it: its captures read this answer.
        let reads = super::step::reads(world, step, &prepared.intent);
        let body = check::parse_reading(&received.body, &reads).ok();
        Ok(Some((at, received, body)))
    }

    /// Up to [`MAX_TRIES`] reduced creates, each derived from the last refusal. The answer
    /// that was accepted, with every change made, or `None` when the answers name nothing
    /// more to change or the tries run out.
    #[expect(
        clippy::too_many_arguments,
        reason = "the step's context, passed as it is"
    )]
    async fn retry_create(
        &self,
        world: &mut World,
        renderer: &Renderer,
        object: ObjectId,
        adscim: bool,
        mut error: ServerError,
        mut sent: Option<Value>,
        record: &mut Record,
    ) -> Result<Option<((ExchangeRef, Received), Vec<FallbackChange>)>, Ended> {
        let mut changes: Vec<FallbackChange> = Vec::new();
        for _ in 0..MAX_TRIES {
            let state = world.object(object);
            let with_adscim = adscim && !fallback::drops_adscim(&changes);
            let new = fallback::derive(&error, sent.as_ref(), state, with_adscim);
            if new.is_empty() {
                return Ok(None);
            }
            fallback::apply(world, object, &new);
            changes.extend(new);
            let request = create_request(world, renderer, object, adscim, &changes);
            let intent = Intent::Create {
                object,
                kind: world.object(object).kind,
            };
            self.create_answered(world, &intent, None);
            let (at, received) = self.send_recorded(&request, record, false).await?;
            self.create_answered(world, &intent, Some(received.status));
            if (200..300).contains(&received.status) {
                return Ok(Some(((at, received), changes)));
            }
            let Some(next) = ServerError::parse(&received) else {
                return Ok(None);
            };
            error = next;
            sent = request
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok());
        }
        Ok(None)
    }

    /// §4.3, `add-new-members`: provisions the users first (members are referenced by their
    /// SCIM id), then renders the one PATCH that adds them all. The users are setup: a
    /// refused create falls back as a scenario's create would (and the changes carry over to
    /// the next members), and only a member that cannot be created at all is a failed check.
    pub(super) async fn provision(
        &self,
        world: &mut World,
        renderer: &Renderer,
        batch: &Batch,
        step: &StepPlan,
        record: &mut Record,
    ) -> Result<Prepared, Ended> {
        let group_id = prepare::id(world, batch.group)
            .map(str::to_owned)
            .map_err(|p| (StepStatus::NotRun(NotRun::Premise(p)), None))?;
        let mut members = Vec::new();
        let mut ids = Vec::new();
        let learned = world.learned(ResourceKind::User).cloned();
        let mut changes: Vec<FallbackChange> = learned
            .as_ref()
            .map(|l| l.changes.clone())
            .unwrap_or_default();
        let group = world.object(batch.group).name.clone();
        let first = world.count_with_prefix(&format!("{group}-new")) + 1;
        let names: Vec<String> = (first..first + batch.count)
            .map(|n| format!("{group}-new{n}"))
            .collect();
        // The first member alone: what it needed the others are sent with at once. The rest
        // go `jobs` at once, and are recorded in order.
        let Some((head, rest)) = names.split_first() else {
            return Err((StepStatus::Failed, None));
        };
        let (member, request) = self.member_request(world, renderer, head, &changes)?;
        let sent = self.send_retrying(&request).await;
        let created = Member {
            id: member,
            name: head,
            request: &request,
        };
        if let Some(id) = self
            .finish_member(world, renderer, created, sent, step, &mut changes, record)
            .await?
        {
            members.push(member);
            ids.push(id);
        }
        let mut requests = Vec::new();
        for name in rest {
            requests.push(self.member_request(world, renderer, name, &changes)?);
        }
        // Each answer is recorded as it comes, in order, so that at most `jobs` whole
        // answers are held at once, not every member's (a server that answers each create
        // with a 2 MB resource would otherwise hold 120 of them).
        let mut answers = stream::iter(&requests)
            .map(|(_, request)| self.send_retrying(request))
            .buffered(self.jobs);
        for (name, (member, request)) in rest.iter().zip(&requests) {
            let Some(sent) = answers.next().await else {
                break;
            };
            let created = Member {
                id: *member,
                name,
                request,
            };
            if let Some(id) = self
                .finish_member(world, renderer, created, sent, step, &mut changes, record)
                .await?
            {
                members.push(*member);
                ids.push(id);
            }
        }
        if !changes.is_empty() && learned.is_none() {
            world.learn(&fallback::note(
                "the new members",
                ResourceKind::User,
                &step.id,
                changes,
            ));
        }
        batch_patch(renderer, batch, &group_id, members, &ids)
    }

    /// Declares one batch member, reduced by the `changes` earlier members needed, and
    /// registers it for cleanup; the member and its create.
    fn member_request(
        &self,
        world: &mut World,
        renderer: &Renderer,
        name: &str,
        changes: &[FallbackChange],
    ) -> Result<(ObjectId, Request), Ended> {
        let decl = ObjectDecl {
            name: name.to_owned(),
            kind: ResourceKind::User,
            values: Default::default(),
            existing: false,
        };
        let premise = |p: Premise| (StepStatus::NotRun(NotRun::Premise(p)), None);
        let member = world.declare(&decl, self.tables).map_err(premise)?;
        fallback::apply(world, member, changes);
        self.register(world, member, ResourceKind::User);
        Ok((member, create_request(world, renderer, member, false, &[])))
    }

    /// Records a batch member's create and takes over its server id, or falls back when the
    /// server refused it; `None` when the server refused every try (a failed check of the
    /// step).
    #[expect(
        clippy::too_many_arguments,
        reason = "the step's context, passed as it is"
    )]
    async fn finish_member(
        &self,
        world: &mut World,
        renderer: &Renderer,
        created: Member<'_>,
        sent: Sent,
        step: &StepPlan,
        changes: &mut Vec<FallbackChange>,
        record: &mut Record,
    ) -> Result<Option<String>, Ended> {
        let Member {
            id: member,
            name,
            request,
        } = created;
        let (at, received) = record_sent(sent, record, false)?;
        let created = Intent::Create {
            object: member,
            kind: ResourceKind::User,
        };
        self.create_answered(world, &created, Some(received.status));
        let mut answer = (200..300)
            .contains(&received.status)
            .then(|| received.clone());
        if answer.is_none() {
            let refused = check::status(&received, &[201]);
            let error = refused.finding().and_then(Finding::server_error).cloned();
            let sent = request
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok());
            if let Some(error) = error {
                let tried = self
                    .retry_create(world, renderer, member, false, error, sent, record)
                    .await?;
                if let Some(((_, accepted), more)) = tried {
                    changes.extend(more);
                    answer = Some(accepted);
                }
            }
            if answer.is_none() {
                record.judge(at, [refused]);
                return Ok(None);
            }
        }
        // `apply` reads the created id; the rest of the answer is not parsed.
        let body = answer
            .as_ref()
            .and_then(|r| check::parse_reading(&r.body, &check::Reads::common()).ok());
        let intent = Intent::Create {
            object: member,
            kind: ResourceKind::User,
        };
        apply(world, &intent, body.as_ref(), &step.id);
        self.record_fate(world, &intent, 201);
        if !changes.is_empty() {
            // Where the refusal first showed: an earlier step's create, or this batch.
            let at = world
                .learned(ResourceKind::User)
                .map_or_else(|| step.id.clone(), |l| l.step.clone());
            let note = fallback::note(name, ResourceKind::User, &at, changes.clone());
            record.on_fallback(note.clone());
            world.object_mut(member).fallback = Some(note);
        }
        Ok(world.object(member).id.clone())
    }
}

/// A batch member: its object, its name and its create as sent.
struct Member<'m> {
    id: ObjectId,
    name: &'m str,
    request: &'m Request,
}

/// The one PATCH adding the members that were created, in the batch's form.
fn batch_patch(
    renderer: &Renderer,
    batch: &Batch,
    group_id: &str,
    members: Vec<ObjectId>,
    ids: &[String],
) -> Result<Prepared, Ended> {
    if ids.is_empty() {
        // Every member create failed: those failures are the step's result.
        return Err((StepStatus::Failed, None));
    }
    let request = if batch.one_op_each {
        renderer.add_members_each(group_id, ids)
    } else {
        renderer.add_members(group_id, ids)
    };
    let intent = Intent::Members {
        group: batch.group,
        add: true,
        members,
    };
    Ok(Prepared { request, intent })
}

/// The create for `object` as Entra's view now holds it.
fn create_request(
    world: &World,
    renderer: &Renderer,
    object: ObjectId,
    adscim: bool,
    changes: &[FallbackChange],
) -> Request {
    let state = world.object(object);
    let values = state.create_values();
    match state.kind {
        ResourceKind::User => renderer.create_user(&values),
        ResourceKind::Group => {
            renderer.create_group(&values, adscim && !fallback::drops_adscim(changes))
        }
    }
}
