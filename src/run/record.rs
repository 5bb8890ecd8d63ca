//! A step's record as the runner makes it: the exchanges in the order sent, the checks on
//! each, and which exchange is the step's own request. References to exchanges are handed out
//! as they are recorded, so no check's exchange is ever computed from an offset.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::outcome::{Fallback, StepOutcome, StepStatus};
use super::prepare::Intent;
use super::world::World;
use crate::check::{CheckResult, ExchangeRef};
use crate::http::{Exchange, KEPT_PASSING, KEPT_RUN_BUDGET};
use crate::plan::StepPlan;

/// What a step has sent and found so far.
pub(crate) struct Record {
    started: Instant,
    exchanges: Vec<Exchange>,
    checks: Vec<CheckResult>,
    request: Option<ExchangeRef>,
    fallbacks: Vec<Fallback>,
}

impl Record {
    pub(crate) fn new() -> Record {
        Record {
            started: Instant::now(),
            exchanges: Vec::new(),
            checks: Vec::new(),
            request: None,
            fallbacks: Vec::new(),
        }
    }

    /// Records an exchange, its response body cut for the reports ([`Exchange::kept`]); the
    /// reference is what checks on it carry. Checks read the whole answer before this.
    pub(crate) fn push(&mut self, exchange: Exchange) -> ExchangeRef {
        self.exchanges.push(exchange.kept());
        ExchangeRef::new(self.exchanges.len() - 1)
    }

    /// Records the step's own request (everything recorded before it is setup).
    pub(crate) fn push_request(&mut self, exchange: Exchange) -> ExchangeRef {
        let at = self.push(exchange);
        self.request = Some(at);
        at
    }

    /// Adds checks that read exchange `at`.
    pub(crate) fn judge(&mut self, at: ExchangeRef, checks: impl IntoIterator<Item = CheckResult>) {
        self.checks.extend(checks.into_iter().map(|c| c.on(at)));
    }

    /// Notes that the step was judged on a fallback object.
    pub(crate) fn on_fallback(&mut self, fallback: Fallback) {
        // One note per form of fallback: a batch's hundred members share one.
        let same = |f: &Fallback| {
            f.kind == fallback.kind && f.changes == fallback.changes && f.step == fallback.step
        };
        if !self.fallbacks.iter().any(same) {
            self.fallbacks.push(fallback);
        }
    }

    /// Notes every fallback object the step's request is about.
    pub(crate) fn note_fallbacks(&mut self, world: &World, intent: &Intent) {
        for object in intent.objects() {
            if let Some(fallback) = world.object(object).fallback.clone() {
                self.on_fallback(fallback);
            }
        }
    }

    /// The method of a recorded exchange.
    pub(crate) fn method(&self, at: ExchangeRef) -> &'static str {
        self.exchanges.get(at.index()).map_or("", |e| e.sent.method)
    }

    pub(crate) fn failed(&self) -> bool {
        self.checks.iter().any(|c| !c.passed())
    }

    /// The step's outcome: failed when a check failed, else passed.
    pub(crate) fn judged(self, step: &StepPlan) -> StepOutcome {
        let status = if self.failed() {
            StepStatus::Failed
        } else {
            StepStatus::Passed
        };
        self.finish(step, status)
    }

    /// The step's outcome with this status.
    pub(crate) fn finish(self, step: &StepPlan, status: StepStatus) -> StepOutcome {
        StepOutcome {
            id: step.id.clone(),
            name: step.name.clone(),
            location: step.location.clone(),
            status,
            exchanges: self.exchanges,
            request: self.request,
            checks: self.checks,
            fallbacks: self.fallbacks,
            elapsed: self.started.elapsed(),
        }
    }
}

/// A step that did not run: no exchange, no check.
pub(crate) fn not_run(step: &StepPlan, status: StepStatus) -> StepOutcome {
    let mut outcome = Record::new().finish(step, status);
    outcome.elapsed = Duration::ZERO;
    outcome
}

/// How much of each response body a run's reports keep, once its step is judged. A
/// support engineer reading the HAR needs the answers that failed a check: those keep up
/// to 64 KiB each (as [`Record::push`] cut them) while the run's [`KEPT_RUN_BUDGET`] lasts.
/// Every other answer, and every answer after that, keeps [`KEPT_PASSING`], which holds
/// any ordinary SCIM answer whole; the note gives the true size. So a run keeps at most
/// the budget plus 16 KiB an exchange, whatever the server pads its answers with.
#[derive(Debug, Default)]
pub(crate) struct KeptBodies {
    /// Bytes kept over [`KEPT_PASSING`] so far. With `--jobs`, steps finish in any order:
    /// which failed answers keep 64 KiB once the budget runs out depends on it.
    spent: AtomicUsize,
}

impl KeptBodies {
    /// Cuts the bodies of a finished step to what the run keeps of them.
    pub(crate) fn trim(&self, outcome: &mut StepOutcome) {
        for (at, exchange) in outcome.exchanges.iter_mut().enumerate() {
            let failed = outcome
                .checks
                .iter()
                .any(|c| !c.passed() && c.exchange.index() == at);
            let over = exchange.kept_size().saturating_sub(KEPT_PASSING);
            if over == 0 || failed && self.spend(over) {
                continue;
            }
            exchange.cut_to(KEPT_PASSING);
        }
    }

    /// Takes `bytes` from the budget, if it has them.
    fn spend(&self, bytes: usize) -> bool {
        self.spent
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |spent| {
                (spent + bytes <= KEPT_RUN_BUDGET).then_some(spent + bytes)
            })
            .is_ok()
    }
}
