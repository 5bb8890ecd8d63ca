//! Matching precedence (client-behaviour §3.1): Entra looks an object up by its matching
//! attributes one at a time, in precedence order, and tries the next only when a lookup by
//! the one before found nothing.

use serde_json::Value;

use super::prepare::{lookup_by, Intent, Prepared};
use super::record::Record;
use super::runner::{Ended, Runner};
use super::step::check_response;
use super::world::World;
use crate::check::{CheckId, CheckResult, ExchangeRef};
use crate::http::Received;
use crate::plan::{Action, EntraAction, StepPlan};
use crate::profile::Renderer;

/// The last lookup sent for a step, and what it found.
pub(super) struct Matched {
    pub(super) prepared: Prepared,
    pub(super) at: ExchangeRef,
    pub(super) received: Received,
    pub(super) checks: Vec<CheckResult>,
    pub(super) body: Option<Value>,
}

impl Runner<'_> {
    /// Sends the lookups by the next matching attributes while the one before found nothing
    /// (§3.1). Each earlier lookup is judged as it was answered, except for the number of
    /// results: finding nothing is what sends Entra on to the next attribute. The last one is
    /// judged against the step's expectation.
    pub(super) async fn match_next(
        &self,
        world: &World,
        renderer: &Renderer,
        step: &StepPlan,
        mut matched: Matched,
        record: &mut Record,
    ) -> Result<Matched, Ended> {
        while let Some(next) = self.next_lookup(world, renderer, step, &matched) {
            let earlier: Vec<CheckResult> = std::mem::take(&mut matched.checks)
                .into_iter()
                .filter(|c| c.id != CheckId::ListCount)
                .collect();
            record.judge(matched.at, earlier);
            let (at, received) = self.send_recorded(&next.request, record, false).await?;
            let (checks, body) = check_response(world, step, &next.intent, &received);
            matched = Matched {
                prepared: next,
                at,
                received,
                checks,
                body,
            };
        }
        Ok(matched)
    }

    /// The lookup by the attribute after the one `matched` used, when that lookup was a
    /// well-formed empty list and the step is Entra's own lookup (not one `by:` a chosen
    /// attribute).
    fn next_lookup(
        &self,
        world: &World,
        renderer: &Renderer,
        step: &StepPlan,
        matched: &Matched,
    ) -> Option<Prepared> {
        let Intent::Lookup {
            object: Some(object),
            attr,
            ..
        } = &matched.prepared.intent
        else {
            return None;
        };
        let kind = match &step.action {
            Action::Entra(EntraAction::LookupUser { by: None, .. }) => {
                crate::attributes::ResourceKind::User
            }
            Action::Entra(EntraAction::LookupGroup { .. }) => {
                crate::attributes::ResourceKind::Group
            }
            _ => return None,
        };
        let listed = matched
            .checks
            .iter()
            .any(|c| c.id == CheckId::ListShape && c.passed());
        let empty = matched
            .body
            .as_ref()
            .is_some_and(|b| crate::check::resources(b).is_empty());
        if !(listed && empty) {
            return None;
        }
        let table = self.tables.of(kind);
        let position = table.precedence(attr)?;
        let next = table.matching_next.get(position - 1)?;
        let (request, intent) = lookup_by(world, renderer, kind, *object, next.clone()).ok()?;
        Some(Prepared { request, intent })
    }
}
