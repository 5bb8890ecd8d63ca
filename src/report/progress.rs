//! The progress bar on stderr: hidden when stderr is not a terminal or `CI` is set.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::redact::Redactor;
use crate::run::RunEvent;

/// A bar over all steps of a run.
pub struct Progress {
    bar: ProgressBar,
    redactor: Redactor,
}

impl Progress {
    /// A bar for `total` steps; drawn only on an interactive stderr outside CI.
    pub fn new(total: u64, redactor: Redactor) -> Progress {
        let visible = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let target = if visible {
            // Redraws are throttled: a fast local run must not spend its time drawing.
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar, redactor }
    }

    /// Advances on each finished step.
    pub fn on_event(&self, event: &RunEvent<'_>) {
        match event {
            RunEvent::ScenarioStarted { name, profile, .. } => {
                self.bar.set_message(super::controls::line(
                    &self.redactor.redact(&message(name, profile.name())),
                ));
            }
            RunEvent::StepFinished { .. } => self.bar.inc(1),
            RunEvent::CleanupStarted { .. } => self.bar.set_message("cleanup"),
            _ => {}
        }
    }

    /// Never draws the bar (`--no-progress`).
    pub fn hide(&self) {
        self.bar.set_draw_target(ProgressDrawTarget::hidden());
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// A writer-safe println: the bar is suspended while `f` writes.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }
}

/// The bar's message for a scenario.
pub fn message(scenario: &str, profile: &str) -> String {
    format!("{scenario} ({profile})")
}
