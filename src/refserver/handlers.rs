//! The SCIM operations on `/Users` and `/Groups` (RFC 7644 §3.3–§3.6), with the responses
//! Entra expects (client-behaviour §6.1).

use std::time::Instant;

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::attrs;
use super::error::{scim_json, ScimError, ScimType};
use super::faults::Fault;
use super::filter::{parse_filter, CaseRules, Filter};
use super::patch;
use super::project::{parse_list, Projection};
use super::refusals;
use super::server::AppState;
use super::store::{Kind, Resource};
use super::values;
use crate::scim;

/// The query parameters of a GET (RFC 7644 §3.4.2).
#[derive(Debug, Default)]
struct Query {
    filter: Option<Filter>,
    start_index: usize,
    count: Option<usize>,
    projection: Projection,
}

/// Client-behaviour §1.5: the query string is form-encoded (`+` for space, `%22`).
fn parse_query(state: &AppState, query: Option<&str>) -> Result<Query, ScimError> {
    let mut out = Query {
        start_index: 1,
        ..Query::default()
    };
    let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes());
    for (key, value) in pairs {
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        if is("filter") && !value.trim().is_empty() && !state.faults.has(Fault::IgnoreFilter) {
            let filter = parse_filter(&value).map_err(|e| {
                ScimError::bad_request(ScimType::InvalidFilter, format!("filter `{value}`: {e}"))
            })?;
            out.filter = Some(filter);
        } else if is("startIndex") && !state.faults.has(Fault::IgnoreStartIndex) {
            // RFC 7644 §3.4.2.4: values below 1 are read as 1.
            out.start_index = value.trim().parse::<usize>().map_or(1, |n| n.max(1));
        } else if is("count") {
            // A negative count is read as 0.
            out.count = value
                .trim()
                .parse::<i64>()
                .ok()
                .map(|n| usize::try_from(n).unwrap_or(0));
        } else if is("attributes") {
            out.projection.attributes = parse_list(&value);
        } else if is("excludedAttributes") {
            out.projection.excluded = parse_list(&value);
        }
    }
    if state.faults.has(Fault::MembersDespiteExcluded) {
        out.projection.keep_members();
    }
    Ok(out)
}

fn not_found(kind: Kind, id: &str) -> ScimError {
    ScimError::not_found(format!("{} `{id}` not found", kind.resource_type()))
}

fn json_body(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("request body is not valid JSON: {e}"),
        )
    })
}

/// GET on a collection: a ListResponse, 200 even when empty (client-behaviour §2.2, §6.1).
pub(crate) fn list(
    state: &AppState,
    kind: Kind,
    query: Option<&str>,
    base: &str,
) -> Result<Response, ScimError> {
    let query = parse_query(state, query)?;
    if kind == Kind::User && state.faults.has(Fault::UserFilterUserNameOnly) {
        refuse_other_than_user_name(query.filter.as_ref())?;
    }
    let rules = CaseRules {
        user_name_exact: state.faults.has(Fault::CaseSensitiveUsernameFilter),
        display_name_exact: kind == Kind::Group
            && state.faults.has(Fault::CaseSensitiveGroupFilter),
        booleans_exact: false,
    };
    // `stale-group-filter`: filters are answered from an index that lags the store; a plain
    // list and GET by id read the store.
    let lagging =
        kind == Kind::Group && query.filter.is_some() && state.faults.has(Fault::StaleGroupFilter);
    let now = Instant::now();
    // Entra's lookups (userName, externalId, displayName) read stored attributes only:
    // matching those before rendering keeps a lookup among many resources cheap, and the
    // shared store lock short.
    let (early, late) = match &query.filter {
        Some(f) if f.reads_server_attributes() => (None, Some(f)),
        filter => (filter.as_ref(), None),
    };
    let store = state.store();
    // An `eq` on a lookup attribute reads the store's index instead of every resource.
    let candidates: Box<dyn Iterator<Item = &Resource>> = match query
        .filter
        .as_ref()
        .and_then(|f| store.candidates(kind, f))
    {
        Some(found) => Box::new(found.into_iter()),
        None => Box::new(store.list(kind)),
    };
    let matched: Vec<_> = candidates
        .filter(|r| !lagging || r.indexed_at(now))
        .filter(|r| early.is_none_or(|f| f.matches(r.attrs(), rules)))
        .map(|r| r.render(kind, base))
        .filter(|r| late.is_none_or(|f| f.matches(r, rules)))
        .collect();
    if matched.is_empty() && query.filter.is_some() && state.faults.has(Fault::EmptyFilter404) {
        return Err(ScimError::not_found("no resource matches the filter"));
    }
    let total = matched.len();
    let page: Vec<Value> = matched
        .into_iter()
        .skip(query.start_index - 1)
        .take(query.count.unwrap_or(usize::MAX))
        .map(|r| Value::Object(query.projection.apply(r)))
        .collect();
    let resources_key = if state.faults.has(Fault::LowercaseResources) {
        "resources"
    } else {
        "Resources"
    };
    let items_per_page = page.len();
    let body = json!({
        "schemas": [scim::LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        resources_key: page,
        "startIndex": query.start_index,
        "itemsPerPage": items_per_page,
    });
    Ok(scim_json(StatusCode::OK, &body))
}

/// `user-filter-username-only`: a server that indexes users by `userName` alone, so an app
/// matched on `externalId` (client-behaviour §3.1) finds nobody.
fn refuse_other_than_user_name(filter: Option<&Filter>) -> Result<(), ScimError> {
    let other = filter
        .into_iter()
        .flat_map(|f| &f.clauses)
        .find(|c| c.path.urn.is_some() || !c.path.attr.eq_ignore_ascii_case("userName"));
    match other {
        Some(clause) => Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "filtering on `{}` is not supported; filter on userName",
                clause.path.attr
            ),
        )),
        None => Ok(()),
    }
}

/// GET by id: the full resource (inactive users too), honouring `excludedAttributes`.
pub(crate) fn get(
    state: &AppState,
    kind: Kind,
    id: &str,
    query: Option<&str>,
    base: &str,
) -> Result<Response, ScimError> {
    let query = parse_query(state, query)?;
    let store = state.store();
    let resource = store.get(kind, id).ok_or_else(|| not_found(kind, id))?;
    let body = Value::Object(query.projection.apply(resource.render(kind, base)));
    Ok(scim_json(StatusCode::OK, &body))
}

/// POST: 201 with the stored resource and a `Location` header (RFC 7644 §3.3).
pub(crate) fn create(
    state: &AppState,
    kind: Kind,
    body: &Bytes,
    base: &str,
) -> Result<Response, ScimError> {
    let Value::Object(mut attrs) = json_body(body)? else {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            "request body must be a JSON object",
        ));
    };
    if kind == Kind::Group && state.faults.has(Fault::RejectAdscimGroupSchema) {
        let adscim = attrs::get(&attrs, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u == scim::ADSCIM_GROUP_SCHEMA));
        if adscim {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!("unknown schema `{}`", scim::ADSCIM_GROUP_SCHEMA),
            ));
        }
    }
    refusals::create(kind, &attrs, &state.faults)?;
    values::normalise(kind, &mut attrs, &state.faults)?;
    require_unique_attr(kind, &attrs)?;
    let mut store = state.store_mut();
    if store.taken(kind, &attrs, None) {
        return Err(ScimError::conflict(format!(
            "a {} with this {} already exists",
            kind.resource_type(),
            kind.unique_attr()
        )));
    }
    let rendered = store.insert(kind, attrs).render(kind, base);
    let location = rendered
        .get("meta")
        .and_then(|m| m.get("location"))
        .and_then(Value::as_str)
        .and_then(|l| HeaderValue::from_str(l).ok());
    let mut response = scim_json(StatusCode::CREATED, &Value::Object(rendered));
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `userName` (RFC 7643 §4.1.1) and group `displayName` are required strings.
fn require_unique_attr(
    kind: Kind,
    attrs: &serde_json::Map<String, Value>,
) -> Result<(), ScimError> {
    match attrs::get(attrs, kind.unique_attr()) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(()),
        _ => Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!("`{}` is required and must be a string", kind.unique_attr()),
        )),
    }
}

/// PATCH: Users answer 200 with the resource, Groups 204 (client-behaviour §6.1).
pub(crate) fn patch(
    state: &AppState,
    kind: Kind,
    id: &str,
    body: &Bytes,
    base: &str,
) -> Result<Response, ScimError> {
    let ops = patch::parse_request(&json_body(body)?, &state.faults)?;
    let mut store = state.store_mut();
    let resource = store.get(kind, id).ok_or_else(|| not_found(kind, id))?;
    patch::refuse(kind, &ops, &state.faults)?;
    let stores = !state.faults.has(Fault::PatchStoresNothing);
    if let Some(change) = (kind == Kind::Group)
        .then(|| patch::member_change(&ops, &state.faults))
        .flatten()
    {
        let group = store.get_mut(kind, id).ok_or_else(|| not_found(kind, id))?;
        patch::apply_members(group, change?, stores)?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut attrs = resource.attrs().clone();
    patch::apply(&mut attrs, &ops, &state.faults)?;
    values::normalise(kind, &mut attrs, &state.faults)?;
    refusals::immutable(kind, id, resource.attrs(), &attrs, &state.faults)?;
    require_unique_attr(kind, &attrs)?;
    if store.taken(kind, &attrs, Some(id)) {
        return Err(ScimError::conflict(format!(
            "another {} has this {}",
            kind.resource_type(),
            kind.unique_attr()
        )));
    }
    if kind == Kind::User && state.faults.has(Fault::DisableDeletes) && disabled(&attrs) {
        store.remove(kind, id);
        store.remove_member_everywhere(id);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let resource = if stores {
        store.update(kind, id, attrs)
    } else {
        store.get(kind, id)
    }
    .ok_or_else(|| not_found(kind, id))?;
    match kind {
        Kind::User => Ok(scim_json(
            StatusCode::OK,
            &Value::Object(resource.render(kind, base)),
        )),
        Kind::Group => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// DELETE: 204; a deleted user leaves every group (client-behaviour §3.8, §4.5).
/// Whether `active` is false, as a boolean or as Entra's default string (client-behaviour §3.7).
fn disabled(attrs: &serde_json::Map<String, Value>) -> bool {
    match attrs::get(attrs, "active") {
        Some(Value::Bool(active)) => !active,
        Some(Value::String(active)) => active.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

pub(crate) fn delete(state: &AppState, kind: Kind, id: &str) -> Result<Response, ScimError> {
    let mut store = state.store_mut();
    if state.faults.has(Fault::DeleteOnlyDeactivates) {
        let resource = store.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        if kind == Kind::User {
            let mut attrs = resource.attrs().clone();
            attrs::set(&mut attrs, "active", Value::Bool(false));
            store.update(kind, id, attrs);
        }
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    store.remove(kind, id).ok_or_else(|| not_found(kind, id))?;
    if kind == Kind::User {
        store.remove_member_everywhere(id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
