//! The gallery tests no scenario step shows, sent directly as Microsoft's harness does
//! (client-behaviour §8.3): `GET /Schemas` against the mapping, the OAuth token's lifetime,
//! and a short load at 25 requests/s. They form one more scenario, [`SCENARIO`], so every
//! report shows their steps as it shows the others.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::attributes::{discover, AttributeTables};
use crate::check::{self, CheckId, CheckResult, ExchangeRef, Finding, NotJson, Target};
use crate::diag::Location;
use crate::http::{Client, Exchange, TransportError, TransportErrorKind, LIFETIME_RANGE};
use crate::load::cycle::{Load, Mix, Passes, Shape};
use crate::plan::Method;
use crate::profile::{Profile, Renderer};
use crate::run::{NotRun, RunEvent, ScenarioOutcome, StepOutcome, StepStatus};

/// The scenario the direct steps are reported under.
pub const SCENARIO: &str = "gallery-direct";
/// `Schema_Discoverability_Test`'s step.
pub const SCHEMAS: &str = "GALLERY-SCHEMAS";
/// `Validate_Credentials_Test`'s step.
pub const TOKEN: &str = "GALLERY-TOKEN";
/// The 25 requests/s step.
pub const RATE: &str = "GALLERY-RATE";

/// The rate gallery apps must sustain per tenant (client-behaviour §7, REF-CHK).
pub const GALLERY_RATE: f64 = 25.0;
/// Four seconds at the gallery rate: long enough to see a server fall behind, short enough
/// for a check among others. A load run (`scimcheck load`) measures longer.
const RATE_REQUESTS: usize = 100;
/// No request of the rate step goes out after this long.
const RATE_DURATION: Duration = Duration::from_secs(8);
/// Requests in flight at once, so that one slow answer does not hold the schedule back.
const RATE_CONCURRENCY: usize = 10;
/// How far below the gallery rate the answers may come and still count as sustained: over
/// four seconds a pause of a few hundred milliseconds on a busy client is not the server's
/// doing (`scimcheck load` holds its longer runs to 5 %).
const SHORT_RUN_TOLERANCE: f64 = 0.1;

/// The direct steps' outcome, and the steps that could not be made here, with the reason.
pub struct Direct {
    pub outcome: ScenarioOutcome,
    pub not_checkable: Vec<(String, String, String)>,
}

/// Sends the direct steps under `profile`, reporting each through `on_event`.
pub async fn run(
    client: &Client,
    tables: &AttributeTables,
    profile: Profile,
    run_id: &str,
    on_event: &mut dyn FnMut(RunEvent<'_>),
) -> Direct {
    let started = std::time::Instant::now();
    on_event(RunEvent::ScenarioStarted {
        name: SCENARIO,
        profile,
        steps: 3,
    });
    let mut steps = Vec::new();
    let mut not_checkable = Vec::new();
    steps.push(schemas(client, tables, profile).await);
    match token(client).await {
        Some(step) => steps.push(step),
        None => not_checkable.push((
            SCENARIO.to_owned(),
            TOKEN.to_owned(),
            "the run uses a static Secret Token; with --token-endpoint (and the client id and secret) the OAuth client-credentials token and its 60–360 minute lifetime are checked".to_owned(),
        )),
    }
    steps.push(rate(client, tables, profile, run_id).await);
    for step in &steps {
        on_event(RunEvent::StepFinished {
            scenario: SCENARIO,
            profile,
            step,
        });
    }
    let outcome = ScenarioOutcome {
        name: SCENARIO.to_owned(),
        description: "Microsoft's direct gallery tests: GET /Schemas against the mapping, the OAuth token lifetime, 25 requests/s (client-behaviour §8.3).".to_owned(),
        source: format!("builtin:{SCENARIO}"),
        profile,
        steps,
        elapsed: started.elapsed(),
    };
    on_event(RunEvent::ScenarioFinished { outcome: &outcome });
    Direct {
        outcome,
        not_checkable,
    }
}

/// A step of its own exchanges and checks: not run on a transport error, failed when a check
/// failed.
fn step(id: &str, name: &str, exchanges: Vec<Exchange>, checks: Vec<CheckResult>) -> StepOutcome {
    let elapsed = exchanges.iter().map(|e| e.elapsed).sum();
    let status = match exchanges.first().map(|e| &e.received) {
        Some(Err(error)) => StepStatus::NotRun(NotRun::Transport(error.clone())),
        _ if checks.iter().all(CheckResult::passed) => StepStatus::Passed,
        _ => StepStatus::Failed,
    };
    StepOutcome {
        id: id.to_owned(),
        name: name.to_owned(),
        location: Location {
            file: Arc::from(format!("builtin:{SCENARIO}")),
            line: 1,
            column: 1,
        },
        status,
        request: (!exchanges.is_empty()).then(|| ExchangeRef::new(0)),
        exchanges,
        checks,
        fallbacks: Vec::new(),
        elapsed,
    }
}

/// `Schema_Discoverability_Test` (entra-2026 §1.4): every mapped user and group attribute is
/// in `GET /Schemas`, names compared case-insensitively.
async fn schemas(client: &Client, tables: &AttributeTables, profile: Profile) -> StepOutcome {
    let request = Renderer::new(profile).raw(Method::Get, "/Schemas".to_owned(), None, true);
    let exchange = client.send(&request).await;
    let at = ExchangeRef::new(0);
    let mut checks = Vec::new();
    if let Some(received) = exchange.response() {
        let status = check::status(received, &[200]).on(at);
        let answered = status.passed();
        checks.push(status);
        if answered {
            checks.extend(discoverable(tables, &received.body, at));
        }
    }
    step(
        SCHEMAS,
        "every mapped attribute is discoverable in GET /Schemas",
        vec![exchange],
        checks,
    )
}

fn discoverable(tables: &AttributeTables, body: &str, at: ExchangeRef) -> Vec<CheckResult> {
    let found = match discover::diff(tables, body) {
        Ok(found) => found,
        Err(e) => {
            let finding = Finding::NotJson(NotJson::Invalid(e.to_string()));
            return vec![CheckResult::fail(CheckId::Json, Target::Body, finding).on(at)];
        }
    };
    // `diff` judges the user table's attributes, then the group table's, in table order.
    let paths = tables
        .user
        .attributes
        .iter()
        .chain(&tables.group.attributes)
        .map(|a| &a.path);
    found
        .into_iter()
        .zip(paths)
        .map(|(discovery, path)| {
            let target = Target::Schema(path.clone());
            match discovery.missing {
                None => CheckResult::pass(CheckId::Discoverable, target),
                Some(missing) => CheckResult::fail(
                    CheckId::Discoverable,
                    target,
                    Finding::Undiscoverable {
                        kind: discovery.kind,
                        path: path.clone(),
                        missing,
                    },
                ),
            }
            .on(at)
        })
        .collect()
}

/// `Validate_Credentials_Test` (entra-2026 §3): a fresh token from the token endpoint, for
/// 60–360 minutes. `None` with a static token.
async fn token(client: &Client) -> Option<StepOutcome> {
    let name = "the token endpoint issues an access token for 60–360 minutes";
    let (issued, exchange) = match client.fetch_token().await? {
        Ok(fetched) => fetched,
        Err(e) => {
            let mut outcome = step(TOKEN, name, Vec::new(), Vec::new());
            outcome.status = StepStatus::NotRun(NotRun::Transport(TransportError {
                authority: client.tenant().authority(),
                kind: TransportErrorKind::TokenEndpoint {
                    detail: e.verdict(),
                },
            }));
            return Some(outcome);
        }
    };
    let lifetime = issued.lifetime;
    let check = if lifetime.is_some_and(|l| LIFETIME_RANGE.contains(&l)) {
        CheckResult::pass(CheckId::TokenLifetime, Target::TokenLifetime)
    } else {
        CheckResult::fail(
            CheckId::TokenLifetime,
            Target::TokenLifetime,
            Finding::TokenLifetime { lifetime },
        )
    };
    Some(step(
        TOKEN,
        name,
        vec![exchange],
        vec![check.on(ExchangeRef::new(0))],
    ))
}

/// The checklist's 25 requests/s (client-behaviour §7): Entra's user lookups, paced at the
/// gallery rate for [`RATE_REQUESTS`] requests; one lookup sent first is the step's exchange.
async fn rate(
    client: &Client,
    tables: &AttributeTables,
    profile: Profile,
    run_id: &str,
) -> StepOutcome {
    let name = "25 requests/s of Entra's lookups answered without errors";
    let renderer = Renderer::new(profile);
    let matching = tables.user.matching.clone();
    let probe = renderer.test_connection(&matching, &uuid::Uuid::new_v4().to_string());
    let exchange = client.send(&probe).await;
    if exchange.response().is_none() {
        return step(RATE, name, vec![exchange], Vec::new());
    }
    let shape = Shape {
        mix: Mix::Lookups,
        users: RATE_REQUESTS,
        groups: 0,
        members_per_group: 0,
        rate: Some(GALLERY_RATE),
        concurrency: RATE_CONCURRENCY,
        duration: Some(RATE_DURATION),
        run_id: run_id.to_owned(),
        passes: Passes::default(),
    };
    // Nothing stops this load early but its own bounds.
    let (_keep, stop) = tokio::sync::watch::channel(false);
    let load = Load::new(client.clone(), renderer, matching, shape, stop);
    let started = Instant::now();
    load.run().await;
    let elapsed = started.elapsed().as_secs_f64().max(0.001);
    let total = load.stats.merged().load_total();
    let answered = total.as_ref().map_or(0, |t| t.count());
    let errors: u64 = total.as_ref().map_or(0, |t| {
        t.errors
            .iter()
            .filter(|(status, _)| status.as_str() != "429")
            .map(|(_, n)| n)
            .sum()
    });
    let throughput = (answered as f64 / elapsed * 10.0).round() / 10.0;
    let at = ExchangeRef::new(0);
    let mut checks = vec![rate_check(throughput, errors).on(at)];
    if let Some(total) = total.filter(|t| t.throttled > 0) {
        // §6.2: every 429 of the load must say when to come back, like the scenarios' 429s.
        checks.push(
            if total.retry_after < total.throttled {
                CheckResult::fail(
                    CheckId::RetryAfter,
                    Target::RetryAfter,
                    Finding::NoRetryAfter,
                )
            } else {
                CheckResult::pass(CheckId::RetryAfter, Target::RetryAfter)
            }
            .on(at),
        );
    }
    step(RATE, name, vec![exchange], checks)
}

fn rate_check(throughput: f64, errors: u64) -> CheckResult {
    if errors == 0 && throughput >= GALLERY_RATE * (1.0 - SHORT_RUN_TOLERANCE) {
        return CheckResult::pass(CheckId::Rate, Target::Rate);
    }
    CheckResult::fail(
        CheckId::Rate,
        Target::Rate,
        Finding::RateNotHeld {
            target_rps: GALLERY_RATE,
            throughput_rps: throughput,
            errors,
        },
    )
}
