//! `scimcheck run URL`: the scenarios, step by step, then cleanup.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use clap::builder::BoolishValueParser;
use clap::{Args, ValueEnum};

use super::read_only::ReadOnlyArgs;
use super::select::SelectArgs;
use super::values::{self, ProfileArg};
use super::{sources, CliError, ReportOutputArgs, ServerArgs};
use crate::attributes::AttributeTables;
use crate::exit;
use crate::http::Client;
use crate::plan::{self, Plan};
use crate::profile::Profile;
use crate::redact::Redactor;
use crate::report::controls::{self, Keep};
use crate::report::{Progress, ReportContext, ReportFiles, Styles, Terminal};
use crate::run::{new_run_id, RunEvent, RunSummary, Runner};
use crate::scenario;

/// `--jobs` by default. Entra's own concurrency is undocumented (client-behaviour §7); at
/// the 150 ms a hosted app commonly takes per answer, 4 at once is about the 25 requests/s a
/// gallery app must sustain, so a run is no heavier than Entra's traffic.
const DEFAULT_JOBS: u16 = 4;

/// How much of each body `-vv` writes: all of it, up to what the client reads at most.
pub(super) const TRACE_BODY_LIMIT: usize = 16 * 1024 * 1024;

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    plan: PlanArgs,
    #[command(flatten)]
    read_only: ReadOnlyArgs,
    #[command(flatten)]
    output: ReportOutputArgs,
}

/// What to run: scenarios, attribute tables, profiles.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// Run the scenarios in this file or folder instead of the built-in ones (repeatable).
    #[arg(long, value_name = "PATH", env = "SCIMCHECK_SCENARIO")]
    scenario: Vec<PathBuf>,
    /// Add a suite to the scenarios: `gallery` runs Microsoft's gallery tests (its own
    /// scenarios, GET /Schemas against the mapping, the OAuth token lifetime, 25 requests/s)
    /// and reports each under Microsoft's name.
    #[arg(long, value_enum, value_name = "NAME", env = "SCIMCHECK_SUITE")]
    suite: Option<Suite>,
    /// The app's attribute tables (default: the built-in Atmos tables).
    #[arg(long, value_name = "PATH", env = "SCIMCHECK_ATTRIBUTES")]
    attributes: Option<PathBuf>,
    /// Client profile (repeatable, or comma-separated). Default: entra-default, or entra-flag
    /// when the URL carries ?aadOptscim062020.
    #[arg(
        long,
        value_name = "NAME",
        value_parser = values::profiles(),
        value_delimiter = ',',
        env = "SCIMCHECK_PROFILE"
    )]
    profile: Vec<ProfileArg>,
    /// Leave what the run created on the server (no cleanup). Without it, cleanup deletes
    /// everything the run created, four requests at a time, within one deadline of
    /// max(2 × --timeout, 10 s); what is not confirmed gone is listed with its id, or its name
    /// when its create got no answer. A second Ctrl-C quits at once, printing that list.
    #[arg(long, env = "SCIMCHECK_KEEP", value_parser = BoolishValueParser::new())]
    keep: bool,
    /// Run every scenario even when Test Connection shows a cause that blocks everything
    /// (the token refused, an HTML page, a wrong path); without it the run stops there.
    #[arg(long, env = "SCIMCHECK_KEEP_GOING", value_parser = BoolishValueParser::new())]
    keep_going: bool,
    /// What a 429 does: `honour` waits as `Retry-After` asks and sends the request again
    /// (bounded); `entra-2019` takes the 429 as the answer, as Entra was seen to do.
    #[arg(
        long = "on-429",
        value_enum,
        default_value = "honour",
        value_name = "HOW",
        env = "SCIMCHECK_ON_429"
    )]
    on_429: On429,
    /// Run up to N scenarios, batch members and cleanup requests at once, with at most N
    /// requests in flight; the report is the same as with `--jobs 1`, which sends one
    /// request at a time in the scenarios' order.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_JOBS,
        value_parser = clap::value_parser!(u16).range(1..=256),
        env = "SCIMCHECK_JOBS"
    )]
    jobs: u16,
    /// Exit 1 on any failed check, also those that only degrade or deviate from the RFC
    /// (without it, only failures that break Entra do).
    #[arg(long, env = "SCIMCHECK_STRICT", value_parser = BoolishValueParser::new())]
    strict: bool,
    /// Hide the progress bar (it is already hidden when stderr is not a terminal or CI is
    /// set).
    #[arg(long, env = "SCIMCHECK_NO_PROGRESS", value_parser = BoolishValueParser::new())]
    no_progress: bool,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    report: ReportArgs,
}

/// Machine-readable reports, written after the run.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Write a JUnit XML report: a test suite per scenario and profile, a test case per step
    /// (`-`: to stdout, and the terminal report to stderr).
    #[arg(
        long,
        value_name = "PATH",
        help_heading = "Reports",
        env = "SCIMCHECK_JUNIT"
    )]
    junit: Option<PathBuf>,
    /// Write the JSON report (every step, check and exchange; see the README) (`-`: to
    /// stdout, and the terminal report to stderr).
    #[arg(
        long,
        value_name = "PATH",
        help_heading = "Reports",
        env = "SCIMCHECK_JSON"
    )]
    json: Option<PathBuf>,
    /// Write every request and response of the run as a HAR 1.2 file (`-`: to stdout, and
    /// the terminal report to stderr).
    #[arg(
        long,
        value_name = "PATH",
        help_heading = "Reports",
        env = "SCIMCHECK_TRANSCRIPT"
    )]
    transcript: Option<PathBuf>,
    /// Write a self-contained HTML page of the run, to attach to a ticket or print to PDF.
    #[arg(
        long,
        value_name = "PATH",
        help_heading = "Reports",
        env = "SCIMCHECK_HTML"
    )]
    html: Option<PathBuf>,
    /// What stdout carries: the terminal report, or the JSON report instead.
    #[arg(
        long,
        value_enum,
        default_value = "terminal",
        help_heading = "Reports",
        env = "SCIMCHECK_FORMAT"
    )]
    format: Format,
}

/// `--on-429` (client-behaviour §6.2: both behaviours are documented).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum On429 {
    /// Wait as `Retry-After` asks, then send the throttled request again.
    Honour,
    /// Log the 429 and move on.
    #[value(name = "entra-2019")]
    Entra2019,
}

/// `--suite`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Suite {
    /// Microsoft's gallery validation tests, by their names (client-behaviour §8.3).
    Gallery,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The terminal report.
    Terminal,
    /// The JSON report, and nothing else.
    Json,
}

/// Where the terminal report goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TerminalTo {
    Stdout,
    /// A report file is `-`: stdout carries it, the terminal report goes to stderr.
    Stderr,
    /// `--format json`: stdout carries the JSON document alone.
    Nowhere,
}

impl PlanArgs {
    /// Where the terminal report goes, given what stdout carries.
    pub(super) fn terminal_to(&self) -> TerminalTo {
        if self.report.format == Format::Json {
            TerminalTo::Nowhere
        } else if self.report.files().on_stdout().is_empty() {
            TerminalTo::Stdout
        } else {
            TerminalTo::Stderr
        }
    }
}

impl ReportArgs {
    fn files(&self) -> ReportFiles {
        ReportFiles {
            junit: self.junit.clone(),
            json: self.json.clone(),
            transcript: self.transcript.clone(),
            html: self.html.clone(),
        }
    }

    /// A mistake in where the reports go: two documents on stdout cannot be told apart.
    fn stdout_conflict(&self) -> Option<String> {
        let mut on_stdout: Vec<String> = self
            .files()
            .on_stdout()
            .iter()
            .map(ToString::to_string)
            .collect();
        if self.format == Format::Json {
            on_stdout.push("--format json".to_owned());
        }
        (on_stdout.len() > 1).then(|| {
            format!(
                "only one report can go to stdout, and {} were asked to",
                on_stdout.join(" and ")
            )
        })
    }

    /// Writes the requested files (and, with `--format json`, the JSON report to stdout);
    /// returns the exit code. A report that cannot be written is an error on stderr, but the
    /// run has happened: its code stands, except that a clean run becomes 2 (`exit::USAGE`,
    /// since a bad path is a command-line mistake) so CI does not miss the report.
    fn write(&self, summary: &RunSummary, ctx: &ReportContext, code: i32) -> i32 {
        let files = self.files();
        // Each failure is printed as it comes: the run has happened, and the other reports
        // are still written.
        let mut failed = false;
        for e in files.write(summary, ctx, code) {
            CliError::usage(e.to_string()).print();
            failed = true;
        }
        if self.format == Format::Json {
            match crate::report::json::render(summary, ctx, code) {
                Ok(text) => {
                    // A closed stdout (`| head`) is not worth a panic; the exit code still tells.
                    let _ = std::io::stdout().write_all(text.as_bytes());
                }
                Err(e) => {
                    CliError::usage(format!("failed to render the JSON report: {e}")).print();
                    failed = true;
                }
            }
        }
        if failed && code == exit::OK {
            exit::USAGE
        } else {
            code
        }
    }
}

pub(crate) async fn run(args: RunArgs) -> Result<i32, CliError> {
    let (client, redactor) = super::connect::client(&args.server)?;
    super::connect::first_token(&client, &redactor).await?;
    execute(
        &client,
        &redactor,
        &args.plan,
        &args.read_only,
        &args.output,
    )
    .await
}

/// Loads, compiles and runs the plan; prints the report; returns the exit code.
pub(crate) async fn execute(
    client: &Client,
    redactor: &Redactor,
    plan_args: &PlanArgs,
    read_only: &ReadOnlyArgs,
    output: &ReportOutputArgs,
) -> Result<i32, CliError> {
    if let Some(conflict) = plan_args.report.stdout_conflict() {
        return Err(CliError::usage(conflict).with_hint("write the others to files"));
    }
    if plan_args.suite.is_some() && read_only.read_only {
        return Err(CliError::usage(
            "--suite gallery creates, changes and deletes objects, which --read-only forbids",
        ));
    }
    let (plan, tables) = load(plan_args, read_only)?;
    let profiles = profiles(&plan_args.profile, client.tenant().has_flag());
    for skipped in &plan.skipped {
        eprintln!(
            "note: scenario `{}` skipped: {} (see --attributes)",
            skipped.name, skipped.reason
        );
    }
    let (interrupt, last_words) = super::interrupt_on_ctrl_c();
    let mut runner = Runner::new(client, &tables, new_run_id(), interrupt);
    let (ledger, quiet) = (runner.ledger(), redactor.clone());
    super::set_last_words(&last_words, move || quiet.redact(&ledger.remaining()));
    // Read-only: no step writes, so nothing is created; with `keep`, cleanup could not send
    // a DELETE even if the ledger held something.
    runner.keep = plan_args.keep || read_only.read_only;
    if !plan_args.keep_going {
        runner.stop_rule = Some(Box::new(crate::hints::blocking_cause));
    }
    runner.set_jobs(usize::from(plan_args.jobs));
    runner.throttling = match plan_args.on_429 {
        On429::Honour => crate::run::Throttling::default(),
        On429::Entra2019 => crate::run::Throttling::Entra2019,
    };
    let terminal_to = plan_args.terminal_to();
    let styles = match terminal_to {
        TerminalTo::Stderr => Styles::for_stream(output.output.color, &std::io::stderr()),
        TerminalTo::Stdout | TerminalTo::Nowhere => {
            Styles::for_stream(output.output.color, &std::io::stdout())
        }
    };
    let tenant = client.tenant().to_string();
    let mut context = ReportContext::new(tenant.clone(), profiles.clone(), redactor.clone());
    // anstream passes the colour `styles` chose and strips it where the stream must not get it.
    let stdout: Box<dyn Write + Send> = match terminal_to {
        TerminalTo::Stdout => Box::new(anstream::stdout()),
        TerminalTo::Stderr => Box::new(anstream::stderr()),
        TerminalTo::Nowhere => Box::new(std::io::sink()),
    };
    let mut terminal = Terminal::new(stdout, styles, redactor.clone(), tenant);
    terminal.verbosity = output.verbosity();
    terminal.fit_names(
        plan.scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .map(|s| s.name.as_str()),
    );
    let direct_steps = if plan_args.suite.is_some() { 3 } else { 0 };
    let total = (plan.scenarios.iter().map(|s| s.steps.len()).sum::<usize>() * profiles.len()
        + direct_steps) as u64;
    let progress = Progress::new(total, redactor.clone());
    if plan_args.no_progress {
        progress.hide();
    }
    let terminal = Mutex::new(terminal);
    let mut on_event = |event: RunEvent<'_>| {
        progress.on_event(&event);
        progress.suspend(|| {
            if output.output.trace() {
                trace(&event, redactor);
            }
            if let Ok(mut terminal) = terminal.lock() {
                terminal.on_event(&event);
            }
        });
    };
    let mut summary = runner.run(&plan, &profiles, &mut on_event).await;
    if plan_args.suite == Some(Suite::Gallery) && !summary.interrupted {
        context.gallery = Some(
            gallery(
                client,
                &tables,
                &plan,
                &profiles,
                &mut summary,
                &mut on_event,
            )
            .await,
        );
    }
    progress.finish();
    if let Ok(mut terminal) = terminal.lock() {
        if let Some(verdicts) = &context.gallery {
            terminal.gallery(verdicts);
        }
        terminal.summary(&summary);
    }
    let code = exit::code(&summary, plan_args.strict);
    Ok(plan_args.report.write(&summary, &context, code))
}

/// The gallery's direct steps, added to the run as one more scenario, then every gallery
/// test judged.
async fn gallery(
    client: &Client,
    tables: &AttributeTables,
    plan: &Plan,
    profiles: &[Profile],
    summary: &mut RunSummary,
    on_event: &mut dyn FnMut(RunEvent<'_>),
) -> Vec<crate::gallery::GalleryVerdict> {
    let profile = profiles.first().copied().unwrap_or(Profile::EntraDefault);
    let direct =
        crate::gallery::direct::run(client, tables, profile, &summary.run_id, on_event).await;
    summary.elapsed += direct.outcome.elapsed;
    summary.scenarios.push(direct.outcome);
    let absent = crate::gallery::Absent {
        skipped: plan.skipped.clone(),
        not_checkable: direct.not_checkable,
    };
    crate::gallery::judge(summary, &absent)
}

/// `-vv`: every exchange of a finished step, bodies uncut, on stderr (stdout stays the
/// report, so `--format json` output is not disturbed).
fn trace(event: &RunEvent<'_>, redactor: &Redactor) {
    if let RunEvent::StepFinished {
        scenario,
        profile,
        step,
    } = event
    {
        let mut text = format!("--- {scenario} [{profile}] {}: {}\n", step.id, step.name);
        for exchange in &step.exchanges {
            text.push_str(&exchange.render(redactor, TRACE_BODY_LIMIT));
        }
        let text = redactor.redact(&text);
        anstream::eprint!("{}", controls::escape(&text, Keep::Lines));
    }
}

/// The plan (selected with `--only`/`--skip`; under `--read-only`, checked to send only
/// GETs) and tables, or every mistake found.
fn load(args: &PlanArgs, read_only: &ReadOnlyArgs) -> Result<(Plan, AttributeTables), CliError> {
    let tables = sources::tables(args.attributes.as_deref())?;
    let builtin_read_only = read_only.read_only && args.scenario.is_empty();
    let files = if builtin_read_only {
        plan::read_only::builtin_files(&read_only.existing())
    } else if args.scenario.is_empty() {
        scenario::builtin()
    } else {
        sources::read(&args.scenario)?
    };
    let files = match args.suite {
        Some(Suite::Gallery) => [files, scenario::gallery()].concat(),
        None => files,
    };
    let mut plan = sources::plan(&files, &tables)?;
    if builtin_read_only {
        plan::read_only::mark_existing(&mut plan, &tables, &read_only.existing());
    }
    let plan = args.select.apply(plan)?;
    read_only.allows(&plan, &files)?;
    Ok((plan, tables))
}

/// The profiles named, each once, in the order given.
fn profiles(names: &[ProfileArg], flag_in_url: bool) -> Vec<Profile> {
    if names.is_empty() {
        // §5.1: the flag in the Tenant URL switches Entra to its compliant behaviour.
        return vec![if flag_in_url {
            Profile::EntraFlag
        } else {
            Profile::EntraDefault
        }];
    }
    let mut profiles = Vec::new();
    for name in names {
        let chosen = match name {
            ProfileArg::All => Profile::ALL.to_vec(),
            ProfileArg::One(profile) => vec![*profile],
        };
        for profile in chosen {
            if !profiles.contains(&profile) {
                profiles.push(profile);
            }
        }
    }
    profiles
}
