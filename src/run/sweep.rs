//! Cleanup's requests: delete what the run created and is not known to be gone, then check
//! that it is gone (the ledger itself is in `cleanup.rs`). `--jobs` objects at a time,
//! all within one [`cleanup::deadline`]; whatever is not confirmed gone by then
//! is listed with its id, or its name when the id never came.

use std::sync::{Mutex, PoisonError};

use futures_util::stream::{self, StreamExt};
use tokio::time::Instant;

use super::cleanup::{self, Entry, Fate};
use super::event::RunEvent;
use super::outcome::{CleanupReport, Leftover};
use super::runner::Runner;
use crate::attributes::{AttrPath, ResourceKind};
use crate::http::{Exchange, Received};
use crate::profile::{Profile, Renderer};

/// How one ledger entry ended.
enum Cleaned {
    /// Cleanup deleted it.
    Deleted,
    /// It was already gone: deleted by a step, or its lookup by name found nothing.
    Gone,
    Left(Leftover),
}

/// What the lookup by name of an object without an id found.
pub(crate) enum Found {
    Id(String),
    Nothing,
    /// The lookup could not tell (no answer, an error, an answer that is not a list).
    Unknown(String),
}

/// Cleanup's exchanges as they happen, with the ledger index of the entry they belong to:
/// requests run concurrently, and the report lists them entry by entry.
type Sink = Mutex<Vec<(usize, Exchange)>>;

impl Runner<'_> {
    /// Deletes what the run created and is not known to be gone, then checks it is gone.
    pub(super) async fn cleanup(
        &self,
        profile: Profile,
        on_event: &mut dyn FnMut(RunEvent<'_>),
    ) -> CleanupReport {
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
        if self.keep {
            report.leftovers = pending
                .iter()
                .map(|(_, e)| self.leftover(e, None, "kept (--keep)".into()))
                .collect();
            on_event(RunEvent::CleanupFinished { report: &report });
            return report;
        }
        let renderer = Renderer::new(profile);
        let deadline = Instant::now() + cleanup::deadline(self.client.timeout());
        let sink = Sink::default();
        let mut results = Vec::new();
        // Groups first: they reference users.
        for kind in [ResourceKind::Group, ResourceKind::User] {
            let phase = pending.iter().filter(|(_, e)| e.kind == kind);
            let (renderer, sink) = (&renderer, &sink);
            let done: Vec<(usize, Cleaned)> = stream::iter(phase)
                .map(|(at, entry)| async move {
                    let cleaned = tokio::time::timeout_at(
                        deadline,
                        self.clean_one(renderer, *at, entry, sink),
                    )
                    .await;
                    let cleaned = cleaned.unwrap_or_else(|_| self.past_deadline(*at, entry));
                    (*at, cleaned)
                })
                .buffer_unordered(self.jobs.max(1))
                .collect()
                .await;
            results.extend(done);
        }
        // Newest first, as the ledger lists them (the order does not depend on timing).
        let order = |at: &usize| pending.iter().position(|(i, _)| i == at);
        results.sort_by_key(|(at, _)| order(at));
        for (_, cleaned) in results {
            match cleaned {
                Cleaned::Deleted => report.deleted += 1,
                Cleaned::Gone => {}
                Cleaned::Left(leftover) => report.leftovers.push(leftover),
            }
        }
        let mut exchanges = sink.into_inner().unwrap_or_else(PoisonError::into_inner);
        exchanges.sort_by_key(|(at, _)| order(at));
        report.exchanges = exchanges.into_iter().map(|(_, e)| e).collect();
        on_event(RunEvent::CleanupFinished { report: &report });
        report
    }

    /// Deletes what one scenario run made, before it is run again or set aside (`--jobs`):
    /// its objects then never reach the run's own cleanup, as if that run had not happened.
    /// Even under `--keep`, since they would collide with the scenario's objects when it runs
    /// again. What cannot be deleted stays in the ledger, for cleanup to try again and report.
    pub(super) async fn discard(&self, slot: usize, profile: Profile) {
        let renderer = Renderer::new(profile);
        let pending: Vec<(usize, Entry)> = self
            .lock()
            .pending()
            .into_iter()
            .filter(|(_, e)| e.slot == slot)
            .collect();
        // The exchanges belong to no report: the run they clean up is not reported either.
        let sink = Sink::default();
        for (at, entry) in &pending {
            match self.clean_one(&renderer, *at, entry, &sink).await {
                Cleaned::Left(_) => {}
                // Marked, not removed: entries are addressed by their place in the ledger.
                Cleaned::Deleted | Cleaned::Gone => self.set_fate_at(*at, Fate::Gone),
            }
        }
    }

    /// Finds the entry's id when it has none, then deletes it and checks it is gone; the
    /// ledger follows each step, so a second Ctrl-C prints what is really left.
    async fn clean_one(
        &self,
        renderer: &Renderer,
        at: usize,
        entry: &Entry,
        sink: &Sink,
    ) -> Cleaned {
        let id = match &entry.id {
            Some(id) => id.clone(),
            None => match self.find(renderer, entry, at, sink).await {
                Found::Id(id) => {
                    if let Some(e) = self.lock().entries.get_mut(at) {
                        e.id = Some(id.clone());
                        e.fate = Fate::Live;
                    }
                    id
                }
                Found::Nothing => {
                    self.set_fate_at(at, Fate::Gone);
                    return Cleaned::Gone;
                }
                Found::Unknown(why) => {
                    let reason = format!("{}, and {why}", unknown_id(entry));
                    return Cleaned::Left(self.leftover(entry, None, reason));
                }
            },
        };
        if let Some(problem) = crate::id::problem(&id) {
            let reason = format!(
                "not deleted: its id cannot address it ({}), so no request was sent",
                problem.describe()
            );
            return Cleaned::Left(self.leftover(entry, Some(&id), reason));
        }
        match self
            .delete_and_verify(renderer, entry.kind, &id, entry.fate, at, sink)
            .await
        {
            Ok(true) => Cleaned::Deleted,
            Ok(false) => Cleaned::Gone,
            Err(reason) => Cleaned::Left(self.leftover(entry, Some(&id), reason)),
        }
    }

    /// An entry whose cleanup had not finished at the deadline: left, unless the ledger by
    /// then knows it gone (a 2xx DELETE whose check was still on its way).
    fn past_deadline(&self, at: usize, entry: &Entry) -> Cleaned {
        let now = self.lock().entries.get(at).cloned();
        let now = now.unwrap_or_else(|| entry.clone());
        if !now.may_remain() {
            // Gone by cleanup's own DELETE, or by a step's (then not cleanup's to count).
            return match entry.fate {
                Fate::Deleted => Cleaned::Gone,
                _ => Cleaned::Deleted,
            };
        }
        let seconds = cleanup::deadline(self.client.timeout()).as_secs();
        let reason = match now.id {
            Some(_) => format!("not confirmed deleted within cleanup's {seconds} s deadline"),
            None => format!(
                "{}, and cleanup's {seconds} s deadline passed before the lookup by name could tell",
                unknown_id(&now)
            ),
        };
        Cleaned::Left(self.leftover(&now, now.id.as_deref(), reason))
    }

    fn leftover(&self, entry: &Entry, id: Option<&str>, reason: String) -> Leftover {
        let id = id.or(entry.id.as_deref());
        Leftover {
            kind: entry.kind,
            url: id
                .and_then(|id| crate::id::url(self.client.tenant(), entry.kind, id))
                .unwrap_or_default(),
            id: id.map(str::to_owned),
            name: entry.matching_value.clone(),
            reason,
        }
    }

    fn set_fate_at(&self, at: usize, fate: Fate) {
        if let Some(entry) = self.lock().entries.get_mut(at) {
            entry.fate = fate;
        }
    }

    async fn send_into(&self, request: &crate::http::Request, at: usize, sink: &Sink) -> Exchange {
        let mut throttled = Vec::new();
        let exchange = self.send_for_cleanup(request, &mut throttled).await;
        let mut sink = sink.lock().unwrap_or_else(PoisonError::into_inner);
        sink.extend(throttled.into_iter().map(|e| (at, e)));
        // Cleanup's answers are kept as passing answers are: the leftover list says what
        // failed, and 16 KiB of an error page shows why (bounded memory, issue 11).
        sink.push((at, exchange.clone().kept_within(crate::http::KEPT_PASSING)));
        exchange
    }

    /// Finds an object whose create got no answer, by its matching attribute (unique: it
    /// carries the run prefix).
    async fn find(&self, renderer: &Renderer, entry: &Entry, at: usize, sink: &Sink) -> Found {
        let value = &entry.matching_value;
        if value.is_empty() {
            return Found::Unknown("there is no name to look it up by".into());
        }
        let table = self.tables.of(entry.kind);
        let lookup = renderer.lookup(entry.kind, &table.matching, value);
        let exchange = self.send_into(&lookup, at, sink).await;
        found(exchange.response(), &table.matching, value)
    }

    /// `Ok(true)` when cleanup deleted it, `Ok(false)` when it was already gone.
    async fn delete_and_verify(
        &self,
        renderer: &Renderer,
        kind: ResourceKind,
        id: &str,
        fate: Fate,
        at: usize,
        sink: &Sink,
    ) -> Result<bool, String> {
        let mut deleted = false;
        if fate != Fate::Deleted {
            let exchange = self.send_into(&renderer.delete(kind, id), at, sink).await;
            match exchange.response().map(|r| r.status) {
                Some(200..=299) => {
                    deleted = true;
                    self.set_fate_at(at, Fate::Deleted);
                }
                Some(404) => {
                    self.set_fate_at(at, Fate::Gone);
                    return Ok(false);
                }
                Some(other) => return Err(format!("DELETE answered {other}")),
                None => return Err("DELETE got no answer".into()),
            }
        }
        // A 2xx DELETE is not proof: some servers only deactivate (checked by a GET). A GET
        // that cannot tell leaves the 2xx standing: nothing is known to remain.
        let exchange = self.send_into(&renderer.get_full(kind, id), at, sink).await;
        match exchange.response().map(|r| r.status) {
            Some(200) => {
                self.set_fate_at(at, Fate::Live);
                Err("DELETE answered 2xx but the resource is still readable".into())
            }
            _ => {
                self.set_fate_at(at, Fate::Gone);
                Ok(deleted)
            }
        }
    }
}

/// Why an entry has no id: its create got no answer, or the answer named no usable id.
fn unknown_id(entry: &Entry) -> &'static str {
    if entry.fate == Fate::Live {
        "its create was answered without a usable id"
    } else {
        "its create got no answer"
    }
}

/// What the answer to a lookup of `value` by `matching` says (`None`: no answer came): the
/// object's id, nothing, or why it cannot tell. Shared with `load`'s cleanup.
pub(crate) fn found(answer: Option<&Received>, matching: &AttrPath, value: &str) -> Found {
    let body = match answer {
        None => return Found::Unknown("the lookup by name got no answer".into()),
        Some(r) if r.status != 200 => {
            return Found::Unknown(format!("the lookup by name answered {}", r.status))
        }
        Some(r) => crate::check::ListBody::parse(&r.body).ok(),
    };
    // A list says what is there; anything else (an HTML page, a bare error) cannot tell.
    let listed = body.as_ref().filter(|b| {
        matches!(
            b,
            crate::check::ListBody::Object {
                resources: Some(_),
                ..
            }
        ) || b.get("totalResults").is_some()
    });
    let Some(listed) = listed else {
        return Found::Unknown("the lookup by name did not answer a list".into());
    };
    let found = listed.resources().find(|r| {
        matching
            .get(r)
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    });
    match found.as_ref().map(|r| r.get("id").and_then(|i| i.as_str())) {
        None => Found::Nothing,
        Some(Some(id)) => Found::Id(id.to_owned()),
        Some(None) => Found::Unknown("the lookup by name found it without an id".into()),
    }
}
