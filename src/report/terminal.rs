//! The terminal report: a line per step (`WARN` when its failures do not break Entra), the
//! evidence for each failure under its stable check id, "what to fix first", a closing line.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use super::Styles;
use crate::check::Severity;
use crate::http::Exchange;
use crate::profile::Profile;
use crate::redact::Redactor;
use crate::run::{NotRun, RunEvent, RunSummary, StepOutcome, StepStatus};
use crate::verdict::{is_warning, SeverityCounts};

/// How much a failure shows of a body.
const BODY_LIMIT: usize = 2000;

/// Writes the run as it happens.
pub struct Terminal<W: Write> {
    out: W,
    styles: Styles,
    redactor: Redactor,
    /// The Tenant URL, cut from request URLs so lines show `POST /Users`.
    base: String,
    /// `-v`: show the exchanges of passing steps too.
    pub verbose: bool,
}

impl<W: Write> Terminal<W> {
    pub fn new(out: W, styles: Styles, redactor: Redactor, base: String) -> Terminal<W> {
        Terminal {
            out,
            styles,
            redactor,
            base,
            verbose: false,
        }
    }

    /// Writes one event's lines.
    pub fn on_event(&mut self, event: &RunEvent<'_>) {
        let text = match event {
            RunEvent::ScenarioStarted { name, profile, .. } => {
                format!(
                    "{} {}\n",
                    self.styles.bold(name),
                    self.styles.dim(&format!("[{profile}]"))
                )
            }
            RunEvent::StepFinished { step, .. } => self.step(step),
            RunEvent::ScenarioFinished { outcome } => {
                let warnings_only = outcome
                    .steps
                    .iter()
                    .all(|s| s.status == StepStatus::Passed || is_warning(s));
                let verdict = if outcome.passed() {
                    self.styles.pass("PASS")
                } else if warnings_only {
                    self.styles.skip("WARN")
                } else {
                    self.styles.fail("FAIL")
                };
                format!(
                    "{}: {verdict} ({} requests, {})\n\n",
                    outcome.name,
                    outcome.requests(),
                    millis(outcome.elapsed)
                )
            }
            RunEvent::CleanupStarted { .. } | RunEvent::CleanupFinished { .. } => String::new(),
        };
        self.write(&text);
    }

    /// Writes the closing lines: cleanup, a transport verdict, the counts.
    pub fn summary(&mut self, summary: &RunSummary) {
        let mut text = self.matrix(summary);
        // The transport verdict is the first hint when there is one (hint:connection-refused…).
        text.push_str(&super::fix_first::render(
            &crate::hints::diagnose(summary),
            &self.styles,
        ));
        let cleanup = &summary.cleanup;
        if cleanup.deleted > 0 {
            let _ = writeln!(
                text,
                "cleanup: deleted {} resource(s) the scenarios left",
                cleanup.deleted
            );
        }
        for leftover in &cleanup.leftovers {
            let id = leftover.id.as_deref().unwrap_or("(id unknown)");
            let _ = writeln!(
                text,
                "{} {} {} (id {id}) {}: {}",
                self.styles.fail("left behind:"),
                leftover.kind.name(),
                leftover.name,
                leftover.url,
                leftover.reason
            );
        }
        if summary.interrupted {
            let _ = writeln!(
                text,
                "{}",
                self.styles
                    .skip("interrupted: cleanup ran, remaining steps were not run")
            );
        }
        let counts = summary.counts();
        let mut line = format!("{} passed, {} failed", counts.passed, counts.failed);
        if counts.failed > 0 {
            let by_severity = SeverityCounts::of(summary);
            let parts: Vec<String> = Severity::ALL
                .iter()
                .filter(|s| by_severity.get(**s) > 0)
                .map(|s| format!("{} {}", by_severity.get(*s), s.label()))
                .collect();
            let _ = write!(line, " ({})", parts.join(", "));
        }
        if counts.not_run > 0 {
            let _ = write!(line, ", {} not run", counts.not_run);
        }
        let _ = write!(
            text,
            "{line}\n{}\n",
            self.styles.dim(&format!(
                "run {}: {} requests in {}",
                summary.run_id,
                summary.requests(),
                millis(summary.elapsed)
            ))
        );
        self.write(&text);
    }

    /// With several profiles: scenario × profile, so a team sees "works with the flag, fails
    /// without it" at a glance.
    fn matrix(&self, summary: &RunSummary) -> String {
        let mut profiles: Vec<Profile> = Vec::new();
        let mut scenarios: Vec<&str> = Vec::new();
        for outcome in &summary.scenarios {
            if !profiles.contains(&outcome.profile) {
                profiles.push(outcome.profile);
            }
            if !scenarios.contains(&outcome.name.as_str()) {
                scenarios.push(&outcome.name);
            }
        }
        if profiles.len() < 2 {
            return String::new();
        }
        let width = scenarios.iter().map(|s| s.len()).max().unwrap_or(0).max(8);
        let mut text = format!("{:<width$}", "scenario");
        for profile in &profiles {
            let _ = write!(text, "  {:<13}", profile.name());
        }
        text.push('\n');
        for scenario in &scenarios {
            let _ = write!(text, "{scenario:<width$}");
            for profile in &profiles {
                let cell = summary
                    .scenarios
                    .iter()
                    .find(|o| o.name == *scenario && o.profile == *profile)
                    .map_or(self.styles.dim("-"), |o| {
                        let failed = o
                            .steps
                            .iter()
                            .filter(|s| s.status != StepStatus::Passed)
                            .count();
                        let warnings_only = o
                            .steps
                            .iter()
                            .all(|s| s.status == StepStatus::Passed || is_warning(s));
                        if failed == 0 {
                            self.styles.pass("PASS")
                        } else if warnings_only {
                            self.styles.skip(&format!("WARN ({failed})"))
                        } else {
                            self.styles.fail(&format!("FAIL ({failed})"))
                        }
                    });
                // Pad by the visible width: colour codes do not take room on screen.
                let visible = strip_len(&cell);
                let _ = write!(
                    text,
                    "  {cell}{}",
                    " ".repeat(13usize.saturating_sub(visible))
                );
            }
            text.push('\n');
        }
        text.push('\n');
        text
    }

    fn step(&self, step: &StepOutcome) -> String {
        let (label, detail) = match &step.status {
            StepStatus::Passed => (self.styles.pass("PASS"), String::new()),
            StepStatus::Failed if is_warning(step) => {
                (self.styles.skip("WARN"), self.failures(step))
            }
            StepStatus::Failed => (self.styles.fail("FAIL"), self.failures(step)),
            StepStatus::NotRun(NotRun::Transport(error)) => (
                self.styles.fail("ERR "),
                format!(
                    "       {}\n       {} {}\n",
                    error.verdict(),
                    self.styles.bold("hint:"),
                    error.hint()
                ),
            ),
            StepStatus::NotRun(NotRun::Premise(reason)) => {
                (self.styles.skip("SKIP"), format!("       {reason}\n"))
            }
            StepStatus::NotRun(NotRun::Interrupted) => {
                (self.styles.skip("SKIP"), "       interrupted\n".to_owned())
            }
        };
        let request = step
            .request()
            .map(|e| self.request_line(e))
            .unwrap_or_default();
        let mut text = format!(
            "  {label}  {:<44} {}\n{detail}",
            step.name,
            self.styles.dim(&request)
        );
        if self.verbose && step.status == StepStatus::Passed {
            for exchange in &step.exchanges {
                text.push_str(&indent(&exchange.render(BODY_LIMIT), 7));
            }
        }
        text
    }

    fn request_line(&self, exchange: &Exchange) -> String {
        let target = exchange
            .sent
            .url
            .strip_prefix(&self.base)
            .unwrap_or(&exchange.sent.url);
        let status = exchange
            .response()
            .map_or("---".to_owned(), |r| r.status.to_string());
        format!(
            "{} {target} → {status}  {}",
            exchange.sent.method,
            millis(exchange.elapsed)
        )
    }

    fn failures(&self, step: &StepOutcome) -> String {
        let mut text = String::new();
        for check in step.failures() {
            {
                let (message, expected, actual) =
                    (check.message(), check.expected(), check.actual());
                // Only the milder severities are spelled out: a bare `✗` breaks Entra.
                let severity = match check.severity {
                    Severity::BreaksEntra => String::new(),
                    other => format!(" ({})", other.label()),
                };
                let _ = write!(
                    text,
                    "       {} {}{severity}: {message}\n         expected: {expected}\n         actual:   {actual}\n",
                    self.styles.fail("✗"),
                    check.stable_id(&step.id)
                );
            }
        }
        let _ = writeln!(text, "       {} {}", self.styles.dim("-->"), step.location);
        if let Some(request) = step.request() {
            // Ready to paste; the token comes from `$SCIMCHECK_TOKEN`, never from the report.
            let curl = crate::http::curl(&request.sent);
            let _ = writeln!(text, "       {} {curl}", self.styles.dim("reproduce:"));
        }
        for exchange in &step.exchanges {
            text.push_str(&indent(&exchange.render(BODY_LIMIT), 7));
        }
        text
    }

    fn write(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        // A closed stdout (`| head`) is not worth a panic; the exit code still tells.
        let _ = self.out.write_all(self.redactor.redact(text).as_bytes());
        let _ = self.out.flush();
    }
}

/// The number of characters a terminal shows for `text` (ANSI escapes take none).
fn strip_len(text: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

fn indent(text: &str, width: usize) -> String {
    let pad = " ".repeat(width);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// Durations as people read them in a report.
pub fn millis(d: Duration) -> String {
    if d >= Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}
