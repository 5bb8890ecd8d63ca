//! The request shapes of issue 8: for each reference-server fault that refuses a form Entra
//! sends, the step that sends it fails under each Entra profile (in that profile's form),
//! nothing else fails, and the one hint names the cause.

mod common;

use common::{builtin_plan, failing, messages, run_plan};
use scimcheck::attributes::AttributeTables;
use scimcheck::hints::diagnose;
use scimcheck::profile::Profile;
use scimcheck::refserver::Fault;
use scimcheck::run::RunSummary;

/// The profiles that send Entra's forms: the default and the `aadOptscim062020` flag.
const ENTRA: [Profile; 2] = [Profile::EntraDefault, Profile::EntraFlag];

/// Runs the built-in suite with `fault` under `profile`; the failing steps are `expected`
/// and the only hint is `hint`, naming every failed step.
async fn assert_shape(fault: Fault, profile: Profile, expected: &[&str], hint: &str) -> RunSummary {
    let plan = builtin_plan(&AttributeTables::atmos());
    let summary = run_plan(&plan, &[fault], profile).await;
    assert_eq!(
        failing(&summary),
        expected,
        "{fault} under {profile}:\n{}",
        messages(&summary)
    );
    let hints = diagnose(&summary);
    let ids: Vec<&str> = hints.iter().map(|h| h.id).collect();
    assert_eq!(ids, [hint], "{fault} under {profile}: {hints:#?}");
    assert_eq!(hints[0].steps.len(), expected.len(), "{:?}", hints[0]);
    summary
}

/// The body of the request a failed step sent (its own request, not a read-back).
fn sent_body(summary: &RunSummary, step_id: &str) -> String {
    summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.id == step_id)
        .and_then(|s| s.exchanges.iter().find_map(|e| e.sent.body.clone()))
        .unwrap_or_else(|| panic!("{step_id} sent no body"))
}

#[tokio::test]
async fn a_new_group_the_filter_does_not_find_fails_the_lookups_after_its_create() {
    for profile in ENTRA {
        let summary = assert_shape(
            Fault::StaleGroupFilter,
            profile,
            &[
                "group-lifecycle / the new team is found by its displayName right after its create: LIST-COUNT",
                "group-lifecycle / the team is found with its displayName in another case: LIST-COUNT",
                "group-lifecycle / the renamed team is found by its new name: LIST-COUNT",
            ],
            "hint:group-search-lags",
        )
        .await;
        assert!(messages(&summary).contains("expected exactly one match, the server found none"));
    }
}

#[tokio::test]
async fn a_case_sensitive_group_filter_fails_the_lookup_in_another_case_only() {
    for profile in ENTRA {
        assert_shape(
            Fault::CaseSensitiveGroupFilter,
            profile,
            &["group-lifecycle / the team is found with its displayName in another case: LIST-COUNT"],
            "hint:case-sensitive-filter",
        )
        .await;
    }
}

#[tokio::test]
async fn refusing_several_members_in_one_removal_fails_both_removals_in_each_profiles_form() {
    for (profile, form) in [
        (
            Profile::EntraDefault,
            r#"{"op":"Remove","path":"members","value":[{"$ref":null,"value":"#,
        ),
        (
            Profile::EntraFlag,
            r#"{"op":"remove","path":"members[value eq \""#,
        ),
    ] {
        let summary = assert_shape(
            Fault::RejectMultiMemberRemoval,
            profile,
            &[
                "group-lifecycle / two members removed in one PATCH: STATUS",
                "group-lifecycle / two members removed as two Remove operations in one PATCH: STATUS",
            ],
            "hint:multi-member-removal",
        )
        .await;
        let body = sent_body(&summary, "GROUP-REMOVE-MEMBERS");
        assert!(body.contains(form), "{profile}: {body}");
        let many = sent_body(&summary, "GROUP-REMOVE-MANY-OPS");
        let removes =
            many.matches(r#""op":"Remove""#).count() + many.matches(r#""op":"remove""#).count();
        assert_eq!(removes, 2, "{profile}: {many}");
    }
}

#[tokio::test]
async fn refusing_add_with_a_path_fails_the_first_fill_the_mixed_patch_and_the_filtered_add() {
    for profile in ENTRA {
        let summary = assert_shape(
            Fault::RejectAddWithPath,
            profile,
            &[
                "user-patch-forms / an attribute's first fill is Add with its path: STATUS",
                "user-patch-forms / Replace and Add in one PATCH: STATUS",
                "user-patch-forms / a work e-mail added through a filtered path whose element does not exist yet: STATUS",
            ],
            "hint:add-with-path",
        )
        .await;
        let filtered = sent_body(&summary, "FORMS-FILTERED-ADD");
        assert!(
            filtered.contains(r#""path":"emails[type eq \"work\"].value""#)
                && filtered.to_ascii_lowercase().contains(r#""op":"add""#),
            "{profile}: {filtered}"
        );
    }
}

#[tokio::test]
async fn refusing_a_mixed_patch_fails_the_replace_and_add_step_only() {
    for profile in ENTRA {
        assert_shape(
            Fault::RejectMixedPatch,
            profile,
            &["user-patch-forms / Replace and Add in one PATCH: STATUS"],
            "hint:mixed-patch",
        )
        .await;
    }
}

#[tokio::test]
async fn requiring_emails_fails_the_create_of_a_user_without_any_email() {
    for profile in ENTRA {
        let summary = assert_shape(
            Fault::RequireEmails,
            profile,
            &["user-sync / a user without any e-mail is created: STATUS"],
            "hint:emails-required",
        )
        .await;
        assert!(!sent_body(&summary, "SYNC-CREATE").contains("emails"));
    }
}

#[tokio::test]
async fn refusing_the_disable_among_other_changes_fails_that_patch_only() {
    for (profile, active) in [
        (Profile::EntraDefault, r#""active","value":"False""#),
        (Profile::EntraFlag, r#""active":false"#),
    ] {
        let summary = assert_shape(
            Fault::RejectActiveWithOtherChanges,
            profile,
            &["user-patch-forms / the disable inside a PATCH that changes other attributes: STATUS"],
            "hint:active-with-other-changes",
        )
        .await;
        let body = sent_body(&summary, "FORMS-DISABLE-WITH-CHANGES");
        assert!(
            body.contains(active) && body.contains("displayName"),
            "{profile}: {body}"
        );
    }
}

#[tokio::test]
async fn the_legacy_membership_probe_is_sent_before_each_removal_and_fails_on_an_ignored_filter() {
    let plan = builtin_plan(&AttributeTables::atmos());
    let clean = run_plan(&plan, &[], Profile::EntraLegacy).await;
    assert_eq!(
        failing(&clean),
        Vec::<String>::new(),
        "{}",
        messages(&clean)
    );
    let removal = clean
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.id == "GROUP-REMOVE-MEMBERS")
        .expect("the removal step");
    // §4.3: one probe per member, then the PATCH; unquoted values, as customappsso sent them.
    let probes: Vec<&str> = removal
        .exchanges
        .iter()
        .map(|e| e.sent.url.as_str())
        .filter(|u| u.contains("+and+members+eq+"))
        .collect();
    assert_eq!(probes.len(), 2, "{probes:?}");
    assert!(probes
        .iter()
        .all(|u| u.contains("?filter=id+eq+") && u.ends_with("&attributes=id")));
    // Under the default profile no probe is sent.
    let default = run_plan(&plan, &[], Profile::EntraDefault).await;
    let urls = default
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.exchanges)
        .filter(|e| e.sent.url.contains("members+eq"))
        .count();
    assert_eq!(urls, 0);
    // A server that ignores the filter lists every group for the probe.
    let ignored = run_plan(&plan, &[Fault::IgnoreFilter], Profile::EntraLegacy).await;
    let failed = failing(&ignored);
    for step in [
        "group-lifecycle / two members removed in one PATCH: LIST-COUNT",
        "group-lifecycle / two members removed as two Remove operations in one PATCH: LIST-COUNT",
    ] {
        assert!(failed.contains(&step.to_owned()), "{failed:#?}");
    }
}

#[tokio::test]
async fn the_legacy_manager_goes_as_a_value_array_with_its_ref_and_reads_back_as_an_object() {
    let summary = common::run_entra_default_tables(&[], Profile::EntraLegacy).await;
    assert_eq!(
        failing(&summary),
        Vec::<String>::new(),
        "{}",
        messages(&summary)
    );
    let body = sent_body(&summary, "MANAGER-SET");
    assert!(
        body.contains(r#"{"op":"Add","path":"manager","value":[{"$ref":"http://127.0.0.1:"#)
            && body.contains("/scim/v2/Users/"),
        "{body}"
    );
}

/// The optional scenario that adds a member as a `Replace` of `members` (entra-2026 §5 #7).
fn replace_members_plan() -> scimcheck::plan::Plan {
    let name = "scenarios/optional/group-replace-members.yaml";
    let text = std::fs::read_to_string(name).expect("the optional scenario is in the repository");
    let file = scimcheck::scenario::SourceFile {
        name: name.into(),
        text,
    };
    scimcheck::plan::compile::compile(&[file], &AttributeTables::atmos())
        .unwrap_or_else(|e| panic!("{name} compiles:\n{e}"))
}

#[tokio::test]
async fn a_replace_of_members_carrying_only_the_new_member_shows_which_semantics_the_server_applies(
) {
    let plan = replace_members_plan();
    for profile in ENTRA {
        // RFC 7644 §3.5.2.3: the reference server replaces the whole list, and the first
        // member is lost; the hint says so and quotes the op.
        let summary = run_plan(&plan, &[], profile).await;
        assert_eq!(
            failing(&summary),
            ["group-replace-members / the second member, sent as a Replace of members carrying only it: MEMBERS"],
            "{profile}:\n{}",
            messages(&summary)
        );
        let sent = sent_body(&summary, "REPLACE-ADD-SECOND");
        assert!(
            sent.to_ascii_lowercase()
                .contains(r#""op":"replace","path":"members""#),
            "{sent}"
        );
        let hints = diagnose(&summary);
        let ids: Vec<&str> = hints.iter().map(|h| h.id).collect();
        assert_eq!(ids, ["hint:replace-members"], "{profile}: {hints:#?}");
        // A server that takes it as an add keeps both members: nothing fails.
        let summary = run_plan(&plan, &[Fault::ReplaceMembersAppends], profile).await;
        assert!(
            failing(&summary).is_empty(),
            "{profile}:\n{}",
            messages(&summary)
        );
    }
}
