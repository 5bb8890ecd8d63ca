//! The runner: scenarios × profiles, then cleanup.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Semaphore};

use super::cleanup::{Fate, Ledger, LedgerView};
use super::event::RunEvent;
use super::matching::Matched;
use super::outcome::{
    Fallback, NotRun, Premise, PremiseKind, RunSummary, ScenarioOutcome, StepOutcome, StepStatus,
};
use super::prepare::{prepare, render_json, Intent, Prepared};
use super::record::{not_run, KeptBodies, Record};
use super::schedule::{Slot, Start};
use super::step::{adopt, apply, check_read_back, check_response};
use super::throttle::Throttling;
use super::world::World;
use crate::attributes::{AttributeTables, ResourceKind};
use crate::check::{CheckId, CheckResult, ExchangeRef, Finding, Target, WriteAnswer};
use crate::http::{Client, Exchange, Received, Request};
use crate::plan::{Action, EntraAction, ObjectId, Plan, ScenarioPlan, StepPlan};
use crate::profile::{Profile, Renderer};

/// Becomes `true` when the run must stop (Ctrl-C).
pub type Interrupt = watch::Receiver<bool>;

/// Decides, from the scenarios run so far, whether nothing else can be judged: the id of the
/// blocking cause (`hint:token`), or `None` to go on. The CLI supplies it from the hints, so
/// the runner itself never diagnoses.
pub type StopRule = Box<dyn Fn(&[ScenarioOutcome]) -> Option<String> + Send + Sync>;

/// A short random run id: the `scimcheck-<run id>-` prefix of everything the run creates.
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Runs a plan against one server.
pub struct Runner<'a> {
    pub(super) client: &'a Client,
    pub(super) tables: &'a AttributeTables,
    run_id: String,
    /// Shared with the second Ctrl-C, which prints it ([`Runner::ledger`]).
    ledger: Arc<Mutex<Ledger>>,
    /// Fallbacks learned per profile, handed from one scenario to the next.
    learned: Mutex<Vec<(Profile, Fallback)>>,
    interrupt: Interrupt,
    /// Leave created resources in place (`--keep`).
    pub keep: bool,
    /// Stops the run early when a blocking cause shows (unset: `--keep-going`).
    pub stop_rule: Option<StopRule>,
    /// What a 429 does (`--on-429`).
    pub throttling: Throttling,
    /// The waiting for 429s done so far, against [`Throttling::Honour`]'s budget.
    waited: Mutex<Duration>,
    /// How many scenarios, batch members or cleanup requests go at once (`--jobs`).
    pub(super) jobs: usize,
    /// One permit per request in flight: the whole run shares `jobs` of them.
    permits: Semaphore,
    /// What the reports keep of the bodies (issue 11: bounded memory).
    kept: KeptBodies,
}

/// What sending one request came to: the throttled tries waited out, then the answer, or
/// `None` when the run was interrupted first.
pub(super) struct Sent {
    throttled: Vec<Exchange>,
    last: Option<Exchange>,
}

/// A step whose request could not be answered stops the run: every later request would
/// meet the same wall.
pub(super) struct Abort;

/// How a step ended early: its status, and whether the run must stop.
pub(super) type Ended = (StepStatus, Option<Abort>);

impl<'a> Runner<'a> {
    pub fn new(
        client: &'a Client,
        tables: &'a AttributeTables,
        run_id: String,
        interrupt: Interrupt,
    ) -> Runner<'a> {
        Runner {
            client,
            tables,
            run_id,
            ledger: Arc::default(),
            learned: Mutex::new(Vec::new()),
            interrupt,
            keep: false,
            stop_rule: None,
            throttling: Throttling::default(),
            waited: Mutex::new(Duration::ZERO),
            jobs: 1,
            permits: Semaphore::new(1),
            kept: KeptBodies::default(),
        }
    }

    /// Runs up to `jobs` scenarios, batch members and cleanup requests at once, with as many
    /// requests in flight at most; 1 (the default) is the strict order, one request at a time.
    pub fn set_jobs(&mut self, jobs: usize) {
        self.jobs = jobs.max(1);
        self.permits = Semaphore::new(self.jobs);
    }

    /// Runs every scenario under every profile, then cleans up. Up to `jobs` scenarios run
    /// at once (`schedule.rs`); the events and the summary come in scenario order all the
    /// same.
    pub async fn run(
        &self,
        plan: &Plan,
        profiles: &[Profile],
        on_event: &mut dyn FnMut(RunEvent<'_>),
    ) -> RunSummary {
        let started = Instant::now();
        let scenarios = self.run_scenarios(plan, profiles, on_event).await;
        // Cleanup speaks as Entra does under the run's first profile (its headers, such as
        // `ADSCIMVersion`), like every other request of the run.
        let profile = profiles.first().copied().unwrap_or(Profile::EntraDefault);
        let cleanup = self.cleanup(profile, on_event).await;
        RunSummary {
            run_id: self.run_id.clone(),
            scenarios,
            cleanup,
            interrupted: self.interrupted(),
            elapsed: started.elapsed(),
        }
    }

    /// The ledger of what the run created, for the second Ctrl-C to print.
    pub fn ledger(&self) -> LedgerView {
        LedgerView {
            ledger: Arc::clone(&self.ledger),
            tenant: self.client.tenant().clone(),
        }
    }

    pub(super) fn interrupted(&self) -> bool {
        *self.interrupt.borrow()
    }

    /// Runs one scenario from what the scenarios before it left: whether the run stopped,
    /// and the fallbacks learned. Returns the outcome and the fallbacks learned by then.
    pub(super) async fn run_scenario(
        &self,
        slot: &Slot<'_>,
        start: &Start,
    ) -> (ScenarioOutcome, Vec<Fallback>) {
        let started = Instant::now();
        let (scenario, profile) = (slot.scenario, slot.profile);
        let mut renderer = Renderer::new(profile);
        renderer.base = Some(self.client.tenant().base().to_owned());
        let mut world = World::new(&self.run_id, slot.tag);
        world.slot = slot.index;
        world.learned = start.learned.clone();
        let setup = self.set_up(&mut world, scenario);
        let mut steps = Vec::new();
        let mut stopped = start.stopped.clone();
        for step in &scenario.steps {
            let skip = |kind: PremiseKind| NotRun::Premise(Premise::new(kind));
            let outcome = match (&setup, &stopped) {
                (_, Some(_)) if self.interrupted() => {
                    not_run(step, StepStatus::NotRun(NotRun::Interrupted))
                }
                (_, Some(kind)) => not_run(step, StepStatus::NotRun(skip(kind.clone()))),
                (Err(premise), None) => {
                    not_run(step, StepStatus::NotRun(NotRun::Premise(premise.clone())))
                }
                (Ok(()), None) => {
                    let outcome = self.run_step(&mut world, &renderer, step).await;
                    if outcome.1.is_some() {
                        stopped = Some(PremiseKind::Unreachable);
                    }
                    outcome.0
                }
            };
            steps.push(outcome);
        }
        let outcome = ScenarioOutcome {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            source: scenario.source.clone(),
            profile,
            steps,
            elapsed: started.elapsed(),
        };
        (outcome, world.learned)
    }

    /// The fallbacks the committed scenarios learned under `profile`.
    pub(super) fn learned_for(&self, profile: Profile) -> Vec<Fallback> {
        let learned = self.learned.lock().unwrap_or_else(PoisonError::into_inner);
        learned
            .iter()
            .filter(|(p, _)| *p == profile)
            .map(|(_, f)| f.clone())
            .collect()
    }

    /// Keeps what a committed scenario learned, for the scenarios after it.
    pub(super) fn keep_learned(&self, profile: Profile, fallbacks: &[Fallback]) {
        let mut learned = self.learned.lock().unwrap_or_else(PoisonError::into_inner);
        for fallback in fallbacks {
            let known = learned
                .iter()
                .any(|(p, f)| *p == profile && f.kind == fallback.kind);
            if !known {
                learned.push((profile, fallback.clone()));
            }
        }
    }

    fn set_up(&self, world: &mut World, scenario: &ScenarioPlan) -> Result<(), Premise> {
        for (name, template) in &scenario.vars {
            let value = world.render(template)?;
            world.set_var(name, value);
        }
        // In plan order, so each declared object takes the place its `ObjectId` names; a
        // declaration that fails ends the set-up, and no step of the scenario runs.
        for decl in &scenario.objects {
            world.declare(decl, self.tables)?;
        }
        Ok(())
    }

    async fn run_step(
        &self,
        world: &mut World,
        renderer: &Renderer,
        step: &StepPlan,
    ) -> (StepOutcome, Option<Abort>) {
        let (mut outcome, abort) = self.record_step(world, renderer, step).await;
        self.kept.trim(&mut outcome);
        (outcome, abort)
    }

    async fn record_step(
        &self,
        world: &mut World,
        renderer: &Renderer,
        step: &StepPlan,
    ) -> (StepOutcome, Option<Abort>) {
        let mut record = Record::new();
        let matched = match self.send_step(world, renderer, step, &mut record).await {
            Ok(matched) => matched,
            Err((status, abort)) => return (record.finish(step, status), abort),
        };
        match self
            .judge_step(world, renderer, step, matched, &mut record)
            .await
        {
            Ok(()) => (record.judged(step), None),
            Err((status, abort)) => (record.finish(step, status), abort),
        }
    }

    /// The step's request sent (after the membership probes the profile sends first) and
    /// checked, and, when Entra's lookup found nothing, sent again by the next matching
    /// attribute (§3.1).
    async fn send_step(
        &self,
        world: &mut World,
        renderer: &Renderer,
        step: &StepPlan,
        record: &mut Record,
    ) -> Result<Matched, Ended> {
        let prepared = self.prepare_step(world, renderer, step, record).await?;
        record.note_fallbacks(world, &prepared.intent);
        let probes = super::probe::membership_probes(world, renderer, &step.action);
        self.probe(&probes, record).await?;
        if let Intent::Create { object, kind } = &prepared.intent {
            self.register(world, *object, *kind);
        }
        let raw = self.register_raw(world, step, &prepared);
        let (at, received) = self.send_recorded(&prepared.request, record, true).await?;
        self.create_answered(world, &prepared.intent, Some(received.status));
        if let Some(raw) = raw {
            let id = super::cleanup::created_id(&received);
            self.lock().answered_at(raw, received.status, id);
        }
        let (checks, body) = check_response(world, step, &prepared.intent, &received);
        let first = Matched {
            prepared,
            at,
            received,
            checks,
            body,
        };
        self.match_next(world, renderer, step, first, record).await
    }

    /// Judges the answer, falls back when a create was refused, takes over what an accepted
    /// write changed, and reads it back as Entra would.
    async fn judge_step(
        &self,
        world: &mut World,
        renderer: &Renderer,
        step: &StepPlan,
        matched: Matched,
        record: &mut Record,
    ) -> Result<(), Ended> {
        let Matched {
            prepared,
            at,
            received,
            checks,
            body,
        } = matched;
        if let Some(absent) = not_on_server(world, &prepared.intent, &checks, body.as_ref()) {
            return Err((StepStatus::NotRun(NotRun::Premise(absent)), None));
        }
        let accepted = step.expect.status.is_none() || checks.first().is_some_and(|c| c.passed());
        let refused = checks.first().and_then(CheckResult::finding).cloned();
        record.judge(at, checks);
        if !accepted {
            refused_write(world, &prepared.intent, &step.id);
        }
        let mut answer = accepted.then_some((at, received, body));
        if let (false, Intent::Create { object, .. }) = (accepted, &prepared.intent) {
            answer = self
                .fall_back(world, renderer, *object, step, &prepared, refused, record)
                .await?;
        }
        self.capture(world, step, answer.as_ref(), record);
        let Some((write_at, received, body)) = answer else {
            return Ok(());
        };
        apply(world, &prepared.intent, body.as_ref(), &step.id);
        self.record_fate(world, &prepared.intent, received.status);
        if step.read_back && prepared.intent.written().is_some() {
            let write = WriteAnswer {
                method: record.method(write_at),
                status: received.status,
            };
            self.read_back(world, renderer, &prepared.intent, write, step, record)
                .await?;
        }
        Ok(())
    }

    /// The step's request, or why the step ends before it: a batch provisions its members
    /// first; any other step is rendered from Entra's view, and a missing premise ends it.
    async fn prepare_step(
        &self,
        world: &mut World,
        renderer: &Renderer,
        step: &StepPlan,
        record: &mut Record,
    ) -> Result<Prepared, Ended> {
        if let Action::Entra(EntraAction::AddNewMembers {
            group,
            count,
            one_op_each,
        }) = &step.action
        {
            let batch = super::create::Batch {
                group: *group,
                count: *count,
                one_op_each: *one_op_each,
            };
            return self.provision(world, renderer, &batch, step, record).await;
        }
        let premise = |p: Premise| (StepStatus::NotRun(NotRun::Premise(p)), None);
        if let Action::Entra(action) = &step.action {
            reduce_learned(world, action);
        }
        let prepared = prepare(world, renderer, self.tables, &step.action).map_err(premise)?;
        // The expectation's variables must be there too, before anything is sent.
        if let Some(body) = &step.expect.body {
            render_json(world, body).map_err(premise)?;
        }
        Ok(prepared)
    }

    /// Captures the step's variables from the accepted answer; a capture that finds nothing
    /// in an accepted answer is a failed check.
    fn capture(
        &self,
        world: &mut World,
        step: &StepPlan,
        answer: Option<&super::create::Answer>,
        record: &mut Record,
    ) {
        for capture in &step.captures {
            let Some((at, _, body)) = answer else {
                continue;
            };
            match body.as_ref().and_then(|b| b.pointer(&capture.pointer)) {
                Some(value) => world.capture(
                    &capture.name,
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned),
                ),
                None => record.judge(
                    *at,
                    [CheckResult::fail(
                        CheckId::Capture,
                        Target::Capture(capture.name.clone()),
                        Finding::CaptureMissing {
                            pointer: capture.pointer.clone(),
                        },
                    )],
                ),
            }
        }
    }

    /// Reads back what a write should have stored, the way Entra reads next, and takes over
    /// what the server holds where it differs.
    async fn read_back(
        &self,
        world: &mut World,
        renderer: &Renderer,
        intent: &Intent,
        write: WriteAnswer,
        step: &StepPlan,
        record: &mut Record,
    ) -> Result<(), Ended> {
        let Some((object, kind)) = intent.written() else {
            return Ok(());
        };
        let Some(id) = world.object(object).id.clone() else {
            return Ok(());
        };
        // Users: the GET Entra itself does (§3.5); groups: the whole group, since Entra's
        // own read leaves members out and a membership write must still be verified.
        let request = match kind {
            ResourceKind::User => renderer.get(kind, &id),
            ResourceKind::Group => renderer.get_full(kind, &id),
        };
        let (at, received) = self.send_recorded(&request, record, false).await?;
        let (results, body) = check_read_back(world, intent, write, &received);
        if let Some(body) = body {
            adopt(world, intent, &results, &body, &step.id);
        }
        record.judge(at, results);
        Ok(())
    }

    /// Registers a create before it is sent: if the run is interrupted mid-request, cleanup
    /// still looks for the object by its name.
    pub(super) fn register(&self, world: &World, object: ObjectId, kind: ResourceKind) {
        let state = world.object(object);
        let matching = state
            .value(self.tables.of(kind).matching.as_str())
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default();
        self.lock()
            .created(kind, None, &state.name, &matching, world.slot);
    }

    /// Registers what a scenario's raw `POST` to `/Users` or `/Groups` may create, before it
    /// is sent, as Entra's own creates are: cleanup deletes it, or lists it (issue 11).
    fn register_raw(&self, world: &World, step: &StepPlan, prepared: &Prepared) -> Option<usize> {
        if !matches!(prepared.intent, Intent::Raw) {
            return None;
        }
        let (kind, matching) = super::cleanup::raw_create(&prepared.request, self.tables)?;
        let object = format!("step {}", step.id);
        Some(
            self.lock()
                .created(kind, None, &object, &matching, world.slot),
        )
    }

    /// Notes the status a create was answered with; `None` when it is about to be sent again
    /// (a fallback), since until its answer comes it may exist.
    pub(super) fn create_answered(&self, world: &World, intent: &Intent, status: Option<u16>) {
        if let Intent::Create { object, kind } = intent {
            let state = world.object(*object);
            debug_assert_eq!(state.kind, *kind);
            self.lock().answered(*kind, &state.name, status);
        }
    }

    /// Notes what the ledger must know after an accepted request.
    pub(super) fn record_fate(&self, world: &World, intent: &Intent, status: u16) {
        let mut ledger = self.lock();
        match intent {
            Intent::Create { object, kind } => {
                let state = world.object(*object);
                if let Some(id) = state.id.clone() {
                    if let Some(entry) = ledger.entries.iter_mut().rev().find(|e| {
                        e.slot == world.slot
                            && e.object == state.name
                            && e.kind == *kind
                            && e.id.is_none()
                    }) {
                        entry.id = Some(id);
                    }
                }
            }
            Intent::Delete { object, kind } => {
                if let Some(id) = world.object(*object).id.as_deref() {
                    ledger.set_fate(*kind, id, Fate::Deleted);
                }
            }
            Intent::Get { object, kind } if status == 404 => {
                if let Some(id) = world.object(*object).id.as_deref() {
                    ledger.set_fate(*kind, id, Fate::Gone);
                }
            }
            _ => {}
        }
    }

    /// Sends and records the exchange (as the step's own request when `own`); an answer, or
    /// how the step ends: interrupted, or no answer (which stops the run). A 429 is waited out
    /// and sent again as [`Throttling`] says; each throttled try is recorded, and one without
    /// `Retry-After` is a finding.
    pub(super) async fn send_recorded(
        &self,
        request: &Request,
        record: &mut Record,
        own: bool,
    ) -> Result<(ExchangeRef, Received), Ended> {
        let sent = self.send_retrying(request).await;
        record_sent(sent, record, own)
    }

    /// Sends, waiting out 429s as [`Throttling`] says; records nothing, so batch members can
    /// be sent at once and recorded in order afterwards.
    pub(super) async fn send_retrying(&self, request: &Request) -> Sent {
        let mut throttled = Vec::new();
        let mut attempt = 0;
        loop {
            let Some(exchange) = self.send(request).await else {
                return Sent {
                    throttled,
                    last: None,
                };
            };
            if let Some(response) = exchange.response().filter(|r| r.status == 429) {
                attempt += 1;
                if let Some(wait) = self.may_wait(response, attempt) {
                    throttled.push(exchange);
                    if !self.pause(wait).await {
                        return Sent {
                            throttled,
                            last: None,
                        };
                    }
                    continue;
                }
            }
            return Sent {
                throttled,
                last: Some(exchange),
            };
        }
    }

    /// How long to wait before try `attempt` after a 429, if the policy and the run's
    /// waiting budget allow another try.
    fn may_wait(&self, throttled: &Received, attempt: u32) -> Option<Duration> {
        let Throttling::Honour {
            retries,
            longest,
            budget,
        } = self.throttling
        else {
            return None;
        };
        if attempt > retries {
            return None;
        }
        let wait = super::throttle::wait(throttled, attempt, longest);
        let mut waited = self.waited.lock().unwrap_or_else(PoisonError::into_inner);
        (*waited + wait <= budget).then(|| {
            *waited += wait;
            wait
        })
    }

    /// Sends a cleanup request: a 429 is waited out as for a step, since cleanup must still
    /// delete; each throttled try is kept in `exchanges`. Cleanup also runs after Ctrl-C, so
    /// this is not interrupted.
    pub(super) async fn send_for_cleanup(
        &self,
        request: &Request,
        exchanges: &mut Vec<Exchange>,
    ) -> Exchange {
        let mut attempt = 0;
        loop {
            let exchange = {
                // The semaphore is never closed, so a permit always comes.
                let _permit = self.permits.acquire().await.ok();
                self.client.send(request).await
            };
            if let Some(throttled) = exchange.response().filter(|r| r.status == 429) {
                attempt += 1;
                if let Some(wait) = self.may_wait(throttled, attempt) {
                    exchanges.push(exchange.kept());
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return exchange;
        }
    }

    /// Waits, unless interrupted first (`false`).
    async fn pause(&self, wait: Duration) -> bool {
        let mut interrupt = self.interrupt.clone();
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            _ = interrupt.wait_for(|stop| *stop) => false,
        }
    }

    /// Sends, unless interrupted first (`None`).
    pub(super) async fn send(&self, request: &Request) -> Option<Exchange> {
        let mut interrupt = self.interrupt.clone();
        if *interrupt.borrow() {
            return None;
        }
        let _permit = tokio::select! {
            permit = self.permits.acquire() => permit.ok(),
            _ = interrupt.wait_for(|stop| *stop) => return None,
        };
        tokio::select! {
            exchange = self.client.send(request) => Some(exchange),
            _ = interrupt.wait_for(|stop| *stop) => None,
        }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // A panic while holding the lock cannot leave the ledger half-written: every update is
        // one assignment, so a poisoned lock is still safe to read.
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A create of an object whose kind needed a fallback earlier in the run is sent reduced at
/// once: the refusal was reported where it first showed.
fn reduce_learned(world: &mut World, action: &EntraAction) {
    let (EntraAction::CreateUser { user: name }
    | EntraAction::CreateGroup { group: name }
    | EntraAction::CreateGroupAdscim { group: name }) = action
    else {
        return;
    };
    let kind = world.object(*name).kind;
    let Some(learned) = world.learned(kind).cloned() else {
        return;
    };
    super::fallback::apply(world, *name, &learned.changes);
    let state = world.object(*name);
    let note = super::fallback::note(&state.name, kind, &learned.step, learned.changes);
    world.object_mut(*name).fallback = Some(note);
}

/// A refused update leaves the server with the old values: a later step about the new ones
/// (a lookup by the new name) has lost its premise.
fn refused_write(world: &mut World, intent: &Intent, step: &str) {
    let Intent::Update {
        object, changes, ..
    } = intent
    else {
        return;
    };
    let state = world.object_mut(*object);
    for (path, _) in changes {
        let blame = super::outcome::Blame {
            step: step.to_owned(),
            check: CheckId::Status,
        };
        state.diverged.insert(path.as_str().to_owned(), blame);
    }
}

/// A lookup of an object named as existing (`--read-only --user NAME`) that the server
/// answered with a well-formed empty list: the name is wrong, not the server. The object's
/// later steps lack it too.
fn not_on_server(
    world: &mut World,
    intent: &Intent,
    checks: &[CheckResult],
    body: Option<&serde_json::Value>,
) -> Option<Premise> {
    let Intent::Lookup {
        object: Some(name),
        attr,
        value,
    } = intent
    else {
        return None;
    };
    let state = Some(world.object(*name)).filter(|o| o.existing)?;
    let listed = checks
        .iter()
        .any(|c| c.id == CheckId::ListShape && c.passed());
    let empty = body.is_some_and(|b| crate::check::resources(b).is_empty());
    if !(listed && empty) {
        return None;
    }
    let premise = Premise::new(PremiseKind::NotOnServer {
        kind: state.kind,
        attr: attr.clone(),
        value: value.clone(),
    });
    world.object_mut(*name).absent = Some(premise.clone());
    Some(premise)
}

/// Records what [`Runner::send_retrying`] came to: each throttled try (one without
/// `Retry-After` is a finding), then the answer (as the step's own request when `own`).
pub(super) fn record_sent(
    sent: Sent,
    record: &mut Record,
    own: bool,
) -> Result<(ExchangeRef, Received), Ended> {
    for exchange in sent.throttled {
        let check = exchange.response().and_then(retry_after_check);
        let at = record.push(exchange);
        record.judge(at, check);
    }
    let Some(exchange) = sent.last else {
        return Err((StepStatus::NotRun(NotRun::Interrupted), Some(Abort)));
    };
    let (kept, received) = exchange.split_kept();
    let at = if own {
        record.push_request(kept)
    } else {
        record.push(kept)
    };
    match received {
        Ok(received) => {
            if received.status == 429 {
                record.judge(at, retry_after_check(&received));
            }
            Ok((at, received))
        }
        Err(error) => Err((StepStatus::NotRun(NotRun::Transport(error)), Some(Abort))),
    }
}

/// A 429 without `Retry-After` is a finding (the gallery checklist asks for it); with it,
/// nothing.
fn retry_after_check(throttled: &Received) -> Option<CheckResult> {
    throttled.header("retry-after").is_none().then(|| {
        CheckResult::fail(
            CheckId::RetryAfter,
            Target::RetryAfter,
            Finding::NoRetryAfter,
        )
    })
}
