//! What a load run measured: per request kind an HDR latency histogram, errors by status, and
//! the 429s with whether they carried `Retry-After` (client-behaviour §6.2; the gallery
//! checklist asks for it). Plain data; `report` renders it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hdrhistogram::Histogram;

/// The kinds of request a load run sends, in the cycle's order (client-behaviour §3.3, §4.1,
/// §4.3, §3.6, §3.5, §4.5, §3.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    UserLookup,
    UserCreate,
    GroupLookup,
    GroupCreate,
    MemberAdd,
    /// §3.6: the manager pass's PATCH.
    ManagerSet,
    /// §3.5: the incremental cycle's read of a linked user, then its PATCH.
    UserRead,
    UserUpdate,
    /// Cleanup's lookup by name of an object whose create got no answer.
    CleanupLookup,
    GroupDelete,
    UserDelete,
}

impl Kind {
    pub(crate) const ALL: [Kind; 11] = [
        Kind::UserLookup,
        Kind::UserCreate,
        Kind::GroupLookup,
        Kind::GroupCreate,
        Kind::MemberAdd,
        Kind::ManagerSet,
        Kind::UserRead,
        Kind::UserUpdate,
        Kind::CleanupLookup,
        Kind::GroupDelete,
        Kind::UserDelete,
    ];

    /// The name in the table and the JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::UserLookup => "user lookup",
            Kind::UserCreate => "user create",
            Kind::GroupLookup => "group lookup",
            Kind::GroupCreate => "group create",
            Kind::MemberAdd => "member add",
            Kind::ManagerSet => "manager set",
            Kind::UserRead => "user read",
            Kind::UserUpdate => "user update",
            Kind::CleanupLookup => "cleanup lookup",
            Kind::GroupDelete => "group delete",
            Kind::UserDelete => "user delete",
        }
    }

    /// Cleanup requests are reported apart from the load.
    pub(crate) fn is_cleanup(self) -> bool {
        matches!(
            self,
            Kind::CleanupLookup | Kind::GroupDelete | Kind::UserDelete
        )
    }
}

/// How one request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The server answered with this status.
    Status(u16),
    /// No answer: refused, timed out, cut off.
    Transport,
}

/// The figures of one request kind.
#[derive(Debug)]
pub(crate) struct KindStats {
    /// Microseconds from send to the end of the body; answers of every status.
    pub(crate) latency: Histogram<u64>,
    /// Non-2xx answers (429s included) by status, and transport failures as `transport`.
    pub(crate) errors: BTreeMap<String, u64>,
    pub(crate) throttled: u64,
    /// Of the 429s, those that said when to come back.
    pub(crate) retry_after: u64,
}

impl KindStats {
    fn new() -> KindStats {
        KindStats {
            // 1 µs to 1 h at 3 significant figures: every latency a client with a timeout of
            // at most 3600 s can see, without saturating.
            latency: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("constant bounds: low 1, high > 2 × low, 3 figures"),
            errors: BTreeMap::new(),
            throttled: 0,
            retry_after: 0,
        }
    }

    /// The requests of this kind, errors included.
    pub(crate) fn count(&self) -> u64 {
        self.latency.len()
    }

    /// The latency at `quantile` (0..=1).
    pub(crate) fn at(&self, quantile: f64) -> Duration {
        Duration::from_micros(self.latency.value_at_quantile(quantile))
    }

    /// The failed requests (429s included).
    pub(crate) fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Everything a run measured.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) kinds: BTreeMap<Kind, KindStats>,
    /// Member-add latencies in microseconds by the member's position in its group (0-based),
    /// for the growth check.
    pub(crate) member_adds: Vec<(usize, u64)>,
}

impl Stats {
    /// Notes one request.
    pub(crate) fn record(
        &mut self,
        kind: Kind,
        elapsed: Duration,
        ending: &Ending,
        retry_after: bool,
    ) {
        let stats = self.kinds.entry(kind).or_insert_with(KindStats::new);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        stats.latency.saturating_record(micros.max(1));
        match ending {
            Ending::Status(status) if (200..300).contains(status) => {}
            Ending::Status(status) => {
                *stats.errors.entry(status.to_string()).or_default() += 1;
                if *status == 429 {
                    stats.throttled += 1;
                    stats.retry_after += u64::from(retry_after);
                }
            }
            Ending::Transport => *stats.errors.entry("transport".into()).or_default() += 1,
        }
    }

    /// Notes a member add's latency at its position in the group.
    pub(crate) fn member_add(&mut self, position: usize, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.member_adds.push((position, micros));
    }

    /// Adds `other`'s figures to these.
    fn merge(&mut self, other: &Stats) {
        for (kind, theirs) in &other.kinds {
            let ours = self.kinds.entry(*kind).or_insert_with(KindStats::new);
            ours.add(theirs);
        }
        self.member_adds.extend_from_slice(&other.member_adds);
    }

    /// All requests of the load (cleanup excluded) merged: for the live line and the totals.
    pub(crate) fn load_total(&self) -> Option<KindStats> {
        let mut total = KindStats::new();
        let mut any = false;
        for (_, stats) in self.kinds.iter().filter(|(k, _)| !k.is_cleanup()) {
            any = true;
            total.add(stats);
        }
        any.then_some(total)
    }
}

impl KindStats {
    fn add(&mut self, other: &KindStats) {
        // Same bounds on both sides: the add cannot fail.
        let _ = self.latency.add(&other.latency);
        for (status, n) in &other.errors {
            *self.errors.entry(status.clone()).or_default() += n;
        }
        self.throttled += other.throttled;
        self.retry_after += other.retry_after;
    }
}

/// Where a run's requests are recorded as they end: one [`Stats`] per thread, so that the
/// threads answering requests never wait on one another (one shared lock taken by every
/// request was a point every answer queued at); the shards are merged for the live line and
/// the summary ([`Recorder::merged`]).
#[derive(Debug)]
pub(crate) struct Recorder {
    shards: Box<[Mutex<Stats>]>,
}

/// Threads numbered as they first record, for their shard.
static THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD: usize = THREADS.fetch_add(1, Ordering::Relaxed);
}

impl Default for Recorder {
    fn default() -> Recorder {
        // The runtime's workers (one per core) and the thread that drives the runtime.
        let threads = std::thread::available_parallelism().map_or(4, usize::from) + 1;
        Recorder {
            shards: (0..threads).map(|_| Mutex::default()).collect(),
        }
    }
}

impl Recorder {
    /// This thread's shard.
    fn shard(&self) -> MutexGuard<'_, Stats> {
        let i = THREAD.with(|i| *i) % self.shards.len();
        self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes one request ([`Stats::record`]).
    pub(crate) fn record(&self, kind: Kind, elapsed: Duration, ending: &Ending, retry_after: bool) {
        self.shard().record(kind, elapsed, ending, retry_after);
    }

    /// Notes a member add's latency at its position in the group ([`Stats::member_add`]).
    pub(crate) fn member_add(&self, position: usize, elapsed: Duration) {
        self.shard().member_add(position, elapsed);
    }

    /// Everything recorded so far, from every thread.
    pub(crate) fn merged(&self) -> Stats {
        let mut all = Stats::default();
        for shard in self.shards.iter() {
            all.merge(&shard.lock().unwrap_or_else(PoisonError::into_inner));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_counted_by_status_and_429s_by_whether_they_said_when() {
        let mut stats = Stats::default();
        let ms = Duration::from_millis;
        stats.record(Kind::UserCreate, ms(2), &Ending::Status(201), false);
        stats.record(Kind::UserCreate, ms(3), &Ending::Status(409), false);
        stats.record(Kind::UserCreate, ms(1), &Ending::Status(429), true);
        stats.record(Kind::UserCreate, ms(1), &Ending::Status(429), false);
        stats.record(Kind::UserCreate, ms(9), &Ending::Transport, false);
        let kind = &stats.kinds[&Kind::UserCreate];
        assert_eq!(kind.count(), 5);
        let errors: Vec<(&str, u64)> = kind.errors.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(errors, vec![("409", 1), ("429", 2), ("transport", 1)]);
        assert_eq!((kind.throttled, kind.retry_after), (2, 1));
        assert_eq!(kind.error_count(), 4);
    }

    #[test]
    fn percentiles_come_from_the_histogram_within_its_precision() {
        let mut stats = Stats::default();
        for ms in 1..=100 {
            let elapsed = Duration::from_millis(ms);
            stats.record(Kind::UserLookup, elapsed, &Ending::Status(200), false);
        }
        let kind = &stats.kinds[&Kind::UserLookup];
        let p50 = kind.at(0.5).as_micros();
        let p99 = kind.at(0.99).as_micros();
        assert!((49_900..=50_100).contains(&p50), "p50 {p50} µs");
        assert!((98_900..=99_100).contains(&p99), "p99 {p99} µs");
    }

    #[test]
    fn what_each_thread_records_is_merged_into_one_stats() {
        let recorder = Recorder::default();
        let ms = Duration::from_millis(1);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for position in 0..10 {
                        recorder.record(Kind::MemberAdd, ms, &Ending::Status(200), false);
                        recorder.record(Kind::MemberAdd, ms, &Ending::Status(429), true);
                        recorder.member_add(position, ms);
                    }
                });
            }
        });
        let merged = recorder.merged();
        let adds = &merged.kinds[&Kind::MemberAdd];
        assert_eq!(
            (adds.count(), adds.throttled, adds.retry_after),
            (80, 40, 40)
        );
        assert_eq!(adds.errors.get("429"), Some(&40));
        assert_eq!(merged.member_adds.len(), 40);
    }

    #[test]
    fn the_load_total_leaves_cleanup_out() {
        let mut stats = Stats::default();
        let ms = Duration::from_millis(1);
        stats.record(Kind::UserLookup, ms, &Ending::Status(200), false);
        stats.record(Kind::UserDelete, ms, &Ending::Status(500), false);
        let total = stats.load_total().map(|t| (t.count(), t.error_count()));
        assert_eq!(total, Some((1, 0)));
    }
}
