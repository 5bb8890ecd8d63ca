//! Each Entra incompatibility fails the step that meets it under the profile that sends the
//! offending form, and passes under a profile that does not (client-behaviour §5.2).

mod common;

use common::{failing_ids, messages, run_entra_default_tables};
use scimcheck::profile::Profile::{self, EntraDefault, EntraFlag, EntraLegacy, Rfc};
use scimcheck::refserver::Fault;

async fn assert_profile(fault: Fault, profile: Profile, expected: &[&str]) {
    let summary = run_entra_default_tables(&[fault], profile).await;
    assert_eq!(
        failing_ids(&summary),
        expected,
        "{fault} under {profile}:\n{}",
        messages(&summary)
    );
    assert!(
        summary.cleanup.leftovers.is_empty(),
        "{fault} under {profile}: {:?}",
        summary.cleanup.leftovers
    );
}

#[tokio::test]
async fn every_profile_passes_the_clean_reference_server_with_entra_default_mappings() {
    for profile in Profile::ALL {
        let summary = run_entra_default_tables(&[], profile).await;
        assert_eq!(
            failing_ids(&summary),
            Vec::<String>::new(),
            "{profile}:\n{}",
            messages(&summary)
        );
        assert!(summary.cleanup.leftovers.is_empty());
    }
}

#[tokio::test]
async fn pascal_case_ops_fail_the_default_profile_and_pass_the_flag() {
    let patches = [
        "USER-UPDATE: STATUS",
        "USER-DISABLE: STATUS",
        "USER-ENABLE: STATUS",
        "SYNC-ADD-ABSENT-ELEMENT: STATUS",
        "SYNC-NAME-OBJECT: STATUS",
        "SYNC-NO-PATH-ADD: STATUS",
        "SYNC-RENAME: STATUS",
        "SYNC-RENAMED-LOOKUP: not run",
        "FORMS-ADD-WITH-PATH: STATUS",
        "FORMS-MIXED: STATUS",
        "FORMS-DISABLE-WITH-CHANGES: STATUS",
        "FORMS-ENABLE: STATUS",
        "FORMS-FILTERED-ADD: STATUS",
        "MANAGER-SET: STATUS",
        "MANAGER-CHANGE: STATUS",
        "MANAGER-REMOVE: STATUS",
        "MANAGER-SET-AGAIN: STATUS",
        "MANAGER-CLEAR: STATUS",
        "GROUP-ADD-MEMBERS: STATUS",
        "GROUP-ADD-MEMBER-WITHOUT-REF: STATUS",
        "GROUP-REMOVE-MEMBERS: STATUS",
        "GROUP-ADD-BACK: STATUS",
        "GROUP-REMOVE-MANY-OPS: STATUS",
        "GROUP-RENAME: STATUS",
        "GROUP-RENAMED-LOOKUP: not run",
        "BATCH-ADD-1: STATUS",
        "BATCH-ADD-2: STATUS",
        "BATCH-ADD-10: STATUS",
        "BATCH-ADD-100: STATUS",
        "BATCH-ADD-MANY-OPS: STATUS",
    ];
    assert_profile(Fault::RejectPascalCaseOps, EntraDefault, &patches).await;
    assert_profile(Fault::RejectPascalCaseOps, EntraFlag, &[]).await;
}

#[tokio::test]
async fn string_booleans_fail_the_default_profile_and_pass_the_flag() {
    let expected = [
        "USER-DISABLE: STATUS",
        "USER-ENABLE: STATUS",
        "FORMS-DISABLE-WITH-CHANGES: STATUS",
        "FORMS-ENABLE: STATUS",
    ];
    assert_profile(Fault::RejectStringBooleans, EntraDefault, &expected).await;
    assert_profile(Fault::RejectStringBooleans, EntraFlag, &[]).await;
}

#[tokio::test]
async fn member_removal_with_a_value_array_fails_the_default_and_passes_the_flag_and_rfc() {
    assert_profile(
        Fault::RejectMemberValueArrayRemoval,
        EntraDefault,
        &[
            "GROUP-REMOVE-MEMBERS: STATUS",
            "GROUP-REMOVE-MANY-OPS: STATUS",
        ],
    )
    .await;
    assert_profile(Fault::RejectMemberValueArrayRemoval, EntraFlag, &[]).await;
    assert_profile(Fault::RejectMemberValueArrayRemoval, Rfc, &[]).await;
}

#[tokio::test]
async fn null_refs_in_member_objects_fail_default_and_legacy_and_pass_the_flag() {
    // Every membership PATCH carries member objects; the default sends `"$ref": null` (Q7).
    let expected = [
        "GROUP-ADD-MEMBERS: STATUS",
        "GROUP-ADD-BACK: STATUS",
        "BATCH-ADD-1: STATUS",
        "BATCH-ADD-2: STATUS",
        "BATCH-ADD-10: STATUS",
        "BATCH-ADD-100: STATUS",
        "BATCH-ADD-MANY-OPS: STATUS",
    ];
    assert_profile(Fault::RejectNullRef, EntraDefault, &expected).await;
    assert_profile(Fault::RejectNullRef, EntraLegacy, &expected).await;
    assert_profile(Fault::RejectNullRef, EntraFlag, &[]).await;
}

#[tokio::test]
async fn the_adscim_group_schema_fails_entra_profiles_and_passes_rfc() {
    let expected = [
        "GROUP-CREATE-ADSCIM: STATUS",
        "GROUP-DELETE-ADSCIM: not run",
    ];
    assert_profile(Fault::RejectAdscimGroupSchema, EntraDefault, &expected).await;
    assert_profile(Fault::RejectAdscimGroupSchema, Rfc, &[]).await;
}

#[tokio::test]
async fn no_path_value_objects_fail_the_flags_replace_object_in_addition_to_the_q10_add() {
    // Q10's no-path Add is emitted by every profile; the flag's no-path replace object (Q4)
    // only by the flag.
    let flag = [
        "USER-UPDATE: STATUS",
        "SYNC-NO-PATH-ADD: STATUS",
        "SYNC-RENAME: STATUS",
        "SYNC-RENAMED-LOOKUP: not run",
        "FORMS-MIXED: STATUS",
        "FORMS-DISABLE-WITH-CHANGES: STATUS",
        "GROUP-RENAME: STATUS",
        "GROUP-RENAMED-LOOKUP: not run",
    ];
    assert_profile(Fault::RejectNoPathValueObjects, EntraFlag, &flag).await;
    assert_profile(
        Fault::RejectNoPathValueObjects,
        EntraDefault,
        &["SYNC-NO-PATH-ADD: STATUS"],
    )
    .await;
}

#[tokio::test]
async fn filtered_paths_on_absent_elements_fail_entra_profiles_and_pass_rfc() {
    assert_profile(
        Fault::RejectFilteredPathOnAbsent,
        EntraDefault,
        &[
            "SYNC-ADD-ABSENT-ELEMENT: STATUS",
            "FORMS-FILTERED-ADD: STATUS",
        ],
    )
    .await;
    assert_profile(
        Fault::RejectFilteredPathOnAbsent,
        EntraFlag,
        &[
            "SYNC-ADD-ABSENT-ELEMENT: STATUS",
            "FORMS-FILTERED-ADD: STATUS",
        ],
    )
    .await;
    assert_profile(Fault::RejectFilteredPathOnAbsent, Rfc, &[]).await;
}

#[tokio::test]
async fn a_manager_returned_as_a_string_fails_set_and_change_in_every_profile() {
    for profile in Profile::ALL {
        assert_profile(
            Fault::ManagerAsString,
            profile,
            &[
                "MANAGER-SET: MANAGER",
                "MANAGER-CHANGE: MANAGER",
                "MANAGER-SET-AGAIN: MANAGER",
            ],
        )
        .await;
    }
    let summary = run_entra_default_tables(&[Fault::ManagerAsString], EntraDefault).await;
    assert!(
        messages(&summary).contains("comes back as the bare string"),
        "{}",
        messages(&summary)
    );
}

#[tokio::test]
async fn a_case_sensitive_user_name_filter_fails_the_other_case_lookup() {
    for profile in Profile::ALL {
        assert_profile(
            Fault::CaseSensitiveUsernameFilter,
            profile,
            &["SYNC-LOOKUP-OTHER-CASE: LIST-COUNT"],
        )
        .await;
    }
}

#[tokio::test]
async fn a_server_that_normalises_values_fails_the_next_cycle_naming_the_attributes() {
    let expected = [
        "SYNC-NOTHING-TO-PATCH: RESYNC",
        "SYNC-AFTER-UPDATE: RESYNC",
        "FORMS-AFTER-UPDATES: RESYNC",
    ];
    assert_profile(Fault::NormaliseValues, EntraDefault, &expected).await;
    let summary = run_entra_default_tables(&[Fault::NormaliseValues], EntraDefault).await;
    let text = messages(&summary);
    assert!(text.contains(r#"`phoneNumbers[type eq "work"].value` (Entra sends "+1 555 0100", the server returns "+15550100")"#), "{text}");
    assert!(text.contains("every 40 minutes"), "{text}");
}

#[tokio::test]
async fn members_returned_despite_exclusion_fail_every_profile() {
    for profile in Profile::ALL {
        assert_profile(
            Fault::MembersDespiteExcluded,
            profile,
            &["GROUP-GET: MEMBERS-EXCLUDED"],
        )
        .await;
    }
}
