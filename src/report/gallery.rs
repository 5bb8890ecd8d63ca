//! The gallery tests as the terminal shows them (`run --suite gallery`): one line per
//! Microsoft test, its verdict, and the evidence (the steps) or the reason it is not
//! checkable here; then a count.

use std::fmt::Write as _;

use super::{layout, Styles};
use crate::gallery::{Evidence, GalleryStatus, GalleryVerdict};

/// The label column: as wide as `NOT CHECKABLE`.
const LABEL_WIDTH: usize = 13;

fn label(verdict: &GalleryVerdict, styles: &Styles) -> String {
    let text = match verdict.label() {
        "pass" => "PASS",
        "fail" => "FAIL",
        "warn" => "WARN",
        "not-run" => "NOT RUN",
        _ => "NOT CHECKABLE",
    };
    let padded = layout::pad(text, LABEL_WIDTH);
    match verdict.status {
        GalleryStatus::Passed => styles.pass(&padded),
        GalleryStatus::Failed if verdict.test.required => styles.fail(&padded),
        _ => styles.skip(&padded),
    }
}

/// `user-lifecycle: USER-CREATE, USER-GET (failed)`: the steps, grouped by scenario, those
/// that did not pass marked.
pub(crate) fn evidence(evidence: &[Evidence]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for e in evidence {
        let step = match e.status {
            "passed" => e.step.clone(),
            other => format!("{} ({other})", e.step),
        };
        let scenario = format!("{} [{}]", e.scenario, e.profile);
        match groups.iter_mut().find(|(s, _)| *s == scenario) {
            Some((_, steps)) if !steps.contains(&step) => steps.push(step),
            Some(_) => {}
            None => groups.push((scenario, vec![step])),
        }
    }
    groups
        .iter()
        .map(|(scenario, steps)| format!("{scenario}: {}", steps.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The section, ending with a blank line.
pub(crate) fn render(verdicts: &[GalleryVerdict], styles: &Styles, width: usize) -> String {
    let mut out = format!(
        "{}\n",
        styles.bold("gallery tests (Microsoft's names; client-behaviour §8.3)")
    );
    let name_width = verdicts
        .iter()
        .map(|v| v.test.name.len())
        .max()
        .unwrap_or(0);
    let rest = " ".repeat(2 + LABEL_WIDTH + 1 + name_width + 2);
    for verdict in verdicts {
        let detail = match verdict.status.reason() {
            Some(why) if verdict.evidence.is_empty() => why.to_owned(),
            Some(why) => format!("{why} ({})", evidence(&verdict.evidence)),
            None => evidence(&verdict.evidence),
        };
        let first = format!(
            "  {} {}  ",
            label(verdict, styles),
            layout::pad(verdict.test.name, name_width)
        );
        out.push_str(&layout::fold(
            &super::controls::line(&detail),
            width,
            &first,
            &rest,
        ));
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for verdict in verdicts {
        let label = verdict.label();
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    let counts: Vec<String> = ["pass", "fail", "warn", "not-run", "not-checkable"]
        .iter()
        .filter_map(|l| {
            let n = counts.iter().find(|(c, _)| c == l)?.1;
            Some(format!("{n} {}", l.replace('-', " ")))
        })
        .collect();
    let _ = writeln!(out, "gallery: {}\n", counts.join(", "));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gallery::{GalleryStatus, TESTS};
    use crate::profile::Profile;

    fn verdict(name: &str, status: GalleryStatus, evidence: Vec<Evidence>) -> GalleryVerdict {
        let test = *TESTS.iter().find(|t| t.name == name).expect("a test");
        GalleryVerdict {
            test,
            status,
            evidence,
        }
    }

    fn step(scenario: &str, step: &str, status: &'static str) -> Evidence {
        Evidence {
            scenario: scenario.to_owned(),
            profile: Profile::EntraDefault,
            step: step.to_owned(),
            status,
        }
    }

    #[test]
    fn each_test_shows_its_verdict_steps_or_reason_then_the_counts() {
        let verdicts = [
            verdict(
                "Disable_User_Test",
                GalleryStatus::Failed,
                vec![
                    step("user-lifecycle", "USER-DISABLE", "passed"),
                    step("user-lifecycle", "USER-DISABLED-GET", "failed"),
                ],
            ),
            verdict(
                "Delete_User_Test",
                GalleryStatus::Failed,
                vec![step("user-lifecycle", "USER-DELETE", "failed")],
            ),
            verdict(
                "POD_User_Test",
                GalleryStatus::NotCheckable("needs a tenant".to_owned()),
                Vec::new(),
            ),
        ];
        assert_eq!(
            render(&verdicts, &Styles::default(), 200),
            "gallery tests (Microsoft's names; client-behaviour §8.3)\n\
             \x20 FAIL          Disable_User_Test  user-lifecycle [entra-default]: USER-DISABLE, USER-DISABLED-GET (failed)\n\
             \x20 WARN          Delete_User_Test   user-lifecycle [entra-default]: USER-DELETE (failed)\n\
             \x20 NOT CHECKABLE POD_User_Test      needs a tenant\n\
             gallery: 1 fail, 1 warn, 1 not checkable\n\n"
        );
    }
}
