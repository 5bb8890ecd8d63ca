//! The load itself: Entra's initial cycle (client-behaviour §3.1: every user looked up by its
//! matching attribute and created, then every group looked up, created and given its members
//! one PATCH at a time, §4.1, §4.3), or only the user lookups (`--mix lookups`), paced by
//! schedule and bounded by the concurrency; then the cleanup of everything it created.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

use super::pace::Pacer;
use super::stats::{Ending, Kind, Stats};
use crate::attributes::{AttrPath, ResourceKind};
use crate::http::{Client, Received, Request};
use crate::profile::Renderer;

/// What to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mix {
    /// Entra's initial cycle: users, then groups and their members.
    Cycle,
    /// Only Entra's user lookups (for the server's capacity); nothing is created.
    Lookups,
}

/// The shape of a load run.
#[derive(Clone, Debug)]
pub(crate) struct Shape {
    pub(crate) mix: Mix,
    pub(crate) users: usize,
    pub(crate) groups: usize,
    pub(crate) members_per_group: usize,
    /// Requests per second; `None` for as fast as the server answers.
    pub(crate) rate: Option<f64>,
    pub(crate) concurrency: usize,
    /// No new request is sent after this long.
    pub(crate) duration: Option<Duration>,
    /// Part of every name the run creates, so that its objects are recognisable.
    pub(crate) run_id: String,
}

/// One object the run created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Created {
    pub(crate) kind: ResourceKind,
    pub(crate) id: String,
}

/// The most times one throttled request is sent again.
const RETRIES: u32 = 3;
/// The longest wait a `Retry-After` is granted: a server asking for more gets its 429 counted.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
/// The wait after a 429 without `Retry-After`.
const BACKOFF: Duration = Duration::from_secs(1);

/// A running load: the client, the schedule and what it measured.
pub(crate) struct Load {
    client: Client,
    renderer: Renderer,
    matching: AttrPath,
    shape: Shape,
    pacer: Pacer,
    deadline: Option<Instant>,
    stop: watch::Receiver<bool>,
    pub(crate) stats: Mutex<Stats>,
    /// Shared with the second Ctrl-C, which prints what is in it ([`Load::remaining`]).
    created: Arc<Mutex<Vec<Created>>>,
}

impl Load {
    /// A load of `shape` that stops sending when `stop` turns `true` (Ctrl-C).
    pub(crate) fn new(
        client: Client,
        renderer: Renderer,
        matching: AttrPath,
        shape: Shape,
        stop: watch::Receiver<bool>,
    ) -> Load {
        Load {
            client,
            renderer,
            matching,
            pacer: Pacer::new(shape.rate),
            deadline: shape.duration.map(|d| Instant::now() + d),
            shape,
            stop,
            stats: Mutex::new(Stats::default()),
            created: Arc::default(),
        }
    }

    /// Runs the mix until it is done, its duration is over, or it is stopped.
    pub(crate) async fn run(&self) {
        let concurrency = self.shape.concurrency;
        match self.shape.mix {
            Mix::Lookups => {
                stream::iter(0..self.shape.users)
                    .for_each_concurrent(concurrency, |i| async move {
                        let request = self.user_lookup(i);
                        let _ = self.send(Kind::UserLookup, &request).await;
                    })
                    .await;
            }
            Mix::Cycle => {
                stream::iter(0..self.shape.users)
                    .for_each_concurrent(concurrency, |i| self.provision_user(i))
                    .await;
                let users = self.created_ids(ResourceKind::User);
                let users = &users;
                stream::iter(0..self.shape.groups)
                    .for_each_concurrent(concurrency, |g| self.provision_group(g, users))
                    .await;
            }
        }
    }

    /// The rate the load's requests went out at (see [`Pacer::sent_rate`]), and the latest
    /// any went out after its due time.
    pub(crate) fn pacing(&self) -> (Option<f64>, Duration) {
        (self.pacer.sent_rate(), self.pacer.worst_lag())
    }

    /// Everything the run created, in creation order.
    pub(crate) fn created(&self) -> Vec<Created> {
        lock(&self.created).clone()
    }

    /// What the second Ctrl-C prints: every object created and not yet deleted, with its URL.
    pub(crate) fn remaining(&self) -> impl Fn() -> String + Send + 'static {
        let created = Arc::clone(&self.created);
        let tenant = self.client.tenant().clone();
        move || {
            let created = lock(&created);
            if created.is_empty() {
                return "nothing the load created is left on the server\n".to_owned();
            }
            let mut text = format!("{} resource(s) may be left on the server:\n", created.len());
            for c in created.iter() {
                let url = crate::id::url(&tenant, c.kind, &c.id).unwrap_or_default();
                let _ = writeln!(
                    text,
                    "  left: {} (id {}) {url}",
                    c.kind.name(),
                    crate::id::shown(&c.id)
                );
            }
            text
        }
    }

    /// Takes a deleted object off the ledger.
    pub(crate) fn forget(&self, gone: &Created) {
        lock(&self.created).retain(|c| c != gone);
    }

    fn created_ids(&self, kind: ResourceKind) -> Vec<String> {
        lock(&self.created)
            .iter()
            .filter(|c| c.kind == kind && crate::id::problem(&c.id).is_none())
            .map(|c| c.id.clone())
            .collect()
    }

    fn user_name(&self, i: usize) -> String {
        format!("scimcheck-load-{}-{i}@example.com", self.shape.run_id)
    }

    fn user_lookup(&self, i: usize) -> Request {
        let name = self.user_name(i);
        self.renderer
            .lookup(ResourceKind::User, &self.matching, &name)
    }

    /// §3.3: the lookup by the matching attribute, then the POST when nothing matched.
    async fn provision_user(&self, i: usize) {
        let lookup = self.user_lookup(i);
        let Some(found) = self.send(Kind::UserLookup, &lookup).await else {
            return;
        };
        if !(found.status == 200 && total_results(&found) == Some(0)) {
            return;
        }
        let request =
            self.renderer
                .create_user(&user_values(&self.matching, &self.user_name(i), i));
        if let Some(answer) = self.send(Kind::UserCreate, &request).await {
            self.note_created(ResourceKind::User, &answer);
        }
    }

    /// §4.1, §4.3: the lookup by displayName, the POST, then one PATCH per member, in order.
    async fn provision_group(&self, g: usize, users: &[String]) {
        let name = format!("scimcheck-load-{}-group-{g}", self.shape.run_id);
        let display_name = AttrPath::parse("displayName").expect("a constant path parses");
        let lookup = self
            .renderer
            .lookup(ResourceKind::Group, &display_name, &name);
        let Some(found) = self.send(Kind::GroupLookup, &lookup).await else {
            return;
        };
        if !(found.status == 200 && total_results(&found) == Some(0)) {
            return;
        }
        let values = [
            (display_name, Value::from(name.clone())),
            (
                AttrPath::parse("externalId").expect("a constant path parses"),
                Value::from(uuid::Uuid::new_v4().to_string()),
            ),
        ];
        let request = self.renderer.create_group(&values, true);
        let Some(answer) = self.send(Kind::GroupCreate, &request).await else {
            return;
        };
        let Some(group_id) = self.note_created(ResourceKind::Group, &answer) else {
            return;
        };
        if users.is_empty() {
            return;
        }
        let m = self.shape.members_per_group;
        for k in 0..m {
            let member = &users[(g * m + k) % users.len()];
            let request = self
                .renderer
                .add_members(&group_id, std::slice::from_ref(member));
            let Some(answered) = self.send_timed(Kind::MemberAdd, &request).await else {
                return;
            };
            lock(&self.stats).member_add(k, answered.1);
        }
    }

    /// Keeps the id of a 201's resource for cleanup.
    fn note_created(&self, kind: ResourceKind, answer: &Received) -> Option<String> {
        if answer.status != 201 {
            return None;
        }
        let id = answer.json().ok()?.get("id")?.as_str()?.to_owned();
        lock(&self.created).push(Created {
            kind,
            id: id.clone(),
        });
        // An id that cannot address the object is never put into a URL (see `crate::id`):
        // it stays in the ledger, and cleanup lists it without a request.
        crate::id::problem(&id).is_none().then_some(id)
    }

    /// Waits for this request's turn; `false` when the run is stopped first or the turn
    /// falls after `--duration`, so that a stop is not delayed by turns already handed out.
    async fn wait_turn(&self) -> bool {
        let due = self.pacer.next_due();
        if *self.stop.borrow() || self.deadline.is_some_and(|d| due >= d) {
            return false;
        }
        let mut stop = self.stop.clone();
        tokio::select! {
            () = self.pacer.wait_until(due) => !*self.stop.borrow(),
            _ = stop.wait_for(|stopped| *stopped) => false,
        }
    }

    async fn send(&self, kind: Kind, request: &Request) -> Option<Received> {
        self.send_timed(kind, request)
            .await
            .map(|(answer, _)| answer)
    }

    /// Sends on schedule and records it; a 429 is waited out and sent again (§6.2, Entra's
    /// documented `honour` behaviour). The 2xx answer with its latency (the wait for the
    /// schedule left out), or `None` when stopped or when no 2xx came.
    async fn send_timed(&self, kind: Kind, request: &Request) -> Option<(Received, Duration)> {
        for _ in 0..=RETRIES {
            if !self.wait_turn().await {
                return None;
            }
            let (answer, wait) = send_once(&self.client, &self.stats, kind, request).await;
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return answer.filter(|(a, _)| (200..300).contains(&a.status)),
            }
        }
        None
    }
}

/// One request, recorded; with how long to wait before sending it again after a 429.
async fn send_once(
    client: &Client,
    stats: &Mutex<Stats>,
    kind: Kind,
    request: &Request,
) -> (Option<(Received, Duration)>, Option<Duration>) {
    let exchange = client.send(request).await;
    let Ok(received) = exchange.received else {
        lock(stats).record(kind, exchange.elapsed, &Ending::Transport, false);
        return (None, None);
    };
    let retry_after = (received.status == 429)
        .then(|| received.header("retry-after").map(parse_retry_after))
        .flatten();
    lock(stats).record(
        kind,
        exchange.elapsed,
        &Ending::Status(received.status),
        retry_after.is_some(),
    );
    if received.status != 429 {
        return (Some((received, exchange.elapsed)), None);
    }
    let wait = retry_after.flatten().unwrap_or(BACKOFF).min(MAX_RETRY_WAIT);
    (Some((received, exchange.elapsed)), Some(wait))
}

/// RFC 9110 §10.2.3: delta-seconds or an HTTP date; `None` inside when it is neither.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Deletes what the run created, groups first (they reference users), at `rate` and
/// `concurrency`, whatever the stop signal says, within `run`'s cleanup deadline (a hung
/// server costs one deadline). `gone` hears of each object deleted. Returns what is left.
pub(crate) async fn clean_up(
    client: &Client,
    renderer: &Renderer,
    stats: &Mutex<Stats>,
    created: Vec<Created>,
    (rate, concurrency): (Option<f64>, usize),
    gone: &(dyn Fn(&Created) + Sync),
) -> Vec<Created> {
    let pacer = Pacer::new(rate);
    let mut ordered = created;
    ordered.sort_by_key(|c| c.kind == ResourceKind::User);
    let pacer = &pacer;
    let deadline = Instant::now() + crate::run::cleanup_deadline(client.timeout());
    let left: Vec<Option<Created>> = stream::iter(ordered)
        .map(|object| async move {
            let deleted =
                tokio::time::timeout_at(deadline, delete(client, renderer, stats, pacer, &object))
                    .await
                    .unwrap_or(false);
            if deleted {
                gone(&object);
                return None;
            }
            Some(object)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    left.into_iter().flatten().collect()
}

/// Deletes one object, waiting out 429s; whether it is gone.
async fn delete(
    client: &Client,
    renderer: &Renderer,
    stats: &Mutex<Stats>,
    pacer: &Pacer,
    object: &Created,
) -> bool {
    let kind = match object.kind {
        ResourceKind::Group => Kind::GroupDelete,
        ResourceKind::User => Kind::UserDelete,
    };
    if crate::id::problem(&object.id).is_some() {
        return false;
    }
    let request = renderer.delete(object.kind, &object.id);
    for _ in 0..=RETRIES {
        pacer.wait_turn().await;
        match send_once(client, stats, kind, &request).await {
            (_, Some(wait)) => tokio::time::sleep(wait).await,
            // 404: already gone, which is what cleanup wants.
            (Some((a, _)), None) if (200..300).contains(&a.status) || a.status == 404 => {
                return true
            }
            (_, None) => return false,
        }
    }
    false
}

/// The attributes of Entra's create body (§3.3) for load user `i`.
fn user_values(matching: &AttrPath, name: &str, i: usize) -> Vec<(AttrPath, Value)> {
    let path = |p: &str| AttrPath::parse(p).expect("a constant path parses");
    vec![
        (matching.clone(), Value::from(name)),
        (path("active"), Value::Bool(true)),
        (path("displayName"), Value::from(format!("Load User {i}"))),
        (path("emails[type eq \"work\"].value"), Value::from(name)),
        (path("name.givenName"), Value::from("Load")),
        (path("name.familyName"), Value::from(format!("User {i}"))),
        (path("externalId"), Value::from(format!("load-{i}"))),
    ]
}

fn total_results(answer: &Received) -> Option<u64> {
    answer.json().ok()?.get("totalResults")?.as_u64()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let soon = std::time::SystemTime::now() + Duration::from_secs(5);
        let wait = parse_retry_after(&httpdate::fmt_http_date(soon));
        assert!(wait.is_some_and(|w| w <= Duration::from_secs(5) && w >= Duration::from_secs(3)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
