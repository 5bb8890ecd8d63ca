//! One router-level test per fault: the request that behaves correctly on the clean server
//! (see `tests.rs`) misbehaves with the fault on.

use super::*;

async fn user_and_server(faults: &[Fault]) -> (Server, String) {
    let s = Server::start(faults).await;
    let id = s.create_user("alice@contoso.com").await;
    (s, id)
}

#[tokio::test]
async fn reject_pascal_case_ops_fails_entra_default_patch() {
    let (s, id) = user_and_server(&[Fault::RejectPascalCaseOps]).await;
    let path = format!("/Users/{id}");
    let reply = s
        .patch(
            &path,
            json!([{"op": "Replace", "path": "title", "value": "x"}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["detail"], "op must be add, replace or remove");
    let lower = s
        .patch(
            &path,
            json!([{"op": "replace", "path": "title", "value": "x"}]),
        )
        .await;
    assert_eq!(lower.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn reject_string_booleans_fails_disable_patch() {
    let (s, id) = user_and_server(&[Fault::RejectStringBooleans]).await;
    let reply = s
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()["scimType"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalidValue"))
    );
    s.stop().await;
}

#[tokio::test]
async fn empty_filter_404_answers_404_for_no_match() {
    let s = Server::start(&[Fault::EmptyFilter404]).await;
    assert_eq!(
        s.get(&user_filter("nobody")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.get("/Users").await.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn ignore_filter_returns_every_user() {
    let (s, _) = user_and_server(&[Fault::IgnoreFilter]).await;
    s.create_user("bob@contoso.com").await;
    assert_eq!(
        s.get(&user_filter("bob@contoso.com")).await.json()["totalResults"],
        2
    );
    s.stop().await;
}

#[tokio::test]
async fn drop_enterprise_extension_loses_department_and_manager() {
    let (s, id) = user_and_server(&[Fault::DropEnterpriseExtension]).await;
    let path = format!("/Users/{id}");
    s.patch(
        &path,
        json!([{"op": "Add", "path": format!("{ENT}:manager"), "value": "m"}]),
    )
    .await;
    let user = s.get(&path).await.json();
    assert!(user.get(ENT).is_none());
    assert_eq!(user["schemas"], json!([scim::USER_SCHEMA]));
    s.stop().await;
}

#[tokio::test]
async fn patch_stores_nothing_acknowledges_but_keeps_old_values() {
    let (s, id) = user_and_server(&[Fault::PatchStoresNothing]).await;
    let path = format!("/Users/{id}");
    let reply = s
        .patch(
            &path,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(s.get(&path).await.json()["active"], json!(true));
    let group = s.create_group("Sales", &[]).await;
    let reply = s
        .patch(
            &format!("/Groups/{group}"),
            json!([{"op": "Add", "path": "members", "value": [{"value": id}]}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get(&format!("/Groups/{group}")).await.json()["members"],
        json!([])
    );
    s.stop().await;
}

#[tokio::test]
async fn delete_only_deactivates_keeps_user_readable() {
    let (s, id) = user_and_server(&[Fault::DeleteOnlyDeactivates]).await;
    let path = format!("/Users/{id}");
    assert_eq!(
        s.send(Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    let user = s.get(&path).await;
    assert_eq!(
        (user.status, user.json()["active"].clone()),
        (StatusCode::OK, json!(false))
    );
    assert_eq!(
        s.get(&user_filter("alice@contoso.com")).await.json()["totalResults"],
        1
    );
    s.stop().await;
}

#[tokio::test]
async fn reject_member_value_array_removal_fails_default_remove() {
    let (s, id) = user_and_server(&[Fault::RejectMemberValueArrayRemoval]).await;
    let group = format!("/Groups/{}", s.create_group("Sales", &[&id]).await);
    let reply = s
        .patch(
            &group,
            json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": id}]}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let flag = s
        .patch(
            &group,
            json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
        )
        .await;
    assert_eq!(flag.status, StatusCode::NO_CONTENT);
    s.stop().await;
}

#[tokio::test]
async fn no_token_check_accepts_requests_without_authorization() {
    let s = Server::start(&[Fault::NoTokenCheck]).await;
    assert_eq!(
        s.send_with(Method::GET, "/Users", None, None).await.status,
        StatusCode::OK
    );
    s.stop().await;
}

#[tokio::test]
async fn content_type_json_replaces_scim_media_type() {
    let s = Server::start(&[Fault::ContentTypeJson]).await;
    assert_eq!(s.get("/Users").await.content_type(), "application/json");
    assert_eq!(
        s.get("/Users/nope").await.content_type(),
        "application/json"
    );
    s.stop().await;
}

#[tokio::test]
async fn reject_null_ref_fails_member_objects_from_entra() {
    let s = Server::start(&[Fault::RejectNullRef]).await;
    let body = json!({"displayName": "Sales", "members": [{"$ref": null, "value": "u1"}]});
    let reply = s.send(Method::POST, "/Groups", Some(body)).await;
    assert_eq!(
        (reply.status, reply.json()["scimType"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalidValue"))
    );
    s.stop().await;
}

#[tokio::test]
async fn reject_adscim_group_schema_fails_documented_group_create() {
    let s = Server::start(&[Fault::RejectAdscimGroupSchema]).await;
    let body =
        json!({"schemas": [scim::GROUP_SCHEMA, scim::ADSCIM_GROUP_SCHEMA], "displayName": "Sales"});
    assert_eq!(
        s.send(Method::POST, "/Groups", Some(body)).await.status,
        StatusCode::BAD_REQUEST
    );
    s.create_group("Core only", &[]).await;
    s.stop().await;
}

#[tokio::test]
async fn reject_no_path_value_objects_fails_pathless_replace() {
    let (s, id) = user_and_server(&[Fault::RejectNoPathValueObjects]).await;
    let reply = s
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"displayName": "A"}}]),
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()["scimType"].clone()),
        (StatusCode::BAD_REQUEST, json!("noTarget"))
    );
    s.stop().await;
}

#[tokio::test]
async fn reject_filtered_path_on_absent_fails_first_phone_number() {
    let (s, id) = user_and_server(&[Fault::RejectFilteredPathOnAbsent]).await;
    let path = format!("/Users/{id}");
    let ops =
        json!([{"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "1"}]);
    assert_eq!(s.patch(&path, ops).await.json()["scimType"], "noTarget");
    let ops =
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "a@b.c"}]);
    assert_eq!(s.patch(&path, ops).await.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn manager_as_string_returns_bare_id() {
    let (s, id) = user_and_server(&[Fault::ManagerAsString]).await;
    let path = format!("/Users/{id}");
    s.patch(
        &path,
        json!([{"op": "Add", "path": format!("{ENT}:manager"), "value": "m-1"}]),
    )
    .await;
    assert_eq!(s.get(&path).await.json()[ENT]["manager"], json!("m-1"));
    s.stop().await;
}

#[tokio::test]
async fn members_despite_excluded_returns_members() {
    let (s, id) = user_and_server(&[Fault::MembersDespiteExcluded]).await;
    let group = s.create_group("Sales", &[&id]).await;
    let reply = s
        .get(&format!("/Groups/{group}?excludedAttributes=members"))
        .await
        .json();
    assert_eq!(reply["members"], json!([{"value": id}]));
    s.stop().await;
}

#[tokio::test]
async fn case_sensitive_username_filter_misses_other_case() {
    let (s, _) = user_and_server(&[Fault::CaseSensitiveUsernameFilter]).await;
    assert_eq!(
        s.get(&user_filter("Alice@Contoso.com")).await.json()["totalResults"],
        0
    );
    assert_eq!(
        s.get(&user_filter("alice@contoso.com")).await.json()["totalResults"],
        1
    );
    s.stop().await;
}

#[tokio::test]
async fn normalise_values_rewrites_email_and_phone() {
    let s = Server::start(&[Fault::NormaliseValues]).await;
    let body = json!({"userName": "Bob@X.com", "emails": [{"type": "work", "value": "Bob@X.com"}],
                      "phoneNumbers": [{"type": "work", "value": "+1 (425) 555-0100"}]});
    let user = s.send(Method::POST, "/Users", Some(body)).await.json();
    assert_eq!(user["emails"][0]["value"], "bob@x.com");
    assert_eq!(user["phoneNumbers"][0]["value"], "+14255550100");
    assert_eq!(user["userName"], "Bob@X.com");
    s.stop().await;
}

#[tokio::test]
async fn html_login_page_answers_html() {
    let s = Server::start(&[Fault::HtmlLoginPage]).await;
    let reply = s.get("/Users").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with("text/html"));
    assert!(reply.text.contains("<form"));
    s.stop().await;
}

#[tokio::test]
async fn huge_body_streams_twelve_mebibytes_of_json() {
    let s = Server::start(&[Fault::HugeBody]).await;
    let reply = s.get("/Users").await;
    assert_eq!(reply.content_type(), scim::MEDIA_TYPE);
    assert!(reply.text.len() > 12_000_000);
    assert!(reply.json()["detail"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn hang_outlasts_client_timeout_and_shutdown_still_returns() {
    let s = Server::start(&[Fault::Hang]).await;
    let url = format!("{}/Users", s.running.base_url());
    let started = std::time::Instant::now();
    let result = s
        .client
        .get(url)
        .bearer_auth(TOKEN)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    s.stop().await;
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn lowercase_resources_renames_list_key() {
    let s = Server::start(&[Fault::LowercaseResources]).await;
    let list = s.get("/Users").await.json();
    assert!(list.get("resources").is_some() && list.get("Resources").is_none());
    s.stop().await;
}

#[tokio::test]
async fn slow_member_growth_answers_a_group_patch_later_the_larger_the_group() {
    let s = Server::start(&[Fault::SlowMemberGrowth]).await;
    let user = s.create_user("alice@contoso.com").await;
    let members: Vec<String> = (0..300).map(|i| format!("member-{i}")).collect();
    let member_refs: Vec<&str> = members.iter().map(String::as_str).collect();
    let small = s.create_group("small", &[]).await;
    let large = s.create_group("large", &member_refs).await;
    let add = json!([{"op": "add", "path": "members", "value": [{"value": user}]}]);
    let started = std::time::Instant::now();
    let reply = s.patch(&format!("/Groups/{large}"), add.clone()).await;
    let large_took = started.elapsed();
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    // 300 members at 100 µs each: at least 30 ms.
    assert!(large_took >= Duration::from_millis(30), "{large_took:?}");
    // The PATCH of an empty group, and a user PATCH, are not held.
    let started = std::time::Instant::now();
    let reply = s.patch(&format!("/Groups/{small}"), add).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let replace = json!([{"op": "replace", "path": "title", "value": "x"}]);
    assert_eq!(
        s.patch(&format!("/Users/{user}"), replace).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() < large_took, "{:?}", started.elapsed());
    s.stop().await;
}

#[test]
fn every_fault_has_a_test_here() {
    // Keep these files in step with Fault::ALL (faults.rs checklist).
    let source = [
        include_str!("tests_faults.rs"),
        include_str!("tests_faults_shapes.rs"),
        include_str!("tests_throttle.rs"),
        include_str!("tests_faults_gallery.rs"),
    ]
    .concat();
    for fault in Fault::ALL {
        let test_prefix = format!("async fn {}", fault.name().replace('-', "_"));
        assert!(source.contains(&test_prefix), "no test for fault {fault}");
    }
}

#[tokio::test]
async fn user_filter_username_only_refuses_an_external_id_filter() {
    let s = Server::start(&[Fault::UserFilterUserNameOnly]).await;
    let body = json!({"userName": "alice@contoso.com", "externalId": "alice"});
    s.send(Method::POST, "/Users", Some(body)).await;
    let by_external_id = s.get("/Users?filter=externalId+eq+%22alice%22").await;
    assert_eq!(
        (
            by_external_id.status,
            by_external_id.json()["scimType"].clone()
        ),
        (StatusCode::BAD_REQUEST, json!("invalidFilter"))
    );
    assert_eq!(
        s.get(&user_filter("alice@contoso.com")).await.json()["totalResults"],
        1
    );
    let groups = s.get("/Groups?filter=externalId+eq+%22x%22").await;
    assert_eq!(groups.status, StatusCode::OK);
    s.stop().await;
}
