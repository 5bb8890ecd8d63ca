//! The runner: scenarios × profiles, then cleanup.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::cleanup::{Fate, Ledger};
use super::event::RunEvent;
use super::outcome::{
    CleanupReport, Leftover, NotRun, RunSummary, ScenarioOutcome, StepOutcome, StepStatus,
};
use super::prepare::{prepare, Intent};
use super::step::{adopt, apply, check_read_back, check_response};
use super::world::World;
use crate::attributes::{AttributeTables, ResourceKind};
use crate::http::{Client, Exchange, Request};
use crate::plan::{Action, EntraAction, Plan, ScenarioPlan, StepPlan};
use crate::profile::{Profile, Renderer};

/// Becomes `true` when the run must stop (Ctrl-C).
pub type Interrupt = watch::Receiver<bool>;

/// A short random run id: the `scimcheck-<run id>-` prefix of everything the run creates.
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Runs a plan against one server.
pub struct Runner<'a> {
    client: &'a Client,
    tables: &'a AttributeTables,
    run_id: String,
    ledger: Mutex<Ledger>,
    interrupt: Interrupt,
    /// Leave created resources in place (`--keep`).
    pub keep: bool,
}

/// A step whose request could not be answered stops the run: every later request would
/// meet the same wall.
struct Abort;

/// An `add-new-members` step's parameters.
struct Batch<'p> {
    group: &'p str,
    count: usize,
    one_op_each: bool,
}

/// How provisioning the new members of a batch ended.
enum Provisioned {
    Ready(Box<super::prepare::Prepared>),
    /// The step ends here: skipped (no group id), or failed (no user could be created; the
    /// POSTs' failures are its checks).
    Finished(StepStatus),
    Stop(StepStatus),
}

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
            ledger: Mutex::new(Ledger::default()),
            interrupt,
            keep: false,
        }
    }

    /// Runs every scenario under every profile, then cleans up.
    pub async fn run(
        &self,
        plan: &Plan,
        profiles: &[Profile],
        on_event: &mut dyn FnMut(RunEvent<'_>),
    ) -> RunSummary {
        let started = Instant::now();
        let mut scenarios = Vec::new();
        let mut stopped = false;
        for profile in profiles {
            let tag = (profiles.len() > 1).then(|| profile.tag());
            for scenario in &plan.scenarios {
                let outcome = self
                    .run_scenario(scenario, *profile, tag, stopped, on_event)
                    .await;
                stopped |= outcome.steps.iter().any(|s| {
                    matches!(
                        s.status,
                        StepStatus::NotRun(NotRun::Transport(_) | NotRun::Interrupted)
                    )
                });
                on_event(RunEvent::ScenarioFinished { outcome: &outcome });
                scenarios.push(outcome);
            }
        }
        let cleanup = self.cleanup(on_event).await;
        RunSummary {
            run_id: self.run_id.clone(),
            scenarios,
            cleanup,
            interrupted: self.interrupted(),
            elapsed: started.elapsed(),
        }
    }

    fn interrupted(&self) -> bool {
        *self.interrupt.borrow()
    }

    async fn run_scenario(
        &self,
        scenario: &ScenarioPlan,
        profile: Profile,
        tag: Option<&str>,
        stopped: bool,
        on_event: &mut dyn FnMut(RunEvent<'_>),
    ) -> ScenarioOutcome {
        let started = Instant::now();
        on_event(RunEvent::ScenarioStarted {
            name: &scenario.name,
            profile,
            steps: scenario.steps.len(),
        });
        let renderer = Renderer::new(profile);
        let mut world = World::new(&self.run_id, tag);
        let setup = self.set_up(&mut world, scenario);
        let mut steps = Vec::new();
        let mut aborted = stopped;
        for step in &scenario.steps {
            let outcome = match (&setup, aborted) {
                (_, true) if self.interrupted() => not_run(step, NotRun::Interrupted),
                (_, true) => not_run(
                    step,
                    NotRun::Skipped("not run: the server could not be reached".into()),
                ),
                (Err(reason), false) => not_run(step, NotRun::Skipped(reason.clone())),
                (Ok(()), false) => match self.run_step(&mut world, &renderer, step).await {
                    Ok(outcome) => outcome,
                    Err((outcome, Abort)) => {
                        aborted = true;
                        outcome
                    }
                },
            };
            on_event(RunEvent::StepFinished {
                scenario: &scenario.name,
                profile,
                step: &outcome,
            });
            steps.push(outcome);
        }
        ScenarioOutcome {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            source: scenario.source.clone(),
            profile,
            steps,
            elapsed: started.elapsed(),
        }
    }

    fn set_up(&self, world: &mut World, scenario: &ScenarioPlan) -> Result<(), String> {
        for (name, template) in &scenario.vars {
            let value = world.render(template)?;
            world.set_var(name, value);
        }
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
    ) -> Result<StepOutcome, (StepOutcome, Abort)> {
        let started = Instant::now();
        let mut exchanges = Vec::new();
        let mut pre_checks = Vec::new();
        let prepared = if let Action::Entra(EntraAction::AddNewMembers {
            group,
            count,
            one_op_each,
        }) = &step.action
        {
            let batch = Batch {
                group,
                count: *count,
                one_op_each: *one_op_each,
            };
            match self
                .provision(world, renderer, &batch, &mut exchanges, &mut pre_checks)
                .await
            {
                Provisioned::Ready(prepared) => *prepared,
                Provisioned::Finished(status) => {
                    let elapsed = started.elapsed();
                    return Ok(finish(step, status, exchanges, pre_checks, elapsed));
                }
                Provisioned::Stop(status) => {
                    return Err((
                        finish(step, status, exchanges, pre_checks, started.elapsed()),
                        Abort,
                    ));
                }
            }
        } else {
            match prepare(world, renderer, self.tables, &step.action) {
                Ok(prepared) => prepared,
                Err(reason) => return Ok(not_run(step, NotRun::Skipped(reason))),
            }
        };
        if let Intent::Create { object, kind } = &prepared.intent {
            // Registered before sending: if the run is interrupted mid-request, cleanup still
            // looks for the object by its name.
            let matching = world
                .lookup(&format!("{object}.{}", self.tables.of(*kind).matching))
                .unwrap_or_default();
            self.lock().created(*kind, None, object, &matching);
        }
        // Checks below number their exchanges from the step's own request; a batch has sent
        // its POSTs before it.
        let offset = exchanges.len();
        let exchange = self.send(&prepared.request).await;
        let Some(exchange) = exchange else {
            return Err((not_run(step, NotRun::Interrupted), Abort));
        };
        let received = match &exchange.received {
            Ok(received) => received.clone(),
            Err(error) => {
                let status = StepStatus::NotRun(NotRun::Transport(error.clone()));
                exchanges.push(exchange);
                let outcome = finish(step, status, exchanges, pre_checks, started.elapsed());
                return Err((outcome, Abort));
            }
        };
        exchanges.push(exchange);
        let (mut checks, body) = check_response(world, step, &prepared.intent, &received);
        let accepted = step.expect.status.is_none() || checks.first().is_some_and(|c| c.passed());
        for capture in &step.captures {
            let found = body.as_ref().and_then(|b| b.pointer(&capture.pointer));
            match found {
                Some(value) => world.set_var(
                    &capture.name,
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned),
                ),
                None if accepted => checks.push(crate::check::CheckResult::fail(
                    crate::check::CheckId::Capture,
                    format!("capture `{}`", capture.name),
                    format!("`{}` is not in the response body", capture.pointer),
                    capture.pointer.clone(),
                    "absent",
                )),
                None => {}
            }
        }
        if accepted {
            apply(world, &prepared.intent, body.as_ref());
            self.record(world, &prepared.intent, received.status);
            if step.read_back {
                if let Some(read_back) = self
                    .read_back(world, renderer, &prepared, &received, &mut checks)
                    .await
                {
                    exchanges.push(read_back);
                }
            }
        }
        pre_checks.extend(checks.into_iter().map(|c| {
            let index = c.exchange + offset;
            c.on_exchange(index)
        }));
        let checks = pre_checks;
        let failed = checks.iter().any(|c| !c.passed());
        let status = if failed {
            StepStatus::Failed
        } else {
            StepStatus::Passed
        };
        Ok(finish(step, status, exchanges, checks, started.elapsed()))
    }

    /// §4.3, `add-new-members`: provisions the users first (members are referenced by their
    /// SCIM id), then renders the one PATCH that adds them all. Each POST's failure is a check
    /// of the step; the users go into the cleanup ledger like any other.
    async fn provision(
        &self,
        world: &mut World,
        renderer: &Renderer,
        batch: &Batch<'_>,
        exchanges: &mut Vec<Exchange>,
        checks: &mut Vec<crate::check::CheckResult>,
    ) -> Provisioned {
        let Some(group_id) = world.object(batch.group).and_then(|g| g.id.clone()) else {
            return Provisioned::Finished(skipped(format!(
                "{} has no id: the step that should have created or found it failed",
                batch.group
            )));
        };
        let mut names = Vec::new();
        let mut ids = Vec::new();
        let first = world.count_with_prefix(&format!("{}-new", batch.group)) + 1;
        for n in first..first + batch.count {
            let name = format!("{}-new{n}", batch.group);
            let decl = crate::plan::ObjectDecl {
                name: name.clone(),
                kind: ResourceKind::User,
                values: Default::default(),
                existing: false,
            };
            if let Err(reason) = world.declare(&decl, self.tables) {
                return Provisioned::Finished(skipped(reason));
            }
            let matching = world
                .lookup(&format!("{name}.{}", self.tables.user.matching))
                .unwrap_or_default();
            self.lock()
                .created(ResourceKind::User, None, &name, &matching);
            let values = world
                .object(&name)
                .map(|o| o.create_values())
                .unwrap_or_default();
            let Some(exchange) = self.send(&renderer.create_user(&values)).await else {
                return Provisioned::Stop(StepStatus::NotRun(NotRun::Interrupted));
            };
            let received = match &exchange.received {
                Ok(received) => received.clone(),
                Err(error) => {
                    let status = StepStatus::NotRun(NotRun::Transport(error.clone()));
                    exchanges.push(exchange);
                    return Provisioned::Stop(status);
                }
            };
            exchanges.push(exchange);
            let index = exchanges.len() - 1;
            let status = crate::check::status(&received, &[201]);
            if !status.passed() {
                // Only failures are kept: a hundred passing POSTs would bury the PATCH's result.
                checks.push(status.on_exchange(index));
                continue;
            }
            let body = received.json().ok();
            apply(
                world,
                &Intent::Create {
                    object: name.clone(),
                    kind: ResourceKind::User,
                },
                body.as_ref(),
            );
            self.record(
                world,
                &Intent::Create {
                    object: name.clone(),
                    kind: ResourceKind::User,
                },
                received.status,
            );
            if let Some(id) = world.object(&name).and_then(|o| o.id.clone()) {
                names.push(name);
                ids.push(id);
            }
        }
        if ids.is_empty() {
            // Every POST failed: those failures are the step's result.
            return Provisioned::Finished(StepStatus::Failed);
        }
        let request = if batch.one_op_each {
            renderer.add_members_each(&group_id, &ids)
        } else {
            renderer.add_members(&group_id, &ids)
        };
        let intent = Intent::Members {
            group: batch.group.to_owned(),
            add: true,
            members: names,
        };
        Provisioned::Ready(Box::new(super::prepare::Prepared { request, intent }))
    }

    async fn read_back(
        &self,
        world: &mut World,
        renderer: &Renderer,
        prepared: &super::prepare::Prepared,
        write: &crate::http::Received,
        checks: &mut Vec<crate::check::CheckResult>,
    ) -> Option<Exchange> {
        let (object, kind) = prepared.intent.written()?;
        let id = world.object(object)?.id.clone()?;
        // Users: the GET Entra itself does (§3.5); groups: the whole group, since Entra's
        // own read leaves members out and a membership write must still be verified.
        let request = match kind {
            ResourceKind::User => renderer.get(kind, &id),
            ResourceKind::Group => renderer.get_full(kind, &id),
        };
        let exchange = self.send(&request).await?;
        if let Ok(received) = &exchange.received {
            let (results, body) = check_read_back(
                world,
                &prepared.intent,
                write,
                step_method(prepared),
                received,
            );
            if let Some(body) = body {
                adopt(world, &prepared.intent, &results, &body);
            }
            checks.extend(results);
        } else if let Err(error) = &exchange.received {
            checks.push(
                crate::check::CheckResult::fail(
                    crate::check::CheckId::Status,
                    "read-back",
                    format!("the read-back got no answer: {}", error.verdict()),
                    "200",
                    "no response",
                )
                .on_exchange(1),
            );
        }
        Some(exchange)
    }

    /// Notes what the ledger must know after an accepted request.
    fn record(&self, world: &World, intent: &Intent, status: u16) {
        let mut ledger = self.lock();
        match intent {
            Intent::Create { object, kind } => {
                if let Some(id) = world.object(object).and_then(|o| o.id.clone()) {
                    if let Some(entry) = ledger
                        .entries
                        .iter_mut()
                        .rev()
                        .find(|e| e.object == *object && e.kind == *kind && e.id.is_none())
                    {
                        entry.id = Some(id);
                    }
                }
            }
            Intent::Delete { object, kind } => {
                if let Some(id) = world.object(object).and_then(|o| o.id.as_deref()) {
                    ledger.set_fate(*kind, id, Fate::Deleted);
                }
            }
            Intent::Get { object, kind } if status == 404 => {
                if let Some(id) = world.object(object).and_then(|o| o.id.as_deref()) {
                    ledger.set_fate(*kind, id, Fate::Gone);
                }
            }
            _ => {}
        }
    }

    /// Sends, unless interrupted first (`None`).
    async fn send(&self, request: &Request) -> Option<Exchange> {
        let mut interrupt = self.interrupt.clone();
        if *interrupt.borrow() {
            return None;
        }
        tokio::select! {
            exchange = self.client.send(request) => Some(exchange),
            _ = interrupt.wait_for(|stop| *stop) => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // A panic while holding the lock cannot leave the ledger half-written: every update is
        // one assignment, so a poisoned lock is still safe to read.
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Deletes what the run created and is not known to be gone, then checks it is gone.
    async fn cleanup(&self, on_event: &mut dyn FnMut(RunEvent<'_>)) -> CleanupReport {
        let pending = self.lock().pending();
        let mut report = CleanupReport {
            kept: self.keep,
            ..CleanupReport::default()
        };
        if pending.is_empty() {
            return report;
        }
        on_event(RunEvent::CleanupStarted {
            resources: pending.len(),
        });
        let renderer = Renderer::new(Profile::Rfc);
        for entry in pending {
            let url = |id: &str| {
                self.client
                    .tenant()
                    .join(&format!("/{}/{id}", entry.kind.collection()))
            };
            if self.keep {
                report.leftovers.push(Leftover {
                    kind: entry.kind,
                    url: entry.id.as_deref().map(url).unwrap_or_default(),
                    id: entry.id.clone(),
                    name: entry.matching_value.clone(),
                    reason: "kept (--keep)".into(),
                });
                continue;
            }
            let id = match entry.id.clone() {
                Some(id) => Some(id),
                None => {
                    self.find(&renderer, entry.kind, &entry.matching_value, &mut report)
                        .await
                }
            };
            let Some(id) = id else { continue };
            let outcome = self
                .delete_and_verify(&renderer, entry.kind, &id, entry.fate, &mut report)
                .await;
            match outcome {
                Ok(deleted) => report.deleted += usize::from(deleted),
                Err(reason) => report.leftovers.push(Leftover {
                    kind: entry.kind,
                    url: url(&id),
                    id: Some(id),
                    name: entry.matching_value.clone(),
                    reason,
                }),
            }
        }
        on_event(RunEvent::CleanupFinished { report: &report });
        report
    }

    /// Finds an object whose create was interrupted, by its matching attribute.
    async fn find(
        &self,
        renderer: &Renderer,
        kind: ResourceKind,
        value: &str,
        report: &mut CleanupReport,
    ) -> Option<String> {
        if value.is_empty() {
            return None;
        }
        let table = self.tables.of(kind);
        let exchange = self
            .client
            .send(&renderer.lookup(kind, &table.matching, value))
            .await;
        let body = exchange.response().and_then(|r| r.json().ok());
        report.exchanges.push(exchange);
        let body = body?;
        let found = crate::check::resources(&body).first()?;
        let matches = table
            .matching
            .get(found)
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.eq_ignore_ascii_case(value));
        matches
            .then(|| found.get("id").and_then(|i| i.as_str()).map(str::to_owned))
            .flatten()
    }

    /// `Ok(true)` when cleanup deleted it, `Ok(false)` when it was already gone.
    async fn delete_and_verify(
        &self,
        renderer: &Renderer,
        kind: ResourceKind,
        id: &str,
        fate: Fate,
        report: &mut CleanupReport,
    ) -> Result<bool, String> {
        let mut deleted = false;
        if fate == Fate::Live {
            let exchange = self.client.send(&renderer.delete(kind, id)).await;
            let status = exchange.response().map(|r| r.status);
            report.exchanges.push(exchange);
            match status {
                Some(200..=299) => deleted = true,
                Some(404) => return Ok(false),
                Some(other) => return Err(format!("DELETE answered {other}")),
                None => return Err("DELETE got no answer".into()),
            }
        }
        // A 2xx DELETE is not proof: some servers only deactivate (checked by a GET).
        let exchange = self.client.send(&renderer.get_full(kind, id)).await;
        let status = exchange.response().map(|r| r.status);
        report.exchanges.push(exchange);
        match status {
            Some(404) => Ok(deleted),
            Some(200) => Err("DELETE answered 2xx but the resource is still readable".into()),
            Some(other) => Err(format!("GET after DELETE answered {other}")),
            None => Err("GET after DELETE got no answer".into()),
        }
    }
}

fn step_method(prepared: &super::prepare::Prepared) -> &'static str {
    prepared.request.method.as_str()
}

fn skipped(reason: impl Into<String>) -> StepStatus {
    StepStatus::NotRun(NotRun::Skipped(reason.into()))
}

fn not_run(step: &StepPlan, reason: NotRun) -> StepOutcome {
    finish(
        step,
        StepStatus::NotRun(reason),
        Vec::new(),
        Vec::new(),
        Duration::ZERO,
    )
}

fn finish(
    step: &StepPlan,
    status: StepStatus,
    exchanges: Vec<Exchange>,
    checks: Vec<crate::check::CheckResult>,
    elapsed: Duration,
) -> StepOutcome {
    StepOutcome {
        id: step.id.clone(),
        name: step.name.clone(),
        location: step.location.clone(),
        status,
        exchanges,
        checks,
        elapsed,
    }
}
