//! Choosing what runs (`--only PATTERN`, `--skip PATTERN`): a pure function from a compiled
//! [`Plan`] to a smaller one, applied before anything is sent.
//!
//! A pattern is a glob (`*` any run of characters, `?` one character, everything else itself,
//! case-sensitive) matched against scenario names (`user-lifecycle`), step ids (`USER-CREATE`)
//! and step names (`alice is not there yet`). A step runs when some `--only` pattern (if any
//! are given) matches it or its scenario, and no `--skip` pattern does. A scenario left without
//! steps is left out. Skipping a step that creates an object a later step needs is allowed: the
//! later step reports "not run" with the runner's reason.

use super::{Plan, StepPlan};

/// The `--only` and `--skip` patterns of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Run only what one of these matches (everything when empty).
    pub only: Vec<String>,
    /// Leave out what one of these matches.
    pub skip: Vec<String>,
}

impl Selection {
    /// Whether the selection keeps the whole plan.
    pub fn is_empty(&self) -> bool {
        self.only.is_empty() && self.skip.is_empty()
    }

    /// The patterns that match no scenario name, step id or step name of `plan`, each with
    /// its flag (`--only` or `--skip`), in the order given.
    pub fn unmatched(&self, plan: &Plan) -> Vec<(&'static str, &str)> {
        let flagged = self
            .only
            .iter()
            .map(|p| ("--only", p.as_str()))
            .chain(self.skip.iter().map(|p| ("--skip", p.as_str())));
        flagged
            .filter(|(_, pattern)| {
                let in_plan = plan.scenarios.iter().any(|scenario| {
                    glob(pattern, &scenario.name)
                        || scenario
                            .steps
                            .iter()
                            .any(|step| step_matches(pattern, step))
                });
                // A scenario skipped for its `requires:` is still a name the user may give.
                let skipped = plan.skipped.iter().any(|s| glob(pattern, &s.name));
                !in_plan && !skipped
            })
            .collect()
    }

    fn keeps(&self, scenario: &str, step: &StepPlan) -> bool {
        let matches = |pattern: &String| glob(pattern, scenario) || step_matches(pattern, step);
        (self.only.is_empty() || self.only.iter().any(matches)) && !self.skip.iter().any(matches)
    }
}

fn step_matches(pattern: &str, step: &StepPlan) -> bool {
    glob(pattern, &step.id) || glob(pattern, &step.name)
}

/// The steps of `plan` that `selection` keeps, in plan order; scenarios left without steps
/// are dropped, and so are notes about skipped scenarios the selection leaves out. Everything
/// else (objects and variables of a kept scenario) stays as it is.
pub fn select(plan: &Plan, selection: &Selection) -> Plan {
    let mut selected = plan.clone();
    for scenario in &mut selected.scenarios {
        let name = std::mem::take(&mut scenario.name);
        scenario.steps.retain(|step| selection.keeps(&name, step));
        scenario.name = name;
    }
    selected.scenarios.retain(|s| !s.steps.is_empty());
    selected.skipped.retain(|s| {
        let matches = |pattern: &String| glob(pattern, &s.name);
        (selection.only.is_empty() || selection.only.iter().any(matches))
            && !selection.skip.iter().any(matches)
    });
    selected
}

/// Whether `text` matches the glob `pattern` as a whole: `*` is any run of characters
/// (including none), `?` exactly one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    // Greedy, with backtracking to the last `*` only: on a mismatch, that `*` swallows one
    // more character (enough, since an earlier `*` can never need to take more).
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::attributes::AttributeTables;
    use crate::scenario::SourceFile;

    const PEOPLE: &str = "version: 1
name: people
users: { alice: {} }
steps:
  - id: USER-CREATE
    entra: { create-user: alice }
  - id: USER-DISABLE
    entra: { disable-user: alice }
  - id: USER-DISABLED-GET
    name: the disabled user is still there
    entra: { get-user: alice }
  - id: USER-DELETE
    entra: { delete-user: alice }
";

    const PROBE: &str = "version: 1
name: probe
steps:
  - id: TEST-CONNECTION
    entra: test-connection
  - name: a request without the token is refused
    request: { method: GET, path: /Users, auth: none }
    expect: { status: 401 }
";

    fn plan() -> Plan {
        let files: Vec<SourceFile> = [("probe.yaml", PROBE), ("people.yaml", PEOPLE)]
            .iter()
            .map(|(name, text)| SourceFile {
                name: Arc::from(*name),
                text: (*text).to_owned(),
            })
            .collect();
        crate::plan::compile::compile(&files, &AttributeTables::atmos())
            .unwrap_or_else(|e| panic!("the test scenarios compile:\n{e}"))
    }

    fn ids(plan: &Plan) -> Vec<String> {
        plan.scenarios
            .iter()
            .flat_map(|s| {
                s.steps
                    .iter()
                    .map(move |st| format!("{}/{}", s.name, st.id))
            })
            .collect()
    }

    fn selection(only: &[&str], skip: &[&str]) -> Selection {
        Selection {
            only: only.iter().map(|s| (*s).to_owned()).collect(),
            skip: skip.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn glob_matches_stars_and_question_marks_over_the_whole_text() {
        assert!(glob("USER-*", "USER-CREATE"));
        assert!(glob("*", ""));
        assert!(glob("USER-?ET", "USER-GET"));
        assert!(glob("*-DELETE*", "USER-DELETED-GET"));
        assert!(glob("a*b*c", "aXXbYYbc"));
        assert!(!glob("USER-*", "GROUP-USER-X"));
        assert!(!glob("USER", "USER-GET"));
        assert!(!glob("user-*", "USER-GET"), "case-sensitive");
        assert!(!glob("?", ""));
    }

    #[test]
    fn an_empty_selection_keeps_the_plan() {
        let plan = plan();
        assert_eq!(ids(&select(&plan, &Selection::default())), ids(&plan));
    }

    #[test]
    fn only_a_step_id_pattern_keeps_those_steps_in_their_scenarios() {
        let selected = select(&plan(), &selection(&["USER-DISABLE*"], &[]));
        assert_eq!(
            ids(&selected),
            ["people/USER-DISABLE", "people/USER-DISABLED-GET"]
        );
        // The scenario keeps its objects: the steps still know alice.
        assert_eq!(selected.scenarios[0].objects.len(), 1);
    }

    #[test]
    fn only_a_scenario_name_keeps_all_its_steps() {
        let selected = select(&plan(), &selection(&["probe"], &[]));
        assert_eq!(
            ids(&selected),
            [
                "probe/TEST-CONNECTION",
                "probe/A-REQUEST-WITHOUT-THE-TOKEN-IS-REFUSED"
            ]
        );
    }

    #[test]
    fn skip_removes_a_scenario_and_steps_by_name() {
        let selected = select(
            &plan(),
            &selection(&[], &["peo*", "a request without the token is refused"]),
        );
        assert_eq!(ids(&selected), ["probe/TEST-CONNECTION"]);
    }

    #[test]
    fn skip_wins_over_only() {
        let selected = select(&plan(), &selection(&["people"], &["USER-*"]));
        assert!(selected.scenarios.is_empty());
    }

    #[test]
    fn unmatched_names_each_pattern_that_matches_nothing() {
        let s = selection(&["USER-*", "NOPE"], &["nothing-*", "*token*"]);
        assert_eq!(
            s.unmatched(&plan()),
            [("--only", "NOPE"), ("--skip", "nothing-*")]
        );
    }
}
