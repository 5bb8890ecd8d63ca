//! Open-loop pacing: request `i` of a run is due at `start + i / rate`, whatever the answers
//! to earlier requests did. A slow server makes requests late, never makes the schedule slip,
//! so the measured rate is the server's and not the client's (wrk2 and k6's constant-arrival
//! rate, against the closed loop that hides coordinated omission).

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Hands out send times by schedule.
#[derive(Debug)]
pub(crate) struct Pacer {
    start: Instant,
    /// `None` for `--rate max`: every request is due at once, bounded by the concurrency.
    interval: Option<Duration>,
    issued: AtomicU64,
    /// The largest delay between a request's due time and its send, in microseconds.
    worst_lag_us: AtomicU64,
    /// Requests sent, and the latest send as microseconds from the start.
    sent: AtomicU64,
    last_send_us: AtomicU64,
}

impl Pacer {
    /// A schedule of `rate` requests per second from now; `None` for as fast as possible.
    pub(crate) fn new(rate: Option<f64>) -> Pacer {
        Pacer {
            start: Instant::now(),
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            issued: AtomicU64::new(0),
            worst_lag_us: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            last_send_us: AtomicU64::new(0),
        }
    }

    /// When the next request is due.
    pub(crate) fn next_due(&self) -> Instant {
        let i = self.issued.fetch_add(1, Ordering::Relaxed);
        match self.interval {
            Some(interval) => self.start + interval.mul_f64(i as f64),
            None => self.start,
        }
    }

    /// Whether requests go out as fast as the concurrency lets them (`--rate max`): there is
    /// no turn to wait for, and nothing to note.
    pub(crate) fn unpaced(&self) -> bool {
        self.interval.is_none()
    }

    /// Waits until the next request is due and notes how late it is sent.
    pub(crate) async fn wait_turn(&self) {
        self.wait_until(self.next_due()).await;
    }

    /// Waits until `due` (from [`Pacer::next_due`]) and notes how late it is sent.
    pub(crate) async fn wait_until(&self, due: Instant) {
        // At max rate no figure of the schedule is reported (see `sent_rate`), and a timer per
        // request would be the one cost of pacing.
        if self.unpaced() {
            return;
        }
        tokio::time::sleep_until(due).await;
        let now = Instant::now();
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let lag = now.saturating_duration_since(due);
        self.worst_lag_us.fetch_max(micros(lag), Ordering::Relaxed);
        self.sent.fetch_add(1, Ordering::Relaxed);
        let since_start = now.saturating_duration_since(self.start);
        self.last_send_us
            .fetch_max(micros(since_start), Ordering::Relaxed);
    }

    /// The rate the requests went out at: those sent over the time to the latest send plus
    /// one interval (the latest's own slot). This is what the schedule held, whatever the
    /// last answers' latency; a server that cannot keep up makes sends late and lowers it.
    /// `None` at max rate or before two sends.
    pub(crate) fn sent_rate(&self) -> Option<f64> {
        let interval = self.interval?;
        let sent = self.sent.load(Ordering::Relaxed);
        if sent < 2 {
            return None;
        }
        let span = Duration::from_micros(self.last_send_us.load(Ordering::Relaxed)) + interval;
        Some(sent as f64 / span.as_secs_f64())
    }

    /// The latest any request was sent after its due time.
    pub(crate) fn worst_lag(&self) -> Duration {
        Duration::from_micros(self.worst_lag_us.load(Ordering::Relaxed))
    }
}

/// Runs `work(state, i)` for every `i` in `0..n`, at most `concurrency` at once and in order
/// of start: `concurrency` workers that each take the next `i` as soon as their last one
/// ended. So at `--rate max` exactly that many requests are in flight, and starting one costs
/// an atomic add, not a future queued and woken per item (`for_each_concurrent`'s way).
/// Each worker has a state of its own (`load`'s connection, `crate::http::Lane`), made by
/// `state` when it starts, handed to `work` with each `i` and given back.
pub(crate) async fn each_with<S, M, F, Fut>(n: usize, concurrency: usize, state: M, work: F)
where
    M: Fn() -> S,
    F: Fn(S, usize) -> Fut,
    Fut: Future<Output = S>,
{
    let next = AtomicUsize::new(0);
    let worker = || async {
        let mut own = state();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            own = work(own, i).await;
        }
    };
    // Not `join_all`: for a few futures it polls all of them on every wake-up.
    let mut workers: futures_util::stream::FuturesUnordered<_> = (0..concurrency
        .clamp(1, n.max(1)))
        .map(|_| worker())
        .collect();
    while futures_util::StreamExt::next(&mut workers).await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn due_times_follow_the_schedule_not_the_answers() {
        let pacer = Pacer::new(Some(4.0));
        let start = pacer.start;
        let due: Vec<Duration> = (0..5).map(|_| pacer.next_due() - start).collect();
        let ms: Vec<u128> = due.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, vec![0, 250, 500, 750, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn max_rate_makes_every_request_due_at_once() {
        let pacer = Pacer::new(None);
        let start = pacer.start;
        assert!((0..3).all(|_| pacer.next_due() == start));
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_request_is_counted_as_lag_and_the_next_stays_on_schedule() {
        let pacer = Pacer::new(Some(10.0));
        pacer.wait_turn().await;
        // The second request's slot is at 100 ms; the caller only asks at 350 ms.
        tokio::time::sleep(Duration::from_millis(350)).await;
        pacer.wait_turn().await;
        assert_eq!(pacer.worst_lag().as_millis(), 250);
        assert_eq!(pacer.next_due() - pacer.start, Duration::from_millis(200));
        // Two sends by 350 ms plus one 100 ms slot: 2 / 0.45 s.
        let rate = pacer.sent_rate().expect("two sends");
        assert!((rate - 4.444).abs() < 0.01, "{rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn sends_on_schedule_give_exactly_the_target_rate() {
        let pacer = Pacer::new(Some(20.0));
        for _ in 0..10 {
            pacer.wait_turn().await;
        }
        let rate = pacer.sent_rate().expect("ten sends");
        assert!((rate - 20.0).abs() < 0.01, "{rate}");
        assert_eq!(Pacer::new(None).sent_rate(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn each_runs_every_item_once_with_at_most_the_concurrency_in_flight() {
        use std::sync::Mutex;
        let (in_flight, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let done = Mutex::new(Vec::new());
        each_with(
            10,
            3,
            || (),
            |(), i| {
                let (in_flight, most, done) = (&in_flight, &most, &done);
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(10 + (i as u64 % 3))).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    done.lock().expect("not poisoned").push(i);
                }
            },
        )
        .await;
        let mut done = done.into_inner().expect("not poisoned");
        done.sort_unstable();
        assert_eq!(done, (0..10).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn each_worker_makes_its_state_once_and_carries_it_over_its_items() {
        use std::sync::{Arc, Mutex};
        // Each worker's state: the items it ran, in a list the test can still read.
        let states: Mutex<Vec<Arc<Mutex<Vec<usize>>>>> = Mutex::default();
        let state = || {
            let items = Arc::default();
            states
                .lock()
                .expect("not poisoned")
                .push(Arc::clone(&items));
            items
        };
        each_with(
            12,
            4,
            state,
            |items: Arc<Mutex<Vec<usize>>>, i| async move {
                tokio::time::sleep(Duration::from_millis(5 + (i as u64 % 2))).await;
                items.lock().expect("not poisoned").push(i);
                items
            },
        )
        .await;
        let states = states.into_inner().expect("not poisoned");
        assert_eq!(states.len(), 4, "one state per worker");
        let mut all = Vec::new();
        for items in &states {
            let items = items.lock().expect("not poisoned").clone();
            assert!(!items.is_empty() && items.is_sorted(), "{items:?}");
            all.extend(items);
        }
        all.sort_unstable();
        assert_eq!(all, (0..12).collect::<Vec<_>>());
    }
}
