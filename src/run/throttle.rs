//! 429 Too Many Requests, as Entra meets it (client-behaviour §6.2, §7): with `honour` (the
//! default) scimcheck waits as long as `Retry-After` asks (delta-seconds or an HTTP date) and
//! sends only the throttled request again; with `entra-2019` it logs the 429 and moves on, as
//! users reported Entra doing. Waiting is bounded per request and per run, so a server that
//! throttles forever still gets a verdict.

use std::time::{Duration, SystemTime};

use crate::http::Received;

/// What a run does with a 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttling {
    /// Wait as `Retry-After` asks (a bounded backoff without it), then send again.
    Honour {
        /// Tries after the first, per request.
        retries: u32,
        /// The longest wait for one try.
        longest: Duration,
        /// All the waiting one run may do; once spent, a 429 is the answer.
        budget: Duration,
    },
    /// Take the 429 as the answer (client-behaviour §6.2, 2019 reports).
    Entra2019,
}

impl Default for Throttling {
    fn default() -> Throttling {
        Throttling::Honour {
            retries: 3,
            longest: Duration::from_secs(10),
            budget: Duration::from_secs(30),
        }
    }
}

/// How long a 429 asks to wait: `Retry-After` as delta-seconds or an HTTP date (RFC 9110
/// §10.2.3); `None` when it is absent or unreadable.
pub(crate) fn retry_after(received: &Received, now: SystemTime) -> Option<Duration> {
    let value = received.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before try `attempt` (1-based) of a 429: what `Retry-After` asks, else an
/// exponential backoff from 1 s; never more than `longest`.
pub(crate) fn wait(received: &Received, attempt: u32, longest: Duration) -> Duration {
    let backoff = Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5));
    retry_after(received, SystemTime::now())
        .unwrap_or(backoff)
        .min(longest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled(retry_after: Option<&str>) -> Received {
        Received {
            full_size: None,
            status: 429,
            headers: retry_after
                .map(|v| vec![("Retry-After".to_owned(), v.to_owned())])
                .unwrap_or_default(),
            body: String::new(),
        }
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&throttled(Some("2")), now),
            Some(Duration::from_secs(2))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(3));
        assert_eq!(
            retry_after(&throttled(Some(&date)), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_after(&throttled(Some("soon")), now), None);
        assert_eq!(retry_after(&throttled(None), now), None);
    }

    #[test]
    fn without_retry_after_the_wait_backs_off_and_is_bounded() {
        let longest = Duration::from_secs(3);
        let waits: Vec<u64> = (1..=4)
            .map(|n| wait(&throttled(None), n, longest).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 3, 3]);
        assert_eq!(
            wait(&throttled(Some("100")), 1, longest),
            Duration::from_secs(3)
        );
    }
}
