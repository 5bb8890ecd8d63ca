//! Router-level tests of the throttling faults and the response delay (issue 9), and of the
//! store under concurrent requests.

use std::time::{Instant, SystemTime};

use super::*;

fn too_many_body() -> Value {
    json!({"schemas": [scim::ERROR_SCHEMA], "status": "429",
           "detail": "Too many requests; slow down and retry later"})
}

/// Sends `GET /Users` `n` times in order and returns the replies.
async fn gets(s: &Server, n: usize) -> Vec<Reply> {
    let mut replies = Vec::new();
    for _ in 0..n {
        replies.push(s.get("/Users").await);
    }
    replies
}

fn retry_after(reply: &Reply) -> Option<&str> {
    reply
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
}

fn statuses(replies: &[Reply]) -> Vec<u16> {
    replies.iter().map(|r| r.status.as_u16()).collect()
}

#[tokio::test]
async fn throttle_retry_after_seconds_answers_every_third_request_429() {
    let s = Server::start(&[Fault::ThrottleRetryAfterSeconds]).await;
    let replies = gets(&s, 7).await;
    assert_eq!(statuses(&replies), [200, 200, 429, 200, 200, 429, 200]);
    let throttled = &replies[2];
    assert_eq!(throttled.content_type(), scim::MEDIA_TYPE);
    assert_eq!(retry_after(throttled), Some("1"));
    assert_eq!(throttled.json(), too_many_body());
    assert_eq!(retry_after(&replies[3]), None);
    s.stop().await;
}

#[tokio::test]
async fn throttle_retry_after_date_sends_an_http_date_one_to_two_seconds_ahead() {
    let s = Server::start(&[Fault::ThrottleRetryAfterDate]).await;
    let replies = gets(&s, 3).await;
    let now = SystemTime::now();
    assert_eq!(statuses(&replies), [200, 200, 429]);
    assert_eq!(replies[2].json(), too_many_body());
    let date = retry_after(&replies[2]).unwrap_or_default();
    assert!(date.ends_with(" GMT"), "{date}");
    let when = httpdate::parse_http_date(date).unwrap_or(SystemTime::UNIX_EPOCH);
    let ahead = when.duration_since(now).unwrap_or_default();
    assert!(
        ahead > Duration::from_millis(500) && ahead <= Duration::from_secs(2),
        "{ahead:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn throttle_without_retry_after_answers_429_with_no_header() {
    let s = Server::start(&[Fault::ThrottleWithoutRetryAfter]).await;
    let replies = gets(&s, 4).await;
    assert_eq!(statuses(&replies), [200, 200, 429, 200]);
    assert_eq!(retry_after(&replies[2]), None);
    assert_eq!(replies[2].json(), too_many_body());
    s.stop().await;
}

#[tokio::test]
async fn throttle_forever_answers_every_request_429() {
    let s = Server::start(&[Fault::ThrottleForever]).await;
    let mut replies = gets(&s, 4).await;
    let create = json!({"userName": "a@contoso.com"});
    replies.push(s.send(Method::POST, "/Users", Some(create)).await);
    assert_eq!(statuses(&replies), [429; 5]);
    assert!(replies.iter().all(|r| retry_after(r) == Some("1")));
    assert_eq!(replies[4].json(), too_many_body());
    s.stop().await;
}

#[tokio::test]
async fn response_delay_slows_each_answer_but_not_concurrent_ones_in_turn() {
    let delay = Duration::from_millis(300);
    let config = Config {
        response_delay: delay,
        ..Config::new(Secret::new(TOKEN), BTreeSet::new())
    };
    let s = Server::start_with(config).await;
    let started = Instant::now();
    assert_eq!(s.get("/Users").await.status, StatusCode::OK);
    assert!(started.elapsed() >= delay);
    // Ten requests at once take about one delay: no lock is held while a response waits.
    let started = Instant::now();
    let replies = futures_util::future::join_all((0..10).map(|_| s.get("/Users"))).await;
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    assert!(started.elapsed() < delay * 4, "{:?}", started.elapsed());
    s.stop().await;
}

#[tokio::test]
async fn concurrent_member_adds_to_one_group_lose_no_member() {
    let s = Server::start(&[]).await;
    let group = format!("/Groups/{}", s.create_group("Sales", &[]).await);
    let adds = (0..40).map(|i| {
        let ops = json!([{"op": "Add", "path": "members", "value": [{"value": format!("u-{i}")}]}]);
        s.patch(&group, ops)
    });
    let replies = futures_util::future::join_all(adds).await;
    assert!(replies.iter().all(|r| r.status == StatusCode::NO_CONTENT));
    let members = s.get(&group).await.json()["members"].clone();
    assert_eq!(members.as_array().map(Vec::len), Some(40));
    s.stop().await;
}

/// POSTs a user named `name` and returns its status, or `None` when no answer came.
async fn try_create(s: &Server, name: &str) -> Option<u16> {
    let body = json!({"schemas": [scim::USER_SCHEMA], "userName": name});
    let response = s
        .client
        .post(format!("{}/Users", s.running.base_url()))
        .bearer_auth(TOKEN)
        .header("content-type", scim::MEDIA_TYPE)
        .body(body.to_string())
        .send()
        .await;
    response.ok().map(|r| r.status().as_u16())
}

#[tokio::test]
async fn drop_create_answers_stores_every_third_create_and_drops_its_connection() {
    let s = Server::start(&[Fault::DropCreateAnswers]).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        statuses.push(try_create(&s, &format!("u{i}")).await);
    }
    assert_eq!(statuses, [Some(201), Some(201), None, Some(201)]);
    // The dropped create is stored, and the server goes on answering.
    let found = s.get(&user_filter("u2")).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.json()["totalResults"], 1);
    assert_eq!(s.get("/Users").await.json()["totalResults"], 4);
    s.stop().await;
}

#[tokio::test]
async fn die_after_create_stores_the_third_create_then_answers_nothing() {
    let s = Server::start(&[Fault::DieAfterCreate]).await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(try_create(&s, &format!("u{i}")).await);
    }
    assert_eq!(statuses, [Some(201), Some(201), None]);
    let lookup = s
        .client
        .get(format!("{}{}", s.running.base_url(), user_filter("u2")))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert!(lookup.is_err(), "a dead server answered {lookup:?}");
    s.stop().await;
}
