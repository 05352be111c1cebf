//! Health, readiness, metrics and request ids.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::TestApp;

#[tokio::test]
async fn health_and_readiness_need_no_token() {
    let app = TestApp::new().await;
    let r = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let r = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"status": "ready", "database": "ok", "rate_limiter": "ok"})
    );
}

#[tokio::test]
async fn metrics_count_requests_verifications_and_refusals() {
    let app = TestApp::builder().plan("1/0.001").build().await;
    app.get("/api/v2/organizations").await;
    app.get("/api/v2/organizations").await; // refused: the bucket holds one token
                                            // A refused token is refused as such (401), not rate-limited: authentication comes first.
    app.call(Method::GET, "/api/v2/organizations", Some("a.b.c"), None)
        .await;
    app.get("/api/v2/organizations").await; // refused again
    let r = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(r.raw).unwrap();
    for line in [
        "orgwarden_http_requests_total{route=\"/api/v2/organizations\",method=\"GET\",status=\"200\"} 1",
        "orgwarden_http_requests_total{route=\"/api/v2/organizations\",method=\"GET\",status=\"429\"} 2",
        "orgwarden_http_requests_total{route=\"/api/v2/organizations\",method=\"GET\",status=\"401\"} 1",
        "orgwarden_rate_limited_total 2",
        "orgwarden_token_verifications_total{outcome=\"verified\"} 1",
        "orgwarden_token_verifications_total{outcome=\"cached\"} 2",
        "orgwarden_token_verifications_total{outcome=\"refused\"} 1",
        "orgwarden_http_request_duration_seconds_count{route=\"/api/v2/organizations\"} 4",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn every_response_has_a_request_id_and_a_sane_one_is_kept() {
    let app = TestApp::new().await;
    let r = app.get("/api/v2/organizations").await;
    assert_eq!(r.headers["x-request-id"].len(), 20);
    let req = axum::http::Request::get("/healthz")
        .header("x-request-id", "trace-123")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.headers["x-request-id"], "trace-123");
}
