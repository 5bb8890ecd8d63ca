//! The command line: clap definitions and one file per subcommand. This is the only layer
//! that prints errors for people and chooses exit codes.

mod connect;
mod demo;
mod lint;
mod read_only;
mod run;
mod scenarios;
mod select;
mod serve;
mod sources;
mod token;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::report::styles::ColorChoice;

/// Replays Microsoft Entra ID's SCIM provisioning traffic against your SCIM endpoint.
#[derive(Debug, Parser)]
#[command(name = "scimcheck", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 all checks passed · 1 a check failed · 2 bad command line or scenario · \
3 could not talk to the server · 4 checks passed but cleanup left resources behind · 130 interrupted";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run Entra's provisioning scenarios against a SCIM endpoint.
    Run(run::RunArgs),
    /// Send Entra's Test Connection and explain the answer.
    Connect(connect::ConnectArgs),
    /// Start the in-memory reference SCIM server (with optional faults).
    Serve(serve::ServeArgs),
    /// Start the reference server on a free port and run the built-in scenarios against it.
    Demo(demo::DemoArgs),
    /// List the built-in scenarios, print one as a starting point, or print the format's JSON
    /// Schema.
    Scenarios(scenarios::ScenariosArgs),
    /// Check scenario files without sending anything.
    Lint(lint::LintArgs),
}

/// The Tenant URL, the token and how to talk to the server.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// The Tenant URL as entered in Entra, e.g. https://api.example.com/scim/v2
    #[arg(value_name = "URL")]
    url: String,
    #[command(flatten)]
    token: token::TokenArgs,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    timeout: Duration,
    /// Accept any TLS certificate (test setups only).
    #[arg(long)]
    insecure: bool,
    /// Trust this CA certificate (PEM) in addition to the built-in public roots.
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<PathBuf>,
}

/// Output options shared by `run`, `demo` and `connect`.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// When to colour the output.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    color: ColorChoice,
    /// Show every request and response whole, those of passing steps too, and lines uncut.
    #[arg(short, long)]
    verbose: bool,
}

/// The terminal report's options for `run` and `demo`.
#[derive(Debug, Args)]
pub(crate) struct ReportOutputArgs {
    #[command(flatten)]
    output: OutputArgs,
    /// Print only failing steps, "what to fix first" and the summary.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
}

impl ReportOutputArgs {
    fn verbosity(&self) -> crate::report::Verbosity {
        use crate::report::Verbosity;
        match (self.quiet, self.output.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.001..=3600.0).contains(&secs) {
        return Err("the timeout must be between 0.001 and 3600 seconds".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Runs the parsed command and returns the process exit code.
pub async fn main(cli: Cli) -> i32 {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Connect(args) => connect::connect(args).await,
        Command::Serve(args) => serve::serve(args).await,
        Command::Demo(args) => demo::demo(args).await,
        Command::Scenarios(args) => scenarios::scenarios(args),
        Command::Lint(args) => lint::lint(args),
    }
}

/// Prints an error for a person on stderr.
pub(crate) fn error(message: &str, hint: Option<&str>) {
    eprintln!("error: {message}");
    if let Some(hint) = hint {
        eprintln!("hint: {hint}");
    }
}
