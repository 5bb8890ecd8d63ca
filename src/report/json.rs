//! The JSON report (`--json PATH`, `--format json`): one document per run, for machines.
//!
//! The types here are the published shape, kept apart from the runner's own types so that the
//! runner can change without breaking a consumer (ripgrep's `jsont.rs`, nextest's versioned
//! libtest output). [`FORMAT_VERSION`] changes only when a field is removed or changes meaning;
//! new fields may appear in any release, so a consumer should ignore keys it does not know.
//!
//! Every string has been through the report's redactor, and credential headers are masked
//! (`"Bearer ***"`). Durations are whole milliseconds; times are RFC 3339 in UTC. Keys marked
//! `?` below are left out when they do not apply.
//!
//! ```json
//! {
//!   "format_version": 2,
//!   "scimcheck_version": "0.1.0",
//!   "tenant_url": "https://api.example.com/scim/v2",
//!   "run_id": "1a2b3c4d",
//!   "profiles": ["entra-default"],
//!   "started_at": "2025-06-01T09:30:00.123Z",
//!   "duration_ms": 412,
//!   "summary": { "passed": 20, "failed": 1, "not_run": 0, "error": 0, "requests": 31,
//!                "failed_by_severity": { "breaks_entra": 1, "degrades": 0, "rfc": 0 },
//!                "throttled": { "answers": 0, "with_retry_after": 0 } },
//!   "scenarios": [{
//!     "name": "user-lifecycle",
//!     "description": "Entra creates, updates, disables and deletes a user.",
//!     "source": "builtin:user-lifecycle",
//!     "profile": "entra-default",
//!     "passed": false,
//!     "duration_ms": 120,
//!     "steps": [{
//!       "id": "USER-DISABLE",                        // the step's stable id
//!       "name": "disable",
//!       "location": "builtin:user-lifecycle:31:5",
//!       "status": "failed",                // "passed" | "failed" | "not_run" | "error"
//!       "reason?": "…",                    // why a step was not run, or the transport error
//!       "duration_ms": 9,
//!       "checks": [{
//!         "id": "USER-DISABLE/ATTRIBUTE",            // stable: step id / check kind
//!         "kind": "ATTRIBUTE", "severity": "breaks-entra",  // | "degrades" | "rfc"
//!         "subject": "attribute `active`", "passed": false,
//!         "message?": "PATCH returned 204 but `active` is still true",
//!         "expected?": "false", "actual?": "true",
//!         "exchange": 1                              // index into `exchanges`
//!       }],
//!       "exchanges": [{
//!         "request": {
//!           "method": "PATCH", "url": "https://api.example.com/scim/v2/Users/42",
//!           "headers": [["Authorization", "Bearer ***"], ["Content-Type", "application/scim+json"]],
//!           "body?": "{\"schemas\":[…],\"Operations\":[…]}"
//!         },
//!         "response?": { "status": 204, "headers": [["content-length", "0"]], "body": "" },
//!         "error?": { "verdict": "connection refused: nothing listens on host:443", "hint": "…" },
//!         "duration_ms": 4
//!       }],
//!       "curl?": "curl -sS -i --globoff -X PATCH '…' -H \"Authorization: Bearer $SCIMCHECK_TOKEN\" …"
//!     }]
//!   }],
//!   "hints": [{                                      // "what to fix first", most important first
//!     "id": "hint:write-not-stored", "severity": "breaks-entra", "blocking": false,
//!     "cause": "the server accepts writes (2xx) but does not store what they carry",
//!     "symptom": "the provisioning logs show success, but the change never arrives …",
//!     "evidence": "PATCH returned 204 but `active` is still true",
//!     "fix": "apply every operation a POST or PATCH carries before answering 2xx, …",
//!     "steps": ["USER-DISABLE"], "failures": 1
//!   }],
//!   "gallery?": [{                                   // with `--suite gallery` only
//!     "name": "Disable_User_Test", "source": "harness",   // | "checklist"
//!     "required": true, "checks": "soft delete (mandatory): …",
//!     "status": "fail",          // "pass" | "fail" | "warn" | "not-run" | "not-checkable"
//!     "reason?": "…",            // why not run, or not checkable here
//!     "evidence": [{ "scenario": "user-lifecycle", "profile": "entra-default",
//!                    "step": "USER-DISABLED-GET", "status": "failed" }]
//!   }],
//!   "cleanup": {
//!     "deleted": 0,
//!     "leftovers": [{ "kind": "User", "id": "42", "name": "scimcheck-1a2b3c4d-alice",
//!                     "url": "https://api.example.com/scim/v2/Users/42", "reason": "DELETE returned 500" }]
//!   },
//!   "exit_code": 1
//! }
//! ```
//!
//! `curl` is given for failed steps: their first request, the token read from
//! `$SCIMCHECK_TOKEN`. `exit_code` is the run's verdict (see the README's exit codes): only
//! `breaks-entra` failures make it 1, unless the run was `--strict`. A step counts in
//! `failed_by_severity` once, under its worst failed check. `hints` is empty when nothing
//! failed; hint ids (`hint:…`) and check ids never change once released.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::context::{millis, rfc3339, ReportContext};
use crate::check::Severity;
use crate::hints::{diagnose, Hint};
use crate::http::{curl, Exchange};
use crate::run::{CleanupReport, NotRun, RunSummary, ScenarioOutcome, StepOutcome, StepStatus};
use crate::verdict::SeverityCounts;

/// The version of this document's shape.
pub const FORMAT_VERSION: u32 = 2;

/// Where the report's JSON Schema is committed, relative to the repository's root.
pub const SCHEMA_PATH: &str = "schema/report.schema.json";

/// The JSON Schema of the report (derived from the types below with `schemars`), pretty-printed
/// and ending with a newline: the exact text of [`SCHEMA_PATH`]. It does not forbid unknown
/// keys: new fields may appear in any release.
pub fn schema() -> String {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<JsonReport>();
    schema.insert("title".into(), "scimcheck JSON report".into());
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    format!("{text}\n")
}

/// The whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JsonReport {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The version of scimcheck that wrote the document.
    pub scimcheck_version: String,
    /// The Tenant URL, without its query.
    pub tenant_url: String,
    /// The run id, as in the names of the resources the run created.
    pub run_id: String,
    /// The profiles the run used, e.g. `entra-default`.
    pub profiles: Vec<String>,
    /// When the run started, RFC 3339 in UTC.
    pub started_at: String,
    /// How long the run took, cleanup included.
    pub duration_ms: u64,
    /// Step counts and the number of requests.
    pub summary: JsonSummary,
    /// One entry per scenario and profile, in the order they ran.
    pub scenarios: Vec<JsonScenario>,
    /// "What to fix first": one entry per cause, most important first.
    #[serde(default)]
    pub hints: Vec<JsonHint>,
    /// With `--suite gallery`: Microsoft's gallery tests under their names, each judged from
    /// the steps that show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gallery: Option<Vec<JsonGalleryTest>>,
    /// What cleanup deleted and what it left behind.
    pub cleanup: JsonCleanup,
    /// The exit code of the run.
    pub exit_code: i32,
}

/// One of Microsoft's gallery tests (or a gallery checklist item).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonGalleryTest {
    /// Microsoft's name, e.g. `Disable_User_Test`; `Checklist_…` for a checklist item.
    pub name: String,
    /// `harness` (a test of Microsoft's validation Logic App) or `checklist`.
    pub source: String,
    /// Whether failing it fails onboarding; an optional test that fails is `warn`.
    pub required: bool,
    /// What it checks, in a few words.
    pub checks: String,
    /// `pass`, `fail`, `warn`, `not-run` or `not-checkable`.
    pub status: String,
    /// Why it was not run, or is not checkable here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The steps it was judged on.
    pub evidence: Vec<JsonGalleryEvidence>,
}

/// A step a gallery test was judged on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonGalleryEvidence {
    /// The scenario's name (`gallery-direct` for the direct steps).
    pub scenario: String,
    pub profile: String,
    /// The step's id, as under `scenarios[].steps[].id`.
    pub step: String,
    /// `passed`, `failed` or `not-run`.
    pub status: String,
}

fn gallery(
    verdicts: &[crate::gallery::GalleryVerdict],
    ctx: &ReportContext,
) -> Vec<JsonGalleryTest> {
    verdicts
        .iter()
        .map(|v| JsonGalleryTest {
            name: v.test.name.to_owned(),
            source: v.test.source.name().to_owned(),
            required: v.test.required,
            checks: v.test.checks.to_owned(),
            status: v.label().to_owned(),
            reason: v.status.reason().map(|r| ctx.text(r)),
            evidence: v
                .evidence
                .iter()
                .map(|e| JsonGalleryEvidence {
                    scenario: e.scenario.clone(),
                    profile: e.profile.name().to_owned(),
                    step: e.step.clone(),
                    status: e.status.to_owned(),
                })
                .collect(),
        })
        .collect()
}

/// Step counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonSummary {
    /// Steps that passed.
    pub passed: usize,
    /// Steps where the server answered wrongly.
    pub failed: usize,
    /// Steps not run: a step before them failed, or the run was interrupted.
    pub not_run: usize,
    /// Steps that got no answer (the transport failed: refused, DNS, TLS, timeout).
    pub error: usize,
    /// Requests sent, read-backs and cleanup included.
    pub requests: usize,
    /// The failed steps by the worst severity of their failed checks.
    #[serde(default)]
    pub failed_by_severity: JsonSeverityCounts,
    /// The 429 answers, cleanup's included (client-behaviour §6.2).
    #[serde(default)]
    pub throttled: JsonThrottled,
}

/// 429 answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonThrottled {
    /// Answers with status 429, each throttled try counted.
    pub answers: usize,
    /// Those of them that said how long to wait (`Retry-After`), as the gallery asks.
    pub with_retry_after: usize,
}

/// Failed steps by severity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonSeverityCounts {
    /// Steps with a failure that breaks Entra.
    pub breaks_entra: usize,
    /// Steps whose worst failure degrades (e.g. a PATCH every cycle).
    pub degrades: usize,
    /// Steps whose only failures are RFC deviations Entra does not care about.
    pub rfc: usize,
}

/// How much a failure matters to Entra (see the README's severities).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum JsonSeverity {
    /// Entra's provisioning fails, skips objects or quarantines the job.
    BreaksEntra,
    /// Entra works, but e.g. re-PATCHes every cycle.
    Degrades,
    /// A deviation from the RFC that Entra does not care about.
    Rfc,
}

impl From<Severity> for JsonSeverity {
    fn from(severity: Severity) -> JsonSeverity {
        match severity {
            Severity::BreaksEntra => JsonSeverity::BreaksEntra,
            Severity::Degrades => JsonSeverity::Degrades,
            Severity::Rfc => JsonSeverity::Rfc,
        }
    }
}

/// One cause of failures, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonHint {
    /// The stable hint id, e.g. `hint:pascal-case-ops`.
    pub id: String,
    /// The worst severity among the failures it explains.
    pub severity: JsonSeverity,
    /// Nothing else can be judged until this is fixed (transport, token, Tenant URL).
    pub blocking: bool,
    /// The cause, in one line.
    pub cause: String,
    /// What the admin sees in Entra (with the provisioning-log code where there is one).
    pub symptom: String,
    /// The request and this server's answer that show it.
    pub evidence: String,
    /// What to change.
    pub fix: String,
    /// The ids of the affected steps.
    pub steps: Vec<String>,
    /// How many failed checks (or unanswered requests) it explains.
    pub failures: usize,
}

/// One scenario run under one profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JsonScenario {
    /// The scenario's name.
    pub name: String,
    /// What the scenario does.
    pub description: String,
    /// The file it came from (`builtin:NAME` for a built-in one).
    pub source: String,
    /// The profile it ran under.
    pub profile: String,
    /// Whether every step passed.
    pub passed: bool,
    /// How long the scenario took.
    pub duration_ms: u64,
    /// Its steps, in order.
    pub steps: Vec<JsonStep>,
}

/// One step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JsonStep {
    /// The step's stable id, e.g. `USER-DISABLE`.
    #[serde(default)]
    pub id: String,
    /// The step's name.
    pub name: String,
    /// Where the step is written, `file:line:column`.
    pub location: String,
    /// `passed`, `failed`, `not_run` or `error`.
    pub status: JsonStatus,
    /// Why the step was not run, or what went wrong on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How long the step took.
    pub duration_ms: u64,
    /// Every check, passed or not.
    pub checks: Vec<JsonCheck>,
    /// The step's request, then its read-back (if any).
    pub exchanges: Vec<JsonExchange>,
    /// For a failed step: its first request as a shell command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
}

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JsonStatus {
    /// Every check passed.
    Passed,
    /// The server answered, and some check failed.
    Failed,
    /// The step was not run (a premise failed, or the run was interrupted); `reason` says
    /// why.
    NotRun,
    /// No answer came (the transport failed); `reason` is the verdict.
    Error,
}

/// One check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonCheck {
    /// The stable check id: the step's id and the check kind, e.g. `USER-DISABLE/STATUS`.
    pub id: String,
    /// The check kind, e.g. `STATUS`, `ATTRIBUTE`.
    #[serde(default)]
    pub kind: String,
    /// For a failed check, how much it matters to Entra (also given for a passed check: what
    /// its failure would have meant).
    pub severity: JsonSeverity,
    /// What was checked, e.g. "attribute `department`".
    pub subject: String,
    /// Whether it passed.
    pub passed: bool,
    /// For a failed check: what is wrong, in one sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a failed check: what Entra expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// For a failed check: what the server gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Which of the step's exchanges it read.
    pub exchange: usize,
}

/// One request and its answer (or why there was none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonExchange {
    /// What was sent.
    pub request: JsonRequest,
    /// What came back, if anything did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<JsonResponse>,
    /// Why nothing usable came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JsonError>,
    /// How long the exchange took.
    pub duration_ms: u64,
}

/// A request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonRequest {
    /// `GET`, `POST`, `PATCH`, …
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Name and value pairs, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonResponse {
    /// The status code.
    pub status: u16,
    /// Name and value pairs, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (invalid UTF-8 replaced).
    pub body: String,
}

/// A transport error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonError {
    /// What happened.
    pub verdict: String,
    /// What to do.
    pub hint: String,
}

/// What cleanup did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonCleanup {
    /// Resources cleanup deleted (not those scenario steps deleted).
    pub deleted: usize,
    /// Resources that are still on the server.
    pub leftovers: Vec<JsonLeftover>,
}

/// A resource the run created and could not delete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JsonLeftover {
    /// `User` or `Group`.
    pub kind: String,
    /// The server's id; `null` when only the name is known: a create whose answer never came,
    /// which may exist (find it by `name`).
    pub id: Option<String>,
    /// The name the run gave it.
    pub name: String,
    /// Where it is; empty when the id is unknown or cannot address it (`..`).
    pub url: String,
    /// Why it could not be deleted, or why it may exist.
    pub reason: String,
}

impl JsonReport {
    /// The document for a finished run.
    pub fn new(summary: &RunSummary, ctx: &ReportContext, exit_code: i32) -> JsonReport {
        let counts = summary.counts();
        JsonReport {
            format_version: FORMAT_VERSION,
            scimcheck_version: ctx.version().to_owned(),
            tenant_url: ctx.text(&ctx.tenant_url),
            run_id: ctx.text(&summary.run_id),
            profiles: ctx.profiles.iter().map(|p| p.name().to_owned()).collect(),
            started_at: rfc3339(ctx.started_at),
            duration_ms: millis(summary.elapsed),
            summary: JsonSummary {
                passed: counts.passed,
                failed: counts.failed,
                not_run: counts.not_run,
                error: counts.errors,
                requests: summary.requests(),
                failed_by_severity: {
                    let by = SeverityCounts::of(summary);
                    JsonSeverityCounts {
                        breaks_entra: by.breaks_entra,
                        degrades: by.degrades,
                        rfc: by.rfc,
                    }
                },
                throttled: {
                    let throttled = summary.throttled();
                    JsonThrottled {
                        answers: throttled.answers,
                        with_retry_after: throttled.with_retry_after,
                    }
                },
            },
            scenarios: summary.scenarios.iter().map(|s| scenario(s, ctx)).collect(),
            hints: diagnose(summary).iter().map(|h| hint(h, ctx)).collect(),
            gallery: ctx.gallery.as_deref().map(|v| gallery(v, ctx)),
            cleanup: cleanup(&summary.cleanup, ctx),
            exit_code,
        }
    }
}

/// The report as pretty-printed JSON, ending with a newline.
pub fn render(
    summary: &RunSummary,
    ctx: &ReportContext,
    exit_code: i32,
) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&JsonReport::new(summary, ctx, exit_code))?;
    text.push('\n');
    Ok(text)
}

fn scenario(outcome: &ScenarioOutcome, ctx: &ReportContext) -> JsonScenario {
    JsonScenario {
        name: ctx.text(&outcome.name),
        description: ctx.text(&outcome.description),
        source: ctx.text(&outcome.source),
        profile: outcome.profile.name().to_owned(),
        passed: outcome.passed(),
        duration_ms: millis(outcome.elapsed),
        steps: outcome.steps.iter().map(|s| step(s, ctx)).collect(),
    }
}

fn step(outcome: &StepOutcome, ctx: &ReportContext) -> JsonStep {
    let exchanges: Vec<Exchange> = outcome.exchanges.iter().map(|e| ctx.exchange(e)).collect();
    let (status, reason) = match &outcome.status {
        StepStatus::Passed => (JsonStatus::Passed, None),
        StepStatus::Failed => (JsonStatus::Failed, None),
        StepStatus::NotRun(NotRun::Transport(error)) => {
            (JsonStatus::Error, Some(ctx.text(&error.verdict())))
        }
        StepStatus::NotRun(NotRun::Premise(why)) => {
            (JsonStatus::NotRun, Some(ctx.text(&why.to_string())))
        }
        StepStatus::NotRun(NotRun::Interrupted) => {
            (JsonStatus::NotRun, Some("interrupted".to_owned()))
        }
    };
    let curl = match status {
        JsonStatus::Failed => outcome
            .request_index()
            .and_then(|i| exchanges.get(i))
            .map(|e| ctx.text(&curl(&e.sent))),
        JsonStatus::Passed | JsonStatus::NotRun | JsonStatus::Error => None,
    };
    JsonStep {
        id: ctx.text(&outcome.id),
        name: ctx.text(&outcome.name),
        location: ctx.text(&outcome.location.to_string()),
        status,
        reason,
        duration_ms: millis(outcome.elapsed),
        checks: outcome
            .checks
            .iter()
            .map(|check| {
                let (message, expected, actual) = match check.finding() {
                    None => (None, None, None),
                    Some(_) => (
                        Some(ctx.text(&check.message())),
                        Some(ctx.text(&check.expected())),
                        Some(ctx.text(&check.actual())),
                    ),
                };
                JsonCheck {
                    id: ctx.text(&check.stable_id(&outcome.id)),
                    kind: check.id.as_str().to_owned(),
                    severity: check.severity.into(),
                    subject: ctx.text(&check.subject()),
                    passed: check.passed(),
                    message,
                    expected,
                    actual,
                    exchange: check.exchange.index(),
                }
            })
            .collect(),
        exchanges: exchanges.iter().map(exchange).collect(),
        curl,
    }
}

/// An exchange already redacted by [`ReportContext::exchange`].
fn exchange(redacted: &Exchange) -> JsonExchange {
    let (response, error) = match &redacted.received {
        Ok(received) => (
            Some(JsonResponse {
                status: received.status,
                headers: received.headers.clone(),
                body: received.body.clone(),
            }),
            None,
        ),
        Err(transport) => (
            None,
            Some(JsonError {
                verdict: transport.verdict(),
                hint: transport.hint().to_owned(),
            }),
        ),
    };
    JsonExchange {
        request: JsonRequest {
            method: redacted.sent.method.to_owned(),
            url: redacted.sent.url.clone(),
            headers: redacted.sent.headers.clone(),
            body: redacted.sent.body.clone(),
        },
        response,
        error,
        duration_ms: millis(redacted.elapsed),
    }
}

fn hint(hint: &Hint, ctx: &ReportContext) -> JsonHint {
    JsonHint {
        id: hint.id.to_owned(),
        severity: hint.severity.into(),
        blocking: hint.blocking,
        // Cause and fix may name what the server named (`{attr}`): redacted too.
        cause: ctx.text(&hint.cause),
        symptom: hint.symptom.to_owned(),
        // Quotes the server's answers and URLs: redacted like every other string.
        evidence: ctx.text(&hint.evidence),
        fix: ctx.text(&hint.fix),
        steps: hint.steps.iter().map(|s| ctx.text(s)).collect(),
        failures: hint.failures,
    }
}

fn cleanup(report: &CleanupReport, ctx: &ReportContext) -> JsonCleanup {
    JsonCleanup {
        deleted: report.deleted,
        leftovers: report
            .leftovers
            .iter()
            .map(|l| JsonLeftover {
                kind: l.kind.name().to_owned(),
                id: l.id.as_deref().map(|id| ctx.text(id)),
                name: ctx.text(&l.name),
                url: ctx.text(&l.url),
                reason: ctx.text(&l.reason),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::{Redactor, Secret};

    #[test]
    fn a_hint_that_names_what_the_server_named_is_redacted() {
        let token = "tok-9f3c2a7e-echoed-by-the-server-0001";
        let ctx = ReportContext::new(
            "http://h/scim",
            vec![crate::profile::Profile::Rfc],
            Redactor::new([Secret::new(token)]),
        );
        // A server that calls the token the attribute it requires: `{attr}` carries it.
        let named = Hint {
            id: "hint:required-attribute",
            severity: crate::check::Severity::BreaksEntra,
            blocking: false,
            cause: format!("the server requires `{token}`"),
            symptom: "s",
            evidence: format!("POST /Users → 400: \"{token} is required\""),
            fix: format!("map `{token}` in Entra"),
            steps: vec!["S".into()],
            failures: 1,
        };
        let text = serde_json::to_string(&hint(&named, &ctx)).expect("serialises");
        assert!(!text.contains(token), "{text}");
        assert!(text.contains("the server requires `***`"), "{text}");
    }
}
