//! The terminal's "what to fix first" list: the run's [`Hint`]s, most important first, each
//! with the symptom in Entra, the evidence from this server, the fix and the steps it explains.

use std::fmt::Write as _;

use super::controls::line as shown;
use super::{layout, Styles};
use crate::hints::Hint;

/// Where a folded line goes on: under the text after its label.
const FOLDED: &str = "               ";

/// How many step ids a hint lists before "+N more".
const STEPS_SHOWN: usize = 8;

/// The list as text, or nothing when there are no hints; each line folded to `width` under
/// its label (`None`: not folded, as with `-v`).
pub(crate) fn render(hints: &[Hint], styles: &Styles, width: Option<usize>) -> String {
    if hints.is_empty() {
        return String::new();
    }
    let mut text = format!("{}\n", styles.bold("what to fix first:"));
    for (n, hint) in hints.iter().enumerate() {
        let label = if hint.blocking {
            styles.fail("[blocks everything]")
        } else {
            match hint.severity {
                crate::check::Severity::BreaksEntra => styles.fail("[breaks Entra]"),
                other => styles.skip(&format!("[{}]", other.label())),
            }
        };
        let mut steps = hint
            .steps
            .iter()
            .take(STEPS_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if hint.steps.len() > STEPS_SHOWN {
            let _ = write!(steps, " (+{} more)", hint.steps.len() - STEPS_SHOWN);
        }
        let lines = [
            (
                format!("  {}. ", n + 1),
                format!(
                    "{label} {} {}",
                    shown(&hint.cause),
                    styles.dim(&format!("({})", hint.id))
                ),
            ),
            (
                format!("     {} ", styles.dim("in Entra:")),
                hint.symptom.to_owned(),
            ),
            (
                format!("     {} ", styles.dim("seen:    ")),
                shown(&hint.evidence),
            ),
            (
                format!("     {} ", styles.dim("fix:     ")),
                shown(&hint.fix),
            ),
            (format!("     {} ", styles.dim("steps:   ")), shown(&steps)),
        ];
        for (i, (first, body)) in lines.into_iter().enumerate() {
            let rest = if i == 0 { "     " } else { FOLDED };
            match width {
                Some(width) => text.push_str(&layout::fold(&body, width, &first, rest)),
                None => {
                    let _ = writeln!(text, "{first}{body}");
                }
            }
        }
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Severity;

    fn hint(id: &'static str, severity: Severity, blocking: bool, steps: usize) -> Hint {
        Hint {
            id,
            severity,
            blocking,
            cause: "the cause".into(),
            symptom: "the symptom",
            evidence: "GET /Users → 401".into(),
            fix: "the fix".into(),
            steps: (1..=steps).map(|n| format!("STEP-{n}")).collect(),
            failures: steps,
        }
    }

    #[test]
    fn long_lines_fold_under_their_label() {
        let mut long = hint("hint:token", Severity::BreaksEntra, true, 1);
        long.evidence = "GET /Users → 401 with a body that goes on and on".into();
        let text = render(&[long], &Styles::default(), Some(40));
        assert!(
            text.contains(
                "     seen:     GET /Users → 401 with a\n               body that goes on and on\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn no_hints_no_section() {
        assert_eq!(render(&[], &Styles::default(), None), "");
    }

    #[test]
    fn each_hint_has_its_symptom_evidence_fix_and_steps() {
        let text = render(
            &[
                hint("hint:token", Severity::BreaksEntra, true, 1),
                hint("hint:content-type", Severity::Rfc, false, 10),
            ],
            &Styles::default(),
            None,
        );
        assert_eq!(
            text,
            "what to fix first:\n\
             \x20 1. [blocks everything] the cause (hint:token)\n\
             \x20    in Entra: the symptom\n\
             \x20    seen:     GET /Users → 401\n\
             \x20    fix:      the fix\n\
             \x20    steps:    STEP-1\n\
             \x20 2. [RFC] the cause (hint:content-type)\n\
             \x20    in Entra: the symptom\n\
             \x20    seen:     GET /Users → 401\n\
             \x20    fix:      the fix\n\
             \x20    steps:    STEP-1, STEP-2, STEP-3, STEP-4, STEP-5, STEP-6, STEP-7, STEP-8 (+2 more)\n\
             \n"
        );
    }
}
