//! Writing the report files a run asked for, after the run (hurl's `export_results`): the
//! runner is done by then, so a file that cannot be written costs that file, not the run.
//!
//! A path of `-` is stdout ([`STDOUT`]); the CLI then moves the terminal report to stderr,
//! as cargo-nextest does with `--message-format libtest-json`, so the document on stdout can
//! be piped on its own.

use std::fmt;
use std::path::{Path, PathBuf};

use super::context::ReportContext;
use super::{har, html, json, junit};
use crate::run::RunSummary;

/// The path that means stdout.
pub const STDOUT: &str = "-";

/// The report files to write; `None` leaves that one out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportFiles {
    /// `--junit PATH`.
    pub junit: Option<PathBuf>,
    /// `--json PATH`.
    pub json: Option<PathBuf>,
    /// `--transcript PATH` (HAR 1.2).
    pub transcript: Option<PathBuf>,
    /// `--html PATH`.
    pub html: Option<PathBuf>,
}

/// Which report a [`ReportError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// The JUnit XML report.
    Junit,
    /// The JSON report.
    Json,
    /// The HAR transcript.
    Transcript,
    /// The HTML report.
    Html,
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReportKind::Junit => "JUnit report",
            ReportKind::Json => "JSON report",
            ReportKind::Transcript => "transcript",
            ReportKind::Html => "HTML report",
        })
    }
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write the {kind} `{}`: {reason}", path.display())]
pub struct ReportError {
    /// Which report.
    pub kind: ReportKind,
    /// Where it was to go.
    pub path: PathBuf,
    /// What went wrong (the file system's or the serialiser's message).
    pub reason: String,
}

impl ReportFiles {
    /// Which reports go to stdout (`-`).
    pub fn on_stdout(&self) -> Vec<ReportKind> {
        [
            (ReportKind::Junit, &self.junit),
            (ReportKind::Json, &self.json),
            (ReportKind::Transcript, &self.transcript),
            (ReportKind::Html, &self.html),
        ]
        .into_iter()
        .filter(|(_, path)| path.as_deref().is_some_and(is_stdout))
        .map(|(kind, _)| kind)
        .collect()
    }

    /// Writes every requested file; returns what could not be written. One failure does not
    /// keep the others from being written.
    pub fn write(
        &self,
        summary: &RunSummary,
        ctx: &ReportContext,
        exit_code: i32,
    ) -> Vec<ReportError> {
        let mut errors = Vec::new();
        if let Some(path) = &self.junit {
            let text = junit::render(summary, ctx).map_err(|e| e.to_string());
            errors.extend(save(ReportKind::Junit, path, text));
        }
        if let Some(path) = &self.json {
            let text = json::render(summary, ctx, exit_code).map_err(|e| e.to_string());
            errors.extend(save(ReportKind::Json, path, text));
        }
        if let Some(path) = &self.transcript {
            errors.extend(stream(ReportKind::Transcript, path, |out| {
                har::write(summary, ctx, out)
            }));
        }
        if let Some(path) = &self.html {
            let text = Ok(html::render(summary, ctx, exit_code));
            errors.extend(save(ReportKind::Html, path, text));
        }
        errors
    }
}

/// Writes a report as it is made, to `path` or stdout, buffered.
fn stream(
    kind: ReportKind,
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Option<ReportError> {
    use std::io::Write as _;
    let result = if is_stdout(path) {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write(&mut out).and_then(|()| out.flush())
    } else {
        std::fs::File::create(path).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            write(&mut out).and_then(|()| out.flush())
        })
    };
    result.err().map(|e| ReportError {
        kind,
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// Whether `path` is `-`, stdout.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == STDOUT
}

fn save(kind: ReportKind, path: &Path, text: Result<String, String>) -> Option<ReportError> {
    let result = text.and_then(|text| {
        if is_stdout(path) {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| e.to_string())
        } else {
            std::fs::write(path, text).map_err(|e| e.to_string())
        }
    });
    result.err().map(|reason| ReportError {
        kind,
        path: path.to_owned(),
        reason,
    })
}
