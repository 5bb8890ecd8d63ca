//! Every check can fail: the built-in suite passes against the clean reference server, and
//! with each server defect switched on, exactly the steps that meet the defect fail, on the
//! check that names it, and nothing else does.

mod common;

use common::{failed_on, failing, messages, run_builtin};
use scimcheck::check::CheckId;
use scimcheck::refserver::Fault;

/// Asserts the failing steps (as "scenario / step: CHECK-IDS") are exactly `expected`.
async fn assert_fails(fault: Fault, expected: &[&str]) -> scimcheck::run::RunSummary {
    let summary = run_builtin(&[fault]).await;
    let actual = failing(&summary);
    assert_eq!(actual, expected, "with {fault}:\n{}", messages(&summary));
    summary
}

#[tokio::test]
async fn clean_reference_server_passes_every_step_and_leaves_nothing() {
    let summary = run_builtin(&[]).await;
    assert_eq!(
        failing(&summary),
        Vec::<String>::new(),
        "{}",
        messages(&summary)
    );
    assert!(summary.cleanup.leftovers.is_empty());
    assert_eq!(scimcheck::exit::code(&summary, true), 0);
}

#[tokio::test]
async fn pascal_case_ops_rejected_fail_every_patch_step_on_status() {
    assert_fails(
        Fault::RejectPascalCaseOps,
        &[
            "user-lifecycle / update-user alice: STATUS",
            "user-lifecycle / disable-user alice: STATUS",
            "user-lifecycle / enable-user alice: STATUS",
            "user-sync / a work e-mail set through a filtered path whose element does not exist yet: STATUS",
            "user-sync / name replaced as one object: STATUS",
            "user-sync / attributes added by one op without a path: STATUS",
            "user-sync / userName renamed: STATUS",
            "user-sync / the renamed user is found by the new userName: not run after SYNC-RENAME/STATUS",
            "user-patch-forms / an attribute's first fill is Add with its path: STATUS",
            "user-patch-forms / Replace and Add in one PATCH: STATUS",
            "user-patch-forms / the disable inside a PATCH that changes other attributes: STATUS",
            "user-patch-forms / enable-user erin: STATUS",
            "user-patch-forms / a work e-mail added through a filtered path whose element does not exist yet: STATUS",
            "group-lifecycle / add-members team: STATUS",
            "group-lifecycle / a member object without `$ref`: STATUS",
            "group-lifecycle / two members removed in one PATCH: STATUS",
            "group-lifecycle / the two members added back: STATUS",
            "group-lifecycle / two members removed as two Remove operations in one PATCH: STATUS",
            "group-lifecycle / update-group team: STATUS",
            "group-lifecycle / the renamed team is found by its new name: not run after GROUP-RENAME/STATUS",
            "group-batches / 1 member in one PATCH: STATUS",
            "group-batches / 2 members in one PATCH: STATUS",
            "group-batches / 10 members in one PATCH: STATUS",
            "group-batches / 100 members in one PATCH: STATUS",
            "group-batches / 10 members as 10 Add operations in one PATCH: STATUS",
        ],
    )
    .await;
}

#[tokio::test]
async fn string_booleans_rejected_fail_disable_and_enable() {
    let summary = assert_fails(
        Fault::RejectStringBooleans,
        &[
            "user-lifecycle / disable-user alice: STATUS",
            "user-lifecycle / enable-user alice: STATUS",
            "user-patch-forms / the disable inside a PATCH that changes other attributes: STATUS",
            "user-patch-forms / enable-user erin: STATUS",
        ],
    )
    .await;
    assert!(
        messages(&summary).contains(r#"got "False""#),
        "{}",
        messages(&summary)
    );
}

#[tokio::test]
async fn a_404_for_an_empty_filter_fails_every_lookup_that_finds_nothing() {
    assert_fails(
        Fault::EmptyFilter404,
        &[
            "test-connection / test-connection: STATUS",
            "user-lifecycle / alice is not there yet: STATUS",
            "user-lifecycle / the deleted user is gone by filter: STATUS",
            "group-lifecycle / the team is not there yet: STATUS",
        ],
    )
    .await;
}

#[tokio::test]
async fn an_ignored_filter_fails_the_user_and_group_lookups_on_the_filter_match() {
    let summary = assert_fails(
        Fault::IgnoreFilter,
        &[
            "user-lifecycle / alice is not there yet: LIST-MATCHES-FILTER",
            "user-lifecycle / alice is found by her matching attribute: LIST-MATCHES-FILTER",
            "user-lifecycle / lookup-user-by-each-filter alice by userName: LIST-MATCHES-FILTER",
            "user-lifecycle / the disabled user is still returned by filter: LIST-MATCHES-FILTER",
            "user-lifecycle / the deleted user is gone by filter: LIST-MATCHES-FILTER",
            "group-lifecycle / the new team is found by its displayName right after its create: LIST-MATCHES-FILTER",
            "group-lifecycle / the team is found with its displayName in another case: LIST-MATCHES-FILTER",
            "group-lifecycle / the renamed team is found by its new name: LIST-MATCHES-FILTER",
        ],
    )
    .await;
    assert!(messages(&summary).contains("ignores or mis-evaluates the filter"));
}

#[tokio::test]
async fn a_dropped_enterprise_extension_fails_the_writes_on_the_read_back() {
    let summary = assert_fails(
        Fault::DropEnterpriseExtension,
        &[
            "user-lifecycle / create a bystander, so a server that ignores the filter is caught: ATTRIBUTE",
            "user-lifecycle / create-user alice: ATTRIBUTE",
            "user-lifecycle / update-user alice: ATTRIBUTE",
            "user-sync / a user without any e-mail is created: ATTRIBUTE",
            "user-sync / attributes added by one op without a path: ATTRIBUTE",
            "user-patch-forms / create-user erin: ATTRIBUTE",
            "user-patch-forms / Replace and Add in one PATCH: ATTRIBUTE",
            "group-lifecycle / create-user member1: ATTRIBUTE",
            "group-lifecycle / create-user member2: ATTRIBUTE",
            "group-lifecycle / create-user member3: ATTRIBUTE",
        ],
    )
    .await;
    assert!(
        messages(&summary).contains("PATCH returned 200 but `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department` is absent"),
        "{}",
        messages(&summary)
    );
}

#[tokio::test]
async fn a_patch_that_stores_nothing_fails_on_the_read_back_not_on_the_status() {
    let summary = assert_fails(
        Fault::PatchStoresNothing,
        &[
            "user-lifecycle / update-user alice: ATTRIBUTE",
            "user-lifecycle / disable-user alice: ATTRIBUTE",
            "user-sync / a work e-mail set through a filtered path whose element does not exist yet: ATTRIBUTE",
            "user-sync / name replaced as one object: ATTRIBUTE",
            "user-sync / attributes added by one op without a path: ATTRIBUTE",
            "user-sync / userName renamed: ATTRIBUTE",
            // The lookup by the new name would search for the old one: the rename's
            // finding took its premise (issue 7, "each defect once").
            "user-sync / the renamed user is found by the new userName: not run after SYNC-RENAME/ATTRIBUTE",
            "user-patch-forms / an attribute's first fill is Add with its path: ATTRIBUTE",
            "user-patch-forms / Replace and Add in one PATCH: ATTRIBUTE",
            "user-patch-forms / the disable inside a PATCH that changes other attributes: ATTRIBUTE",
            "user-patch-forms / a work e-mail added through a filtered path whose element does not exist yet: ATTRIBUTE",
            "group-lifecycle / add-members team: MEMBERS",
            "group-lifecycle / a member object without `$ref`: MEMBERS",
            "group-lifecycle / the two members added back: MEMBERS",
            "group-lifecycle / update-group team: ATTRIBUTE",
            "group-lifecycle / the renamed team is found by its new name: not run after GROUP-RENAME/ATTRIBUTE",
            "group-batches / 1 member in one PATCH: MEMBERS",
            "group-batches / 2 members in one PATCH: MEMBERS",
            "group-batches / 10 members in one PATCH: MEMBERS",
            "group-batches / 100 members in one PATCH: MEMBERS",
            "group-batches / 10 members as 10 Add operations in one PATCH: MEMBERS",
        ],
    )
    .await;
    let text = messages(&summary);
    assert!(
        text.contains("PATCH returned 200 but `active` is true instead of false"),
        "{text}"
    );
    assert!(
        text.contains("PATCH returned 204 but the members are wrong: member1, member2 missing"),
        "{text}"
    );
}

#[tokio::test]
async fn a_delete_that_only_deactivates_fails_the_gone_checks_and_cleanup_lists_leftovers() {
    let summary = assert_fails(
        Fault::DeleteOnlyDeactivates,
        &[
            "user-lifecycle / the deleted user is gone by id: STATUS",
            "user-lifecycle / the deleted user is gone by filter: LIST-COUNT",
            "group-lifecycle / the deleted team is gone by id: STATUS",
        ],
    )
    .await;
    // Nothing the run created could be deleted; each is listed with its id.
    // bystander, alice, dora, erin, member1 to member3, the 123 batch members, and three
    // groups.
    assert_eq!(
        summary.cleanup.leftovers.len(),
        133,
        "{:?}",
        summary.cleanup.leftovers
    );
    assert!(summary
        .cleanup
        .leftovers
        .iter()
        .all(|l| l.id.is_some() && l.reason.contains("still readable")));
}

#[tokio::test]
async fn member_removal_with_a_value_array_rejected_fails_remove_members() {
    assert_fails(
        Fault::RejectMemberValueArrayRemoval,
        // Both removals send value arrays under the default profile: one with both members,
        // and one `Remove` per member.
        &[
            "group-lifecycle / two members removed in one PATCH: STATUS",
            "group-lifecycle / two members removed as two Remove operations in one PATCH: STATUS",
        ],
    )
    .await;
}

#[tokio::test]
async fn no_token_check_fails_the_unauthenticated_request() {
    assert_fails(
        Fault::NoTokenCheck,
        &["test-connection / a request without the token is refused: STATUS"],
    )
    .await;
}

#[tokio::test]
async fn a_plain_json_content_type_fails_the_probe_once() {
    let summary = assert_fails(
        Fault::ContentTypeJson,
        &["test-connection / test-connection: CONTENT-TYPE"],
    )
    .await;
    assert!(failed_on(&summary, CheckId::ContentType));
}

#[tokio::test]
async fn results_under_lowercase_resources_fail_the_list_shape() {
    let summary = run_builtin(&[Fault::LowercaseResources]).await;
    assert!(
        failed_on(&summary, CheckId::ListShape),
        "{}",
        messages(&summary)
    );
    assert!(messages(&summary)
        .contains("the results are under `resources`; Entra reads only `Resources`"));
}

#[tokio::test]
async fn members_returned_despite_exclusion_fail_get_group() {
    assert_fails(
        Fault::MembersDespiteExcluded,
        &["group-lifecycle / get-group team: MEMBERS-EXCLUDED"],
    )
    .await;
}

#[tokio::test]
async fn an_html_login_page_fails_the_probe_as_not_json() {
    let summary = run_builtin(&[Fault::HtmlLoginPage]).await;
    let first = &summary.scenarios[0].steps[0];
    assert_eq!(first.failures().next().map(|c| c.id), Some(CheckId::Json));
    assert!(
        messages(&summary).contains("an HTML page (a login page or a proxy"),
        "{}",
        messages(&summary)
    );
}
