//! The ledger of what the run created, and the cleanup that deletes it: at the end, after a
//! failed step, and after Ctrl-C. What cannot be deleted is reported with its id.

use crate::attributes::ResourceKind;

/// Where a created resource stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Exists, as far as we know.
    Live,
    /// A DELETE was answered with 2xx; not yet seen gone.
    Deleted,
    /// A GET answered 404 after a delete.
    Gone,
}

/// One resource the run created (or may have created).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) kind: ResourceKind,
    /// `None` when a create was interrupted before its answer: found by name at cleanup.
    pub(crate) id: Option<String>,
    /// The object's name in the scenario (for messages).
    pub(crate) object: String,
    /// The matching attribute's value (`scimcheck-<run>-alice@example.com`), to find it by filter.
    pub(crate) matching_value: String,
    pub(crate) fate: Fate,
}

/// Everything the run created, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub(crate) entries: Vec<Entry>,
}

impl Ledger {
    pub(crate) fn created(
        &mut self,
        kind: ResourceKind,
        id: Option<String>,
        object: &str,
        matching_value: &str,
    ) {
        self.entries.push(Entry {
            kind,
            id,
            object: object.to_owned(),
            matching_value: matching_value.to_owned(),
            fate: Fate::Live,
        });
    }

    pub(crate) fn set_fate(&mut self, kind: ResourceKind, id: &str, fate: Fate) {
        for entry in &mut self.entries {
            if entry.kind == kind && entry.id.as_deref() == Some(id) {
                entry.fate = fate;
            }
        }
    }

    /// Entries cleanup must look at: groups first (they reference users), newest first.
    pub(crate) fn pending(&self) -> Vec<Entry> {
        let mut pending: Vec<Entry> = self
            .entries
            .iter()
            .rev()
            .filter(|e| e.fate != Fate::Gone)
            .cloned()
            .collect();
        pending.sort_by_key(|e| match e.kind {
            ResourceKind::Group => 0,
            ResourceKind::User => 1,
        });
        pending
    }
}
