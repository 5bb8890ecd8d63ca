//! Grouping failures by cause, and ordering the causes: what blocks everything first, then
//! what breaks Entra (the cause behind the most steps first), then what degrades, then RFC
//! notes.

use super::facts::{Facts, Failure};
use super::rules::{generic, Rule, RULES};
use crate::check::Severity;
use crate::run::RunSummary;

/// One cause, and the failures it explains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    /// The stable id, `hint:pascal-case-ops`; it never changes once released.
    pub id: &'static str,
    /// The worst severity among the failures it explains.
    pub severity: Severity,
    /// Nothing else can be judged until this is fixed (transport, token, Tenant URL).
    pub blocking: bool,
    /// The cause, in one line.
    pub cause: String,
    /// What the admin sees in Entra.
    pub symptom: &'static str,
    /// The first failure's evidence: the request, and what this server answered.
    pub evidence: String,
    /// What to change.
    pub fix: String,
    /// The ids of the affected steps, in run order, each once.
    pub steps: Vec<String>,
    /// How many failed checks (or unanswered requests) it explains.
    pub failures: usize,
}

impl Hint {
    /// The evidence, or `otherwise` when the rule found none to quote.
    pub fn evidence_or(&self, otherwise: String) -> String {
        if self.evidence.is_empty() {
            otherwise
        } else {
            self.evidence.clone()
        }
    }
}

/// The hints for a run, most important first; empty when nothing failed.
pub fn diagnose(summary: &RunSummary) -> Vec<Hint> {
    let failures = Failure::all(summary);
    let facts = Facts::of(summary, &failures);
    // (claim order, hint): the order breaks ties so the list is stable.
    let mut hints: Vec<(usize, Hint)> = Vec::new();
    for failure in &failures {
        let (order, rule, evidence) = RULES
            .iter()
            .enumerate()
            .find_map(|(i, rule)| (rule.explains)(&facts, failure).map(|e| (i, *rule, e)))
            .unwrap_or_else(|| {
                let rule = generic(failure.kind());
                let evidence = (rule.explains)(&facts, failure).unwrap_or_default();
                (RULES.len(), rule, evidence)
            });
        match hints.iter_mut().find(|(_, h)| h.id == rule.id) {
            Some((_, hint)) => {
                hint.severity = hint.severity.min(failure.severity());
                hint.failures += 1;
                if !hint.steps.contains(&failure.step.id) {
                    hint.steps.push(failure.step.id.clone());
                }
            }
            None => hints.push((order, new_hint(&rule, evidence, failure))),
        }
    }
    hints.sort_by(|(a_order, a), (b_order, b)| {
        b.blocking
            .cmp(&a.blocking)
            .then(a.severity.cmp(&b.severity))
            .then(b.steps.len().cmp(&a.steps.len()))
            .then(a_order.cmp(b_order))
    });
    hints.into_iter().map(|(_, hint)| hint).collect()
}

/// The rule's words with `{attr}` filled in by what the failure names.
fn fill(words: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => words.replace("{attr}", name),
        None => words.to_owned(),
    }
}

/// The id of the first cause that blocks everything in the scenarios run so far (the token
/// refused, an HTML page, a wrong path, no answer), if there is one: `run` stops there, since
/// nothing after it could be judged (issue 7, "stop when nothing else can be judged").
pub fn blocking_cause(scenarios: &[crate::run::ScenarioOutcome]) -> Option<String> {
    let partial = RunSummary {
        run_id: String::new(),
        scenarios: scenarios.to_vec(),
        cleanup: crate::run::CleanupReport::default(),
        interrupted: false,
        elapsed: std::time::Duration::ZERO,
    };
    let first = diagnose(&partial).into_iter().next()?;
    first.blocking.then(|| first.id.to_owned())
}

fn new_hint(rule: &Rule, evidence: String, failure: &Failure<'_>) -> Hint {
    let name = (rule.names)(failure);
    Hint {
        id: rule.id,
        severity: failure.severity(),
        blocking: rule.blocking,
        cause: fill(rule.cause, name.as_deref()),
        symptom: rule.symptom,
        evidence,
        fix: fill(rule.fix, name.as_deref()),
        steps: vec![failure.step.id.clone()],
        failures: 1,
    }
}
