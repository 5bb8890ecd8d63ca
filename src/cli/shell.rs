//! `scimcheck completions SHELL` and `scimcheck man`: shell completions (clap_complete) and
//! manual pages (clap_mangen), both generated from the same clap definitions as `--help`.

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use super::{Cli, CliError};
use crate::exit;

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for, e.g. `source <(scimcheck completions bash)`.
    #[arg(value_enum, value_name = "SHELL")]
    shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write every page (scimcheck.1 and one per subcommand, e.g. scimcheck-run.1) into this
    /// folder instead of printing scimcheck.1.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// Prints the completion script for the shell.
pub(crate) fn completions(args: CompletionsArgs) -> i32 {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "scimcheck", &mut script);
    super::print_bytes(&script)
}

/// Prints `scimcheck.1`, or writes every page into `--out-dir`.
pub(crate) fn man(args: ManArgs) -> Result<i32, CliError> {
    match &args.out_dir {
        Some(dir) => write_pages(dir),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(man_command())
                .render(&mut page)
                .map_err(|e| CliError::usage(format!("failed to render the man page: {e}")))?;
            Ok(super::print_bytes(&page))
        }
    }
}

fn write_pages(dir: &Path) -> Result<i32, CliError> {
    std::fs::create_dir_all(dir)
        .and_then(|()| clap_mangen::generate_to(man_command(), dir))
        .map_err(|e| {
            CliError::usage(format!(
                "failed to write the man pages into `{}`: {e}",
                dir.display()
            ))
        })?;
    Ok(exit::OK)
}

/// The command as the pages show it, the way `clap_mangen::generate_to` prepares it (no
/// `help` subcommand), so the printed page and the written `scimcheck.1` are the same.
fn man_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}
