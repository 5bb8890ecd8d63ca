//! The in-memory resources: attributes as sent (minus `meta`), plus id and meta data.
//!
//! Each kind is a table in creation order with an index by id and one by each attribute Entra
//! looks resources up by, so that a lookup, a uniqueness check and a GET by id cost the same
//! for ten resources as for ten thousand (issue 9: the server must sustain `scimcheck load`).
//! Group members carry an index of their ids, so that a member PATCH is applied in place.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::attrs;
use super::filter::Filter;
use crate::scim;

/// The two resource types Entra provisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

impl Kind {
    /// The RFC 7643 `meta.resourceType` and the endpoint name.
    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }

    /// The attribute that must be unique, case-insensitively (RFC 7643 §4.1.1 `userName`;
    /// Entra matches groups on `displayName`, client-behaviour §4).
    pub(crate) fn unique_attr(self) -> &'static str {
        match self {
            Kind::User => "userName",
            Kind::Group => "displayName",
        }
    }
}

/// One stored resource.
#[derive(Clone, Debug)]
pub(crate) struct Resource {
    pub(crate) id: String,
    /// Everything but `id`, `schemas` and `meta`, in the order it was sent. Changed only
    /// through [`Store`], which keeps its indexes in step.
    attrs: Map<String, Value>,
    /// The `value` of every element of `members`: what a member PATCH or a user's delete
    /// looks up instead of scanning the list.
    member_ids: HashSet<String>,
    created: String,
    /// When it was stored, on the monotonic clock (for `stale-group-filter`).
    created_at: Instant,
    last_modified: String,
    version: u64,
}

/// `stale-group-filter`: how far the search index behind filters lags the store.
pub(crate) const INDEX_LAG: Duration = Duration::from_secs(30);

impl Resource {
    /// The stored attributes.
    pub(crate) fn attrs(&self) -> &Map<String, Value> {
        &self.attrs
    }

    /// Whether a lagging search index already holds this resource at `now`.
    pub(crate) fn indexed_at(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.created_at) >= INDEX_LAG
    }

    /// Whether `members` holds an element whose `value` is `id` (compared exactly, as
    /// RFC 7643 §4.2 makes `members.value` caseExact).
    pub(crate) fn has_member(&self, id: &str) -> bool {
        self.member_ids.contains(id)
    }

    /// Appends the members not yet in `members`, in order (the first of duplicates wins, as
    /// `values::normalise` keeps it); bumps the version when one was new.
    pub(crate) fn add_members(&mut self, new: Vec<Map<String, Value>>) {
        let mut added = Vec::new();
        for member in new {
            let Some(Value::String(id)) = attrs::get(&member, "value") else {
                continue;
            };
            if self.member_ids.insert(id.clone()) {
                added.push(Value::Object(member));
            }
        }
        if added.is_empty() {
            return;
        }
        match attrs::get_mut(&mut self.attrs, "members") {
            Some(Value::Array(members)) => members.extend(added),
            _ => attrs::set(&mut self.attrs, "members", Value::Array(added)),
        }
        self.touch();
    }

    /// Drops the members whose `value` is in `ids`; bumps the version when one was there.
    pub(crate) fn remove_members(&mut self, ids: &HashSet<String>) {
        if !ids.iter().any(|id| self.member_ids.contains(id)) {
            return;
        }
        if let Some(Value::Array(members)) = attrs::get_mut(&mut self.attrs, "members") {
            members.retain(|m| {
                let value = m.as_object().and_then(|o| attrs::get(o, "value"));
                !matches!(value, Some(Value::String(id)) if ids.contains(id))
            });
        }
        self.member_ids.retain(|id| !ids.contains(id));
        self.touch();
    }

    /// Stores changed attributes and bumps `meta.version` and `meta.lastModified`.
    fn update(&mut self, attrs: Map<String, Value>) {
        if attrs != self.attrs {
            self.member_ids = member_ids(&attrs);
            self.attrs = attrs;
            self.touch();
        }
    }

    fn touch(&mut self) {
        self.version += 1;
        self.last_modified = now_rfc3339();
    }

    /// The resource as returned on the wire; `base` is the service's base URL.
    pub(crate) fn render(&self, kind: Kind, base: &str) -> Map<String, Value> {
        let mut schemas = vec![json!(match kind {
            Kind::User => scim::USER_SCHEMA,
            Kind::Group => scim::GROUP_SCHEMA,
        })];
        // RFC 7643 §3: `schemas` lists every extension the resource carries.
        for (key, value) in &self.attrs {
            let is_urn = key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
            if is_urn && value.as_object().is_some_and(|o| !o.is_empty()) {
                schemas.push(json!(key));
            }
        }
        let mut out = Map::new();
        out.insert("schemas".into(), Value::Array(schemas));
        out.insert("id".into(), json!(self.id));
        for (key, value) in &self.attrs {
            out.insert(key.clone(), value.clone());
        }
        let location = format!("{base}/{}/{}", kind.endpoint(), self.id);
        out.insert(
            "meta".into(),
            json!({
                "resourceType": kind.resource_type(),
                "created": self.created,
                "lastModified": self.last_modified,
                "location": location,
                "version": format!("W/\"{}\"", self.version),
            }),
        );
        out
    }
}

/// The attributes Entra finds resources by (client-behaviour §2.2, §4): `userName` or
/// `externalId` for users, `displayName` or `externalId` for groups.
const LOOKUP_ATTRS: [&str; 3] = ["userName", "externalId", "displayName"];

/// One lookup attribute's index: which rows hold which value.
#[derive(Debug, Default)]
struct Lookup {
    /// Lower-cased string values (`to_lowercase`, as the filter compares) to their rows.
    strings: HashMap<String, BTreeSet<u64>>,
    /// Rows whose value is not a string (a number, an array, ...), which a filter can still
    /// match by its own rules.
    others: BTreeSet<u64>,
}

impl Lookup {
    fn add(&mut self, row: u64, attrs: &Map<String, Value>, name: &str) {
        match attrs::get(attrs, name) {
            None => {}
            Some(Value::String(s)) => {
                self.strings
                    .entry(s.to_lowercase())
                    .or_default()
                    .insert(row);
            }
            Some(_) => {
                self.others.insert(row);
            }
        }
    }

    fn remove(&mut self, row: u64, attrs: &Map<String, Value>, name: &str) {
        match attrs::get(attrs, name) {
            None => {}
            Some(Value::String(s)) => {
                let key = s.to_lowercase();
                if let Some(rows) = self.strings.get_mut(&key) {
                    rows.remove(&row);
                    if rows.is_empty() {
                        self.strings.remove(&key);
                    }
                }
            }
            Some(_) => {
                self.others.remove(&row);
            }
        }
    }

    /// The rows a string equal to `wanted` in any case could be in, in creation order.
    fn rows(&self, wanted: &str) -> BTreeSet<u64> {
        let mut rows = self.others.clone();
        if let Some(found) = self.strings.get(&wanted.to_lowercase()) {
            rows.extend(found);
        }
        rows
    }
}

/// One kind's resources, in creation order, with their indexes.
#[derive(Debug, Default)]
struct Table {
    next_row: u64,
    rows: BTreeMap<u64, Resource>,
    by_id: HashMap<String, u64>,
    lookups: [Lookup; LOOKUP_ATTRS.len()],
}

impl Table {
    fn index(&mut self, row: u64, attrs: &Map<String, Value>) {
        for (lookup, name) in self.lookups.iter_mut().zip(LOOKUP_ATTRS) {
            lookup.add(row, attrs, name);
        }
    }

    fn unindex(&mut self, row: u64, attrs: &Map<String, Value>) {
        for (lookup, name) in self.lookups.iter_mut().zip(LOOKUP_ATTRS) {
            lookup.remove(row, attrs, name);
        }
    }

    fn lookup(&self, name: &str) -> Option<&Lookup> {
        let at = LOOKUP_ATTRS
            .iter()
            .position(|a| a.eq_ignore_ascii_case(name))?;
        self.lookups.get(at)
    }

    fn get(&self, id: &str) -> Option<&Resource> {
        self.rows.get(self.by_id.get(id)?)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.rows.get_mut(self.by_id.get(id)?)
    }
}

/// All users and groups.
#[derive(Debug, Default)]
pub(crate) struct Store {
    users: Table,
    groups: Table,
}

impl Store {
    fn of(&self, kind: Kind) -> &Table {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    fn of_mut(&mut self, kind: Kind) -> &mut Table {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
        }
    }

    /// Every resource of a kind, in creation order.
    pub(crate) fn list(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.of(kind).rows.values()
    }

    /// The resources a filter can match, in creation order: when a clause compares a lookup
    /// attribute with a string, only the resources whose value equals it in some case (a
    /// superset the filter itself then narrows, whatever its case rules); otherwise `None`,
    /// and every resource is a candidate.
    pub(crate) fn candidates(&self, kind: Kind, filter: &Filter) -> Option<Vec<&Resource>> {
        let table = self.of(kind);
        let rows = filter.clauses.iter().find_map(|clause| {
            let path = &clause.path;
            let plain = path.urn.is_none() && path.filter.is_none() && path.sub_attr.is_none();
            match &clause.value {
                Value::String(wanted) if plain => Some(table.lookup(&path.attr)?.rows(wanted)),
                _ => None,
            }
        })?;
        Some(rows.iter().filter_map(|row| table.rows.get(row)).collect())
    }

    pub(crate) fn get(&self, kind: Kind, id: &str) -> Option<&Resource> {
        self.of(kind).get(id)
    }

    /// A resource whose members may change in place; its other attributes change only
    /// through [`Store::update`].
    pub(crate) fn get_mut(&mut self, kind: Kind, id: &str) -> Option<&mut Resource> {
        self.of_mut(kind).get_mut(id)
    }

    /// Stores a new resource under a fresh uuid v4 id.
    pub(crate) fn insert(&mut self, kind: Kind, attrs: Map<String, Value>) -> &Resource {
        let now = now_rfc3339();
        let table = self.of_mut(kind);
        let row = table.next_row;
        table.next_row += 1;
        table.index(row, &attrs);
        let id = uuid::Uuid::new_v4().to_string();
        table.by_id.insert(id.clone(), row);
        table.rows.entry(row).or_insert(Resource {
            id,
            member_ids: member_ids(&attrs),
            attrs,
            created: now.clone(),
            created_at: Instant::now(),
            last_modified: now,
            version: 1,
        })
    }

    /// Replaces a resource's attributes (a no-op when they are the same), keeping the lookup
    /// indexes in step.
    pub(crate) fn update(
        &mut self,
        kind: Kind,
        id: &str,
        attrs: Map<String, Value>,
    ) -> Option<&Resource> {
        let table = self.of_mut(kind);
        let row = *table.by_id.get(id)?;
        let old = lookup_attrs(&table.rows.get(&row)?.attrs);
        table.unindex(row, &old);
        table.index(row, &attrs);
        let resource = table.rows.get_mut(&row)?;
        resource.update(attrs);
        Some(resource)
    }

    pub(crate) fn remove(&mut self, kind: Kind, id: &str) -> Option<Resource> {
        let table = self.of_mut(kind);
        let row = table.by_id.remove(id)?;
        let resource = table.rows.remove(&row)?;
        table.unindex(row, &resource.attrs);
        Some(resource)
    }

    /// Whether another resource already holds this unique value (case-insensitively).
    pub(crate) fn taken(
        &self,
        kind: Kind,
        attrs: &Map<String, Value>,
        except: Option<&str>,
    ) -> bool {
        let name = kind.unique_attr();
        let Some(Value::String(wanted)) = attrs::get(attrs, name) else {
            return false;
        };
        let table = self.of(kind);
        let Some(rows) = table
            .lookup(name)
            .and_then(|l| l.strings.get(&wanted.to_lowercase()))
        else {
            return false;
        };
        rows.iter()
            .filter_map(|row| table.rows.get(row))
            .any(|r| Some(r.id.as_str()) != except)
    }

    /// Drops a deleted user from every group's `members`.
    pub(crate) fn remove_member_everywhere(&mut self, user_id: &str) {
        let gone = HashSet::from([user_id.to_owned()]);
        for group in self.groups.rows.values_mut() {
            group.remove_members(&gone);
        }
    }
}

/// The values of `members`, as the member index holds them.
fn member_ids(attrs: &Map<String, Value>) -> HashSet<String> {
    let Some(Value::Array(members)) = attrs::get(attrs, "members") else {
        return HashSet::new();
    };
    members
        .iter()
        .filter_map(
            |m| match m.as_object().and_then(|o| attrs::get(o, "value")) {
                Some(Value::String(id)) => Some(id.clone()),
                _ => None,
            },
        )
        .collect()
}

/// Only the lookup attributes of a resource: what unindexing needs, without copying members.
fn lookup_attrs(attrs: &Map<String, Value>) -> Map<String, Value> {
    LOOKUP_ATTRS
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), attrs::get(attrs, name)?.clone())))
        .collect()
}

/// Now as an RFC 3339 UTC timestamp with milliseconds, e.g. `2026-01-02T03:04:05.678Z`.
pub(crate) fn now_rfc3339() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_rfc3339(since.as_millis())
}

fn format_rfc3339(millis: u128) -> String {
    let secs = millis / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(951_827_696_789), "2000-02-29T12:34:56.789Z");
        assert_eq!(
            format_rfc3339(1_767_225_600_000),
            "2026-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn render_lists_enterprise_schema_only_when_present_and_bumps_version() {
        let mut store = Store::default();
        let attrs = json!({"userName": "a"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let id = store.insert(Kind::User, attrs).id.clone();
        let res = store
            .get(Kind::User, &id)
            .unwrap()
            .render(Kind::User, "http://h/scim/v2");
        assert_eq!(res["schemas"], json!([scim::USER_SCHEMA]));
        assert_eq!(
            res["meta"]["location"],
            json!(format!("http://h/scim/v2/Users/{id}"))
        );
        assert_eq!(res["meta"]["version"], "W/\"1\"");

        let ent = json!({"userName": "a", scim::ENTERPRISE_USER_SCHEMA: {"department": "R"}});
        let resource = store
            .update(
                Kind::User,
                &id,
                ent.as_object().cloned().unwrap_or_default(),
            )
            .unwrap();
        let res = resource.render(Kind::User, "");
        assert_eq!(
            res["schemas"],
            json!([scim::USER_SCHEMA, scim::ENTERPRISE_USER_SCHEMA])
        );
        assert_eq!(res["meta"]["version"], "W/\"2\"");
    }

    #[test]
    fn lagging_index_holds_a_resource_only_after_the_lag() {
        let mut store = Store::default();
        let attrs = json!({"displayName": "Sales"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let group = store.insert(Kind::Group, attrs);
        assert!(!group.indexed_at(group.created_at));
        assert!(!group.indexed_at(group.created_at + INDEX_LAG - Duration::from_millis(1)));
        assert!(group.indexed_at(group.created_at + INDEX_LAG));
    }

    #[test]
    fn taken_compares_case_insensitively_and_skips_self() {
        let mut store = Store::default();
        let attrs = json!({"userName": "Alice"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let id = store.insert(Kind::User, attrs.clone()).id.clone();
        let other = json!({"userName": "ALICE"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(store.taken(Kind::User, &other, None));
        assert!(!store.taken(Kind::User, &attrs, Some(&id)));
    }

    fn obj(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn ids_found(store: &Store, kind: Kind, filter: &str) -> Vec<String> {
        let filter = crate::refserver::filter::parse_filter(filter).unwrap();
        let found = store.candidates(kind, &filter).expect("an indexed lookup");
        found.into_iter().map(|r| r.id.clone()).collect()
    }

    #[test]
    fn lookup_index_follows_renames_and_deletes_in_any_case() {
        let mut store = Store::default();
        let a = store
            .insert(Kind::User, obj(json!({"userName": "Alice"})))
            .id
            .clone();
        let b = store
            .insert(
                Kind::User,
                obj(json!({"userName": "bob", "externalId": "E1"})),
            )
            .id
            .clone();
        assert_eq!(
            ids_found(&store, Kind::User, r#"userName eq "ALICE""#),
            [a.as_str()]
        );
        assert_eq!(
            ids_found(&store, Kind::User, r#"externalId eq "e1""#),
            [b.as_str()]
        );
        store.update(Kind::User, &a, obj(json!({"userName": "Alicia"})));
        assert!(ids_found(&store, Kind::User, r#"userName eq "alice""#).is_empty());
        assert_eq!(
            ids_found(&store, Kind::User, r#"userName eq "alicia""#),
            [a.as_str()]
        );
        assert!(store.taken(Kind::User, &obj(json!({"userName": "ALICIA"})), None));
        assert!(!store.taken(Kind::User, &obj(json!({"userName": "alice"})), None));
        store.remove(Kind::User, &b);
        assert!(ids_found(&store, Kind::User, r#"externalId eq "E1""#).is_empty());
        assert!(store.get(Kind::User, &b).is_none());
    }

    #[test]
    fn lookup_keeps_non_string_values_and_creation_order_as_candidates() {
        let mut store = Store::default();
        let first = store
            .insert(Kind::User, obj(json!({"userName": "x", "externalId": "7"})))
            .id
            .clone();
        let second = store
            .insert(Kind::User, obj(json!({"userName": "y", "externalId": 7})))
            .id
            .clone();
        // A number can equal a string literal (`filter::values_equal`), so it stays a candidate.
        assert_eq!(
            ids_found(&store, Kind::User, r#"externalId eq "7""#),
            [first, second]
        );
        let unindexed = crate::refserver::filter::parse_filter(r#"title eq "x""#).unwrap();
        assert!(store.candidates(Kind::User, &unindexed).is_none());
    }

    #[test]
    fn deleting_a_user_bumps_only_the_groups_it_was_in() {
        let mut store = Store::default();
        let with = json!({"displayName": "G1", "members": [{"value": "u1"}, {"value": "u2"}]});
        let g1 = store.insert(Kind::Group, obj(with)).id.clone();
        let g2 = store
            .insert(
                Kind::Group,
                obj(json!({"displayName": "G2", "members": []})),
            )
            .id
            .clone();
        store.remove_member_everywhere("u1");
        let version = |id: &str| {
            store.get(Kind::Group, id).unwrap().render(Kind::Group, "")["meta"]["version"].clone()
        };
        assert_eq!(version(&g1), "W/\"2\"");
        assert_eq!(version(&g2), "W/\"1\"");
        let group = store.get(Kind::Group, &g1).unwrap();
        assert_eq!(group.attrs()["members"], json!([{"value": "u2"}]));
        assert!(!group.has_member("u1") && group.has_member("u2"));
    }
}
