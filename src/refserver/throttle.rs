//! The throttling faults (issue 9): 429 Too Many Requests with `Retry-After` as delta-seconds,
//! as an HTTP date, or missing (client-behaviour §6.2; the gallery checklist asks for
//! `Retry-After`), and a server that throttles every request.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ScimError;
use super::faults::{Fault, Faults};

/// The throttled request of each run of this many (the 3rd, 6th, 9th, …).
pub(crate) const EVERY: u64 = 3;

/// How the 429 says when to come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RetryAfter {
    Seconds,
    Date,
    Missing,
}

/// Counts requests and answers the throttled ones.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    seen: AtomicU64,
}

impl Throttle {
    /// The 429 this request gets, if a throttling fault is on and it is this request's turn.
    pub(crate) fn check(&self, faults: &Faults) -> Option<Response> {
        if faults.has(Fault::ThrottleForever) {
            return Some(too_many(RetryAfter::Seconds));
        }
        let form = [
            (Fault::ThrottleRetryAfterSeconds, RetryAfter::Seconds),
            (Fault::ThrottleRetryAfterDate, RetryAfter::Date),
            (Fault::ThrottleWithoutRetryAfter, RetryAfter::Missing),
        ]
        .into_iter()
        .find(|(fault, _)| faults.has(*fault))
        .map(|(_, form)| form)?;
        let n = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        (n % EVERY == 0).then(|| too_many(form))
    }
}

fn too_many(form: RetryAfter) -> Response {
    let mut response = ScimError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests; slow down and retry later",
    )
    .into_response();
    let value = match form {
        RetryAfter::Seconds => Some("1".to_owned()),
        // An HTTP date has whole seconds: two seconds ahead is at least one second of wait.
        RetryAfter::Date => Some(httpdate::fmt_http_date(
            SystemTime::now() + Duration::from_secs(2),
        )),
        RetryAfter::Missing => None,
    };
    if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// `drop-create-answers` and `die-after-create` (issue 11): a create that was stored but
/// whose answer never reached the client, so that only a lookup by its name can find it.
#[derive(Debug, Default)]
pub(crate) struct Drops {
    stored: AtomicU64,
    /// Set by `die-after-create`'s dropped create: from then on nothing is answered.
    dead: AtomicBool,
}

impl Drops {
    /// Whether the server died (`die-after-create`): every request is dropped.
    pub(crate) fn dead(&self) -> bool {
        self.dead.load(Ordering::Relaxed)
    }

    /// Whether the answer to a create just stored is dropped (every [`EVERY`]th).
    pub(crate) fn drops_created(&self, faults: &Faults) -> bool {
        let die = faults.has(Fault::DieAfterCreate);
        if !die && !faults.has(Fault::DropCreateAnswers) {
            return false;
        }
        let n = self.stored.fetch_add(1, Ordering::Relaxed) + 1;
        if n % EVERY != 0 {
            return false;
        }
        if die {
            self.dead.store(true, Ordering::Relaxed);
        }
        true
    }
}

/// An answer that never arrives: its body fails before its first byte, so hyper closes
/// the connection without sending the status line the head was buffered for.
pub(crate) fn dropped() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("dropped on purpose"))
    });
    Response::new(axum::body::Body::from_stream(failing))
}
