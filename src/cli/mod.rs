//! The command line: clap definitions and one file per subcommand. This is the only layer
//! that prints errors for people and chooses exit codes: a subcommand returns its exit code,
//! or a `CliError` that [`main`] prints once.
//!
//! Adding a flag: the clap field with its help text, a `SCIMCHECK_*` variable if it makes
//! sense in CI (`env = …`, listed in the README), a test in `tests/`, and the regenerated
//! `man/` pages (`scimcheck man --out-dir man`).

mod attributes;
mod catalogue;
mod connect;
mod demo;
mod error;
mod lint;
mod load;
mod read_only;
mod run;
mod scenarios;
mod select;
mod serve;
mod shell;
mod sources;
mod token;
mod values;

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};

pub(crate) use error::CliError;

use crate::report::styles::ColorChoice;

/// The exit codes, for `-h`, `--help` and the man page (a macro, so `concat!` can use it).
macro_rules! exit_codes {
    () => {
        "Exit codes: 0 all checks passed · 1 a check failed · 2 bad command line or scenario · \
         3 could not talk to the server · 4 checks passed but cleanup left resources behind · \
         130 interrupted"
    };
}

/// Replays Microsoft Entra ID's SCIM provisioning traffic against your SCIM endpoint.
#[derive(Debug, Parser)]
#[command(
    name = "scimcheck",
    version,
    about,
    long_about = None,
    after_help = exit_codes!(),
    after_long_help = concat!(
        exit_codes!(),
        "\n\n",
        "Environment: SCIMCHECK_TOKEN holds the bearer token; most options can come from a ",
        "SCIMCHECK_* variable, named in each subcommand's --help. With --color auto, NO_COLOR ",
        "turns colour off, CLICOLOR_FORCE turns it on through a pipe, CLICOLOR=0 turns it off. ",
        "CI (set by CI services) hides the progress bar."
    )
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run Entra's provisioning scenarios against a SCIM endpoint.
    Run(Box<run::RunArgs>),
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
    /// List the check ids (as reports and JUnit name them), each with what it checks.
    Checks,
    /// List the hint ids ("what to fix first"), each with the cause it names.
    Hints,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff), or write all pages with --out-dir.
    Man(shell::ManArgs),
    /// Replay Entra's initial cycle at scale: paced requests, latencies, 429s, then cleanup.
    Load(load::LoadArgs),
    /// Show an attribute mapping (a YAML table or Entra's exported schema), or compare it with
    /// the server's GET /Schemas.
    Attributes(attributes::AttributesArgs),
}

/// The Tenant URL, the token and how to talk to the server.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// The Tenant URL as entered in Entra, e.g. https://api.example.com/scim/v2
    #[arg(value_name = "URL", env = "SCIMCHECK_URL")]
    url: String,
    #[command(flatten)]
    token: token::TokenArgs,
    #[command(flatten)]
    oauth: token::OAuthArgs,
    /// Per-request timeout in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value = "10",
        value_parser = parse_secs,
        env = "SCIMCHECK_TIMEOUT"
    )]
    timeout: Duration,
    /// Accept any TLS certificate (test setups only).
    #[arg(long, env = "SCIMCHECK_INSECURE", value_parser = BoolishValueParser::new())]
    insecure: bool,
    /// Trust this CA certificate (PEM) in addition to the built-in public roots.
    #[arg(long, value_name = "PATH", env = "SCIMCHECK_CA_CERT")]
    ca_cert: Option<PathBuf>,
    /// Send every request through this HTTP proxy (default: HTTPS_PROXY / HTTP_PROXY /
    /// ALL_PROXY from the environment; NO_PROXY exempts hosts).
    #[arg(long, value_name = "URL", conflicts_with = "no_proxy")]
    proxy: Option<String>,
    /// Connect directly, ignoring HTTPS_PROXY, HTTP_PROXY and ALL_PROXY.
    #[arg(long)]
    no_proxy: bool,
}

impl ServerArgs {
    /// `--proxy`, `--no-proxy`, or the environment.
    pub(crate) fn proxy(&self) -> crate::http::ProxyChoice {
        use crate::http::ProxyChoice;
        match (&self.proxy, self.no_proxy) {
            (_, true) => ProxyChoice::Direct,
            (Some(url), false) => ProxyChoice::Url(url.clone()),
            (None, false) => ProxyChoice::Environment,
        }
    }
}

/// Output options shared by `run`, `demo` and `connect`.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// When to colour the output. `auto` follows NO_COLOR, CLICOLOR and CLICOLOR_FORCE.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        value_name = "WHEN",
        env = "SCIMCHECK_COLOR"
    )]
    color: ColorChoice,
    /// -v: show the requests and responses of passing steps too; -vv: bodies uncut, and
    /// (`run`, `demo`) every exchange written to stderr as each step ends.
    #[arg(short, long, action = ArgAction::Count)]
    verbose: u8,
}

impl OutputArgs {
    /// `-v`: the terminal report shows passing steps' exchanges too.
    fn verbose(&self) -> bool {
        self.verbose >= 1
    }

    /// `-vv`: every exchange, in full, on stderr.
    fn trace(&self) -> bool {
        self.verbose >= 2
    }
}

/// The terminal report's options for `run` and `demo`.
#[derive(Debug, Args)]
pub(crate) struct ReportOutputArgs {
    #[command(flatten)]
    output: OutputArgs,
    /// Print only failing steps, "what to fix first" and the summary.
    #[arg(short, long, conflicts_with = "verbose", env = "SCIMCHECK_QUIET")]
    quiet: bool,
}

impl ReportOutputArgs {
    fn verbosity(&self) -> crate::report::Verbosity {
        use crate::report::Verbosity;
        match (self.quiet, self.output.verbose()) {
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

/// Runs the parsed command and returns the process exit code; an error is printed here, once.
pub async fn main(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Run(args) => run::run(*args).await,
        Command::Connect(args) => connect::connect(args).await,
        Command::Serve(args) => serve::serve(args).await,
        Command::Demo(args) => demo::demo(args).await,
        Command::Scenarios(args) => scenarios::scenarios(args),
        Command::Lint(args) => lint::lint(args),
        Command::Checks => Ok(catalogue::checks()),
        Command::Hints => Ok(catalogue::hints()),
        Command::Completions(args) => Ok(shell::completions(args)),
        Command::Man(args) => shell::man(args),
        Command::Load(args) => load::load(args).await,
        Command::Attributes(args) => attributes::attributes(args).await,
    };
    result.unwrap_or_else(|error| {
        error.print();
        error.code()
    })
}

/// Prints to stdout; a closed stdout (`| head`) is not an error worth a panic.
fn print(text: &str) -> i32 {
    print_bytes(text.as_bytes())
}

fn print_bytes(bytes: &[u8]) -> i32 {
    let _ = std::io::stdout().write_all(bytes);
    crate::exit::OK
}

/// What a second Ctrl-C prints before it quits: the ledger of what may be left on the
/// server. `run` and `load` set it once they have one.
pub(crate) type LastWords =
    std::sync::Arc<std::sync::Mutex<Option<Box<dyn Fn() -> String + Send>>>>;

/// Each Ctrl-C, from one listener made before the first: a second Ctrl-C that comes while
/// the first is being handled (cleanup's first request may go out at once) is still seen;
/// a listener made after it would miss it.
struct CtrlC {
    #[cfg(unix)]
    interrupts: Option<tokio::signal::unix::Signal>,
}

impl CtrlC {
    fn new() -> CtrlC {
        CtrlC {
            #[cfg(unix)]
            interrupts: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .ok(),
        }
    }

    /// Waits for the next Ctrl-C; `false` when none can come (no listener could be made).
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            match &mut self.interrupts {
                Some(interrupts) => interrupts.recv().await.is_some(),
                None => false,
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}

/// Sets what the second Ctrl-C prints.
pub(crate) fn set_last_words(last_words: &LastWords, words: impl Fn() -> String + Send + 'static) {
    let mut slot = last_words
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *slot = Some(Box::new(words));
}

/// The first Ctrl-C asks the run to stop and clean up; a second prints what may be left on
/// the server (ids and names, from [`LastWords`]) and quits at once.
pub(crate) fn interrupt_on_ctrl_c() -> (crate::run::Interrupt, LastWords) {
    let (stop, interrupt) = tokio::sync::watch::channel(false);
    let last_words = LastWords::default();
    let words = std::sync::Arc::clone(&last_words);
    let mut ctrl_c = CtrlC::new();
    tokio::spawn(async move {
        if ctrl_c.next().await {
            eprintln!("\ninterrupted: cleaning up (Ctrl-C again to quit at once, listing what may be left)");
            let _ = stop.send(true);
            if ctrl_c.next().await {
                let words = words
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let ledger = words.as_ref().map(|w| w()).unwrap_or_default();
                eprint!("\ninterrupted again: quitting before cleanup finished; {ledger}");
                std::process::exit(crate::exit::INTERRUPTED);
            }
        }
    });
    (interrupt, last_words)
}
