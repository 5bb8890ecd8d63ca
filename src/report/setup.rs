//! One line for many exchanges: `100 × POST /Users, all 201`. A batch step creates its members
//! before the PATCH it tests; a person needs the PATCH, and only the gist of the rest.

use std::fmt::Write as _;

/// Exchanges with the same method on the same kind of resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    method: &'static str,
    /// `/Users`, `/Groups/…` (an id or deeper path), a query left out.
    resource: String,
    /// Each status with how many answered it, in order of first appearance; `None` is no
    /// answer at all.
    statuses: Vec<(Option<u16>, usize)>,
}

impl Group {
    fn count(&self) -> usize {
        self.statuses.iter().map(|(_, n)| n).sum()
    }

    /// `100 × POST /Users, all 201`, or `3 × GET /Users/…: 2 × 200, 1 × 404`.
    pub(crate) fn describe(&self) -> String {
        let status = |s: Option<u16>| s.map_or("no answer".to_owned(), |s| s.to_string());
        let mut text = format!("{} × {} {}", self.count(), self.method, self.resource);
        match self.statuses.as_slice() {
            [(only, 1)] => {
                let _ = write!(text, " → {}", status(*only));
            }
            [(only, _)] => {
                let _ = write!(text, ", all {}", status(*only));
            }
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|(s, n)| format!("{n} × {}", status(*s)))
                    .collect();
                let _ = write!(text, ": {}", parts.join(", "));
            }
        }
        text
    }
}

/// `(method, target, status)` triples grouped by method and resource, in order of first
/// appearance.
pub(crate) fn groups<'a>(
    exchanges: impl IntoIterator<Item = (&'static str, &'a str, Option<u16>)>,
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (method, target, status) in exchanges {
        let resource = resource(target);
        let index = match groups
            .iter()
            .position(|g| g.method == method && g.resource == resource)
        {
            Some(index) => index,
            None => {
                groups.push(Group {
                    method,
                    resource,
                    statuses: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let statuses = &mut groups[index].statuses;
        match statuses.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => statuses.push((status, 1)),
        }
    }
    groups
}

/// `/Users/42?x=1` → `/Users/…`; `/Users?filter=…` → `/Users`.
fn resource(target: &str) -> String {
    let path = target.split('?').next().unwrap_or(target);
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let first = segments.next().unwrap_or_default();
    match segments.next() {
        Some(rest) if !rest.is_empty() => format!("/{first}/…"),
        _ => format!("/{first}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(exchanges: Vec<(&'static str, &str, Option<u16>)>) -> Vec<String> {
        groups(exchanges).iter().map(Group::describe).collect()
    }

    #[test]
    fn a_hundred_creates_make_one_line() {
        let creates = vec![("POST", "/Users", Some(201)); 100];
        assert_eq!(describe(creates), ["100 × POST /Users, all 201"]);
    }

    #[test]
    fn differing_statuses_are_counted_apart() {
        let mut exchanges = vec![("POST", "/Users", Some(201)); 98];
        exchanges.push(("POST", "/Users", Some(409)));
        exchanges.push(("POST", "/Users", None));
        exchanges.push(("GET", "/Users/42?attributes=id", Some(200)));
        assert_eq!(
            describe(exchanges),
            [
                "100 × POST /Users: 98 × 201, 1 × 409, 1 × no answer",
                "1 × GET /Users/… → 200"
            ]
        );
    }
}
