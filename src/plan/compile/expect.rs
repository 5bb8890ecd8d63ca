//! Expectations: what Entra itself expects of each request, and the file's `expect:` applied
//! on top, field by field.

use serde_saphyr::Spanned;

use crate::attributes::ResourceKind;
use crate::plan::{EntraAction, Expectation, JsonTemplate, ListExpectation};
use crate::scenario::model::{Expect, StatusCodes};

use super::scope::Scope;
use super::FileCx;

/// The `expect:` of a step, checked; each field given replaces the action's default.
#[derive(Default)]
pub(super) struct Overrides {
    pub(super) status: Option<Vec<u16>>,
    list: Option<ListExpectation>,
    resource: Option<ResourceKind>,
    body: Option<JsonTemplate>,
}

impl FileCx<'_> {
    pub(super) fn overrides(
        &mut self,
        expect: Option<&Spanned<Expect>>,
        scope: &Scope<'_>,
    ) -> Overrides {
        let Some(expect) = expect else {
            return Overrides::default();
        };
        let e = &expect.value;
        let status = e.status.as_ref().map(|status| match &status.value {
            StatusCodes::One(code) => vec![self.status(*code, status)],
            StatusCodes::Many(codes) => {
                if codes.is_empty() {
                    let at = self.at(status);
                    let note = "give one or more, e.g. `[200, 204]`".to_owned();
                    self.report(at, "no status codes".to_owned(), Some(note));
                }
                codes.iter().map(|c| self.status(c.value, c)).collect()
            }
        });
        Overrides {
            status,
            list: e.list.as_ref().map(|l| ListExpectation {
                total_results: l.value.total_results.as_ref().map(|t| t.value),
            }),
            resource: e.resource.as_ref().map(|r| r.value),
            body: e.body.as_ref().map(|b| self.json(b, scope)),
        }
    }

    fn status<T>(&mut self, code: i64, at: &Spanned<T>) -> u16 {
        match u16::try_from(code) {
            Ok(code) if (100..=599).contains(&code) => code,
            _ => {
                let at = self.at(at);
                let note = "HTTP status codes are 100 to 599".to_owned();
                self.report(
                    at,
                    format!("status code `{code}` is out of range"),
                    Some(note),
                );
                0
            }
        }
    }
}

/// What Entra itself expects of each request (client-behaviour §6.1), and whether the write
/// is followed by the read Entra would do.
pub(super) fn defaults(action: &EntraAction) -> (Expectation, bool) {
    use EntraAction as A;
    let status = |codes: &[u16]| Some(codes.to_vec());
    let (status, list, resource, read_back) = match action {
        // §2.2: 200 with an empty ListResponse.
        A::TestConnection => (
            status(&[200]),
            Some(ListExpectation {
                total_results: Some(0),
            }),
            None,
            false,
        ),
        A::LookupUser { .. } | A::LookupGroup { .. } => (
            status(&[200]),
            Some(ListExpectation::default()),
            None,
            false,
        ),
        // Q14: the group is there, and `displayName` is not case-exact: exactly one result.
        A::LookupGroupOtherCase { .. } => (
            status(&[200]),
            Some(ListExpectation {
                total_results: Some(1),
            }),
            None,
            false,
        ),
        A::GetUser { .. } => (status(&[200]), None, Some(ResourceKind::User), false),
        A::GetGroup { .. } => (status(&[200]), None, Some(ResourceKind::Group), false),
        // §3.3, §4.1: 201 with the full resource.
        A::CreateUser { .. } => (status(&[201]), None, Some(ResourceKind::User), true),
        A::CreateGroup { .. } | A::CreateGroupAdscim { .. } => {
            (status(&[201]), None, Some(ResourceKind::Group), true)
        }
        // §3.4: the next cycle reads the linked user; nothing may differ.
        A::SyncUser { .. } => (status(&[200]), None, Some(ResourceKind::User), false),
        // §3.5, §3.7, §4.3, §4.4: 200 with the resource, or 204.
        A::UpdateUser { .. }
        | A::DisableUser { .. }
        | A::EnableUser { .. }
        | A::AddMembers { .. }
        | A::RemoveMembers { .. }
        | A::UpdateGroup { .. }
        | A::SetManager { .. }
        | A::RemoveManager { .. }
        | A::ClearManager { .. }
        | A::AddAppRole { .. }
        | A::AddNewMembers { .. } => (status(&[200, 204]), None, None, true),
        // §3.8, §4.5: 204 (200 tolerated).
        A::DeleteUser { .. } | A::DeleteGroup { .. } => (status(&[200, 204]), None, None, false),
        A::LookupUserByEachFilter { user } => match *user {},
    };
    let expect = Expectation {
        status,
        list,
        resource,
        body: None,
    };
    (expect, read_back)
}

/// Whether any of the codes is a 2xx.
pub(super) fn expects_success(codes: &[u16]) -> bool {
    codes.iter().any(|c| (200..300).contains(c))
}

/// The action's defaults with the file's `expect` applied, field by field.
pub(super) fn merge(
    mut expect: Expectation,
    overrides: &Overrides,
    lookup: Option<ResourceKind>,
) -> Expectation {
    if let Some(status) = &overrides.status {
        expect.status = Some(status.clone());
        // The default list and resource checks describe a success body; a step expecting an
        // error (`get-user` after a delete: 404) keeps only what the file asks for.
        if !expects_success(status) {
            expect.list = None;
            expect.resource = None;
        }
    }
    if let Some(list) = &overrides.list {
        expect.list = Some(list.clone());
        // A lookup expected to find something: each found resource is checked too.
        if list.total_results.is_some_and(|n| n >= 1) {
            expect.resource = lookup.or(expect.resource);
        }
    }
    if let Some(resource) = overrides.resource {
        expect.resource = Some(resource);
    }
    if let Some(body) = &overrides.body {
        expect.body = Some(body.clone());
    }
    expect
}
