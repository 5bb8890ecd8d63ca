//! The one axum handler: transport faults, authentication, routing by path and method.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::error::ScimError;
use super::faults::Fault;
use super::handlers;
use super::server::{AppState, BASE_PATH};
use super::store::Kind;
use crate::scim;

/// What a request path names.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    Collection(Kind),
    Item(Kind, String),
    /// `/Schemas` (RFC 7644 §4).
    Schemas,
    Unknown,
}

/// `/scim/v2/Users[/id]` or `/scim/v2/Groups[/id]`; empty segments (doubled or trailing
/// slashes) are skipped.
fn route(path: &str) -> Route {
    let base: Vec<&str> = BASE_PATH.split('/').filter(|s| !s.is_empty()).collect();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(rest) = segments.strip_prefix(base.as_slice()) else {
        return Route::Unknown;
    };
    let kind = match rest.first() {
        Some(s) if s.eq_ignore_ascii_case("Schemas") && rest.len() == 1 => return Route::Schemas,
        Some(s) if s.eq_ignore_ascii_case("Users") => Kind::User,
        Some(s) if s.eq_ignore_ascii_case("Groups") => Kind::Group,
        _ => return Route::Unknown,
    };
    match rest {
        [_] => Route::Collection(kind),
        [_, id] => Route::Item(kind, (*id).to_owned()),
        _ => Route::Unknown,
    }
}

/// Every request lands here (see `server::build`).
pub(crate) async fn dispatch(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if state.drops.dead() {
        return super::throttle::dropped();
    }
    let mut response = respond(&state, &method, &uri, &headers, body).await;
    if method == Method::POST
        && response.status() == StatusCode::CREATED
        && state.drops.drops_created(&state.faults)
    {
        return super::throttle::dropped();
    }
    if state.faults.has(Fault::SlowMemberGrowth) && method == Method::PATCH {
        if let Some(members) = group_size(&state, uri.path()) {
            delay(&state, MEMBER_REWRITE * members).await;
        }
    }
    if !state.response_delay.is_zero() {
        delay(&state, state.response_delay).await;
    }
    if state.faults.has(Fault::ContentTypeJson) {
        let is_scim = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(scim::MEDIA_TYPE.as_bytes()));
        if is_scim {
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
    }
    response
}

async fn respond(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // The token endpoint is a service of its own: the SCIM faults do not apply to it.
    if let Some(issuer) = state
        .oauth
        .as_ref()
        .filter(|_| uri.path() == super::oauth::TOKEN_PATH)
    {
        return match &body {
            Ok(body) => issuer.token(method, headers, body),
            Err(_) => ScimError::new(StatusCode::BAD_REQUEST, "unreadable body").into_response(),
        };
    }
    if state.faults.has(Fault::Hang) {
        hang(state).await;
    }
    if state.faults.has(Fault::HtmlLoginPage) {
        return login_page();
    }
    // A gateway throttles before the app checks the token.
    if let Some(too_many) = state.throttle.check(&state.faults) {
        return too_many;
    }
    if let Err(err) = authorize(state, headers) {
        return err.into_response();
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return ScimError::new(rejection.status(), rejection.body_text()).into_response()
        }
    };
    if state.faults.has(Fault::HugeBody) && method == Method::GET {
        return huge_body();
    }
    let base = base_url(headers);
    let query = uri.query();
    let result = match (route(uri.path()), method.as_str()) {
        (Route::Collection(kind), "GET") => handlers::list(state, kind, query, &base),
        (Route::Collection(kind), "POST") => handlers::create(state, kind, &body, &base),
        (Route::Collection(_), _) => Err(not_allowed("GET, POST")),
        (Route::Item(kind, id), "GET") => handlers::get(state, kind, &id, query, &base),
        (Route::Item(kind, id), "PATCH") => handlers::patch(state, kind, &id, &body, &base),
        (Route::Item(kind, id), "DELETE") => handlers::delete(state, kind, &id),
        (Route::Item(..), _) => Err(not_allowed("GET, PATCH, DELETE")),
        (Route::Schemas, "GET") => Ok(super::error::scim_json(
            StatusCode::OK,
            &super::schemas::list(&state.faults),
        )),
        (Route::Schemas, _) => Err(not_allowed("GET")),
        (Route::Unknown, _) => Err(ScimError::not_found(format!(
            "no resource at `{}`",
            uri.path()
        ))),
    };
    result.unwrap_or_else(|err| err.into_response())
}

/// 405; PUT is not implemented because Entra never sends it (client-behaviour §1.1).
fn not_allowed(allow: &'static str) -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method not supported here; allowed: {allow}"),
    )
}

/// Client-behaviour §1.3: `Authorization: Bearer <token>`. The token is never echoed.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ScimError> {
    if state.faults.has(Fault::NoTokenCheck) {
        return Ok(());
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .and_then(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()));
    match presented {
        Some(token) if !token.is_empty() && token == state.token.expose() => Ok(()),
        Some(token) if state.oauth.as_ref().is_some_and(|o| o.accepts(token)) => Ok(()),
        Some(_) => Err(ScimError::new(
            StatusCode::UNAUTHORIZED,
            "invalid bearer token",
        )),
        None => Err(ScimError::new(
            StatusCode::UNAUTHORIZED,
            "missing bearer token",
        )),
    }
}

/// The base URL for `meta.location`, from the `Host` header when it looks like a host.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}{BASE_PATH}")
}

/// `slow-member-growth`: what rewriting one member costs a server that rewrites the whole
/// list on each PATCH; 100 members make a PATCH 10 ms slower.
const MEMBER_REWRITE: Duration = Duration::from_micros(100);

/// The member count of the group at `path`, if it names one; the store lock is released
/// before anyone waits.
fn group_size(state: &AppState, path: &str) -> Option<u32> {
    let Route::Item(Kind::Group, id) = route(path) else {
        return None;
    };
    let store = state.store();
    let group = store.get(Kind::Group, &id)?;
    let members = match group.attrs().get("members") {
        Some(serde_json::Value::Array(members)) => members.len(),
        _ => 0,
    };
    Some(u32::try_from(members).unwrap_or(u32::MAX))
}

/// `hang`: wait 300 s (or until the server shuts down) so the client's timeout fires.
async fn hang(state: &AppState) {
    delay(state, Duration::from_secs(300)).await;
}

/// Waits `how_long`, or until the server shuts down. No store lock is held here.
async fn delay(state: &AppState, how_long: Duration) {
    let mut stop = state.shutdown.subscribe();
    tokio::select! {
        () = tokio::time::sleep(how_long) => {}
        _ = stop.wait_for(|stop| *stop) => {}
    }
}

/// `html-login-page`: what a reverse proxy or SSO wall in front of the app answers.
fn login_page() -> Response {
    let html = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><h1>Sign in\
                </h1><form method=\"post\" action=\"/login\"><input name=\"username\">\
                <input name=\"password\" type=\"password\"><button>Sign in</button></form>\
                </body></html>\n";
    let mut response = (StatusCode::OK, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// `huge-body`: a 12 MiB JSON object, streamed from one static chunk.
fn huge_body() -> Response {
    static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    let chunks = std::iter::once(Bytes::from_static(b"{\"detail\":\""))
        .chain(std::iter::repeat_n(Bytes::from_static(&CHUNK), 192))
        .chain(std::iter::once(Bytes::from_static(b"\"}")))
        .map(Ok::<_, Infallible>);
    let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(scim::MEDIA_TYPE),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_tolerates_doubled_and_trailing_slashes() {
        assert_eq!(route("/scim/v2/Users"), Route::Collection(Kind::User));
        assert_eq!(route("/scim/v2//Users"), Route::Collection(Kind::User));
        assert_eq!(
            route("/scim/v2/Groups/abc/"),
            Route::Item(Kind::Group, "abc".into())
        );
        assert_eq!(route("/scim/v2/Schemas"), Route::Schemas);
        assert_eq!(route("/scim/v2/Schemas/x"), Route::Unknown);
        assert_eq!(route("/Users"), Route::Unknown);
        assert_eq!(route("/scim/v2/Users/a/b"), Route::Unknown);
    }
}
