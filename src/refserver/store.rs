//! The in-memory resources: attributes as sent (minus `meta`), plus id and meta data.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::attrs;
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
    /// Everything but `id`, `schemas` and `meta`, in the order it was sent.
    pub(crate) attrs: Map<String, Value>,
    created: String,
    /// When it was stored, on the monotonic clock (for `stale-group-filter`).
    created_at: Instant,
    last_modified: String,
    version: u64,
}

/// `stale-group-filter`: how far the search index behind filters lags the store.
pub(crate) const INDEX_LAG: Duration = Duration::from_secs(30);

impl Resource {
    /// Whether a lagging search index already holds this resource at `now`.
    pub(crate) fn indexed_at(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.created_at) >= INDEX_LAG
    }

    /// Stores changed attributes and bumps `meta.version` and `meta.lastModified`.
    pub(crate) fn update(&mut self, attrs: Map<String, Value>) {
        if attrs != self.attrs {
            self.attrs = attrs;
            self.version += 1;
            self.last_modified = now_rfc3339();
        }
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

/// All users and groups, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Store {
    users: Vec<Resource>,
    groups: Vec<Resource>,
}

impl Store {
    fn of(&self, kind: Kind) -> &Vec<Resource> {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    fn of_mut(&mut self, kind: Kind) -> &mut Vec<Resource> {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
        }
    }

    pub(crate) fn list(&self, kind: Kind) -> &[Resource] {
        self.of(kind)
    }

    pub(crate) fn get(&self, kind: Kind, id: &str) -> Option<&Resource> {
        self.of(kind).iter().find(|r| r.id == id)
    }

    pub(crate) fn get_mut(&mut self, kind: Kind, id: &str) -> Option<&mut Resource> {
        self.of_mut(kind).iter_mut().find(|r| r.id == id)
    }

    /// Stores a new resource under a fresh uuid v4 id.
    pub(crate) fn insert(&mut self, kind: Kind, attrs: Map<String, Value>) -> &Resource {
        let now = now_rfc3339();
        let list = self.of_mut(kind);
        list.push(Resource {
            id: uuid::Uuid::new_v4().to_string(),
            attrs,
            created: now.clone(),
            created_at: Instant::now(),
            last_modified: now,
            version: 1,
        });
        &list[list.len() - 1]
    }

    pub(crate) fn remove(&mut self, kind: Kind, id: &str) -> Option<Resource> {
        let list = self.of_mut(kind);
        let index = list.iter().position(|r| r.id == id)?;
        Some(list.remove(index))
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
        let lower = wanted.to_lowercase();
        // A create scans every resource of its kind: ASCII names compare without allocating.
        let same = |v: &str| {
            if v.is_ascii() && wanted.is_ascii() {
                v.eq_ignore_ascii_case(wanted)
            } else {
                v.to_lowercase() == lower
            }
        };
        self.of(kind).iter().any(|r| {
            Some(r.id.as_str()) != except
                && matches!(attrs::get(&r.attrs, name), Some(Value::String(v)) if same(v))
        })
    }

    /// Drops a deleted user from every group's `members`.
    pub(crate) fn remove_member_everywhere(&mut self, user_id: &str) {
        for group in &mut self.groups {
            let mut attrs = group.attrs.clone();
            if let Some(Value::Array(members)) = attrs::get_mut(&mut attrs, "members") {
                members.retain(|m| {
                    m.as_object()
                        .and_then(|o| attrs::get(o, "value"))
                        .and_then(Value::as_str)
                        != Some(user_id)
                });
            }
            group.update(attrs);
        }
    }
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
        let resource = store.get_mut(Kind::User, &id).unwrap();
        resource.update(ent.as_object().cloned().unwrap_or_default());
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
}
