//! Concurrent replay (`--jobs N`): up to N scenarios run at once, and the report is the one a
//! sequential run gives. Each scenario's steps stay in order (Entra's requests for one object
//! depend on each other); scenarios share only the client and what the run learned.
//!
//! A scenario depends on those before it in two ways: a run that stopped (the server
//! unreachable, or a cause that blocks everything) leaves the later scenarios not run, and a
//! fallback learned by one create is sent at once by the later ones (one refusal is reported
//! once, where it first showed). So each scenario starts from what the scenarios *committed*
//! so far left, and is committed in order. When it is its turn and what it started from is
//! not what its predecessors left (a predecessor learned a fallback, or stopped the run, while
//! it ran), its objects are deleted and it runs again from the right start: the report is then
//! exactly the sequential one. Such a repeat is rare (only on a server that refuses Entra's
//! creates, at most `jobs - 1` times per kind learned) and costs only requests.
//!
//! Two scenarios that declare an object of the same name would make the same resource on
//! the server; such a scenario waits until the earlier one is committed. Nothing starts
//! before a scenario holding Test Connection is committed: its verdict may stop the run.

use std::collections::BTreeMap;

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;

use super::event::RunEvent;
use super::outcome::{Fallback, NotRun, PremiseKind, ScenarioOutcome, StepStatus};
use super::runner::Runner;
use crate::plan::{Action, EntraAction, Plan, ScenarioPlan};
use crate::profile::Profile;

/// One scenario under one profile: its place in the run's order.
pub(crate) struct Slot<'p> {
    pub(crate) index: usize,
    pub(crate) scenario: &'p ScenarioPlan,
    pub(crate) profile: Profile,
    /// Tells apart the objects of the same scenario under several profiles.
    pub(crate) tag: Option<&'static str>,
}

/// What a scenario starts from: what the scenarios before it left.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Start {
    /// Why the run stopped before this scenario, if it did.
    pub(crate) stopped: Option<PremiseKind>,
    /// The fallbacks learned under the scenario's profile.
    pub(crate) learned: Vec<Fallback>,
}

/// A finished run of one scenario, not yet committed.
struct Attempt {
    outcome: ScenarioOutcome,
    learned: Vec<Fallback>,
    start: Start,
}

/// What the committed scenarios left.
#[derive(Default)]
struct Committed {
    outcomes: Vec<ScenarioOutcome>,
    stopped: Option<PremiseKind>,
}

impl Runner<'_> {
    /// Every scenario under every profile, in order; up to `jobs` at once.
    pub(super) async fn run_scenarios(
        &self,
        plan: &Plan,
        profiles: &[Profile],
        on_event: &mut dyn FnMut(RunEvent<'_>),
    ) -> Vec<ScenarioOutcome> {
        let slots = slots(plan, profiles);
        let mut committed = Committed::default();
        let mut done: BTreeMap<usize, Attempt> = BTreeMap::new();
        let mut in_flight = FuturesUnordered::new();
        let mut next = 0;
        loop {
            // Commit first, so what a scenario leaves is known before the next one starts:
            // with one job, that is the strict order.
            while let Some(attempt) = done.remove(&committed.outcomes.len()) {
                let slot = &slots[committed.outcomes.len()];
                let start = self.start_for(slot, &committed);
                if attempt.start == start || self.interrupted() {
                    self.commit(slot, attempt, &mut committed, on_event);
                } else {
                    in_flight.push(self.attempt(slot, start, true));
                }
            }
            if committed.outcomes.len() == slots.len() {
                break;
            }
            while next < slots.len()
                && in_flight.len() < self.jobs
                && may_start(&slots, committed.outcomes.len(), next)
            {
                let start = self.start_for(&slots[next], &committed);
                in_flight.push(self.attempt(&slots[next], start, false));
                next += 1;
            }
            let Some((index, attempt)) = in_flight.next().await else {
                break;
            };
            done.insert(index, attempt);
        }
        committed.outcomes
    }

    fn start_for(&self, slot: &Slot<'_>, committed: &Committed) -> Start {
        Start {
            stopped: committed.stopped.clone(),
            learned: self.learned_for(slot.profile),
        }
    }

    /// Runs a scenario (again, when `again`: its earlier run's objects deleted first).
    async fn attempt(&self, slot: &Slot<'_>, start: Start, again: bool) -> (usize, Attempt) {
        if again {
            self.discard(slot.index, slot.profile).await;
        }
        let (outcome, learned) = self.run_scenario(slot, &start).await;
        let attempt = Attempt {
            outcome,
            learned,
            start,
        };
        (slot.index, attempt)
    }

    /// Reports a scenario in its turn, and takes over what it leaves the later ones.
    fn commit(
        &self,
        slot: &Slot<'_>,
        attempt: Attempt,
        committed: &mut Committed,
        on_event: &mut dyn FnMut(RunEvent<'_>),
    ) {
        let outcome = attempt.outcome;
        on_event(RunEvent::ScenarioStarted {
            name: &outcome.name,
            profile: slot.profile,
            steps: outcome.steps.len(),
        });
        for step in &outcome.steps {
            on_event(RunEvent::StepFinished {
                scenario: &outcome.name,
                profile: slot.profile,
                step,
            });
        }
        on_event(RunEvent::ScenarioFinished { outcome: &outcome });
        self.keep_learned(slot.profile, &attempt.learned);
        let unreachable = outcome.steps.iter().any(|s| {
            matches!(
                s.status,
                StepStatus::NotRun(NotRun::Transport(_) | NotRun::Interrupted)
            )
        });
        committed.outcomes.push(outcome);
        if committed.stopped.is_none() && unreachable {
            committed.stopped = Some(PremiseKind::Unreachable);
        }
        if committed.stopped.is_none() {
            let rule = self.stop_rule.as_ref();
            committed.stopped = rule
                .and_then(|rule| rule(&committed.outcomes))
                .map(|hint| PremiseKind::Blocked { hint });
        }
    }
}

/// Profiles × scenarios, in the order they are reported.
fn slots<'p>(plan: &'p Plan, profiles: &[Profile]) -> Vec<Slot<'p>> {
    let tagged = profiles.len() > 1;
    profiles
        .iter()
        .flat_map(|profile| plan.scenarios.iter().map(move |s| (*profile, s)))
        .enumerate()
        .map(|(index, (profile, scenario))| Slot {
            index,
            scenario,
            profile,
            tag: tagged.then(|| profile.tag()),
        })
        .collect()
}

/// Whether scenario `next` may start while those from `first` on are not committed: not
/// while one of them holds Entra's Test Connection, whose blocking cause stops the run (so a
/// stopped run sends nothing more, as with one job, and leaves nothing that may exist); and
/// not while one of them makes an object of the same name under the same profile.
fn may_start(slots: &[Slot<'_>], first: usize, next: usize) -> bool {
    let probes = |slot: &Slot<'_>| {
        slot.scenario
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::Entra(EntraAction::TestConnection)))
    };
    if slots[first..next].iter().any(probes) {
        return false;
    }
    let made = |slot: &Slot<'_>| {
        slot.scenario
            .objects
            .iter()
            .filter(|o| !o.existing)
            .map(|o| o.name.clone())
            .collect::<Vec<_>>()
    };
    let mine = made(&slots[next]);
    slots[first..next].iter().all(|earlier| {
        earlier.profile != slots[next].profile
            || !made(earlier).iter().any(|name| mine.contains(name))
    })
}
