//! The legacy job's membership probe (client-behaviour §4.3, GH-STRATSYS, L-SCIM-2019): before
//! it removes a member, `customappsso` asks whether the group holds it,
//! `GET /Groups?filter=id eq … and members eq …&attributes=id`. Only profiles whose quirks say
//! so send it; each probe is recorded in the removal's step and checked as Entra reads it.

use super::prepare::id;
use super::record::Record;
use super::runner::{Ended, Runner};
use super::world::World;
use crate::check::{self, CheckResult, Target};
use crate::http::{Received, Request};
use crate::plan::{Action, EntraAction};
use crate::profile::Renderer;

/// The probes a step's action needs under this profile: one per member it removes that Entra
/// holds in the group (a member whose add was refused is not probed: that finding is the
/// add's), for members and group that have ids (a step without them is not run anyway).
pub(super) fn membership_probes(
    world: &World,
    renderer: &Renderer,
    action: &Action,
) -> Vec<(Request, String)> {
    let Action::Entra(EntraAction::RemoveMembers { group, members, .. }) = action else {
        return Vec::new();
    };
    if !renderer.probes_membership() {
        return Vec::new();
    }
    let Ok(group_id) = id(world, *group) else {
        return Vec::new();
    };
    let held = &world.object(*group).members;
    members
        .iter()
        .filter(|m| held.contains(*m))
        .filter_map(|&m| id(world, m).ok())
        .map(|member| {
            (
                renderer.membership_probe(group_id, member),
                group_id.to_owned(),
            )
        })
        .collect()
}

impl Runner<'_> {
    /// Sends the probes and judges each: a ListResponse holding exactly the group (its id),
    /// since the members were added before.
    pub(super) async fn probe(
        &self,
        probes: &[(Request, String)],
        record: &mut Record,
    ) -> Result<(), Ended> {
        for (request, group_id) in probes {
            let (at, received) = self.send_recorded(request, record, false).await?;
            record.judge(at, probe_checks(&received, group_id));
        }
        Ok(())
    }
}

/// Status, list shape, one result, and that result the group.
fn probe_checks(received: &Received, group_id: &str) -> Vec<CheckResult> {
    let (mut checks, body) = check::list_answer(received);
    let Some(body) = body.filter(|_| checks.iter().all(CheckResult::passed)) else {
        return checks;
    };
    let count = check::list_count(&body, 1);
    let one = count.passed();
    checks.push(count);
    if one {
        checks.push(check::list_ids(&body, group_id, Target::ListResponse));
    }
    checks
}
