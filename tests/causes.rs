//! Causes named in the server's own words (issue 7, "hints that name the cause"), against the
//! reference server with each fault on: the defect is reported once, at the step that shows
//! it; every other step of the suite is still judged (a refused create falls back); the first
//! hint names the cause and quotes the server.

mod common;

use common::{failing, messages, run_builtin, run_entra_default_tables};
use scimcheck::hints::{diagnose, Hint};
use scimcheck::profile::Profile;
use scimcheck::refserver::Fault;
use scimcheck::run::{FallbackChange, RunSummary, StepStatus};

/// Asserts the steps that did not pass are exactly `expected`, and returns the first hint
/// after asserting its id and that its evidence quotes `words` (the server's own).
fn assert_cause(summary: &RunSummary, expected: &[&str], id: &str, words: &[&str]) -> Hint {
    assert_eq!(failing(summary), expected, "{}", messages(summary));
    let hints = diagnose(summary);
    let first = hints.first().cloned().unwrap_or_else(|| panic!("no hint"));
    assert_eq!(first.id, id, "{hints:#?}");
    for word in words {
        assert!(
            first.evidence.contains(word),
            "`{word}` not quoted: {first:#?}"
        );
    }
    first
}

/// How many steps were judged on a fallback object.
fn on_fallback(summary: &RunSummary) -> usize {
    summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .filter(|s| !s.fallbacks.is_empty())
        .count()
}

#[tokio::test]
async fn a_refused_enterprise_extension_is_reported_once_and_the_rest_runs_on_a_fallback() {
    let summary = run_builtin(&[Fault::RejectEnterpriseExtension]).await;
    let hint = assert_cause(
        &summary,
        &["user-lifecycle / create a bystander, so a server that ignores the filter is caught: STATUS"],
        "hint:extension-refused",
        &["POST /scim/v2/Users → 400", "Extra inputs are not permitted"],
    );
    assert!(hint
        .cause
        .contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
    assert!(hint.fix.contains("keeps failing"), "{}", hint.fix);
    // Target: at most 2 % of the steps not run; here none, and the fallback is said.
    assert_eq!(summary.counts().not_run, 0);
    assert!(on_fallback(&summary) > 10, "{}", on_fallback(&summary));
    let first = &summary.scenarios[1].steps;
    let refused = first
        .iter()
        .find(|s| s.status == StepStatus::Failed)
        .expect("the refused create");
    assert_eq!(
        refused.fallbacks[0].changes,
        [FallbackChange::DroppedExtension(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into()
        )]
    );
    assert!(refused.exchanges.len() >= 2, "the fallback try is recorded");
}

#[tokio::test]
async fn a_required_attribute_the_mapping_does_not_send_is_named_with_both_fixes() {
    let summary = run_builtin(&[Fault::RequireUnmappedAttribute]).await;
    let hint = assert_cause(
        &summary,
        &["user-lifecycle / create a bystander, so a server that ignores the filter is caught: STATUS"],
        "hint:required-attribute",
        &["Field 'formatted' is required"],
    );
    assert!(hint.cause.contains("`name.formatted`"), "{}", hint.cause);
    assert!(
        hint.fix.contains("map `name.formatted` in Entra"),
        "{}",
        hint.fix
    );
    assert!(hint.fix.contains("make it optional"), "{}", hint.fix);
    assert_eq!(summary.counts().not_run, 0);
    // Not "users created twice": the lookups after the refused create are judged on the
    // fallback user, so no list-count hint appears.
    assert!(diagnose(&summary).iter().all(|h| h.id != "hint:list-count"));
}

#[tokio::test]
async fn an_immutable_user_name_is_named_at_the_rename() {
    let summary = run_builtin(&[Fault::ImmutableUsername]).await;
    assert_cause(
        &summary,
        &[
            "user-sync / userName renamed: STATUS",
            // The lookup by the new name lost its premise: not run, not a failure of its own.
            "user-sync / the renamed user is found by the new userName: not run after SYNC-RENAME/STATUS",
        ],
        "hint:immutable-username",
        &["PATCH", "400", "Attribute 'userName' is immutable"],
    );
}

#[tokio::test]
async fn an_immutable_group_name_is_named_in_springs_words() {
    let summary = run_builtin(&[Fault::ImmutableGroupDisplayname]).await;
    assert_cause(
        &summary,
        &[
            "group-lifecycle / update-group team: STATUS",
            "group-lifecycle / the renamed team is found by its new name: not run after GROUP-RENAME/STATUS",
        ],
        "hint:immutable-group-name",
        &["displayName is immutable"],
    );
}

#[tokio::test]
async fn a_refused_bare_string_manager_is_the_manager_form() {
    let summary =
        run_entra_default_tables(&[Fault::RejectBareStringManager], Profile::EntraDefault).await;
    let hint = assert_cause(
        &summary,
        &[
            "user-manager / the manager is set by its own PATCH, as a bare string id: STATUS",
            "user-manager / the manager is changed: STATUS",
            "user-manager / the manager is set again: STATUS",
        ],
        "hint:manager-string-refused",
        &["could not be converted to Manager"],
    );
    assert_eq!(hint.steps.len(), 3);
}

#[tokio::test]
async fn an_unsupported_filtered_path_names_the_path() {
    let summary = run_builtin(&[Fault::RejectFilteredPath]).await;
    let hint = assert_cause(
        &summary,
        &[
            "user-lifecycle / update-user alice: STATUS",
            "user-sync / a work e-mail set through a filtered path whose element does not exist yet: STATUS",
            "user-patch-forms / a work e-mail added through a filtered path whose element does not exist yet: STATUS",
        ],
        "hint:unsupported-path",
        &["Unsupported path: emails[type eq \"work\"].value"],
    );
    assert!(
        hint.cause.contains("`emails[type eq \"work\"].value`"),
        "{}",
        hint.cause
    );
}
