//! The ledger of what the run created, and the cleanup that deletes it: at the end, after a
//! failed step, and after Ctrl-C. What cannot be deleted is reported with its id; what may
//! exist without the run knowing its id (a create whose answer never came) with its name.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::attributes::ResourceKind;
use crate::http::TenantUrl;

/// Where a created resource stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Its create was sent and no answer came (a transport error, a timeout, Ctrl-C), or the
    /// answer does not say it was refused (a 5xx): it may exist, and cleanup looks it up by
    /// its name, which the run prefix makes unique.
    Unanswered,
    /// The server refused the create (a 4xx, 409 included): it was never made.
    Refused,
    /// Exists, as far as we know.
    Live,
    /// A DELETE was answered with 2xx; not yet seen gone.
    Deleted,
    /// Known not to be on the server: a GET answered 404 after a delete, or the lookup by
    /// name found nothing.
    Gone,
}

/// What a scenario's raw request creates, if it is a `POST` to `/Users` or `/Groups` (any
/// query, any case, as a lenient server routes it): the kind, and the value of its matching
/// attribute in the body (what cleanup looks it up by when no id came back).
pub(crate) fn raw_create(
    request: &crate::http::Request,
    tables: &crate::attributes::AttributeTables,
) -> Option<(ResourceKind, String)> {
    if request.method != crate::plan::Method::Post {
        return None;
    }
    let path = request
        .target
        .split(['?', '#'])
        .next()?
        .trim_end_matches('/');
    let kind = if path.eq_ignore_ascii_case("/Users") {
        ResourceKind::User
    } else if path.eq_ignore_ascii_case("/Groups") {
        ResourceKind::Group
    } else {
        return None;
    };
    let body = request
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok());
    let matching = body
        .as_ref()
        .and_then(|b| tables.of(kind).matching.get(b))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some((kind, matching))
}

/// The id a create's answer names.
pub(crate) fn created_id(received: &crate::http::Received) -> Option<String> {
    /// Only the id: whatever else the server answers is skipped, not parsed.
    #[derive(serde::Deserialize)]
    struct Created {
        id: Option<serde_json::Value>,
    }
    let body: Created = serde_json::from_str(&received.body).ok()?;
    body.id?.as_str().map(str::to_owned)
}

/// Where a create stands after its answer (`None`: none came, or it is to be sent again).
fn fate_of(status: Option<u16>) -> Fate {
    match status {
        Some(200..=299) => Fate::Live,
        // A 5xx may have stored it before failing. A 409 is a refusal: the name is held
        // by another object (of this run, since the prefix is the run's), not made now.
        None | Some(500..=599) => Fate::Unanswered,
        Some(_) => Fate::Refused,
    }
}

/// One resource the run created (or may have created).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) kind: ResourceKind,
    /// `None` until a create's answer names it: found by name at cleanup.
    pub(crate) id: Option<String>,
    /// The object's name in the scenario (for messages).
    pub(crate) object: String,
    /// The matching attribute's value (`scimcheck-<run>-alice@example.com`), to find it by filter.
    pub(crate) matching_value: String,
    pub(crate) fate: Fate,
    /// The scenario run that made it (`World::slot`).
    pub(crate) slot: usize,
}

impl Entry {
    /// Whether the resource may still be on the server. A 2xx DELETE counts as gone: a
    /// server that only deactivates is caught by cleanup's GET, when the server answers it.
    pub(crate) fn may_remain(&self) -> bool {
        matches!(self.fate, Fate::Unanswered | Fate::Live)
    }
}

/// Everything the run created, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub(crate) entries: Vec<Entry>,
}

impl Ledger {
    /// Registers a create about to be sent; its place in the ledger.
    pub(crate) fn created(
        &mut self,
        kind: ResourceKind,
        id: Option<String>,
        object: &str,
        matching_value: &str,
        slot: usize,
    ) -> usize {
        self.entries.push(Entry {
            kind,
            id,
            object: object.to_owned(),
            matching_value: matching_value.to_owned(),
            fate: Fate::Unanswered,
            slot,
        });
        self.entries.len() - 1
    }

    /// Notes the status a create of `object` was answered with, `None` for one on its way
    /// (the last try counts: a fallback create that succeeded after a refusal made the object).
    pub(crate) fn answered(&mut self, kind: ResourceKind, object: &str, status: Option<u16>) {
        let fate = fate_of(status);
        if let Some(entry) = self
            .entries
            .iter_mut()
            .rev()
            .find(|e| e.object == object && e.kind == kind && e.id.is_none())
        {
            entry.fate = fate;
        }
    }

    /// Notes the answer to the create registered at `at` (a scenario's raw `POST`), and the
    /// id it named, as [`Ledger::answered`] does for Entra's own creates.
    pub(crate) fn answered_at(&mut self, at: usize, status: u16, id: Option<String>) {
        if let Some(entry) = self.entries.get_mut(at) {
            entry.fate = fate_of(Some(status));
            if entry.fate == Fate::Live {
                entry.id = id;
            }
        }
    }

    pub(crate) fn set_fate(&mut self, kind: ResourceKind, id: &str, fate: Fate) {
        for entry in &mut self.entries {
            if entry.kind == kind && entry.id.as_deref() == Some(id) {
                entry.fate = fate;
            }
        }
    }

    /// Entries cleanup must look at, with their index in the ledger: groups first (they
    /// reference users), newest first.
    pub(crate) fn pending(&self) -> Vec<(usize, Entry)> {
        let mut pending: Vec<(usize, Entry)> = self
            .entries
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, e)| !matches!(e.fate, Fate::Gone | Fate::Refused))
            .map(|(i, e)| (i, e.clone()))
            .collect();
        pending.sort_by_key(|(_, e)| match e.kind {
            ResourceKind::Group => 0,
            ResourceKind::User => 1,
        });
        pending
    }
}

/// The ledger shared by the runner and the second Ctrl-C, which prints it before the process
/// quits (cleanup may not have finished, so this is what may be left).
#[derive(Clone, Debug)]
pub struct LedgerView {
    pub(crate) ledger: Arc<Mutex<Ledger>>,
    pub(crate) tenant: TenantUrl,
}

impl LedgerView {
    /// Everything that may still be on the server, one line each: kind, name, id and URL, or
    /// the name alone with why the id is unknown.
    pub fn remaining(&self) -> String {
        let ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let left: Vec<&Entry> = ledger.entries.iter().filter(|e| e.may_remain()).collect();
        if left.is_empty() {
            return "nothing the run created is left on the server\n".to_owned();
        }
        let mut text = format!("{} resource(s) may be left on the server:\n", left.len());
        for entry in left {
            let _ = match &entry.id {
                Some(id) => writeln!(
                    text,
                    "  left: {} {} (id {}) {}",
                    entry.kind.name(),
                    entry.matching_value,
                    crate::id::shown(id),
                    crate::id::url(&self.tenant, entry.kind, id).unwrap_or_default()
                ),
                None => writeln!(
                    text,
                    "  may exist: {} `{}` ({}; find it by that name)",
                    entry.kind.name(),
                    entry.matching_value,
                    if entry.fate == Fate::Live {
                        "created, but its answer named no usable id"
                    } else {
                        "its create got no answer"
                    }
                ),
            };
        }
        text
    }
}

/// Cleanup's total deadline: twice the request timeout, at least ten seconds. Its requests
/// run `--jobs` at a time, and a server that stopped answering costs one deadline, not one
/// timeout per object.
pub(crate) fn deadline(timeout: Duration) -> Duration {
    (timeout * 2).max(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger_of(statuses: &[(&str, Option<u16>)]) -> Ledger {
        let mut ledger = Ledger::default();
        for (name, status) in statuses {
            ledger.created(ResourceKind::User, None, name, &format!("p-{name}"), 0);
            if let Some(status) = status {
                ledger.answered(ResourceKind::User, name, Some(*status));
            }
        }
        ledger
    }

    #[test]
    fn a_refused_or_conflicting_create_is_not_pending_and_an_unanswered_or_5xx_one_is() {
        let ledger = ledger_of(&[
            ("refused", Some(400)),
            ("unanswered", None),
            ("failed", Some(503)),
            ("conflict", Some(409)),
            ("made", Some(201)),
        ]);
        let pending: Vec<(String, Fate)> = ledger
            .pending()
            .into_iter()
            .map(|(_, e)| (e.object, e.fate))
            .collect();
        assert_eq!(
            pending,
            [
                ("made".to_owned(), Fate::Live),
                ("failed".to_owned(), Fate::Unanswered),
                ("unanswered".to_owned(), Fate::Unanswered),
            ]
        );
    }

    #[test]
    fn the_remaining_list_names_ids_and_the_names_of_unanswered_creates_only() {
        let mut ledger = ledger_of(&[("a", Some(201)), ("b", None), ("c", Some(201))]);
        ledger.entries[0].id = Some("1".into());
        ledger.entries[2].id = Some("..".into());
        ledger.set_fate(ResourceKind::User, "..", Fate::Deleted);
        let view = LedgerView {
            ledger: Arc::new(Mutex::new(ledger)),
            tenant: TenantUrl::parse("https://h.example/scim").expect("parses"),
        };
        assert_eq!(
            view.remaining(),
            "2 resource(s) may be left on the server:\n  \
             left: User p-a (id 1) https://h.example/scim/Users/1\n  \
             may exist: User `p-b` (its create got no answer; find it by that name)\n"
        );
    }

    #[test]
    fn the_deadline_is_twice_the_timeout_and_at_least_ten_seconds() {
        assert_eq!(deadline(Duration::from_secs(1)), Duration::from_secs(10));
        assert_eq!(deadline(Duration::from_secs(30)), Duration::from_secs(60));
    }
}
