//! Router-level tests of the faults that refuse Entra's request shapes (issues 7 and 8): each
//! pins the refusal's status, content type and body, and shows that a request the fault does
//! not target still succeeds.

use super::*;

const PROBLEM_JSON: &str = "application/problem+json; charset=utf-8";

fn scim_error(status: &str, scim_type: Option<&str>, detail: &str) -> Value {
    let mut body = json!({"schemas": [scim::ERROR_SCHEMA], "status": status});
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    body["detail"] = json!(detail);
    body
}

/// What a filter that matches nothing answers.
fn empty_list() -> Value {
    json!({"schemas": [scim::LIST_RESPONSE_SCHEMA], "totalResults": 0, "Resources": [],
           "startIndex": 1, "itemsPerPage": 0})
}

fn group_filter(display_name: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", &format!("displayName eq \"{display_name}\""))
        .finish();
    format!("/Groups?{query}")
}

async fn user_and_server(faults: &[Fault]) -> (Server, String) {
    let s = Server::start(faults).await;
    let id = s.create_user("alice@contoso.com").await;
    (s, id)
}

/// The whole answer: status, content type and body.
fn assert_refused(reply: &Reply, status: StatusCode, content_type: &str, body: &Value) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.content_type(), content_type);
    assert_eq!(&reply.json(), body);
}

#[tokio::test]
async fn reject_enterprise_extension_refuses_create_in_pydantic_words() {
    let s = Server::start(&[Fault::RejectEnterpriseExtension]).await;
    let body = json!({"schemas": [scim::USER_SCHEMA, ENT], "userName": "a@contoso.com",
                      ENT: {"department": "Retail", "employeeNumber": "42"}});
    let reply = s.send(Method::POST, "/Users", Some(body)).await;
    let detail = "2 validation errors for User\n\
        schemas.1\n  Input should be 'urn:ietf:params:scim:schemas:core:2.0:User' \
        [type=literal_error, input_value='urn:ietf:params:scim:sch...ion:enterprise:2.0:User', \
        input_type=str]\n    For further information visit \
        https://errors.pydantic.dev/2.11/v/literal_error\n\
        urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\n  Extra inputs are not \
        permitted [type=extra_forbidden, input_value={'department': 'Retail', 'employeeNumber': \
        '42'}, input_type=dict]\n    For further information visit \
        https://errors.pydantic.dev/2.11/v/extra_forbidden";
    let expected = scim_error("400", Some("invalidValue"), detail);
    assert_refused(&reply, StatusCode::BAD_REQUEST, scim::MEDIA_TYPE, &expected);

    let key_only = json!({"userName": "a@contoso.com", ENT: {"department": "R"}});
    let reply = s.send(Method::POST, "/Users", Some(key_only)).await;
    assert!(reply.json()["detail"]
        .as_str()
        .is_some_and(|d| d.starts_with("1 validation error for User\nurn:")));

    // The client's retry without the extension succeeds.
    let core = json!({"schemas": [scim::USER_SCHEMA], "userName": "a@contoso.com"});
    let created = s.send(Method::POST, "/Users", Some(core)).await;
    assert_eq!(created.status, StatusCode::CREATED);
    s.stop().await;
}

#[tokio::test]
async fn require_unmapped_attribute_refuses_create_without_name_formatted() {
    let s = Server::start(&[Fault::RequireUnmappedAttribute]).await;
    let body = json!({"userName": "a@contoso.com", "name": {"givenName": "A", "familyName": "B"}});
    let reply = s.send(Method::POST, "/Users", Some(body)).await;
    let expected = scim_error("400", Some("invalidValue"), "Field 'formatted' is required");
    assert_refused(&reply, StatusCode::BAD_REQUEST, scim::MEDIA_TYPE, &expected);
    // Entra's create from tests.rs carries name.formatted.
    s.create_user("bob@contoso.com").await;
    s.stop().await;
}

#[tokio::test]
async fn immutable_username_refuses_rename_in_every_op_form() {
    let (s, id) = user_and_server(&[Fault::ImmutableUsername]).await;
    let path = format!("/Users/{id}");
    let expected = scim_error(
        "400",
        Some("mutability"),
        "Attribute 'userName' is immutable",
    );
    for ops in [
        json!([{"op": "Replace", "path": "userName", "value": "alice2@contoso.com"}]),
        json!([{"op": "replace", "value": {"userName": "alice2@contoso.com"}}]),
        json!([{"op": "add", "path": "userName", "value": "Alice@contoso.com"}]),
    ] {
        let reply = s.patch(&path, ops).await;
        assert_refused(&reply, StatusCode::BAD_REQUEST, scim::MEDIA_TYPE, &expected);
    }
    assert_eq!(s.get(&path).await.json()["userName"], "alice@contoso.com");
    let same = json!([{"op": "Replace", "path": "userName", "value": "alice@contoso.com"},
                      {"op": "Replace", "path": "title", "value": "Boss"}]);
    assert_eq!(s.patch(&path, same).await.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn immutable_group_displayname_refuses_rename_in_spring_boot_shape() {
    let s = Server::start(&[Fault::ImmutableGroupDisplayname]).await;
    let user = s.create_user("alice@contoso.com").await;
    let id = s.create_group("Sales", &[]).await;
    let path = format!("/Groups/{id}");
    let reply = s
        .patch(
            &path,
            json!([{"op": "Replace", "path": "displayName", "value": "Sales EMEA"}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.content_type(), "application/json");
    let mut body = reply.json();
    let timestamp = body["timestamp"].take();
    assert_eq!(
        body,
        json!({"timestamp": null, "status": 400, "error": "Bad Request",
               "message": "displayName is immutable", "path": format!("/scim/v2/Groups/{id}")})
    );
    // Spring Boot's `2026-01-02T03:04:05.678+00:00`.
    let timestamp = timestamp.as_str().unwrap_or_default();
    assert!(
        timestamp.len() == 29 && timestamp.ends_with("+00:00"),
        "{timestamp}"
    );
    let add = json!([{"op": "Add", "path": "members", "value": [{"value": user}]}]);
    assert_eq!(s.patch(&path, add).await.status, StatusCode::NO_CONTENT);
    s.stop().await;
}

#[tokio::test]
async fn reject_bare_string_manager_answers_asp_net_validation_problem() {
    let (s, id) = user_and_server(&[Fault::RejectBareStringManager]).await;
    let path = format!("/Users/{id}");
    let manager = format!("{ENT}:manager");
    for ops in [
        json!([{"op": "Add", "path": manager, "value": "m-1"}]),
        json!([{"op": "replace", "value": {ENT: {"manager": "m-1"}}}]),
    ] {
        let reply = s.patch(&path, ops).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(reply.content_type(), PROBLEM_JSON);
        let mut body = reply.json();
        let trace_id = body["traceId"].take();
        assert_eq!(
            body,
            json!({"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
                   "title": "One or more validation errors occurred.", "status": 400,
                   "errors": {"manager": ["The JSON value could not be converted to Manager."]},
                   "traceId": null})
        );
        let trace_id = trace_id.as_str().unwrap_or_default();
        assert!(
            trace_id.len() == 55 && trace_id.starts_with("00-"),
            "{trace_id}"
        );
    }
    let object = json!([{"op": "Add", "path": manager, "value": {"value": "m-1"}}]);
    let reply = s.patch(&path, object).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()[ENT]["manager"], json!({"value": "m-1"}));
    s.stop().await;
}

#[tokio::test]
async fn reject_filtered_path_names_the_path_it_refuses() {
    let (s, id) = user_and_server(&[Fault::RejectFilteredPath]).await;
    let path = format!("/Users/{id}");
    let ops =
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "a@b.c"}]);
    let expected = scim_error(
        "400",
        Some("invalidPath"),
        "Unsupported path: emails[type eq \"work\"].value",
    );
    assert_refused(
        &s.patch(&path, ops).await,
        StatusCode::BAD_REQUEST,
        scim::MEDIA_TYPE,
        &expected,
    );
    let group = format!("/Groups/{}", s.create_group("Sales", &[&id]).await);
    let remove = json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]);
    let reply = s.patch(&group, remove).await;
    assert_eq!(
        reply.json()["detail"],
        format!("Unsupported path: members[value eq \"{id}\"]")
    );
    let plain = json!([{"op": "Replace", "path": "title", "value": "Boss"}]);
    assert_eq!(s.patch(&path, plain).await.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn case_sensitive_group_filter_misses_display_name_in_other_case() {
    let s = Server::start(&[Fault::CaseSensitiveGroupFilter]).await;
    let id = s.create_group("Sales", &[]).await;
    let miss = s.get(&group_filter("sales")).await;
    assert_refused(&miss, StatusCode::OK, scim::MEDIA_TYPE, &empty_list());
    let hit = s.get(&group_filter("Sales")).await.json();
    assert_eq!(
        (
            hit["totalResults"].clone(),
            hit["Resources"][0]["id"].clone()
        ),
        (json!(1), json!(id))
    );
    s.stop().await;
}

#[tokio::test]
async fn stale_group_filter_misses_a_new_group_that_get_by_id_finds() {
    let s = Server::start(&[Fault::StaleGroupFilter]).await;
    s.create_user("alice@contoso.com").await;
    let id = s.create_group("Sales", &[]).await;
    let miss = s.get(&group_filter("Sales")).await;
    assert_refused(&miss, StatusCode::OK, scim::MEDIA_TYPE, &empty_list());
    assert_eq!(s.get(&format!("/Groups/{id}")).await.status, StatusCode::OK);
    assert_eq!(s.get("/Groups").await.json()["totalResults"], 1);
    // Users are not behind the lagging index.
    let user = s.get(&user_filter("alice@contoso.com")).await.json();
    assert_eq!(user["totalResults"], 1);
    s.stop().await;
}

#[tokio::test]
async fn reject_multi_member_removal_answers_501_to_both_entra_forms() {
    let s = Server::start(&[Fault::RejectMultiMemberRemoval]).await;
    let mut users = Vec::new();
    for name in ["a@x.com", "b@x.com", "c@x.com", "d@x.com"] {
        users.push(s.create_user(name).await);
    }
    let members: Vec<&str> = users.iter().map(String::as_str).collect();
    let group = format!("/Groups/{}", s.create_group("Sales", &members).await);
    let value_array = json!([{"op": "Remove", "path": "members",
        "value": [{"$ref": null, "value": users[0]}, {"$ref": null, "value": users[1]}]}]);
    let expected = scim_error(
        "501",
        None,
        "Removing 2 members in one request is not implemented; remove one member per request",
    );
    assert_refused(
        &s.patch(&group, value_array).await,
        StatusCode::NOT_IMPLEMENTED,
        scim::MEDIA_TYPE,
        &expected,
    );
    let filtered: Vec<Value> = users[..2]
        .iter()
        .map(|u| json!({"op": "remove", "path": format!("members[value eq \"{u}\"]")}))
        .collect();
    let reply = s.patch(&group, Value::Array(filtered)).await;
    assert_refused(
        &reply,
        StatusCode::NOT_IMPLEMENTED,
        scim::MEDIA_TYPE,
        &expected,
    );
    let one = json!([{"op": "Remove", "path": "members", "value": [{"value": users[0]}]}]);
    assert_eq!(s.patch(&group, one).await.status, StatusCode::NO_CONTENT);
    let one = json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", users[1])}]);
    assert_eq!(s.patch(&group, one).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get(&group).await.json()["members"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    s.stop().await;
}

#[tokio::test]
async fn reject_add_with_path_refuses_pathed_user_add_only() {
    let (s, id) = user_and_server(&[Fault::RejectAddWithPath]).await;
    let path = format!("/Users/{id}");
    let reply = s
        .patch(
            &path,
            json!([{"op": "Add", "path": "title", "value": "Boss"}]),
        )
        .await;
    let expected = scim_error(
        "400",
        Some("invalidPath"),
        "Operation 'add' with path 'title' is not supported; send the attributes in 'value' without a path",
    );
    assert_refused(&reply, StatusCode::BAD_REQUEST, scim::MEDIA_TYPE, &expected);
    let pathless = json!([{"op": "add", "value": {"title": "Boss"}}]);
    assert_eq!(s.patch(&path, pathless).await.json()["title"], "Boss");
    let replace = json!([{"op": "Replace", "path": "title", "value": "Chief"}]);
    assert_eq!(s.patch(&path, replace).await.status, StatusCode::OK);
    // Groups are not targeted: Entra adds members with a path.
    let group = format!("/Groups/{}", s.create_group("Sales", &[]).await);
    let add = json!([{"op": "Add", "path": "members", "value": [{"value": id}]}]);
    assert_eq!(s.patch(&group, add).await.status, StatusCode::NO_CONTENT);
    s.stop().await;
}

#[tokio::test]
async fn reject_mixed_patch_refuses_replace_with_add() {
    let (s, id) = user_and_server(&[Fault::RejectMixedPatch]).await;
    let path = format!("/Users/{id}");
    let mixed = json!([{"op": "Replace", "path": "title", "value": "Boss"},
                       {"op": "Add", "path": "nickName", "value": "Al"}]);
    let expected = scim_error(
        "400",
        Some("invalidSyntax"),
        "Mixing 'replace' and 'add' operations in one request is not supported",
    );
    assert_refused(
        &s.patch(&path, mixed).await,
        StatusCode::BAD_REQUEST,
        scim::MEDIA_TYPE,
        &expected,
    );
    let same_kind = json!([{"op": "Replace", "path": "title", "value": "Boss"},
                           {"op": "Replace", "path": "nickName", "value": "Al"}]);
    assert_eq!(s.patch(&path, same_kind).await.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn require_emails_refuses_create_in_django_rest_framework_words() {
    let s = Server::start(&[Fault::RequireEmails]).await;
    let body = json!({"schemas": [scim::USER_SCHEMA], "userName": "cloud@contoso.com"});
    let reply = s.send(Method::POST, "/Users", Some(body)).await;
    let expected = json!({"emails": ["This field is required."]});
    assert_refused(
        &reply,
        StatusCode::BAD_REQUEST,
        "application/json",
        &expected,
    );
    s.create_user("alice@contoso.com").await;
    s.stop().await;
}

#[tokio::test]
async fn reject_active_with_other_changes_refuses_disable_inside_multi_attribute_patch() {
    let (s, id) = user_and_server(&[Fault::RejectActiveWithOtherChanges]).await;
    let path = format!("/Users/{id}");
    let expected = scim_error(
        "400",
        None,
        "Attribute 'active' must be changed in a request of its own",
    );
    for ops in [
        json!([{"op": "Replace", "path": "title", "value": "Boss"},
               {"op": "Replace", "path": "active", "value": "False"}]),
        json!([{"op": "replace", "value": {"active": false, "title": "Boss"}}]),
    ] {
        let reply = s.patch(&path, ops).await;
        assert_refused(&reply, StatusCode::BAD_REQUEST, scim::MEDIA_TYPE, &expected);
    }
    let alone = json!([{"op": "Replace", "path": "active", "value": "False"}]);
    assert_eq!(s.patch(&path, alone).await.json()["active"], json!(false));
    let others = json!([{"op": "Replace", "path": "title", "value": "Boss"},
                        {"op": "Replace", "path": "nickName", "value": "Al"}]);
    assert_eq!(s.patch(&path, others).await.status, StatusCode::OK);
    s.stop().await;
}

/// The ids of a group's members, in the order the server lists them.
async fn member_ids(s: &Server, group: &str) -> Vec<String> {
    s.get(group).await.json()["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn replace_members_appends_adds_where_rfc_7644_replaces_the_list() {
    for (faults, kept) in [
        (&[][..], false),
        (&[Fault::ReplaceMembersAppends][..], true),
    ] {
        let s = Server::start(faults).await;
        let a = s.create_user("a@x.com").await;
        let b = s.create_user("b@x.com").await;
        let group = format!("/Groups/{}", s.create_group("Sales", &[&a]).await);
        let replace = json!([{"op": "Replace", "path": "members", "value": [{"value": b}]}]);
        assert_eq!(
            s.patch(&group, replace).await.status,
            StatusCode::NO_CONTENT
        );
        let expected = if kept {
            vec![a.clone(), b.clone()]
        } else {
            vec![b.clone()]
        };
        assert_eq!(member_ids(&s, &group).await, expected, "{faults:?}");
        // A replace of another attribute still replaces.
        let rename = json!([{"op": "Replace", "path": "displayName", "value": "Sales 2"}]);
        assert_eq!(s.patch(&group, rename).await.status, StatusCode::NO_CONTENT);
        assert_eq!(s.get(&group).await.json()["displayName"], "Sales 2");
        s.stop().await;
    }
}

/// A user holding one primary role, as Entra's create sends it (client-behaviour §3.5).
async fn user_with_role(faults: &[Fault]) -> (Server, String) {
    let s = Server::start(faults).await;
    let body = json!({"userName": "alice@contoso.com",
                      "roles": [{"primary": "True", "value": "Admin"}]});
    let user = s.send(Method::POST, "/Users", Some(body)).await.json();
    let id = user["id"].as_str().unwrap_or_default().to_owned();
    (s, id)
}

#[tokio::test]
async fn role_json_string_verbatim_stores_the_encoded_role_as_its_value() {
    let (s, id) = user_with_role(&[Fault::RoleJsonStringVerbatim]).await;
    let encoded = "{\"id\":\"7c1d\",\"value\":\"25\",\"displayName\":\"Role1234\"}";
    let add = json!([{"op": "Add", "path": "roles", "value": [{"value": encoded}]}]);
    let reply = s.patch(&format!("/Users/{id}"), add).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let roles = s.get(&format!("/Users/{id}")).await.json()["roles"].clone();
    assert_eq!(roles[1], json!({"value": encoded}));
    s.stop().await;
}

#[tokio::test]
async fn role_primary_boolean_only_refuses_the_primary_role_path_entra_sends() {
    let (s, id) = user_with_role(&[Fault::RolePrimaryBooleanOnly]).await;
    let path = format!("/Users/{id}");
    let entra =
        json!([{"op": "Replace", "path": "roles[primary eq \"True\"].value", "value": "Ops"}]);
    let reply = s.patch(&path, entra).await;
    assert_refused(
        &reply,
        StatusCode::BAD_REQUEST,
        "application/scim+json",
        &scim_error(
            "400",
            Some("noTarget"),
            "no `roles` element matches the filter",
        ),
    );
    // The same path with a boolean literal finds the role.
    let boolean =
        json!([{"op": "Replace", "path": "roles[primary eq true].value", "value": "Ops"}]);
    assert_eq!(s.patch(&path, boolean).await.status, StatusCode::OK);
    s.stop().await;
}
