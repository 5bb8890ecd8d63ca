//! Router-level tests of the faults that Microsoft's gallery tests notice (`--suite gallery`):
//! `GET /Schemas`, pagination and the soft delete, each clean and with its fault on.

use super::*;

fn schema<'v>(list: &'v Value, id: &str) -> &'v Value {
    list["Resources"]
        .as_array()
        .and_then(|r| r.iter().find(|s| s["id"] == id))
        .unwrap_or(&Value::Null)
}

fn names(schema: &Value) -> Vec<String> {
    schema["attributes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|a| a["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn schemas_describes_user_enterprise_and_group_with_department() {
    let s = Server::start(&[]).await;
    let reply = s.get("/Schemas").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), scim::MEDIA_TYPE);
    let list = reply.json();
    assert_eq!(list["totalResults"], 3);
    assert!(names(schema(&list, scim::USER_SCHEMA)).contains(&"userName".to_owned()));
    assert!(names(schema(&list, scim::GROUP_SCHEMA)).contains(&"members".to_owned()));
    assert!(names(schema(&list, ENT)).contains(&"department".to_owned()));
    s.stop().await;
}

#[tokio::test]
async fn schemas_missing_attribute_leaves_department_out() {
    let s = Server::start(&[Fault::SchemasMissingAttribute]).await;
    let list = s.get("/Schemas").await.json();
    let enterprise = names(schema(&list, ENT));
    assert!(!enterprise.contains(&"department".to_owned()));
    assert!(enterprise.contains(&"manager".to_owned()));
    s.stop().await;
}

async fn six_users(faults: &[Fault]) -> Server {
    let s = Server::start(faults).await;
    for i in 0..6 {
        s.create_user(&format!("u{i}@contoso.com")).await;
    }
    s
}

#[tokio::test]
async fn start_index_pages_and_is_echoed() {
    let s = six_users(&[]).await;
    let page = s.get("/Users?startIndex=6&count=5").await.json();
    assert_eq!(
        (
            &page["startIndex"],
            &page["itemsPerPage"],
            &page["totalResults"]
        ),
        (&json!(6), &json!(1), &json!(6))
    );
    assert_eq!(page["Resources"][0]["userName"], "u5@contoso.com");
    s.stop().await;
}

#[tokio::test]
async fn ignore_start_index_answers_the_first_page_again() {
    let s = six_users(&[Fault::IgnoreStartIndex]).await;
    let page = s.get("/Users?startIndex=6&count=5").await.json();
    assert_eq!(
        (&page["startIndex"], &page["itemsPerPage"]),
        (&json!(1), &json!(5))
    );
    assert_eq!(page["Resources"][0]["userName"], "u0@contoso.com");
    // `count` still holds.
    assert_eq!(s.get("/Users?count=2").await.json()["itemsPerPage"], 2);
    s.stop().await;
}

#[tokio::test]
async fn disable_deletes_removes_a_user_set_inactive() {
    let s = Server::start(&[Fault::DisableDeletes]).await;
    let id = s.create_user("alice@contoso.com").await;
    let path = format!("/Users/{id}");
    let ops = json!([{"op": "Replace", "path": "active", "value": "False"}]);
    assert_eq!(s.patch(&path, ops).await.status, StatusCode::NO_CONTENT);
    assert_eq!(s.get(&path).await.status, StatusCode::NOT_FOUND);
    // Another PATCH still updates.
    let other = s.create_user("bob@contoso.com").await;
    let ops = json!([{"op": "Replace", "path": "displayName", "value": "Bob"}]);
    let reply = s.patch(&format!("/Users/{other}"), ops).await;
    assert_eq!(
        (reply.status, reply.json()["displayName"].clone()),
        (StatusCode::OK, json!("Bob"))
    );
    s.stop().await;
}
