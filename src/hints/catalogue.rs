//! The hints scimcheck can give, for `scimcheck hints`: each id once, with its cause, read from
//! the rules themselves so the list cannot drift from what a run prints.

use super::rules::{generic, RULES};
use crate::check::CheckId;

/// One hint: its stable id (`hint:…`) and the cause it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HintEntry {
    pub id: &'static str,
    pub cause: &'static str,
}

/// Every hint, specific causes first (in claim order), then the generic hint of each check
/// kind, then the catch-all; an id shared by a rule and a generic hint is listed once.
pub fn catalogue() -> Vec<HintEntry> {
    let generic_rules = CheckId::ALL
        .iter()
        .map(|id| generic(Some(*id)))
        .chain([generic(None)]);
    let mut entries: Vec<HintEntry> = Vec::new();
    for rule in RULES.iter().copied().chain(generic_rules) {
        if !entries.iter().any(|e| e.id == rule.id) {
            entries.push(HintEntry {
                id: rule.id,
                cause: rule.cause,
            });
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_hint_id_once_with_specific_causes_before_generic_ones() {
        let entries = catalogue();
        let ids: Vec<&str> = entries.iter().map(|e| e.id).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert_eq!(ids.first(), Some(&"hint:dns"));
        assert_eq!(ids.last(), Some(&"hint:other"));
        assert!(ids.contains(&"hint:pascal-case-ops"));
        assert!(entries
            .iter()
            .all(|e| e.id.starts_with("hint:") && !e.cause.is_empty()));
    }
}
