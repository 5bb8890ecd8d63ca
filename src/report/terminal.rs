//! The terminal report: a line per step (`WARN` when its failures do not break Entra), the
//! evidence for each failure under its stable check id, "what to fix first", a closing line.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use super::controls::{self, Keep};
use super::{body, layout, setup, Styles};
use crate::check::Severity;
use crate::http::{structural_redact, Exchange};
use crate::profile::Profile;
use crate::redact::Redactor;
use crate::run::{
    NotRun, PremiseKind, RunEvent, RunSummary, ScenarioOutcome, StepOutcome, StepStatus,
};
use crate::verdict::{is_warning, SeverityCounts};

/// Where a step's evidence starts.
const INDENT: &str = "       ";

/// The label column: as wide as the longest label, `NOT RUN`.
const LABEL_WIDTH: usize = 7;

/// The response headers a brief exchange keeps: those a check or a person reads.
const BRIEF_HEADERS: [&str; 5] = [
    "content-type",
    "location",
    "etag",
    "www-authenticate",
    "retry-after",
];

/// How much the terminal says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// `-q`: failing steps, the hints and the summary.
    Quiet,
    /// Every step's line; a failed step's own exchanges, bodies cut, lines fitted to the
    /// width.
    #[default]
    Normal,
    /// `-v`: every exchange of every step, whole.
    Verbose,
}

/// How much of an exchange to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detail {
    /// What a failed check read: bodies cut at [`body::TERMINAL`].
    Brief,
    /// The step's own request when no failed check read its answer: the response body cut
    /// at [`body::CONTEXT`].
    Context,
    Full,
}

/// Writes the run as it happens.
pub struct Terminal<W: Write> {
    out: W,
    styles: Styles,
    redactor: Redactor,
    /// The Tenant URL, cut from request URLs so lines show `POST /Users`.
    base: String,
    /// How much to say.
    pub verbosity: Verbosity,
    /// The width lines are fitted to (the terminal's width by default).
    pub width: usize,
    /// The step-name column (see [`Terminal::fit_names`]).
    pub name_width: usize,
    /// Under `-q`, a scenario's header waits for its first failing step.
    pending_header: Option<String>,
    /// The reason of the scenario's last step not run: the next one with the same reason
    /// says "same reason" instead of repeating it (an early stop leaves 48 steps not run).
    last_reason: Option<String>,
    /// The fallback note said last, so a run of steps on one fallback says it once.
    last_fallback: Option<String>,
    /// The scenario's steps so far, while every one is stopped ([`stopped`]): a scenario the
    /// run stopped before it began is said in one line, not a line per step.
    held: Vec<StepOutcome>,
    /// The header of the scenario whose steps are held.
    held_header: Option<String>,
    /// Why the last wholly stopped scenario was not run, said once for the ones after it.
    last_stop: Option<String>,
    /// The last line written was a stopped scenario's: those lines stand together, and a
    /// blank line ends the group.
    after_stop: bool,
}

/// Whether a step was not run because the run stopped (Test Connection showed a blocking
/// cause, or the server stopped answering), as opposed to a premise of its own scenario.
fn stopped(step: &StepOutcome) -> Option<&crate::run::Premise> {
    match &step.status {
        StepStatus::NotRun(NotRun::Premise(premise))
            if premise.blame.is_none()
                && matches!(
                    *premise.kind,
                    PremiseKind::Blocked { .. } | PremiseKind::Unreachable
                ) =>
        {
            Some(premise)
        }
        _ => None,
    }
}

/// Whether `-q` shows a step: it failed, or could not be talked to.
fn shown_when_quiet(step: &StepOutcome) -> bool {
    matches!(
        step.status,
        StepStatus::Failed | StepStatus::NotRun(NotRun::Transport(_))
    )
}

impl<W: Write> Terminal<W> {
    pub fn new(out: W, styles: Styles, redactor: Redactor, base: String) -> Terminal<W> {
        Terminal {
            out,
            styles,
            redactor,
            base,
            verbosity: Verbosity::Normal,
            width: layout::terminal_width(),
            name_width: 44,
            pending_header: None,
            last_reason: None,
            last_fallback: None,
            held: Vec::new(),
            held_header: None,
            last_stop: None,
            after_stop: false,
        }
    }

    /// Sizes the step-name column to the longest of `names`, but to no more than about half
    /// the width, so the request column keeps room.
    pub fn fit_names<'n>(&mut self, names: impl IntoIterator<Item = &'n str>) {
        let longest = names
            .into_iter()
            .map(|n| layout::width_of(&self.redactor.redact(n)))
            .max()
            .unwrap_or(0);
        let most = (self.width.saturating_sub(2 + LABEL_WIDTH + 2) / 2).max(16);
        self.name_width = longest.min(most);
    }

    /// Writes one event's lines.
    pub fn on_event(&mut self, event: &RunEvent<'_>) {
        let text = match event {
            RunEvent::ScenarioStarted { name, profile, .. } => {
                self.last_reason = None;
                self.last_fallback = None;
                let header = format!(
                    "{} {}\n",
                    self.styles.bold(&controls::line(name)),
                    self.styles.dim(&format!("[{profile}]"))
                );
                self.held.clear();
                if self.verbosity == Verbosity::Quiet {
                    self.pending_header = Some(header);
                } else {
                    self.held_header = Some(header);
                }
                String::new()
            }
            RunEvent::StepFinished { step, .. } => self.hold_or_show(step),
            RunEvent::ScenarioFinished { outcome } if self.wholly_stopped(outcome) => {
                self.stopped_scenario(outcome)
            }
            RunEvent::ScenarioFinished { .. } if self.verbosity == Verbosity::Quiet => {
                // A scenario with a failing step is followed by a blank line, as without -q.
                if self.pending_header.take().is_none() {
                    "\n".to_owned()
                } else {
                    String::new()
                }
            }
            RunEvent::ScenarioFinished { outcome } => {
                let verdict = self.verdict(outcome, "");
                format!(
                    "{}{}: {verdict} ({} requests, {})\n\n",
                    self.held_header.take().unwrap_or_default(),
                    controls::line(&outcome.name),
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
        let width = (self.verbosity != Verbosity::Verbose).then_some(self.width);
        let hints = crate::hints::diagnose(summary);
        // Redacted before it is folded, so a fold never splits a token.
        let hints = self
            .redactor
            .redact(&super::fix_first::render(&hints, &self.styles, width));
        text.push_str(&hints);
        let cleanup = &summary.cleanup;
        if cleanup.deleted > 0 {
            let _ = writeln!(
                text,
                "cleanup: deleted {} resource(s) the scenarios left",
                cleanup.deleted
            );
        }
        for leftover in &cleanup.leftovers {
            let _ = match &leftover.id {
                Some(id) => writeln!(
                    text,
                    "{} {} {} (id {}) {}: {}",
                    self.styles.fail("left behind:"),
                    leftover.kind.name(),
                    controls::line(&leftover.name),
                    controls::line(&crate::id::shown(id)),
                    controls::line(&leftover.url),
                    controls::line(&leftover.reason.to_string())
                ),
                // Only the name is known: the create's answer never came.
                None => writeln!(
                    text,
                    "{} {} `{}`: {}",
                    self.styles.fail("may exist:"),
                    leftover.kind.name(),
                    controls::line(&leftover.name),
                    controls::line(&leftover.reason.to_string())
                ),
            };
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
        if counts.errors > 0 {
            let noun = if counts.errors == 1 {
                "error"
            } else {
                "errors"
            };
            let _ = write!(line, ", {} {noun}", counts.errors);
        }
        let _ = write!(
            text,
            "{line}\n{}\n",
            self.styles.dim(&format!(
                "run {}: {} requests in {}{}",
                summary.run_id,
                summary.requests(),
                millis(summary.elapsed),
                throttled(summary.throttled())
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
            let _ = write!(text, "{:<width$}", controls::line(scenario));
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
                        self.verdict(o, &format!(" ({failed})"))
                    });
                // Pad by the visible width: colour codes do not take room on screen.
                let _ = write!(text, "  {}", layout::pad(&cell, 13));
            }
            text.push('\n');
        }
        text.push('\n');
        text
    }

    /// A scenario's verdict in the steps' words: `ERROR` when a step got no answer, `FAIL`
    /// when one failed in a way that breaks Entra (or was not run), `WARN` when every failure
    /// only degrades, `PASS`; then `suffix`.
    fn verdict(&self, outcome: &ScenarioOutcome, suffix: &str) -> String {
        let steps = &outcome.steps;
        if outcome.passed() {
            self.styles.pass(&format!("PASS{suffix}"))
        } else if steps
            .iter()
            .any(|s| matches!(s.status, StepStatus::NotRun(NotRun::Transport(_))))
        {
            self.styles.fail(&format!("ERROR{suffix}"))
        } else if steps
            .iter()
            .all(|s| s.status == StepStatus::Passed || is_warning(s))
        {
            self.styles.skip(&format!("WARN{suffix}"))
        } else {
            self.styles.fail(&format!("FAIL{suffix}"))
        }
    }

    /// A step's lines; a stopped step at the start of its scenario waits, since the whole
    /// scenario may be stopped.
    fn hold_or_show(&mut self, step: &StepOutcome) -> String {
        // Nothing of the scenario shown yet: its header still waits.
        let leading = self.held_header.is_some() || self.pending_header.is_some();
        if leading && stopped(step).is_some() {
            self.held.push(step.clone());
            return String::new();
        }
        let mut text = self.held_header.take().unwrap_or_default();
        for held in std::mem::take(&mut self.held) {
            text.push_str(&self.step(&held));
        }
        text.push_str(&self.step(step));
        text
    }

    /// Whether every step of the scenario was held as stopped.
    fn wholly_stopped(&self, outcome: &ScenarioOutcome) -> bool {
        !outcome.steps.is_empty() && self.held.len() == outcome.steps.len()
    }

    /// One line for a scenario the run stopped before it began (nothing under `-q`: the
    /// closing line counts its steps as not run).
    fn stopped_scenario(&mut self, outcome: &ScenarioOutcome) -> String {
        let held = std::mem::take(&mut self.held);
        let header = self.held_header.take();
        self.pending_header = None;
        if self.verbosity == Verbosity::Quiet {
            return String::new();
        }
        let reason = held
            .first()
            .and_then(stopped)
            .map(|premise| controls::line(&premise.to_string()))
            .unwrap_or_default();
        let said = if self.last_stop.as_deref() == Some(reason.as_str()) {
            "same reason".to_owned()
        } else {
            reason.clone()
        };
        self.last_stop = Some(reason);
        let name = header.map_or_else(
            || controls::line(&outcome.name),
            |h| h.trim_end().to_owned(),
        );
        let lead = format!(
            "{name}: {} ({} steps): ",
            self.styles.skip("NOT RUN"),
            held.len()
        );
        let text = said.strip_prefix("not run: ").unwrap_or(&said).to_owned();
        let line = self.prose(&format!("{lead}{text}"), "", INDENT);
        self.after_stop = false;
        self.write(&line);
        self.after_stop = true;
        String::new()
    }

    fn step(&mut self, step: &StepOutcome) -> String {
        let (label, detail) = match &step.status {
            StepStatus::Passed => (self.styles.pass("PASS"), String::new()),
            StepStatus::Failed if is_warning(step) => {
                (self.styles.skip("WARN"), self.failures(step))
            }
            StepStatus::Failed => (self.styles.fail("FAIL"), self.failures(step)),
            StepStatus::NotRun(NotRun::Transport(error)) => (
                self.styles.fail("ERROR"),
                format!(
                    "{}{}",
                    self.prose(&controls::line(&error.verdict()), INDENT, INDENT),
                    self.prose(
                        &format!("{} {}", self.styles.bold("hint:"), error.hint()),
                        INDENT,
                        INDENT
                    )
                ),
            ),
            StepStatus::NotRun(NotRun::Premise(premise)) => {
                let reason = controls::line(&premise.to_string());
                let detail = if self.last_reason.as_deref() == Some(reason.as_str()) {
                    String::new()
                } else {
                    self.prose(&reason, INDENT, INDENT)
                };
                self.last_reason = Some(reason);
                (self.styles.skip("NOT RUN"), detail)
            }
            StepStatus::NotRun(NotRun::Interrupted) => (
                self.styles.skip("NOT RUN"),
                format!("{INDENT}interrupted\n"),
            ),
        };
        if self.verbosity == Verbosity::Quiet && !shown_when_quiet(step) {
            return String::new();
        }
        let mut text = self.pending_header.take().unwrap_or_default();
        text.push_str(&self.step_line(&label, step));
        text.push_str(&self.fallback_notes(step));
        text.push_str(&detail);
        if self.verbosity == Verbosity::Verbose && step.status == StepStatus::Passed {
            for exchange in &step.exchanges {
                text.push_str(&self.exchange(exchange, Detail::Full));
            }
        }
        text
    }

    /// "judged on a fallback user (…)": said at the first step of a run of steps on the same
    /// fallback, so every verdict on it is read as such without repeating the line.
    fn fallback_notes(&mut self, step: &StepOutcome) -> String {
        let mut text = String::new();
        for fallback in &step.fallbacks {
            let note = controls::line(&fallback.to_string());
            if self.last_fallback.as_deref() != Some(note.as_str()) {
                text.push_str(&self.prose(&self.styles.dim(&note), INDENT, INDENT));
                self.last_fallback = Some(note);
            }
        }
        text
    }

    /// `  LABEL  name  METHOD /target → status  time`, the name column sized to the plan's
    /// longest name and the line to the width: a long target is cut, never the status (all
    /// of it with `-v`).
    fn step_line(&self, label: &str, step: &StepOutcome) -> String {
        let full = self.verbosity == Verbosity::Verbose;
        let name = controls::line(&self.redactor.redact(&step.name));
        let name = if full {
            name
        } else {
            layout::cut(&name, self.name_width).into_owned()
        };
        let lead = format!(
            "  {}  {} ",
            layout::pad(label, LABEL_WIDTH),
            layout::pad(&name, self.name_width)
        );
        let Some(exchange) = step.request() else {
            return format!("{}\n", lead.trim_end());
        };
        let status = exchange
            .response()
            .map_or("---".to_owned(), |r| r.status.to_string());
        let method = exchange.sent.method;
        let tail = format!(" → {status}  {}", millis(exchange.elapsed));
        let target = controls::line(&self.redactor.redact(self.target(&exchange.sent.url)));
        let room = self
            .width
            .saturating_sub(layout::width_of(&lead) + method.len() + 1 + layout::width_of(&tail))
            .max(12);
        let target = if full {
            target
        } else {
            layout::cut(&target, room).into_owned()
        };
        let request = format!("{method} {target}{tail}");
        format!("{lead}{}\n", self.styles.dim(&request))
    }

    /// A request URL relative to the Tenant URL (`/Users/42`), as the step lines name it.
    fn target<'u>(&self, url: &'u str) -> &'u str {
        url.strip_prefix(&self.base).unwrap_or(url)
    }

    /// A failed step's evidence: each failed check, where the step is written, the command
    /// that reproduces it, then its own exchanges (see [`Terminal::evidence`]).
    fn failures(&self, step: &StepOutcome) -> String {
        let mut text = String::new();
        for check in step.failures() {
            let (message, expected, actual) = (
                controls::line(&check.message()),
                controls::line(&check.expected()),
                controls::line(&check.actual()),
            );
            // Only the milder severities are spelled out: a bare `✗` breaks Entra.
            let severity = match check.severity {
                Severity::BreaksEntra => String::new(),
                other => format!(" ({})", other.label()),
            };
            let head = format!(
                "{} {}{severity}: {message}",
                self.styles.fail("✗"),
                check.stable_id(&step.id)
            );
            text.push_str(&self.prose(&head, INDENT, &format!("{INDENT}  ")));
            text.push_str(&self.line(&format!("{INDENT}  expected: {expected}")));
            text.push_str(&self.line(&format!("{INDENT}  actual:   {actual}")));
        }
        text.push_str(&self.line(&format!(
            "{INDENT}{} {}",
            self.styles.dim("-->"),
            controls::line(&step.location.to_string())
        )));
        if let Some(request) = step.request() {
            // Ready to paste; the token comes from `$SCIMCHECK_TOKEN`, never from the report.
            let curl = controls::line(&self.redactor.redact(&crate::http::curl(&request.sent)));
            text.push_str(&self.reproduce(&curl));
        }
        text.push_str(&self.evidence(step));
        text
    }

    /// The curl line, whole when it fits (or with `-v`); otherwise cut, saying where the whole
    /// command is, since a cut command cannot be pasted.
    fn reproduce(&self, curl: &str) -> String {
        let label = self.styles.dim("reproduce:");
        let whole = format!("{INDENT}{label} {curl}");
        if self.verbosity == Verbosity::Verbose || layout::width_of(&whole) <= self.width {
            return format!("{whole}\n");
        }
        let note = format!(
            " ({} chars; -v or --json has it whole)",
            curl.chars().count()
        );
        let room = self.width.saturating_sub(layout::width_of(&note));
        format!("{}{}\n", layout::cut(&whole, room), self.styles.dim(&note))
    }

    /// A failed step's exchanges. By default: its own request and what its failed checks
    /// read, in full; the others (the 100 users a batch step creates first, a read-back that
    /// passed) summarised a line per group. With `-v`: every exchange, every header.
    fn evidence(&self, step: &StepOutcome) -> String {
        if self.verbosity == Verbosity::Verbose {
            return step
                .exchanges
                .iter()
                .map(|e| self.exchange(e, Detail::Full))
                .collect();
        }
        let own = step.request_index();
        let read: Vec<usize> = step.failures().map(|c| c.exchange.index()).collect();
        let shown = |i: usize| Some(i) == own || read.contains(&i);
        let mut text = String::new();
        let mut hidden: Vec<&Exchange> = Vec::new();
        for (index, exchange) in step.exchanges.iter().enumerate() {
            if shown(index) {
                let label = if text.is_empty() { "setup:" } else { "then:" };
                text.push_str(&self.summary_line(label, &hidden));
                hidden.clear();
                let detail = if read.contains(&index) {
                    Detail::Brief
                } else {
                    Detail::Context
                };
                text.push_str(&self.exchange(exchange, detail));
            } else {
                hidden.push(exchange);
            }
        }
        let label = if text.is_empty() { "sent:" } else { "then:" };
        text.push_str(&self.summary_line(label, &hidden));
        text
    }

    /// `setup: 100 × POST /Users, all 201`: exchanges grouped by method and resource type.
    fn summary_line(&self, label: &str, exchanges: &[&Exchange]) -> String {
        if exchanges.is_empty() {
            return String::new();
        }
        let groups = setup::groups(exchanges.iter().map(|e| {
            let status = e.response().map(|r| r.status);
            (e.sent.method, self.target(&e.sent.url), status)
        }));
        let text = groups
            .iter()
            .map(setup::Group::describe)
            .collect::<Vec<_>>()
            .join("; ");
        let text = controls::line(&text);
        self.prose(
            &format!("{} {text}", self.styles.dim(label)),
            INDENT,
            &format!("{INDENT}  "),
        )
    }

    /// One exchange: request line, body, status, headers, body. `Brief` leaves out the
    /// request's headers (the curl line has them) and all but the response headers checks
    /// read, and cuts bodies; `Full` is every byte, bodies pretty-printed.
    fn exchange(&self, exchange: &Exchange, detail: Detail) -> String {
        let brief = detail != Detail::Full;
        let url = if brief {
            self.target(&exchange.sent.url)
        } else {
            &exchange.sent.url
        };
        let url = controls::line(url);
        let mut text = self.line(&format!("{INDENT}> {} {url}", exchange.sent.method));
        if !brief {
            for (name, value) in &exchange.sent.headers {
                text.push_str(&self.line(&format!(
                    "{INDENT}> {}: {}",
                    controls::line(name),
                    controls::line(&structural_redact(name, value))
                )));
            }
        }
        let limit = |response: bool| match detail {
            Detail::Full => None,
            Detail::Context if response => Some(body::CONTEXT),
            Detail::Brief | Detail::Context => Some(body::TERMINAL),
        };
        if let Some(body) = &exchange.sent.body {
            text.push_str(&self.body(body, limit(false)));
        }
        match &exchange.received {
            Ok(received) => {
                text.push_str(&self.line(&format!("{INDENT}< {}", received.status)));
                let headers = received.headers.iter().filter(|(n, _)| {
                    !brief || BRIEF_HEADERS.contains(&n.to_ascii_lowercase().as_str())
                });
                for (name, value) in headers {
                    text.push_str(&self.line(&format!(
                        "{INDENT}< {}: {}",
                        controls::line(name),
                        controls::line(&structural_redact(name, value))
                    )));
                }
                if !received.body.is_empty() {
                    text.push_str(&self.body(&received.body, limit(true)));
                }
            }
            Err(error) => {
                let verdict = controls::line(&error.verdict());
                text.push_str(&self.line(&format!("{INDENT}< (no response: {verdict})")));
            }
        }
        text
    }

    /// A body indented under its exchange, pretty-printed; cut to `limit` if there is one.
    fn body(&self, body: &str, limit: Option<body::Limit>) -> String {
        let width = match limit {
            // The body is indented under its exchange; the rest of the line is its room.
            Some(_) => self.width.saturating_sub(INDENT.len() + 2),
            None => body::INLINE_WIDTH,
        };
        // Escaped before it is cut, so the cut counts what is shown.
        let pretty = body::pretty(self.redactor.mask(body), width)
            .map(|text| controls::escape(&text, Keep::Lines).into_owned());
        let text = match limit {
            Some(limit) => body::cut(&pretty, limit),
            None => pretty.into_string(),
        };
        text.lines()
            .map(|l| self.line(&format!("{INDENT}  {l}")))
            .collect()
    }

    /// One line of the report, redacted, then cut to the width (whole with `-v`).
    fn line(&self, line: &str) -> String {
        let line = self.redactor.redact(line);
        if self.verbosity == Verbosity::Verbose {
            format!("{line}\n")
        } else {
            format!("{}\n", layout::cut(&line, self.width))
        }
    }

    /// Prose (a message, a reason), redacted, then folded to the width (whole with `-v`).
    fn prose(&self, text: &str, first: &str, rest: &str) -> String {
        let text = self.redactor.redact(text);
        if self.verbosity == Verbosity::Verbose {
            format!("{first}{text}\n")
        } else {
            layout::fold(&text, self.width, first, rest)
        }
    }

    /// Writes the gallery tests' verdicts (`run --suite gallery`), before the closing lines.
    pub fn gallery(&mut self, verdicts: &[crate::gallery::GalleryVerdict]) {
        let text = super::gallery::render(verdicts, &self.styles, self.width);
        self.write(&text);
    }

    fn write(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if std::mem::take(&mut self.after_stop) {
            let _ = self.out.write_all(b"\n");
        }
        // The last guard: whatever escaped escaping above is shown escaped here, but for the
        // colours this report writes itself.
        let text = self.redactor.redact(text);
        let text = controls::escape(&text, Keep::OurStyles);
        // A closed stdout (`| head`) is not worth a panic; the exit code still tells.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// Durations as people read them in a report.
pub fn millis(d: Duration) -> String {
    if d >= Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The closing line's note on 429s: how many, and whether the server said how long to wait
/// (client-behaviour §6.2); nothing when none came.
fn throttled(throttled: crate::run::Throttled) -> String {
    let crate::run::Throttled {
        answers,
        with_retry_after,
    } = throttled;
    let retry_after = match with_retry_after {
        0 => "none with Retry-After".to_owned(),
        n if n == answers => "all with Retry-After".to_owned(),
        n => format!("{n} with Retry-After"),
    };
    match answers {
        0 => String::new(),
        1 => format!(", 1 answered 429 ({retry_after})"),
        n => format!(", {n} answered 429 ({retry_after})"),
    }
}
