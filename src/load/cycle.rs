//! The load itself: Entra's initial cycle (client-behaviour §3.1: every user looked up by its
//! matching attribute and created, then every group looked up, created and given its members
//! one PATCH at a time, §4.1, §4.3), or only the user lookups (`--mix lookups`), paced by
//! schedule and bounded by the concurrency; then the cleanup of everything it created.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

use super::pace::{each_with, Pacer};
use super::stats::{Ending, Kind, Recorder};
use crate::attributes::{AttrPath, ResourceKind};
use crate::http::{Answer, Answered, Client, Lane, Prepared, Request};
use crate::profile::{Change, Renderer};
use crate::run::{found, Entry, Fate, Found, Ledger, LedgerView};

/// What to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mix {
    /// Entra's initial cycle: users, then groups and their members, then the manager pass
    /// and the incremental cycle when they are asked for.
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
    /// What the cycle sends after its creates and member adds.
    pub(crate) passes: Passes,
}

/// The cycle's passes after the creates (client-behaviour §3.1): the manager pass, then an
/// incremental cycle. None by default.
#[derive(Clone, Debug, Default)]
pub(crate) struct Passes {
    /// §3.3 step 3, §3.6: one manager PATCH per managed user, when the table maps the
    /// enterprise manager.
    pub(crate) managers: bool,
    /// §3.5: how many users the incremental cycle reads and PATCHes, and the mapped attribute
    /// it changes.
    pub(crate) incremental: Option<(usize, AttrPath)>,
}

/// The manager tree of the manager pass: user `i` (from 1) is managed by user
/// `(i - 1) / MANAGER_SPAN`, so user 0 is at the top and every manager has ten reports, a
/// tree as deep as a real tenant's (log₁₀ of its size) whatever the number of users.
pub(crate) const MANAGER_SPAN: usize = 10;

/// The manager of load user `i`, if it has one.
pub(crate) fn manager_of(i: usize) -> Option<usize> {
    (i > 0).then(|| (i - 1) / MANAGER_SPAN)
}

/// The users of the incremental cycle: `count` of `users`, spread evenly over them.
pub(crate) fn updated_users(count: usize, users: usize) -> impl Iterator<Item = usize> {
    let count = count.min(users);
    (0..count).map(move |j| j * users / count)
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
    pub(crate) stats: Recorder,
    /// What the load created or may have created, as `run` keeps it (its object and matching
    /// value are the unique name): shared with the second Ctrl-C, which prints it.
    ledger: Arc<Mutex<Ledger>>,
}

/// How one request ended, for a create whose object may exist without an answer.
enum Outcome {
    /// Stopped before it was sent (or before a throttled one was sent again).
    NotSent,
    /// Sent; no answer came.
    NoAnswer,
    Answered(Answer, Duration),
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
            stats: Recorder::default(),
            ledger: Arc::default(),
        }
    }

    /// Runs the mix until it is done, its duration is over, or it is stopped. Each worker
    /// sends on a connection of its own (`crate::http::Lane`).
    pub(crate) async fn run(&self) {
        let concurrency = self.shape.concurrency;
        let lookup = self.prepared_lookup().await;
        let lookup = lookup.as_ref();
        let lane = || self.client.lane();
        match self.shape.mix {
            Mix::Lookups => {
                each_with(
                    self.shape.users,
                    concurrency,
                    lane,
                    |mut lane, i| async move {
                        let _ = self.look_up_user(&mut lane, lookup, i).await;
                        lane
                    },
                )
                .await;
            }
            Mix::Cycle => {
                each_with(
                    self.shape.users,
                    concurrency,
                    lane,
                    |mut lane, i| async move {
                        self.provision_user(&mut lane, lookup, i).await;
                        lane
                    },
                )
                .await;
                let ids = self.user_ids();
                let users: Vec<String> = (0..self.shape.users)
                    .filter_map(|i| ids.get(&self.user_name(i)).cloned())
                    .collect();
                let users = &users;
                each_with(
                    self.shape.groups,
                    concurrency,
                    lane,
                    |mut lane, g| async move {
                        self.provision_group(&mut lane, g, users).await;
                        lane
                    },
                )
                .await;
                self.manager_pass(&ids).await;
                self.incremental_cycle(&ids).await;
            }
        }
    }

    /// Every user lookup is the same request but for the user's number in its filter value
    /// (§1.5), so its head is spelled once and each lookup writes only its number into the
    /// target ([`Prepared`]). Checked against the renderer's own lookups of three users;
    /// `None` (each lookup rendered whole, as before) when they differ.
    async fn prepared_lookup(&self) -> Option<Prepared> {
        // Digits are sent as they are in every profile's filter value, and this run of them
        // is in no run id (8 hex digits) or base URL one would take for a user's number.
        const SLOT: &str = "918273645546372819";
        let sample =
            self.renderer
                .lookup(ResourceKind::User, &self.matching, &self.user_name(SLOT));
        let prepared = self.client.lane().prepare(&sample, SLOT).await?;
        let same = [0, 7, 12_345].iter().all(|&i| {
            let mut digits = itoa::Buffer::new();
            prepared.sends_as(&self.client, digits.format(i), &self.user_lookup(i))
        });
        same.then_some(prepared)
    }

    /// User `i`'s lookup by the matching attribute: prepared when it can be.
    async fn look_up_user(
        &self,
        lane: &mut Lane<'_>,
        lookup: Option<&Prepared>,
        i: usize,
    ) -> Option<Answer> {
        let mut digits = itoa::Buffer::new();
        let request;
        let what = match lookup {
            Some(prepared) => What::Prepared(prepared, digits.format(i)),
            None => {
                request = self.user_lookup(i);
                What::Request(&request)
            }
        };
        self.send(lane, Kind::UserLookup, what).await
    }

    /// §3.1, §3.3 step 3: once every user exists, one PATCH per user with a manager, in the
    /// profile's form (§3.6, Q8). Nobody has a manager yet, so each is an `Add`.
    async fn manager_pass(&self, ids: &HashMap<String, String>) {
        if !self.shape.passes.managers {
            return;
        }
        let pairs: Vec<(&String, &String)> = (0..self.shape.users)
            .filter_map(|i| {
                let user = ids.get(&self.user_name(i))?;
                let manager = ids.get(&self.user_name(manager_of(i)?))?;
                Some((user, manager))
            })
            .collect();
        let (pairs, lane) = (&pairs, || self.client.lane());
        each_with(
            pairs.len(),
            self.shape.concurrency,
            lane,
            |mut lane, k| async move {
                let (user, manager) = pairs[k];
                let request = self.renderer.set_manager(user, Some(manager), false);
                let _ = self.send(&mut lane, Kind::ManagerSet, &request).await;
                lane
            },
        )
        .await;
    }

    /// §3.5, §7: the incremental cycle after the initial one: each changed user is read, then
    /// PATCHed with the changed attribute in the profile's form (Q4, Q9).
    async fn incremental_cycle(&self, ids: &HashMap<String, String>) {
        let Some((count, path)) = &self.shape.passes.incremental else {
            return;
        };
        let updated: Vec<(usize, &String)> = updated_users(*count, self.shape.users)
            .filter_map(|i| Some((i, ids.get(&self.user_name(i))?)))
            .collect();
        let (updated, lane) = (&updated, || self.client.lane());
        each_with(
            updated.len(),
            self.shape.concurrency,
            lane,
            |mut lane, k| async move {
                let (i, id) = updated[k];
                self.update_user(&mut lane, path, i, id).await;
                lane
            },
        )
        .await;
    }

    /// One user of the incremental cycle: the read, then the PATCH.
    async fn update_user(&self, lane: &mut Lane<'_>, path: &AttrPath, i: usize, id: &str) {
        let read = self.renderer.get(ResourceKind::User, id);
        if self.send(lane, Kind::UserRead, &read).await.is_none() {
            return;
        }
        let values = user_values(&self.matching, &self.user_name(i), i);
        let change = Change {
            path: path.clone(),
            value: Value::from(format!("Load User {i} changed")),
            // §3.5: `Replace` where the create set a value, `Add` where it did not.
            present: values.iter().any(|(p, _)| p == path),
        };
        let patch = self
            .renderer
            .patch(ResourceKind::User, id, std::slice::from_ref(&change));
        let _ = self.send(lane, Kind::UserUpdate, &patch).await;
    }

    /// The rate the load's requests went out at (see [`Pacer::sent_rate`]), and the latest
    /// any went out after its due time.
    pub(crate) fn pacing(&self) -> (Option<f64>, Duration) {
        (self.pacer.sent_rate(), self.pacer.worst_lag())
    }

    /// The ledger, for cleanup.
    pub(crate) fn ledger(&self) -> Arc<Mutex<Ledger>> {
        Arc::clone(&self.ledger)
    }

    /// What the second Ctrl-C prints: every object that may still be on the server, by id
    /// and URL, or by name when its create got no answer (`run`'s list).
    pub(crate) fn remaining(&self) -> impl Fn() -> String + Send + 'static {
        let view = LedgerView {
            ledger: Arc::clone(&self.ledger),
            tenant: self.client.tenant().clone(),
        };
        move || view.remaining()
    }

    /// The ids of the users created, by name; ids that cannot address an object are left
    /// out (see `crate::id`): they are never put into a URL.
    fn user_ids(&self) -> HashMap<String, String> {
        lock(&self.ledger)
            .entries
            .iter()
            .filter(|e| e.kind == ResourceKind::User && e.fate == Fate::Live)
            .filter_map(|e| Some((e.object.clone(), e.id.clone()?)))
            .filter(|(_, id)| crate::id::problem(id).is_none())
            .collect()
    }

    fn user_name(&self, i: impl std::fmt::Display) -> String {
        format!("scimcheck-load-{}-{i}@example.com", self.shape.run_id)
    }

    fn user_lookup(&self, i: usize) -> Request {
        let name = self.user_name(i);
        self.renderer
            .lookup(ResourceKind::User, &self.matching, &name)
    }

    /// §3.3: the lookup by the matching attribute, then the POST when nothing matched.
    async fn provision_user(&self, lane: &mut Lane<'_>, lookup: Option<&Prepared>, i: usize) {
        let Some(found) = self.look_up_user(lane, lookup, i).await else {
            return;
        };
        if !(found.status == 200 && total_results(&found) == Some(0)) {
            return;
        }
        let name = self.user_name(i);
        let request = self
            .renderer
            .create_user(&user_values(&self.matching, &name, i));
        self.create(lane, ResourceKind::User, &name, &request).await;
    }

    /// §4.1, §4.3: the lookup by displayName, the POST, then one PATCH per member, in order.
    async fn provision_group(&self, lane: &mut Lane<'_>, g: usize, users: &[String]) {
        let name = format!("scimcheck-load-{}-group-{g}", self.shape.run_id);
        let display_name = AttrPath::parse("displayName").expect("a constant path parses");
        let lookup = self
            .renderer
            .lookup(ResourceKind::Group, &display_name, &name);
        let Some(found) = self.send(lane, Kind::GroupLookup, &lookup).await else {
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
        let Some(group_id) = self
            .create(lane, ResourceKind::Group, &name, &request)
            .await
        else {
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
            let Some(answered) = self.send_timed(lane, Kind::MemberAdd, &request).await else {
                return;
            };
            self.stats.member_add(k, answered.1);
        }
    }

    /// Sends a create of `name`, in the ledger from before it is sent until its answer says
    /// it was refused: a create without an answer (or with a 5xx) may have made the object,
    /// and cleanup looks it up by its name (issue 11). The id of the object made, if usable.
    async fn create(
        &self,
        lane: &mut Lane<'_>,
        kind: ResourceKind,
        name: &str,
        request: &Request,
    ) -> Option<String> {
        lock(&self.ledger).created(kind, None, name, name, 0);
        let stats_kind = match kind {
            ResourceKind::User => Kind::UserCreate,
            ResourceKind::Group => Kind::GroupCreate,
        };
        let status = match self.send_outcome(lane, stats_kind, request.into()).await {
            Outcome::NotSent => {
                // Never sent, or only throttled: the server holds nothing of it.
                set_fate(&mut lock(&self.ledger), kind, name, Fate::Gone);
                return None;
            }
            Outcome::NoAnswer => None,
            Outcome::Answered(answer, _) => {
                // The id is the one piece of an answer `load` keeps and shows: masked here,
                // whole, before anything can cut it (see `crate::redact`), as a recorded
                // exchange is.
                let id = (answer.status == 201)
                    .then(|| created_id(&answer))
                    .flatten()
                    .map(|id| self.client.redactor().redact_long(&id));
                let mut ledger = lock(&self.ledger);
                ledger.answered(kind, name, Some(answer.status));
                // An id that cannot address the object is never put into a URL (see
                // `crate::id`): it stays in the ledger, and cleanup lists it unrequested.
                if let Some(id) = id {
                    set_id(&mut ledger, kind, name, &id);
                    return crate::id::problem(&id).is_none().then_some(id);
                }
                return None;
            }
        };
        lock(&self.ledger).answered(kind, name, status);
        None
    }

    /// Waits for this request's turn; `false` when the run is stopped first or the turn
    /// falls after `--duration`, so that a stop is not delayed by turns already handed out.
    async fn wait_turn(&self) -> bool {
        if self.pacer.unpaced() {
            // `--rate max`: every turn is now, so there is nothing to wait on and `--duration`
            // is judged by the clock (the due time of every turn is the start).
            let over = self.deadline.is_some_and(|d| Instant::now() >= d);
            return !over && !*self.stop.borrow();
        }
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

    async fn send<'a>(
        &self,
        lane: &mut Lane<'_>,
        kind: Kind,
        what: impl Into<What<'a>>,
    ) -> Option<Answer> {
        self.send_timed(lane, kind, what)
            .await
            .map(|(answer, _)| answer)
    }

    /// Sends on schedule and records it; a 429 is waited out and sent again (§6.2, Entra's
    /// documented `honour` behaviour). The 2xx answer with its latency (the wait for the
    /// schedule left out), or `None` when stopped or when no 2xx came.
    async fn send_timed<'a>(
        &self,
        lane: &mut Lane<'_>,
        kind: Kind,
        what: impl Into<What<'a>>,
    ) -> Option<(Answer, Duration)> {
        match self.send_outcome(lane, kind, what.into()).await {
            Outcome::Answered(answer, elapsed) if (200..300).contains(&answer.status) => {
                Some((answer, elapsed))
            }
            _ => None,
        }
    }

    /// [`Load::send_timed`], saying how the request ended: the last answer (a 429 when every
    /// try was throttled), none, or not sent.
    async fn send_outcome(&self, lane: &mut Lane<'_>, kind: Kind, what: What<'_>) -> Outcome {
        let mut last = Outcome::NotSent;
        for _ in 0..=RETRIES {
            // Stopped before a retry: the 429s before it made nothing.
            if !self.wait_turn().await {
                return Outcome::NotSent;
            }
            let (answer, wait) = send_once(lane, &self.stats, kind, what).await;
            last = match answer {
                Some((answer, elapsed)) => Outcome::Answered(answer, elapsed),
                None => Outcome::NoAnswer,
            };
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return last,
            }
        }
        last
    }
}

/// A request for [`send_once`]: whole, or prepared with its varying part.
#[derive(Clone, Copy)]
enum What<'a> {
    Request(&'a Request),
    Prepared(&'a Prepared, &'a str),
}

impl<'a> From<&'a Request> for What<'a> {
    fn from(request: &'a Request) -> Self {
        What::Request(request)
    }
}

impl What<'_> {
    async fn on(self, lane: &mut Lane<'_>) -> Answered {
        match self {
            What::Request(request) => lane.answer(request).await,
            What::Prepared(prepared, fill) => lane.answer_prepared(prepared, fill).await,
        }
    }
}

/// One request, recorded; with how long to wait before sending it again after a 429.
///
/// Sent as [`Client::answer`] sends it: no record of the exchange is made, since `load`
/// reads only the status, `Retry-After`, and the one field its cycle needs of the body.
async fn send_once(
    lane: &mut Lane<'_>,
    stats: &Recorder,
    kind: Kind,
    what: What<'_>,
) -> (Option<(Answer, Duration)>, Option<Duration>) {
    let (answer, elapsed) = what.on(lane).await;
    let Ok(answer) = answer else {
        stats.record(kind, elapsed, &Ending::Transport, false);
        return (None, None);
    };
    let retry_after = (answer.status == 429)
        .then(|| answer.header("retry-after").map(parse_retry_after))
        .flatten();
    stats.record(
        kind,
        elapsed,
        &Ending::Status(answer.status),
        retry_after.is_some(),
    );
    if answer.status != 429 {
        return (Some((answer, elapsed)), None);
    }
    let wait = retry_after.flatten().unwrap_or(BACKOFF).min(MAX_RETRY_WAIT);
    (Some((answer, elapsed)), Some(wait))
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

/// What cleanup did with the ledger's objects.
#[derive(Debug, Default)]
pub(crate) struct Cleaned {
    /// Objects the load created or may have created (their create got no answer).
    pub(crate) created: usize,
    pub(crate) deleted: usize,
    /// Of the creates without an answer: found by name (then deleted or left), and not on the
    /// server.
    pub(crate) unanswered: usize,
    pub(crate) found: usize,
    pub(crate) absent: usize,
    /// What is known or may be left, each with why.
    pub(crate) left: Vec<Left>,
}

/// One object cleanup left behind, or that may exist.
#[derive(Clone, Debug)]
pub(crate) struct Left {
    pub(crate) kind: ResourceKind,
    /// `None`: the object may exist, and only its name is known.
    pub(crate) id: Option<String>,
    pub(crate) name: String,
    pub(crate) reason: String,
}

/// What `--keep` leaves: everything that is or may be on the server, with why.
pub(crate) fn kept(ledger: &Mutex<Ledger>) -> Cleaned {
    let pending: Vec<Entry> = lock(ledger).pending().into_iter().map(|(_, e)| e).collect();
    Cleaned {
        created: pending.len(),
        unanswered: pending.iter().filter(|e| e.id.is_none()).count(),
        left: pending
            .iter()
            .map(|e| left(e, e.id.clone(), "kept (--keep)".to_owned()))
            .collect(),
        ..Cleaned::default()
    }
}

/// How one object's cleanup ended.
enum Swept {
    Deleted {
        found: bool,
    },
    /// Its create got no answer, and the lookup by name found nothing.
    Absent,
    /// Left, or may exist; `found` when its id came from the lookup by name.
    Left {
        left: Left,
        found: bool,
    },
}

/// Deletes what the run created, groups first (they reference users), at `rate` and
/// `concurrency`, whatever the stop signal says, within `run`'s cleanup deadline (a hung
/// server costs one deadline). A create without an answer is first looked up by its name
/// (`matching` for users, displayName for groups). The ledger follows each object, so that
/// a second Ctrl-C prints what is really left.
pub(crate) async fn clean_up(
    client: &Client,
    (renderer, matching): (&Renderer, &AttrPath),
    stats: &Recorder,
    ledger: &Mutex<Ledger>,
    (rate, concurrency): (Option<f64>, usize),
) -> Cleaned {
    let pending: Vec<_> = lock(ledger).pending().into_iter().map(|(_, e)| e).collect();
    let pacer = Pacer::new(rate);
    let deadline = Instant::now() + crate::run::cleanup_deadline(client.timeout());
    let sweeper = Sweeper {
        client,
        renderer,
        matching,
        stats,
        pacer: &pacer,
    };
    let mut cleaned = Cleaned {
        created: pending.len(),
        unanswered: pending.iter().filter(|e| e.id.is_none()).count(),
        ..Cleaned::default()
    };
    // Groups first: a user's DELETE must not race the group that still references it.
    for kind in [ResourceKind::Group, ResourceKind::User] {
        let phase = pending.iter().filter(|e| e.kind == kind);
        let (sweeper, seconds) = (&sweeper, deadline_secs(client));
        let swept: Vec<Swept> = stream::iter(phase)
            .map(|entry| async move {
                let swept = tokio::time::timeout_at(deadline, sweeper.sweep(entry)).await;
                let swept = swept.unwrap_or_else(|_| Swept::Left {
                    left: past_deadline(entry, seconds),
                    found: false,
                });
                let fate = match &swept {
                    Swept::Left { .. } => return swept,
                    Swept::Deleted { .. } | Swept::Absent => Fate::Gone,
                };
                set_fate(&mut lock(ledger), entry.kind, &entry.object, fate);
                swept
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        for swept in swept {
            match swept {
                Swept::Deleted { found } => {
                    cleaned.deleted += 1;
                    cleaned.found += usize::from(found);
                }
                Swept::Absent => cleaned.absent += 1,
                Swept::Left { left, found } => {
                    cleaned.found += usize::from(found);
                    cleaned.left.push(left);
                }
            }
        }
    }
    cleaned
}

fn deadline_secs(client: &Client) -> u64 {
    crate::run::cleanup_deadline(client.timeout()).as_secs()
}

/// An object whose cleanup had not finished by the deadline.
fn past_deadline(entry: &Entry, seconds: u64) -> Left {
    let reason = match entry.id {
        Some(_) => format!("not confirmed deleted within cleanup's {seconds} s deadline"),
        None => format!(
            "its create got no answer, and cleanup's {seconds} s deadline passed before the lookup by name could tell"
        ),
    };
    left(entry, entry.id.clone(), reason)
}

fn left(entry: &Entry, id: Option<String>, reason: String) -> Left {
    Left {
        kind: entry.kind,
        id,
        name: entry.object.clone(),
        reason,
    }
}

/// Cleanup's requests, paced.
struct Sweeper<'a> {
    client: &'a Client,
    renderer: &'a Renderer,
    matching: &'a AttrPath,
    stats: &'a Recorder,
    pacer: &'a Pacer,
}

impl Sweeper<'_> {
    /// Finds the object's id when its create got no answer, then deletes it.
    async fn sweep(&self, entry: &Entry) -> Swept {
        let (id, found) = match &entry.id {
            Some(id) => (id.clone(), false),
            None => match self.find(entry).await {
                Found::Id(id) => (id, true),
                Found::Nothing => return Swept::Absent,
                Found::Unknown(why) => {
                    let reason = format!("its create got no answer, and {why}");
                    let left = left(entry, None, reason);
                    return Swept::Left { left, found: false };
                }
            },
        };
        let prefix = if found {
            "found by name after its create got no answer, but "
        } else {
            ""
        };
        if let Some(problem) = crate::id::problem(&id) {
            let reason = format!(
                "{prefix}not deleted: its id cannot address it ({}), so no request was sent",
                problem.describe()
            );
            let left = left(entry, Some(id), reason);
            return Swept::Left { left, found };
        }
        match self.delete(entry.kind, &id).await {
            Ok(()) => Swept::Deleted { found },
            Err(why) => {
                let left = left(entry, Some(id), format!("{prefix}{why}"));
                Swept::Left { left, found }
            }
        }
    }

    /// The lookup by name (the run's prefix makes it unique), as Entra's own lookups.
    async fn find(&self, entry: &Entry) -> Found {
        let matching = match entry.kind {
            ResourceKind::User => self.matching.clone(),
            ResourceKind::Group => AttrPath::parse("displayName").expect("a constant path parses"),
        };
        let request = self.renderer.lookup(entry.kind, &matching, &entry.object);
        let answer = self.send(Kind::CleanupLookup, &request).await;
        match found(
            answer.map(Answer::received).as_ref(),
            &matching,
            &entry.object,
        ) {
            // Masked as a created id is (see `Load::create`).
            Found::Id(id) => Found::Id(self.client.redactor().redact_long(&id)),
            other => other,
        }
    }

    /// Deletes one object; why not, when it is not gone.
    async fn delete(&self, kind: ResourceKind, id: &str) -> Result<(), String> {
        let stats_kind = match kind {
            ResourceKind::Group => Kind::GroupDelete,
            ResourceKind::User => Kind::UserDelete,
        };
        let request = self.renderer.delete(kind, id);
        match self.send(stats_kind, &request).await.map(|a| a.status) {
            // 404: already gone, which is what cleanup wants.
            Some(200..=299 | 404) => Ok(()),
            Some(status) => Err(format!("DELETE answered {status}")),
            None => Err("DELETE got no answer".to_owned()),
        }
    }

    /// One request, paced, with 429s waited out; the last answer, `None` when none came.
    async fn send(&self, kind: Kind, request: &Request) -> Option<Answer> {
        // Through the pool: each object's sweep is a future of its own, with no worker to
        // keep a connection.
        let mut lane = self.client.pooled();
        for _ in 0..RETRIES {
            self.pacer.wait_turn().await;
            match send_once(&mut lane, self.stats, kind, request.into()).await {
                (_, Some(wait)) => tokio::time::sleep(wait).await,
                (answer, None) => return answer.map(|(a, _)| a),
            }
        }
        self.pacer.wait_turn().await;
        send_once(&mut lane, self.stats, kind, request.into())
            .await
            .0
            .map(|(a, _)| a)
    }
}

/// The fate of the newest entry of `kind` named `name`.
fn set_fate(ledger: &mut Ledger, kind: ResourceKind, name: &str, fate: Fate) {
    if let Some(entry) = newest(ledger, kind, name) {
        entry.fate = fate;
    }
}

/// The id a create's answer named.
fn set_id(ledger: &mut Ledger, kind: ResourceKind, name: &str, id: &str) {
    if let Some(entry) = newest(ledger, kind, name) {
        entry.id = Some(id.to_owned());
    }
}

fn newest<'a>(ledger: &'a mut Ledger, kind: ResourceKind, name: &str) -> Option<&'a mut Entry> {
    ledger
        .entries
        .iter_mut()
        .rev()
        .find(|e| e.kind == kind && e.object == name)
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

/// `totalResults` of a ListResponse; the rest of the body is skipped, not built.
fn total_results(answer: &Answer) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct List {
        #[serde(rename = "totalResults")]
        total_results: Option<Value>,
    }
    let list: List = serde_json::from_slice(object(answer)?).ok()?;
    list.total_results?.as_u64()
}

/// The body when it is a JSON object: a struct is read from an array too, a field of a
/// resource is not.
fn object(answer: &Answer) -> Option<&[u8]> {
    let body = answer.body();
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    (*first == b'{').then_some(body)
}

/// The `id` of a created resource, when it is a string.
fn created_id(answer: &Answer) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Resource {
        id: Option<Value>,
    }
    let resource: Resource = serde_json::from_slice(object(answer)?).ok()?;
    match resource.id? {
        Value::String(id) => Some(id),
        _ => None,
    }
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
    fn every_user_but_the_first_has_a_manager_ten_reports_each() {
        let managers: Vec<Option<usize>> = [0, 1, 10, 11, 20, 21, 111].map(manager_of).to_vec();
        assert_eq!(
            managers,
            [None, Some(0), Some(0), Some(1), Some(1), Some(2), Some(11)]
        );
    }

    #[test]
    fn the_incremental_users_are_spread_evenly_and_never_more_than_all() {
        assert_eq!(updated_users(5, 20).collect::<Vec<_>>(), [0, 4, 8, 12, 16]);
        assert_eq!(updated_users(3, 3).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(updated_users(9, 2).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(updated_users(0, 2).count(), 0);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let soon = std::time::SystemTime::now() + Duration::from_secs(5);
        let wait = parse_retry_after(&httpdate::fmt_http_date(soon));
        assert!(wait.is_some_and(|w| w <= Duration::from_secs(5) && w >= Duration::from_secs(3)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
