//! The figures of a load run as one serialisable document (`--json PATH`, `format_version` 2)
//! and as the table printed at the end. The JSON types are this file's own, not the internals.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::stats::{Kind, KindStats, Stats};

/// The run's measured rate may fall this far below `--rate` and still count as held: the
/// schedule itself is exact, so only the server (or a saturated client) can lose more.
pub(crate) const RATE_TOLERANCE: f64 = 0.05;

/// Everything a load run measured.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    pub(crate) format_version: u32,
    pub(crate) url: String,
    pub(crate) mix: &'static str,
    pub(crate) users: usize,
    pub(crate) groups: usize,
    pub(crate) members_per_group: usize,
    /// Whether the cycle ran the manager pass (the table maps the enterprise manager).
    pub(crate) manager_pass: bool,
    /// The users of the incremental cycle (`--incremental`), and the attribute it changed.
    pub(crate) incremental_users: usize,
    pub(crate) incremental_attribute: Option<String>,
    /// `null` for `--rate max`.
    pub(crate) target_rate: Option<f64>,
    pub(crate) concurrency: usize,
    pub(crate) interrupted: bool,
    pub(crate) requests: u64,
    pub(crate) elapsed_ms: f64,
    /// Answers per second over the whole load, from its start to its last answer.
    pub(crate) throughput_rps: f64,
    /// The rate the requests went out at by the schedule; `null` at max rate.
    pub(crate) sent_rps: Option<f64>,
    /// Whether the sent rate was within [`RATE_TOLERANCE`] of the target; `null` at max.
    pub(crate) rate_held: Option<bool>,
    pub(crate) worst_lag_ms: f64,
    pub(crate) kinds: Vec<KindSummary>,
    pub(crate) growth: Option<Growth>,
    /// `null` for `--mix lookups`, which is no cycle.
    pub(crate) estimate: Option<Estimate>,
    pub(crate) cleanup: Cleanup,
}

/// How long Entra's initial cycle would take for a tenant of this size (client-behaviour §7).
#[derive(Debug, Serialize)]
pub(crate) struct Estimate {
    /// Users, groups and memberships: the "assigned objects" of Microsoft's estimate.
    pub(crate) objects: usize,
    /// The requests Entra sends for them: a lookup and a create per user and group, a PATCH
    /// per member, a PATCH per managed user, a read and a PATCH per updated user.
    pub(crate) requests: usize,
    /// Of those, the manager pass's PATCHes and the incremental cycle's reads and PATCHes.
    pub(crate) manager_sets: usize,
    pub(crate) incremental_requests: usize,
    /// At the gallery's 25 requests/s, or the measured throughput if the server gave less.
    pub(crate) at_gallery_rate_s: f64,
    /// One request at a time at the measured median latencies (Entra's concurrency is
    /// undocumented, §7).
    pub(crate) one_at_a_time_s: f64,
    /// Microsoft's documented 0.01–0.08 minutes per assigned object (§7, L-TIME).
    pub(crate) documented_min_s: f64,
    pub(crate) documented_max_s: f64,
}

/// One request kind's figures.
#[derive(Debug, Serialize)]
pub(crate) struct KindSummary {
    pub(crate) kind: &'static str,
    pub(crate) count: u64,
    pub(crate) p50_ms: f64,
    pub(crate) p95_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
    /// Non-2xx answers by status, and `transport` for requests without an answer.
    pub(crate) errors: std::collections::BTreeMap<String, u64>,
    pub(crate) throttled: u64,
    pub(crate) throttled_with_retry_after: u64,
}

/// Whether member adds slow down as a group grows (a server rewriting the whole member list
/// on each PATCH turns Entra's one-PATCH-per-member pattern, §4.3, into O(n²) work).
#[derive(Debug, Serialize)]
pub(crate) struct Growth {
    pub(crate) first_tenth_p50_ms: f64,
    pub(crate) last_tenth_p50_ms: f64,
    pub(crate) ratio: f64,
    pub(crate) grows: bool,
}

/// What cleanup did.
#[derive(Debug, Serialize)]
pub(crate) struct Cleanup {
    /// Objects the load created, or may have created: creates without an answer count.
    pub(crate) created: usize,
    pub(crate) deleted: usize,
    /// Creates whose answer never came (a timeout, a reset, a server that died, or a 5xx);
    /// each was looked up by its name: `found` (then deleted, or listed), `absent` (not on the
    /// server), or listed as "may exist" when the lookup could not tell.
    pub(crate) unanswered: usize,
    pub(crate) found: usize,
    pub(crate) absent: usize,
    /// What is known to be left or may exist, each with why; nothing else.
    pub(crate) leftovers: Vec<Leftover>,
}

/// One object cleanup left behind, or that may exist.
#[derive(Debug, Serialize)]
pub(crate) struct Leftover {
    pub(crate) kind: &'static str,
    /// `null` when only its name is known (`may_exist`).
    pub(crate) id: Option<String>,
    /// Its unique name: the user's matching attribute or the group's displayName.
    pub(crate) name: String,
    pub(crate) url: Option<String>,
    /// Its create got no answer and the lookup by name could not tell.
    pub(crate) may_exist: bool,
    pub(crate) reason: String,
}

/// Member adds at least this many times slower at the end than at the start "grow".
const GROWTH_RATIO: f64 = 2.0;
/// Fewer adds into one group than this say nothing about growth.
const GROWTH_MIN_MEMBERS: usize = 20;

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The summary of one kind.
pub(crate) fn kind_summary(kind: Kind, stats: &KindStats) -> KindSummary {
    KindSummary {
        kind: kind.name(),
        count: stats.count(),
        p50_ms: ms(stats.at(0.50)),
        p95_ms: ms(stats.at(0.95)),
        p99_ms: ms(stats.at(0.99)),
        max_ms: ms(Duration::from_micros(stats.latency.max())),
        errors: stats.errors.clone(),
        throttled: stats.throttled,
        throttled_with_retry_after: stats.retry_after,
    }
}

/// Every kind that was sent, in the cycle's order.
pub(crate) fn kinds(stats: &Stats) -> Vec<KindSummary> {
    Kind::ALL
        .iter()
        .filter_map(|k| stats.kinds.get(k).map(|s| kind_summary(*k, s)))
        .collect()
}

/// The growth check over member adds into groups of `members` members.
pub(crate) fn growth(stats: &Stats, members: usize) -> Option<Growth> {
    if members < GROWTH_MIN_MEMBERS {
        return None;
    }
    let tenth = members / 10;
    let median = |keep: &dyn Fn(usize) -> bool| {
        let mut v: Vec<u64> = stats
            .member_adds
            .iter()
            .filter(|(pos, _)| keep(*pos))
            .map(|(_, us)| *us)
            .collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    };
    let first = median(&|pos| pos < tenth)?;
    let last = median(&|pos| pos >= members - tenth)?;
    let ratio = last as f64 / first.max(1) as f64;
    Some(Growth {
        first_tenth_p50_ms: ms(Duration::from_micros(first)),
        last_tenth_p50_ms: ms(Duration::from_micros(last)),
        ratio: (ratio * 100.0).round() / 100.0,
        grows: ratio >= GROWTH_RATIO,
    })
}

/// The gallery's bar in requests per second (client-behaviour §7).
pub(crate) const GALLERY_RATE: f64 = 25.0;

/// The tenant of an estimate: its objects, and what the cycle's passes send for them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tenant {
    pub(crate) users: usize,
    pub(crate) groups: usize,
    pub(crate) members: usize,
    /// Users with a manager (one PATCH each in the manager pass, §3.6).
    pub(crate) managed: usize,
    /// Users changed in the incremental cycle (a read and a PATCH each, §3.5).
    pub(crate) updated: usize,
}

/// The estimate for `tenant`, at the latencies in `kinds` and the `measured` throughput.
pub(crate) fn estimate(tenant: Tenant, kinds: &[KindSummary], measured: f64) -> Estimate {
    let Tenant {
        users,
        groups,
        members,
        managed,
        updated,
    } = tenant;
    let memberships = groups * members;
    let requests = 2 * users + 2 * groups + memberships + managed + 2 * updated;
    let p50 = |name: &str| {
        kinds
            .iter()
            .find(|k| k.kind == name)
            .map_or(0.0, |k| k.p50_ms / 1000.0)
    };
    let one_at_a_time = users as f64 * (p50("user lookup") + p50("user create"))
        + groups as f64 * (p50("group lookup") + p50("group create"))
        + memberships as f64 * p50("member add")
        + managed as f64 * p50("manager set")
        + updated as f64 * (p50("user read") + p50("user update"));
    let rate = if measured > 0.0 {
        GALLERY_RATE.min(measured)
    } else {
        GALLERY_RATE
    };
    let objects = users + groups + memberships;
    Estimate {
        objects,
        requests,
        manager_sets: managed,
        incremental_requests: 2 * updated,
        at_gallery_rate_s: round1(requests as f64 / rate),
        one_at_a_time_s: round1(one_at_a_time),
        documented_min_s: round1(objects as f64 * 0.01 * 60.0),
        documented_max_s: round1(objects as f64 * 0.08 * 60.0),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Whether `measured` requests/s is within tolerance of `target`.
pub(crate) fn rate_held(target: Option<f64>, measured: f64) -> Option<bool> {
    target.map(|t| measured >= t * (1.0 - RATE_TOLERANCE))
}

/// The table and verdict lines printed at the end.
pub(crate) fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}  errors",
        "request", "count", "429", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for k in &summary.kinds {
        let errors = if k.errors.is_empty() {
            "-".to_owned()
        } else {
            k.errors
                .iter()
                .map(|(s, n)| format!("{s}×{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            out,
            "{:<14} {:>7} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}  {errors}",
            k.kind, k.count, k.throttled, k.p50_ms, k.p95_ms, k.p99_ms, k.max_ms
        );
    }
    let target = summary
        .target_rate
        .map_or("max".to_owned(), |r| format!("{r}"));
    let held = match summary.rate_held {
        Some(true) => "held",
        Some(false) => "NOT held",
        None => "no target",
    };
    let sent = summary
        .sent_rps
        .map_or(String::new(), |r| format!("sent at {r:.1}/s, "));
    let _ = writeln!(
        out,
        "throughput: {:.1} requests/s over {:.2} s, {} requests ({sent}target {target}: {held}; latest send {:.1} ms behind schedule)",
        summary.throughput_rps,
        summary.elapsed_ms / 1000.0,
        summary.requests,
        summary.worst_lag_ms
    );
    render_throttling(&mut out, summary);
    if let Some(g) = &summary.growth {
        let verdict = if g.grows {
            "GROWS: member adds slow down as the group grows; the server likely rewrites the whole member list on each PATCH (O(n²) over Entra's one-PATCH-per-member adds)"
        } else {
            "flat"
        };
        let _ = writeln!(
            out,
            "member-add growth: first tenth p50 {:.2} ms, last tenth p50 {:.2} ms ({:.2}×): {verdict}",
            g.first_tenth_p50_ms, g.last_tenth_p50_ms, g.ratio
        );
    }
    if let Some(e) = &summary.estimate {
        let mut passes = String::new();
        if e.manager_sets > 0 {
            let _ = write!(passes, ", {} manager PATCHes", e.manager_sets);
        }
        if e.incremental_requests > 0 {
            let _ = write!(passes, ", {} incremental", e.incremental_requests);
        }
        let _ = writeln!(
            out,
            "Entra's initial cycle for this tenant ({} objects, {} requests{passes}): {} at 25 requests/s, {} one at a time at these medians; Microsoft documents {} to {} (client-behaviour §7)",
            e.objects, e.requests, span(e.at_gallery_rate_s), span(e.one_at_a_time_s),
            span(e.documented_min_s), span(e.documented_max_s)
        );
    }
    render_cleanup(&mut out, &summary.cleanup);
    out
}

/// The cleanup line, then each leftover by id and URL, or by name when it may exist.
fn render_cleanup(out: &mut String, c: &Cleanup) {
    let unanswered = if c.unanswered == 0 {
        String::new()
    } else {
        format!(
            " ({} create(s) got no answer: {} found by name, {} not on the server, {} may exist)",
            c.unanswered,
            c.found,
            c.absent,
            c.leftovers.iter().filter(|l| l.may_exist).count()
        )
    };
    let _ = writeln!(
        out,
        "cleanup: deleted {} of {} created{unanswered}",
        c.deleted, c.created
    );
    for left in &c.leftovers {
        let _ = match &left.id {
            Some(id) => writeln!(
                out,
                "  left behind: {} {} (id {}) {}: {}",
                left.kind,
                left.name,
                crate::id::shown(id),
                left.url.as_deref().unwrap_or_default(),
                left.reason
            ),
            None => writeln!(
                out,
                "  may exist: {} `{}`: {}",
                left.kind, left.name, left.reason
            ),
        };
    }
}

/// Seconds as people read them: `42.0 s`, `12.5 min`, `3.2 h`.
fn span(secs: f64) -> String {
    if secs < 120.0 {
        format!("{secs:.1} s")
    } else if secs < 7200.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

fn render_throttling(out: &mut String, summary: &Summary) {
    let throttled: u64 = summary.kinds.iter().map(|k| k.throttled).sum();
    if throttled == 0 {
        let _ = writeln!(out, "429: none");
        return;
    }
    let with: u64 = summary
        .kinds
        .iter()
        .map(|k| k.throttled_with_retry_after)
        .sum();
    let verdict = if with == throttled {
        "every one said when to come back"
    } else {
        "the gallery checklist asks for Retry-After on every 429 (client-behaviour §6.2)"
    };
    let _ = writeln!(
        out,
        "429: {throttled}, with Retry-After {with} of {throttled}: {verdict}"
    );
}

/// The live progress line: requests/s so far, p50/p99 and errors (hurl's `build_progress`).
pub(crate) fn progress_line(requests: u64, elapsed: Duration, total: Option<&KindStats>) -> String {
    let rate = requests as f64 / elapsed.as_secs_f64().max(0.001);
    match total {
        Some(t) => format!(
            "{requests} requests  {rate:.1}/s  p50 {:.1} ms  p99 {:.1} ms  errors {}",
            ms(t.at(0.5)),
            ms(t.at(0.99)),
            t.error_count()
        ),
        None => format!("{requests} requests  {rate:.1}/s"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::stats::Ending;
    use super::*;

    fn adds(latency_at: impl Fn(usize) -> u64, members: usize) -> Stats {
        let mut stats = Stats::default();
        for pos in 0..members {
            stats.member_add(pos, Duration::from_micros(latency_at(pos)));
        }
        stats
    }

    #[test]
    fn member_adds_slowing_with_the_group_size_are_named_growth() {
        let growth = growth(&adds(|pos| 1000 + 100 * pos as u64, 100), 100);
        let g = growth.expect("100 members are enough to judge");
        assert!(g.grows, "{g:?}");
        assert!(g.ratio > 5.0);
    }

    #[test]
    fn flat_member_adds_do_not_grow_and_small_groups_are_not_judged() {
        let flat = growth(&adds(|_| 1000, 100), 100).expect("judged");
        assert!(!flat.grows);
        assert!(growth(&adds(|pos| 1000 * pos as u64, 10), 10).is_none());
    }

    /// One request of `name` that took `p50_ms` at every quantile.
    fn kind(name: &'static str, p50_ms: f64) -> KindSummary {
        KindSummary {
            kind: name,
            count: 1,
            p50_ms,
            p95_ms: p50_ms,
            p99_ms: p50_ms,
            max_ms: p50_ms,
            errors: Default::default(),
            throttled: 0,
            throttled_with_retry_after: 0,
        }
    }

    #[test]
    fn the_estimate_counts_entras_requests_and_uses_the_slower_of_gallery_and_measured_rate() {
        let kinds = [
            kind("user lookup", 10.0),
            kind("user create", 20.0),
            kind("member add", 5.0),
        ];
        let tenant = Tenant {
            users: 1000,
            groups: 10,
            members: 100,
            managed: 0,
            updated: 0,
        };
        let e = estimate(tenant, &kinds, 10.0);
        assert_eq!((e.objects, e.requests), (2010, 3020));
        assert_eq!(e.at_gallery_rate_s, 302.0);
        assert_eq!(e.one_at_a_time_s, 35.0);
        assert_eq!((e.documented_min_s, e.documented_max_s), (1206.0, 9648.0));
        assert_eq!(estimate(tenant, &kinds, 500.0).at_gallery_rate_s, 120.8);
        assert_eq!(span(9648.0), "2.7 h");
    }

    #[test]
    fn the_estimate_counts_the_manager_pass_and_the_incremental_cycle() {
        let kinds = [
            kind("manager set", 10.0),
            kind("user read", 2.0),
            kind("user update", 8.0),
        ];
        let tenant = Tenant {
            users: 100,
            groups: 0,
            members: 0,
            managed: 99,
            updated: 10,
        };
        let e = estimate(tenant, &kinds, 1000.0);
        // 100 × (lookup, create) + 99 manager PATCHes + 10 × (read, PATCH).
        assert_eq!(e.requests, 200 + 99 + 20);
        assert_eq!((e.manager_sets, e.incremental_requests), (99, 20));
        assert_eq!(e.objects, 100);
        assert_eq!(e.one_at_a_time_s, round1(0.99 + 0.1));
    }

    #[test]
    fn the_rate_is_held_within_five_percent_only() {
        assert_eq!(rate_held(Some(25.0), 23.9), Some(true));
        assert_eq!(rate_held(Some(25.0), 23.7), Some(false));
        assert_eq!(rate_held(None, 3.0), None);
    }

    #[test]
    fn the_progress_line_shows_rate_latencies_and_errors() {
        let mut stats = Stats::default();
        stats.record(
            Kind::UserLookup,
            Duration::from_millis(2),
            &Ending::Status(200),
            false,
        );
        stats.record(
            Kind::UserCreate,
            Duration::from_millis(4),
            &Ending::Status(500),
            false,
        );
        let line = progress_line(50, Duration::from_secs(2), stats.load_total().as_ref());
        assert_eq!(
            line,
            "50 requests  25.0/s  p50 2.0 ms  p99 4.0 ms  errors 1"
        );
    }
}
