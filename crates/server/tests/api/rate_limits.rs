//! Rate limits and injected faults, with a clock the tests move.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use orgwarden_domain::clock::{Clock, ManualClock};
use serde_json::json;

use crate::app::{Response, TestApp};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()))
}

fn header(r: &Response, name: &str) -> i64 {
    r.headers[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn every_api_response_carries_the_three_headers() {
    // A still clock: the dev plan refills 500 tokens a second.
    let app = TestApp::builder().plan("dev").clock(clock()).build().await;
    let first = app.get("/api/v2/organizations").await;
    let second = app.get("/api/v2/organizations/org_0000000000000000").await;
    let third = app.get("/api/v2/organizations?per_page=1000").await;
    for r in [&first, &second, &third] {
        assert_eq!(header(r, "x-ratelimit-limit"), 1000);
        assert!(r.headers.contains_key("x-ratelimit-reset"));
    }
    assert_eq!(header(&first, "x-ratelimit-remaining"), 999);
    assert_eq!(header(&third, "x-ratelimit-remaining"), 997);
    assert!(!first.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn free_plan_refuses_after_the_burst_and_refills() {
    let clock = clock();
    let app = TestApp::builder()
        .plan("free")
        .clock(clock.clone())
        .build()
        .await;
    let now = clock.now().unix_timestamp();
    let a = app.get("/api/v2/organizations").await;
    let b = app.get("/api/v2/organizations").await;
    assert_eq!(
        (a.status, header(&a, "x-ratelimit-remaining")),
        (StatusCode::OK, 1)
    );
    assert_eq!(
        (b.status, header(&b, "x-ratelimit-remaining")),
        (StatusCode::OK, 0)
    );
    let c = app.get("/api/v2/organizations").await;
    assert_eq!(c.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        c.body,
        json!({"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached", "errorCode": "too_many_requests"})
    );
    let retry_after = header(&c, "retry-after");
    let reset = header(&c, "x-ratelimit-reset");
    assert_eq!(retry_after, 1);
    assert_eq!(header(&c, "x-ratelimit-remaining"), 0);
    assert_eq!(header(&c, "x-ratelimit-limit"), 2);
    // Reset: not in the past, not further than the time to refill the whole bucket (1 s).
    assert!(
        reset >= now + retry_after && reset <= now + 2,
        "reset {reset}, now {now}"
    );

    clock.advance(time::Duration::milliseconds(499));
    assert_eq!(
        app.get("/api/v2/organizations").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    clock.advance(time::Duration::milliseconds(1));
    assert_eq!(
        app.get("/api/v2/organizations").await.status,
        StatusCode::OK
    );
    clock.advance(time::Duration::seconds(5));
    let r = app.get("/api/v2/organizations").await;
    assert_eq!(
        header(&r, "x-ratelimit-remaining"),
        1,
        "refilled to the burst, no further"
    );
}

#[tokio::test]
async fn enterprise_groups_limit_their_endpoints_and_say_which() {
    let app = TestApp::builder()
        .plan("enterprise")
        .clock(clock())
        .build()
        .await;
    let org = app.organization("acme").await;
    let path = format!("/api/v2/organizations/{org}/enabled_connections");
    for i in 0..10 {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "call {i}");
        assert_eq!(
            header(&r, "x-ratelimit-limit"),
            10,
            "the group bucket is the closest to empty"
        );
    }
    let r = app.get(&path).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.body["message"],
        "Rate limit exceeded for organization_connections_read"
    );
    assert_eq!(header(&r, "retry-after"), 1);
    // Other endpoints still have the global bucket's room.
    let r = app.get("/api/v2/connections").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "x-ratelimit-limit"), 50);
}

#[tokio::test]
async fn token_buckets_are_per_client() {
    let app = TestApp::builder().plan("1/1").clock(clock()).build().await;
    let r = app
        .post(
            "/api/v2/clients",
            json!({"name": "other", "app_type": "non_interactive"}),
        )
        .await;
    let other = (
        r.body["client_id"].as_str().unwrap().to_owned(),
        r.body["client_secret"].as_str().unwrap().to_owned(),
    );
    let aud = app.state.identity().audience.clone();
    let ask = |id: &str, secret: &str| json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": aud});
    let (id, secret) = (app.admin.client_id.clone(), app.admin.client_secret.clone());
    let r = app
        .call(Method::POST, "/oauth/token", None, Some(ask(&id, &secret)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "x-ratelimit-remaining"), 0);
    let r = app
        .call(Method::POST, "/oauth/token", None, Some(ask(&id, &secret)))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"], "too_many_requests");
    assert_eq!(header(&r, "retry-after"), 1);
    // Another client is not affected (it has no grant, so it is refused, but not limited).
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(ask(&other.0, &other.1)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn faults_are_applied_then_expire() {
    let app = TestApp::new().await;
    let add = |rule: serde_json::Value| app.post("/orgwarden/v1/faults", rule);
    let r = add(json!({"path": "/api/v2/organizations", "method": "GET", "action": "rate_limit", "count": 2})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for _ in 0..2 {
        let r = app.get("/api/v2/organizations").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(header(&r, "retry-after"), 1);
        assert_eq!(header(&r, "x-ratelimit-remaining"), 0);
    }
    assert_eq!(
        app.get("/api/v2/organizations").await.status,
        StatusCode::OK
    );

    add(json!({"path": "/api/v2/connections*", "action": "error", "status": 503})).await;
    let r = app.get("/api/v2/connections?per_page=5").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.body["statusCode"], 503);
    assert_eq!(app.get("/api/v2/connections").await.status, StatusCode::OK);

    add(json!({"path": "/api/v2/*", "action": "delay", "delay_ms": 150})).await;
    let t = Instant::now();
    assert_eq!(
        app.get("/api/v2/organizations").await.status,
        StatusCode::OK
    );
    assert!(t.elapsed() >= Duration::from_millis(150));

    let r = app.get("/orgwarden/v1/faults").await;
    assert_eq!(r.body, json!([]));
    add(json!({"path": "/oauth/token", "action": "error", "count": 5})).await;
    assert_eq!(
        app.get("/orgwarden/v1/faults").await.body[0]["remaining"],
        5
    );
    assert_eq!(
        app.delete("/orgwarden/v1/faults").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get("/orgwarden/v1/faults").await.body, json!([]));
}

#[tokio::test]
async fn fault_rules_are_checked_and_need_their_scope() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/orgwarden/v1/faults",
            json!({"path": "/api/v2/*", "action": "explode"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("action must be rate_limit, error or delay"));
    let token = app.token(&["read:organizations"]);
    let r = app
        .call(Method::GET, "/orgwarden/v1/faults", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["message"],
        "Insufficient scope, expected any of: orgwarden:faults"
    );
}

#[tokio::test]
async fn a_refused_token_spends_nothing_and_is_told_where_the_tenant_stands() {
    let app = TestApp::builder().plan("free").clock(clock()).build().await;
    let forged = format!("{}x", app.admin_token);
    for token in [Some("not-a-jwt"), Some(forged.as_str()), None] {
        for _ in 0..3 {
            let r = app
                .call(Method::GET, "/api/v2/organizations", token, None)
                .await;
            assert!(
                matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST),
                "{token:?}: {} {}",
                r.status,
                r.body
            );
            assert_eq!(header(&r, "x-ratelimit-limit"), 2);
            assert_eq!(header(&r, "x-ratelimit-remaining"), 2, "nothing spent");
            assert!(!r.headers.contains_key("retry-after"));
        }
    }
    let r = app.get("/api/v2/organizations").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        header(&r, "x-ratelimit-remaining"),
        1,
        "the whole burst was left"
    );
    app.get("/api/v2/organizations").await;
    // Past the limit, a refused token is still refused as such, and told the bucket is empty.
    let r = app
        .call(
            Method::GET,
            "/api/v2/organizations",
            Some("not-a-jwt"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(header(&r, "x-ratelimit-remaining"), 0);
}

#[tokio::test]
async fn each_route_draws_from_the_group_it_declares() {
    // Enterprise group bursts: 10 for reads by id and lists, 20 by name, 5 for writes.
    let app = TestApp::builder()
        .plan("enterprise")
        .clock(clock())
        .build()
        .await;
    let org = app.organization("acme").await;
    let con = app.connection("db-main", "auth0").await;
    let cases = [
        (Method::GET, "/api/v2/organizations".to_owned(), 10),
        (Method::GET, format!("/api/v2/organizations/{org}"), 10),
        (
            Method::GET,
            "/api/v2/organizations/name/acme".to_owned(),
            20,
        ),
        (Method::PATCH, format!("/api/v2/organizations/{org}"), 5),
        (
            Method::GET,
            format!("/api/v2/organizations/{org}/connections"),
            10,
        ),
        (
            Method::DELETE,
            format!("/api/v2/organizations/{org}/enabled_connections/{con}"),
            5,
        ),
        (Method::GET, "/api/v2/clients".to_owned(), 50),
    ];
    for (method, path, limit) in cases {
        let body = (method == Method::PATCH).then(|| json!({"display_name": "Acme"}));
        let token = app.admin_token.clone();
        let r = app.call(method.clone(), &path, Some(&token), body).await;
        assert_eq!(
            header(&r, "x-ratelimit-limit"),
            limit,
            "{method} {path}: {}",
            r.body
        );
    }
}
