//! `scimcheck load URL`: Entra's initial cycle at scale, paced by schedule, with latencies per
//! request kind, the 429s, and cleanup of everything it created, Ctrl-C included.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::error::CliError;
use super::ServerArgs;
use crate::attributes::{Apply, AttrPath, AttrType, AttributeTables};
use crate::exit;
use crate::load::cycle::{self, Cleaned, Load, Mix, Passes, Shape};
use crate::load::summary::{self, Cleanup, Leftover, Summary, Tenant};
use crate::profile::{Profile, Renderer};
use crate::redact::Redactor;
use crate::report::controls::{self, Keep};

#[derive(Debug, Args)]
pub(crate) struct LoadArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Users in the cycle: each is looked up, then created (with `--mix lookups`: lookups sent).
    #[arg(long, value_name = "N", default_value_t = 100)]
    users: usize,
    /// Groups in the cycle: each is looked up, created, then given its members.
    #[arg(long, value_name = "G", default_value_t = 2)]
    groups: usize,
    /// Members added to each group, one PATCH per member as Entra adds them.
    #[arg(long, value_name = "M", default_value_t = 10)]
    members_per_group: usize,
    /// Requests per second by schedule (25 is the gallery's bar), or `max`.
    #[arg(long, value_name = "RPS|max", default_value = "25", value_parser = parse_rate)]
    rate: Rate,
    /// Most requests in flight at once.
    #[arg(long, value_name = "C", default_value_t = 25, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// What to send: Entra's initial cycle, or only its user lookups.
    #[arg(long, value_enum, default_value = "cycle")]
    mix: Mix,
    /// The app's attribute tables (default: the built-in Atmos tables). When they map the
    /// enterprise manager, the cycle's second pass sets one: user i (from 1) is managed by
    /// user (i − 1) / 10, one PATCH per managed user (client-behaviour §3.3, §3.6).
    #[arg(long, value_name = "PATH", env = "SCIMCHECK_ATTRIBUTES")]
    attributes: Option<PathBuf>,
    /// How the requests are written (default: entra-default, or entra-flag when the URL
    /// carries ?aadOptscim062020); e.g. entra-legacy sends the manager as a value array.
    /// One profile: a load measures one client, so `run`'s `all` and lists are not taken
    /// (nor `run`'s SCIMCHECK_PROFILE).
    #[arg(long, value_enum, value_name = "NAME")]
    profile: Option<Profile>,
    /// After the initial cycle, an incremental one for this share of the users, spread evenly:
    /// each is read, then PATCHed with a changed mapped attribute (client-behaviour §3.5).
    /// A fraction from 0 to 1, as k6 writes rates (0.1), or a percentage (10%). Off by default:
    /// Entra documents no share, only that each cycle sends what changed (§7).
    #[arg(long, value_name = "SHARE", default_value = "0", value_parser = parse_share)]
    incremental: Share,
    /// Leave what the load created on the server (no cleanup); it is listed, by id or, for
    /// a create that got no answer, by name.
    #[arg(long, env = "SCIMCHECK_KEEP", value_parser = clap::builder::BoolishValueParser::new())]
    keep: bool,
    /// Stop sending after this many seconds (cleanup still runs).
    #[arg(long, value_name = "SECS", value_parser = super::parse_secs)]
    duration: Option<Duration>,
    /// Write every figure to this JSON file.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

/// `--rate`: a number of requests per second, or as fast as the server answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rate(Option<f64>);

fn parse_rate(text: &str) -> Result<Rate, String> {
    if text == "max" {
        return Ok(Rate(None));
    }
    match text.parse::<f64>() {
        Ok(r) if r > 0.0 && r <= 1_000_000.0 => Ok(Rate(Some(r))),
        _ => Err(format!(
            "`{text}` is not a rate: give requests per second (e.g. 25) or `max`"
        )),
    }
}

/// `--incremental`: a share of the users, from 0 to 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Share(f64);

fn parse_share(text: &str) -> Result<Share, String> {
    let (number, scale) = match text.trim().strip_suffix('%') {
        Some(percent) => (percent, 100.0),
        None => (text.trim(), 1.0),
    };
    match number.trim().parse::<f64>().map(|n| n / scale) {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(Share(share)),
        _ => Err(format!(
            "`{text}` is not a share of the users: give a fraction from 0 to 1 (0.1) or a percentage (10%)"
        )),
    }
}

/// The mapped attribute the incremental cycle changes: the table's first single-valued
/// string that Entra PATCHes (applied always, not a constant, not a matching attribute,
/// no value filter), e.g. `displayName`.
fn changed_attribute(tables: &AttributeTables) -> Option<AttrPath> {
    let table = &tables.user;
    table
        .attributes
        .iter()
        .find(|a| {
            a.ty == AttrType::String
                && a.apply == Apply::Always
                && a.produced.is_none()
                && a.path.filter().is_none()
                && table.precedence(&a.path).is_none()
        })
        .map(|a| a.path.clone())
}

/// What the cycle sends after its creates, from the tables and `--incremental`.
fn passes(args: &LoadArgs, tables: &AttributeTables) -> Result<Passes, CliError> {
    let manager = format!("{}:manager", crate::scim::ENTERPRISE_USER_SCHEMA);
    let updated = (args.incremental.0 * args.users as f64).round() as usize;
    let incremental = match (updated, changed_attribute(tables)) {
        (0, _) => None,
        (n, Some(path)) => Some((n, path)),
        (_, None) => {
            return Err(CliError::usage(format!(
                "--incremental: the user table of {} maps no string attribute Entra would PATCH",
                tables.app
            )))
        }
    };
    Ok(Passes {
        // As `run` decides a scenario's `requires:` (plan::compile): the table has the row.
        managers: tables.user.get(&manager).is_some(),
        incremental,
    })
}

pub(crate) async fn load(args: LoadArgs) -> Result<i32, CliError> {
    let (client, redactor) = super::connect::client(&args.server)?;
    let tables = super::sources::tables(args.attributes.as_deref())?;
    // §5.1: the flag in the Tenant URL switches Entra to its compliant behaviour.
    let profile = args.profile.unwrap_or(if client.tenant().has_flag() {
        Profile::EntraFlag
    } else {
        Profile::EntraDefault
    });
    let mut renderer = Renderer::new(profile);
    // The legacy manager form carries the manager's `$ref` URL (§3.6).
    renderer.base = Some(client.tenant().base().to_owned());
    let passes = match args.mix {
        Mix::Cycle => passes(&args, &tables)?,
        Mix::Lookups => Passes::default(),
    };
    let shape = Shape {
        mix: args.mix,
        users: args.users,
        groups: args.groups,
        members_per_group: args.members_per_group,
        rate: args.rate.0,
        concurrency: usize::from(args.concurrency),
        duration: args.duration,
        run_id: crate::run::new_run_id(),
        passes,
    };
    let (stopped, last_words) = super::interrupt_on_ctrl_c();
    eprintln!(
        "{}",
        redactor.redact(&describe(&shape, &client.tenant().to_string()))
    );
    let load = std::sync::Arc::new(Load::new(
        client.clone(),
        renderer.clone(),
        tables.user.matching.clone(),
        shape.clone(),
        stopped.clone(),
    ));
    let (remaining, quiet) = (load.remaining(), redactor.clone());
    super::set_last_words(&last_words, move || quiet.redact(&remaining()));
    let started = std::time::Instant::now();
    // On a worker of the runtime, not the thread that drives it: there, every answer the
    // connection tasks read would wake that thread across cores.
    let running = std::sync::Arc::clone(&load);
    let run = tokio::spawn(async move { with_progress(&running, running.run()).await });
    if let Err(Ok(panic)) = run.await.map_err(tokio::task::JoinError::try_into_panic) {
        std::panic::resume_unwind(panic);
    }
    let elapsed = started.elapsed();
    let ledger = load.ledger();
    let cleaned = if args.keep {
        cycle::kept(&ledger)
    } else {
        cycle::clean_up(
            &client,
            (&renderer, &tables.user.matching),
            &load.stats,
            &ledger,
            (shape.rate, shape.concurrency),
        )
        .await
    };
    let interrupted = *stopped.borrow();
    let summary = summarise(&load, &shape, &client, elapsed, interrupted, &cleaned);
    let text = redactor.redact(&summary::render(&summary));
    print!("{}", controls::escape(&text, Keep::Lines));
    if let Some(path) = &args.json {
        write_json(path, &summary, &redactor)?;
    }
    Ok(exit_code(&summary))
}

fn describe(shape: &Shape, url: &str) -> String {
    let rate = shape
        .rate
        .map_or("as fast as the server answers".to_owned(), |r| {
            format!("{r} requests/s")
        });
    let what = match shape.mix {
        Mix::Cycle => {
            let mut what = format!(
                "Entra's initial cycle: {} users, {} groups × {} members",
                shape.users, shape.groups, shape.members_per_group
            );
            if shape.passes.managers {
                what.push_str(", then the manager pass");
            }
            if let Some((n, path)) = &shape.passes.incremental {
                let _ = write!(
                    what,
                    ", then an incremental cycle changing `{path}` of {n} users"
                );
            }
            what
        }
        Mix::Lookups => format!("{} user lookups", shape.users),
    };
    format!(
        "load: {what} at {rate}, at most {} in flight, against {url}",
        shape.concurrency
    )
}

/// Drives `work` while a live line (hidden off a terminal and in CI) shows its progress.
async fn with_progress(load: &Load, work: impl std::future::Future<Output = ()>) {
    use std::io::IsTerminal;
    let visible = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let target = if visible {
        indicatif::ProgressDrawTarget::stderr_with_hz(4)
    } else {
        indicatif::ProgressDrawTarget::hidden()
    };
    let bar = indicatif::ProgressBar::with_draw_target(None, target);
    let started = std::time::Instant::now();
    let ticker = async {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let line = {
                let total = load.stats.merged().load_total();
                let requests = total.as_ref().map_or(0, |t| t.count());
                summary::progress_line(requests, started.elapsed(), total.as_ref())
            };
            bar.set_message(line);
        }
    };
    tokio::select! {
        () = work => {}
        () = ticker => {}
    }
    bar.finish_and_clear();
}

fn summarise(
    load: &Load,
    shape: &Shape,
    client: &crate::http::Client,
    elapsed: Duration,
    interrupted: bool,
    cleaned: &Cleaned,
) -> Summary {
    let stats = load.stats.merged();
    let requests = stats.load_total().map_or(0, |t| t.count());
    let throughput = requests as f64 / elapsed.as_secs_f64().max(0.001);
    let (sent_rate, lag) = load.pacing();
    let kinds = summary::kinds(&stats);
    Summary {
        format_version: 2,
        url: client.tenant().to_string(),
        mix: match shape.mix {
            Mix::Cycle => "cycle",
            Mix::Lookups => "lookups",
        },
        users: shape.users,
        groups: shape.groups,
        members_per_group: shape.members_per_group,
        manager_pass: shape.passes.managers,
        incremental_users: shape.passes.incremental.as_ref().map_or(0, |(n, _)| *n),
        incremental_attribute: shape
            .passes
            .incremental
            .as_ref()
            .map(|(_, path)| path.to_string()),
        target_rate: shape.rate,
        concurrency: shape.concurrency,
        interrupted,
        requests,
        elapsed_ms: elapsed.as_secs_f64() * 1000.0,
        throughput_rps: (throughput * 10.0).round() / 10.0,
        sent_rps: sent_rate.map(|r| (r * 10.0).round() / 10.0),
        // Judged on the sends: an interrupted or time-bounded run still had to hold its rate
        // while it ran, and the last answers' latency is in the latency table.
        rate_held: sent_rate.and_then(|r| summary::rate_held(shape.rate, r)),
        worst_lag_ms: lag.as_secs_f64() * 1000.0,
        estimate: (shape.mix == Mix::Cycle)
            .then(|| summary::estimate(tenant(shape), &kinds, throughput)),
        kinds,
        growth: summary::growth(&stats, shape.members_per_group),
        cleanup: cleanup(cleaned, client),
    }
}

/// The tenant the estimate is for: the load's, with its passes.
fn tenant(shape: &Shape) -> Tenant {
    let passes = &shape.passes;
    Tenant {
        users: shape.users,
        groups: shape.groups,
        members: shape.members_per_group,
        managed: (0..shape.users)
            .filter(|i| passes.managers && cycle::manager_of(*i).is_some())
            .count(),
        updated: passes
            .incremental
            .as_ref()
            .map_or(0, |(n, _)| (*n).min(shape.users)),
    }
}

fn cleanup(cleaned: &Cleaned, client: &crate::http::Client) -> Cleanup {
    Cleanup {
        created: cleaned.created,
        deleted: cleaned.deleted,
        unanswered: cleaned.unanswered,
        found: cleaned.found,
        absent: cleaned.absent,
        leftovers: cleaned
            .left
            .iter()
            .map(|left| Leftover {
                kind: left.kind.name(),
                id: left.id.clone(),
                name: left.name.clone(),
                url: left
                    .id
                    .as_deref()
                    .and_then(|id| crate::id::url(client.tenant(), left.kind, id)),
                may_exist: left.id.is_none(),
                reason: left.reason.clone(),
            })
            .collect(),
    }
}

fn write_json(path: &PathBuf, summary: &Summary, redactor: &Redactor) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(summary)
        .map_err(|e| CliError::usage(format!("failed to encode the JSON report: {e}")))?;
    std::fs::write(path, redactor.redact(&text) + "\n")
        .map_err(|e| CliError::usage(format!("failed to write `{}`: {e}", path.display())))
}

/// 130 interrupted · 4 leftovers · 3 nothing answered · 1 errors, a 429 without
/// `Retry-After`, a rate not held or growing member adds · 0 otherwise.
fn exit_code(summary: &Summary) -> i32 {
    if summary.interrupted {
        return exit::INTERRUPTED;
    }
    if !summary.cleanup.leftovers.is_empty() {
        return exit::LEFTOVERS;
    }
    let count: u64 = summary.kinds.iter().map(|k| k.count).sum();
    let transport: u64 = summary
        .kinds
        .iter()
        .map(|k| k.errors.get("transport").copied().unwrap_or(0))
        .sum();
    if count > 0 && transport == count {
        return exit::TRANSPORT;
    }
    let failed = summary.kinds.iter().any(|k| {
        k.throttled_with_retry_after < k.throttled
            || k.errors.iter().any(|(status, _)| status != "429")
    });
    let slow = summary.rate_held == Some(false) || summary.growth.as_ref().is_some_and(|g| g.grows);
    if failed || slow {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_a_fraction_or_a_percentage_from_zero_to_one() {
        assert_eq!(parse_share("0.1"), Ok(Share(0.1)));
        assert_eq!(parse_share("25%"), Ok(Share(0.25)));
        assert_eq!(parse_share("0"), Ok(Share(0.0)));
        assert_eq!(parse_share("100%"), Ok(Share(1.0)));
        for bad in ["10", "150%", "-0.1", "some", "%"] {
            assert!(parse_share(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_incremental_change_is_the_first_patched_string_that_is_not_matched_on() {
        let atmos = AttributeTables::atmos();
        assert_eq!(
            changed_attribute(&atmos).map(|p| p.to_string()),
            Some("displayName".to_owned())
        );
    }
}
