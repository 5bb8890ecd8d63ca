//! `scimcheck load URL`: Entra's initial cycle at scale, paced by schedule, with latencies per
//! request kind, the 429s, and cleanup of everything it created, Ctrl-C included.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::error::CliError;
use super::ServerArgs;
use crate::exit;
use crate::load::cycle::{self, Created, Load, Mix, Shape};
use crate::load::summary::{self, Cleanup, Leftover, Summary};
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

pub(crate) async fn load(args: LoadArgs) -> Result<i32, CliError> {
    let (client, redactor) = super::connect::client(&args.server)?;
    let tables = crate::attributes::AttributeTables::atmos();
    let renderer = Renderer::new(Profile::EntraDefault);
    let shape = Shape {
        mix: args.mix,
        users: args.users,
        groups: args.groups,
        members_per_group: args.members_per_group,
        rate: args.rate.0,
        concurrency: usize::from(args.concurrency),
        duration: args.duration,
        run_id: crate::run::new_run_id(),
    };
    let (stopped, last_words) = super::interrupt_on_ctrl_c();
    eprintln!(
        "{}",
        redactor.redact(&describe(&shape, &client.tenant().to_string()))
    );
    let load = Load::new(
        client.clone(),
        renderer.clone(),
        tables.user.matching.clone(),
        shape.clone(),
        stopped.clone(),
    );
    let (remaining, quiet) = (load.remaining(), redactor.clone());
    super::set_last_words(&last_words, move || quiet.redact(&remaining()));
    let started = std::time::Instant::now();
    with_progress(&load, load.run()).await;
    let elapsed = started.elapsed();
    let created = load.created();
    let left = cycle::clean_up(
        &client,
        &renderer,
        &load.stats,
        created.clone(),
        (shape.rate, shape.concurrency),
        &|gone| load.forget(gone),
    )
    .await;
    let interrupted = *stopped.borrow();
    let summary = summarise(
        &load,
        &shape,
        &client,
        elapsed,
        interrupted,
        &created,
        &left,
    );
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
        Mix::Cycle => format!(
            "Entra's initial cycle: {} users, {} groups × {} members",
            shape.users, shape.groups, shape.members_per_group
        ),
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
                let stats = load
                    .stats
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let total = stats.load_total();
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
    created: &[Created],
    left: &[Created],
) -> Summary {
    let stats = load
        .stats
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let requests = stats.load_total().map_or(0, |t| t.count());
    let throughput = requests as f64 / elapsed.as_secs_f64().max(0.001);
    let (sent_rate, lag) = load.pacing();
    let kinds = summary::kinds(&stats);
    Summary {
        format_version: 1,
        url: client.tenant().to_string(),
        mix: match shape.mix {
            Mix::Cycle => "cycle",
            Mix::Lookups => "lookups",
        },
        users: shape.users,
        groups: shape.groups,
        members_per_group: shape.members_per_group,
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
        estimate: (shape.mix == Mix::Cycle).then(|| {
            summary::estimate(
                shape.users,
                shape.groups,
                shape.members_per_group,
                &kinds,
                throughput,
            )
        }),
        kinds,
        growth: summary::growth(&stats, shape.members_per_group),
        cleanup: Cleanup {
            created: created.len(),
            deleted: created.len() - left.len(),
            leftovers: left
                .iter()
                .map(|c| Leftover {
                    kind: c.kind.name(),
                    id: c.id.clone(),
                    url: crate::id::url(client.tenant(), c.kind, &c.id).unwrap_or_default(),
                })
                .collect(),
        },
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
