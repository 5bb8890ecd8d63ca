//! Cleanup's requests: delete what the run created and is not known to be gone, then check
//! that it is gone (the ledger itself is in `cleanup.rs`).

use super::cleanup::Fate;
use super::event::RunEvent;
use super::outcome::{CleanupReport, Leftover};
use super::runner::Runner;
use crate::attributes::ResourceKind;
use crate::profile::{Profile, Renderer};

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
        let renderer = Renderer::new(profile);
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
        let lookup = renderer.lookup(kind, &table.matching, value);
        let exchange = self.send_for_cleanup(&lookup, &mut report.exchanges).await;
        let body = exchange.response().and_then(|r| r.json().ok());
        report.exchanges.push(exchange.kept());
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
            let exchange = self
                .send_for_cleanup(&renderer.delete(kind, id), &mut report.exchanges)
                .await;
            let status = exchange.response().map(|r| r.status);
            report.exchanges.push(exchange.kept());
            match status {
                Some(200..=299) => deleted = true,
                Some(404) => return Ok(false),
                Some(other) => return Err(format!("DELETE answered {other}")),
                None => return Err("DELETE got no answer".into()),
            }
        }
        // A 2xx DELETE is not proof: some servers only deactivate (checked by a GET).
        let exchange = self
            .send_for_cleanup(&renderer.get_full(kind, id), &mut report.exchanges)
            .await;
        let status = exchange.response().map(|r| r.status);
        report.exchanges.push(exchange.kept());
        match status {
            Some(404) => Ok(deleted),
            Some(200) => Err("DELETE answered 2xx but the resource is still readable".into()),
            Some(other) => Err(format!("GET after DELETE answered {other}")),
            None => Err("GET after DELETE got no answer".into()),
        }
    }
}
