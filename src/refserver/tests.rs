//! Router-level tests: a real server on 127.0.0.1:0, driven with reqwest. One test per
//! clean-server behaviour Entra relies on, and one per fault showing what it changes.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{header::HeaderMap, Method, StatusCode};
use serde_json::{json, Value};

use super::{spawn, Config, Fault, RunningServer};
use crate::redact::Secret;
use crate::scim;

const TOKEN: &str = "t0ken-for-tests";
const ENT: &str = scim::ENTERPRISE_USER_SCHEMA;

struct Server {
    running: RunningServer,
    client: reqwest::Client,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Server {
    async fn start(faults: &[Fault]) -> Server {
        let faults = faults.iter().copied().collect::<BTreeSet<_>>();
        Server::start_with(Config::new(Secret::new(TOKEN), faults)).await
    }

    async fn start_with(config: Config) -> Server {
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let running = spawn(addr, config).await.unwrap();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Server { running, client }
    }

    /// Sends `method path` (relative to the base URL) with Entra's headers.
    async fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let url = format!("{}{path}", self.running.base_url());
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", scim::MEDIA_TYPE)
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Reply {
            status,
            headers,
            text,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.send_with(method, path, body, Some(TOKEN)).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn patch(&self, path: &str, ops: Value) -> Reply {
        let body = json!({"schemas": [scim::PATCH_OP_SCHEMA], "Operations": ops});
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// Creates a user the way Entra does (client-behaviour §3.3) and returns its id.
    async fn create_user(&self, user_name: &str) -> String {
        let body = json!({
            "schemas": [scim::USER_SCHEMA, ENT],
            "externalId": user_name.split('@').next(),
            "userName": user_name,
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": user_name}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
            ENT: {"department": "Retail", "employeeNumber": "42"}
        });
        let reply = self.send(Method::POST, "/Users", Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()["id"].as_str().unwrap().to_owned()
    }

    /// Creates a group as in client-behaviour §4.1 and returns its id.
    async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members
            .iter()
            .map(|m| json!({"$ref": null, "value": m}))
            .collect();
        let body = json!({"schemas": [scim::GROUP_SCHEMA], "displayName": name, "members": members,
                          "meta": {"resourceType": "Group"}});
        let reply = self.send(Method::POST, "/Groups", Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()["id"].as_str().unwrap().to_owned()
    }

    async fn stop(self) {
        self.running.shutdown().await;
    }
}

fn user_filter(user_name: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", &format!("userName eq \"{user_name}\""))
        .finish();
    format!("/Users?{query}")
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_with_www_authenticate_and_no_echo() {
    let s = Server::start(&[]).await;
    for token in [None, Some("wrong-token-value")] {
        let reply = s.send_with(Method::GET, "/Users", None, token).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Bearer");
        assert_eq!(reply.json()["status"], "401");
        assert!(!reply.text.contains("wrong-token-value") && !reply.text.contains(TOKEN));
    }
    s.stop().await;
}

#[tokio::test]
async fn create_user_returns_201_with_location_meta_and_enterprise_schema() {
    let s = Server::start(&[]).await;
    let id = s.create_user("alice@contoso.com").await;
    let reply = s.get(&format!("/Users/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), scim::MEDIA_TYPE);
    let user = reply.json();
    assert_eq!(user["schemas"], json!([scim::USER_SCHEMA, ENT]));
    assert_eq!(user["meta"]["resourceType"], "User");
    assert_eq!(user["meta"]["version"], "W/\"1\"");
    assert!(user["meta"]["location"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/scim/v2/Users/{id}")));
    assert_eq!(user[ENT]["department"], "Retail");
    assert_eq!(user["meta"].as_object().unwrap().len(), 5);
    s.stop().await;
}

#[tokio::test]
async fn duplicate_user_name_in_other_case_is_409_uniqueness() {
    let s = Server::start(&[]).await;
    s.create_user("alice@contoso.com").await;
    let reply = s
        .send(
            Method::POST,
            "/Users",
            Some(json!({"userName": "ALICE@contoso.com"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.json()["scimType"], "uniqueness");
    let missing = s
        .send(Method::POST, "/Users", Some(json!({"displayName": "x"})))
        .await;
    assert_eq!(missing.json()["scimType"], "invalidValue");
    s.stop().await;
}

#[tokio::test]
async fn unknown_id_and_unknown_path_are_404_scim_errors() {
    let s = Server::start(&[]).await;
    for path in ["/Users/nope", "/Groups/nope", "/ServiceProviderConfig"] {
        let reply = s.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.json()["schemas"], json!([scim::ERROR_SCHEMA]));
        assert_eq!(reply.json()["status"], "404");
    }
    let put = s.send(Method::PUT, "/Users/nope", Some(json!({}))).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    s.stop().await;
}

#[tokio::test]
async fn form_encoded_filter_finds_user_and_empty_result_is_200() {
    let s = Server::start(&[]).await;
    let id = s.create_user("alice@contoso.com").await;
    let hit = s
        .get("/Users?filter=userName+eq+%22ALICE%40contoso.com%22")
        .await
        .json();
    assert_eq!(hit["totalResults"], 1);
    assert_eq!(hit["Resources"][0]["id"], json!(id));
    let miss = s
        .get(&user_filter("7d420df3-9995-4831-a406-ecf8166f5f6a"))
        .await;
    assert_eq!(miss.status, StatusCode::OK);
    assert_eq!(
        miss.text,
        format!(
            r#"{{"schemas":["{}"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}}"#,
            scim::LIST_RESPONSE_SCHEMA
        )
    );
    let bad = s.get("/Users?filter=userName+co+%22a%22").await;
    assert_eq!(
        (bad.status, bad.json()["scimType"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalidFilter"))
    );
    s.stop().await;
}

#[tokio::test]
async fn filters_on_id_and_on_stored_attributes_both_find_the_user() {
    // `id` lives only in the rendered resource; `userName` is matched before rendering.
    let s = Server::start(&[]).await;
    s.create_user("bob@contoso.com").await;
    let id = s.create_user("alice@contoso.com").await;
    let by_id = format!("/Users?filter=id+eq+%22{id}%22");
    let by_both =
        format!("/Users?filter=id+eq+%22{id}%22+and+userName+eq+%22Alice%40contoso.com%22");
    for path in [by_id, by_both, user_filter("alice@contoso.com")] {
        let list = s.get(&path).await.json();
        assert_eq!(
            (
                list["totalResults"].clone(),
                list["Resources"][0]["id"].clone()
            ),
            (json!(1), json!(id)),
            "{path}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn doubled_slash_after_base_still_routes() {
    let s = Server::start(&[]).await;
    let reply = s.get("//Users").await;
    assert_eq!(reply.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn paging_returns_requested_window() {
    let s = Server::start(&[]).await;
    for i in 0..3 {
        s.create_user(&format!("u{i}@x.com")).await;
    }
    let page = s.get("/Users?startIndex=2&count=1").await.json();
    assert_eq!(
        (page["totalResults"].clone(), page["itemsPerPage"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(page["startIndex"], 2);
    assert_eq!(page["Resources"][0]["userName"], "u1@x.com");
    s.stop().await;
}

#[tokio::test]
async fn group_with_adscim_schema_and_null_refs_then_get_excluding_members() {
    let s = Server::start(&[]).await;
    let user = s.create_user("alice@contoso.com").await;
    let body = json!({"schemas": [scim::GROUP_SCHEMA, scim::ADSCIM_GROUP_SCHEMA],
                      "externalId": "8aa1", "displayName": "Sales", "meta": {"resourceType": "Group"}});
    let reply = s.send(Method::POST, "/Groups", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["members"], json!([]));
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let add = s
        .patch(
            &format!("/Groups/{id}"),
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": user}]}]),
        )
        .await;
    assert_eq!(
        (add.status, add.text.as_str()),
        (StatusCode::NO_CONTENT, "")
    );
    let full = s.get(&format!("/Groups/{id}")).await.json();
    assert_eq!(full["members"], json!([{"value": user}]));
    let slim = s
        .get(&format!("/Groups/{id}?excludedAttributes=members"))
        .await
        .json();
    assert!(slim.get("members").is_none() && slim["id"] == json!(id));
    let listed = s
        .get("/Groups?excludedAttributes=members&filter=displayName+eq+%22sales%22")
        .await
        .json();
    assert_eq!(listed["totalResults"], 1);
    assert!(listed["Resources"][0].get("members").is_none());
    s.stop().await;
}

#[tokio::test]
async fn user_patch_answers_200_with_resource_and_bumps_version() {
    let s = Server::start(&[]).await;
    let id = s.create_user("alice@contoso.com").await;
    let reply = s
        .patch(
            &format!("/Users/{id}"),
            json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": format!("{ENT}:manager"), "value": "m-1"}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let user = reply.json();
    assert_eq!(user["active"], json!(false));
    assert_eq!(user[ENT]["manager"], json!({"value": "m-1"}));
    assert_eq!(user["meta"]["version"], "W/\"2\"");
    s.stop().await;
}

#[tokio::test]
async fn delete_is_204_then_404_and_user_leaves_groups() {
    let s = Server::start(&[]).await;
    let user = s.create_user("alice@contoso.com").await;
    let group = s.create_group("Sales", &[&user]).await;
    let del = s
        .send(Method::DELETE, &format!("/Users/{user}"), None)
        .await;
    assert_eq!(
        (del.status, del.text.as_str()),
        (StatusCode::NO_CONTENT, "")
    );
    assert_eq!(
        s.get(&format!("/Users/{user}")).await.status,
        StatusCode::NOT_FOUND
    );
    let again = s
        .send(Method::DELETE, &format!("/Users/{user}"), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let patch = s
        .patch(
            &format!("/Users/{user}"),
            json!([{"op": "add", "path": "title", "value": "x"}]),
        )
        .await;
    assert_eq!(patch.status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.get(&format!("/Groups/{group}")).await.json()["members"],
        json!([])
    );
    s.stop().await;
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_rejected() {
    let s = Server::start(&[]).await;
    let url = format!("{}/Users", s.running.base_url());
    let bad = s
        .client
        .post(&url)
        .bearer_auth(TOKEN)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["scimType"],
        "invalidSyntax"
    );
    let huge = "x".repeat(1024 * 1024 + 1);
    let big = s
        .client
        .post(&url)
        .bearer_auth(TOKEN)
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    s.stop().await;
}

#[path = "tests_faults.rs"]
mod faults;

#[path = "tests_faults_shapes.rs"]
mod faults_shapes;

#[path = "tests_throttle.rs"]
mod throttle;

#[path = "tests_faults_gallery.rs"]
mod faults_gallery;
